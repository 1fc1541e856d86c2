/**
 * Where the harness's own files are (package.json, features/, cucumber.mjs, allurerc.mjs), whether
 * it runs from a checkout's TypeScript sources or from the compiled package (dist/, whose modules
 * sit at another depth, bundled into chunks).
 */
import { existsSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** The nearest folder above `from` holding a package.json. */
function packageRootAbove(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`screencap-cert: no package.json above ${from}`);
  }
}

/** The harness's root folder, with a trailing separator. */
export const HARNESS_ROOT = `${packageRootAbove(dirname(fileURLToPath(import.meta.url)))}${sep}`;

/** True when running the compiled JavaScript of the package, false when tsx runs the sources. */
export const COMPILED = !import.meta.url.endsWith('.ts');

/**
 * A worker thread running the TypeScript module `module` from a checkout's sources: Node 20 does
 * not hand a thread the loader hooks of `--import tsx`, so the thread registers tsx first.
 */
export function tsxThread(module: URL, options: WorkerOptions = {}): Worker {
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(module.href)}); })`;
  return new Worker(boot, { ...options, eval: true });
}
