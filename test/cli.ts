/** Runs the screencap-cert command line as a child process, as a user would. */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SuiteResult } from '../src/conformance/run.ts';

const BIN = new URL('../bin/screencap-cert.js', import.meta.url).pathname;
const ROOT = new URL('..', import.meta.url).pathname;

export interface CliRun {
  code: number | null;
  output: string;
  summary: SuiteResult;
}

/** `screencap-cert <args> --summary-json <tmp>`; resolves with the exit code, output and parsed summary. */
export async function runCli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const dir = await mkdtemp(join(tmpdir(), 'screencap-cli-'));
  const file = join(dir, 'summary.json');
  try {
    const child = spawn(process.execPath, [BIN, ...args, '--summary-json', file], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    const summary = JSON.parse(await readFile(file, 'utf8').catch(() => 'null')) as SuiteResult;
    if (!summary)
      throw new Error(`screencap-cert ${args.join(' ')} wrote no summary (exit ${code}):\n${output}`);
    return { code, output, summary };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Maps `items` through `fn`, at most `limit` at a time, keeping order. */
export async function withConcurrency<T, R>(
  limit: number,
  items: readonly T[],
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
