/** Worker threads running a TypeScript module of the tests (not a test file itself). */
import type { Worker } from 'node:worker_threads';
import { tsxThread } from '../src/harness-root.ts';

/** A worker thread running `module` from the sources. Its output is read and dropped (what it reports, it posts). */
export function tsWorker(module: URL): Worker {
  const worker = tsxThread(module, { stdout: true, stderr: true });
  worker.stdout.resume();
  worker.stderr.resume();
  return worker;
}
