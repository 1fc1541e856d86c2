/** Starts bench/lib/server-child.ts as a child process and hands back its address, peak RSS and CPU time. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { cpuSecondsOf, peakRssOf } from './proc.ts';
import type { ServerKind } from './server-child.ts';

const CHILD = fileURLToPath(new URL('./server-child.ts', import.meta.url));
/** Node flags for the server process, e.g. `--cpu-prof --cpu-prof-dir=prof` (not allowed in NODE_OPTIONS). */
const NODE_ARGS = process.env.BENCH_SERVER_NODE_ARGS?.split(/\s+/).filter(Boolean) ?? [];
/** Starting compiles the sources with tsx. */
const START_MS = 20_000;

export interface ServerProcess {
  host: string;
  port: number;
  pid: number;
  /** Peak RSS so far, bytes (Linux only). */
  peakRss(): number | undefined;
  /** CPU time used so far, seconds (Linux only). */
  cpuSeconds(): number | undefined;
  stop(): Promise<void>;
}

export async function startServerProcess(kind: ServerKind): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...NODE_ARGS, '--import', 'tsx', CHILD, kind], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  const address = await new Promise<{ host: string; port: number }>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => reject(new Error(`${kind} server did not start within ${START_MS} ms`)),
      START_MS,
    );
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      out += text;
      const m = /listening on ([\d.]+):(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ host: m[1] as string, port: Number(m[2]) });
      }
    });
    exited.then(([code]) => reject(new Error(`${kind} server exited with ${code} before listening`)));
  });
  const pid = child.pid as number;
  return {
    ...address,
    pid,
    peakRss: () => peakRssOf(pid),
    cpuSeconds: () => cpuSecondsOf(pid),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Starts measuring the server's CPU; `cores()` is its CPU time since then over the wall time. */
export function cpuMeter(server: ServerProcess): { cores(): number | undefined } {
  const from = { cpu: server.cpuSeconds(), at: performance.now() };
  return {
    cores() {
      const cpu = server.cpuSeconds();
      if (cpu === undefined || from.cpu === undefined) return undefined;
      return (cpu - from.cpu) / ((performance.now() - from.at) / 1000);
    },
  };
}
