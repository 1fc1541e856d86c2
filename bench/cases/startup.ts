/**
 * Start-up of the compiled command, as a vendor's CI pays it on every call: `screencap-cert --help`
 * beside a bare `node -e 0`, and how soon `screencap-cert sim` accepts a connection beside a bare
 * Node TCP server. Medians of alternating runs, so a burst of load skews both sides alike.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../test/cli.ts';
import { buildPackage } from '../lib/proc.ts';
import type { BenchCase, BenchRow } from '../types.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = 'dist/cli.js';
const RUNS = 9;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** Wall seconds from spawn to exit. */
async function timeToExit(args: string[]): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: 'ignore' });
  const [code] = await once(child, 'exit');
  if (code !== 0) throw new Error(`node ${args.join(' ')} exited ${code}`);
  return (performance.now() - started) / 1000;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Wall seconds from spawn until a TCP connection to `port` is accepted; then the server is stopped. */
async function timeToAccept(args: (port: number) => string[]): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const child: ChildProcess = spawn(process.execPath, args(port), { cwd: ROOT, stdio: 'ignore' });
  try {
    while (!(await accepts(port))) {
      if (child.exitCode !== null) throw new Error(`node ${args(port).join(' ')} exited ${child.exitCode}`);
      if (performance.now() - started > 30_000) throw new Error(`nothing accepted on ${port} within 30 s`);
      await new Promise((r) => setTimeout(r, 2));
    }
    return (performance.now() - started) / 1000;
  } finally {
    child.kill('SIGTERM');
    if (child.exitCode === null) await once(child, 'exit');
  }
}

export const startup: BenchCase = {
  id: 'startup',
  title: 'start-up of the compiled command (--help; sim until it accepts a connection)',
  async run(): Promise<BenchRow[]> {
    // What is measured is the package as shipped: build it from the sources as they are.
    buildPackage();
    const node: number[] = [];
    const help: number[] = [];
    const listen: number[] = [];
    const sim: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      node.push(await timeToExit(['-e', '0']));
      help.push(await timeToExit([CLI, '--help']));
      listen.push(
        await timeToAccept((port) => ['-e', `require('net').createServer().listen(${port}, '127.0.0.1')`]),
      );
      sim.push(await timeToAccept((port) => [CLI, 'sim', '--port', String(port), '--no-admin']));
    }
    const spread = (values: number[]) =>
      `${RUNS} runs, ${Math.min(...values).toFixed(3)}-${Math.max(...values).toFixed(3)} s`;
    return [
      { id: 'startup.node', label: 'node -e 0', value: median(node), unit: 's', note: spread(node) },
      {
        id: 'startup.help',
        label: 'screencap-cert --help (compiled)',
        value: median(help),
        unit: 's',
        baseline: 'startup.node',
        target: { compare: 'below', value: 2.5, of: 'ratio' },
        note: spread(help),
      },
      {
        id: 'startup.node-listen',
        label: 'bare Node TCP server, spawn to accept',
        value: median(listen),
        unit: 's',
        note: spread(listen),
      },
      {
        id: 'startup.sim-ready',
        label: 'screencap-cert sim, spawn to accept',
        value: median(sim),
        unit: 's',
        baseline: 'startup.node-listen',
        target: { compare: 'below', value: 0.3 },
        note: spread(sim),
      },
    ];
  },
};
