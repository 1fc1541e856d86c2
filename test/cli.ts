/** Runs the screencap-cert command line as a child process, as a user would. */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RULES } from '../src/domain/rule-catalog.ts';
import type { Seat } from '../src/domain/seats.ts';
import { mapLimited } from '../src/load/concurrency.ts';
import type { SuiteResult } from '../src/result/outcomes.ts';

const BIN = new URL('../bin/screencap-cert.js', import.meta.url).pathname;
const ROOT = new URL('..', import.meta.url).pathname;

export interface CliRun {
  code: number | null;
  output: string;
  summary: SuiteResult;
}

/**
 * `screencap-cert <args> --summary-json <tmp>`; resolves with the exit code, output and parsed
 * summary. Reports go to a temporary folder unless `args` name one with `--reports`. A `run` skips
 * the single-file Allure report unless `allureReport` asks for it (see withoutAllureReport).
 */
export async function runCli(
  args: string[],
  env: Record<string, string> = {},
  { allureReport = false } = {},
): Promise<CliRun> {
  const dir = await mkdtemp(join(tmpdir(), 'screencap-cli-'));
  const file = join(dir, 'summary.json');
  try {
    const reports = args.includes('--reports') ? [] : ['--reports', join(dir, 'reports')];
    const extra = [...reports, '--summary-json', file];
    const child = spawn(process.execPath, [BIN, ...withoutAllureReport(args, allureReport), ...extra], {
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

/**
 * `args`, and `--no-allure-report` if they are a `run` and `allureReport` is false: the single-file
 * Allure report is a run's slowest report (a second or two of CPU, its loading started with the
 * run), and most tests look at other things. report-run.test.ts, report-browser.test.ts,
 * package.test.ts and container.test.ts generate and check it.
 */
function withoutAllureReport(args: string[], allureReport: boolean): string[] {
  const skip = args[0] === 'run' && !allureReport && !args.includes('--no-allure-report');
  return skip ? [...args, '--no-allure-report'] : args;
}

/** Maps `items` through `fn`, at most `limit` at a time, keeping order. */
export function withConcurrency<T, R>(
  limit: number,
  items: readonly T[],
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  return mapLimited(items.length, limit, (i) => fn(items[i] as T));
}

/**
 * `screencap-cert <args>` in the background, its output collected as it comes; a `run` without its
 * single-file Allure report (see withoutAllureReport).
 */
export class Background {
  readonly child: ChildProcess;
  output = '';
  readonly exited: Promise<number | null>;

  constructor(args: string[], env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, [BIN, ...withoutAllureReport(args, false)], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (d) => (this.output += d));
    this.child.stderr?.on('data', (d) => (this.output += d));
    this.exited = new Promise((resolve) => this.child.on('close', resolve));
  }

  /** Resolves once the output so far satisfies `ready`; rejects if the process ends first or after `ms`. */
  async until(ready: (output: string) => boolean, ms = 20_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!ready(this.output)) {
      if (this.child.exitCode !== null || Date.now() > deadline)
        throw new Error(
          `screencap-cert ${this.child.spawnargs.slice(2).join(' ')}: not ready (exit ${this.child.exitCode}):\n${this.output}`,
        );
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** Ports from here up to the kernel's ephemeral range are handed out only to who asks for one. */
const FIXED_PORTS_FROM = 10_000;

/** The first of the kernel's ephemeral ports (what listen(0) and a connection's own end take). */
function ephemeralPortsFrom(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').split(/\s+/)[0]) || 32768;
  } catch {
    return 32768;
  }
}

/** Whether a server can listen on 127.0.0.1:`port` right now. */
function canListen(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A TCP port nobody listens on right now, below the kernel's ephemeral range: the port is used
 * seconds later (an image starting), and one from listen(0) can meanwhile be given to any other
 * process's listen(0) or connection (a concurrent test file's simulator took one, and the
 * recorder started beside the harness registered there). Below the range, only a process asking
 * for that very port gets it.
 */
export async function freePort(): Promise<number> {
  const until = Math.max(ephemeralPortsFrom(), FIXED_PORTS_FROM + 1000);
  for (let tries = 0; tries < 100; tries++) {
    const port = FIXED_PORTS_FROM + Math.floor(Math.random() * (until - FIXED_PORTS_FROM));
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port from ${FIXED_PORTS_FROM} to ${until - 1} in 100 tries`);
}

/** `screencap-cert mock recorder` arguments: monitoring 7001 and 7002 on 127.0.0.1:`port`, broken if `breakage` says so. */
export function mockRecorderArgs(port: number, breakage?: string): string[] {
  const args = [
    'mock',
    'recorder',
    '--tserver',
    `127.0.0.1:${port}`,
    '--dn',
    '7001,7002',
    '--timeout',
    '30000',
  ];
  return breakage ? [...args, '--break', breakage] : args;
}

/** The rules that judge a seat, in the catalog's order (as a run's summary lists them). */
export function rulesOf(seat: Seat): string[] {
  return RULES.filter((r) => r.seat === seat).map((r) => r.id);
}
