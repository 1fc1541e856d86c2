/** Worker threads running a TypeScript module of the tests (not a test file itself). */
import { Worker } from 'node:worker_threads';

const TSX = import.meta.resolve('tsx/esm/api');

/**
 * A worker thread running `module` from the sources: Node 20 does not hand a thread the loader
 * hooks of `--import tsx`, so the thread registers tsx before importing the module. Its output is
 * read and dropped (what it reports, it posts).
 */
export function tsWorker(module: URL): Worker {
  const code = `import(${JSON.stringify(TSX)}).then(({ register }) => { register(); return import(${JSON.stringify(module.href)}); })`;
  const worker = new Worker(code, { eval: true, stdout: true, stderr: true });
  worker.stdout.resume();
  worker.stderr.resume();
  return worker;
}
