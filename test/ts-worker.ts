/** Worker threads running a TypeScript module of the tests (not a test file itself). */
import type { Worker } from 'node:worker_threads';
import { tsxThread } from '../src/harness-root.ts';

/**
 * A worker thread running `module` from the sources. Its output is read and dropped (what it
 * reports, it posts); what it prints on stderr (a warning, a stack) goes to the test's own.
 */
export function tsWorker(module: URL): Worker {
  const worker = tsxThread(module, { stdout: true });
  worker.stdout.resume();
  return worker;
}
