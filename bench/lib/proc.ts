/** Figures of another process from Linux's /proc: undefined elsewhere, or once it has exited. */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ: 100 on every Linux Node supports). */
const USER_HZ = 100;

/** CPU time the process has used so far (user + system), seconds. */
export function cpuSecondsOf(pid: number): number | undefined {
  try {
    // Fields after the `(command)`, which may itself hold spaces: utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / USER_HZ;
  } catch {
    return undefined;
  }
}

/** Peak resident set (VmHWM), bytes. */
export function peakRssOf(pid: number): number | undefined {
  try {
    const kib = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kib === undefined ? undefined : Number(kib) * 1024;
  } catch {
    return undefined;
  }
}

/** Samples a running process's peak RSS until `stop()`, which returns the highest seen. */
export function watchPeakRss(pid: number, everyMs = 50): { stop(): number | undefined } {
  let peak: number | undefined;
  const sample = () => {
    const rss = peakRssOf(pid);
    if (rss !== undefined) peak = Math.max(peak ?? 0, rss);
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

let built = false;

/** Builds the package (dist/) from the sources as they are, once per bench run: what is measured is what ships. */
export function buildPackage(): void {
  if (built) return;
  execFileSync(process.execPath, ['build.mjs'], { cwd: ROOT, stdio: 'inherit' });
  built = true;
}

export interface TimedCli {
  seconds: number;
  peakRss: number | undefined;
  code: number | null;
  /** What it printed on stdout (stderr passes through). */
  out: string;
}

/**
 * Runs `screencap-cert <args>` as a user would: wall time, peak RSS and output. `compiled`: the
 * package's command (dist/cli.js, as built), as a vendor runs it; else the checkout's, compiling
 * the sources at start-up.
 */
export async function timeCli(args: string[], options: { compiled?: boolean } = {}): Promise<TimedCli> {
  const started = performance.now();
  const cli = options.compiled ? 'dist/cli.js' : 'bin/screencap-cert.js';
  const child = spawn(process.execPath, [cli, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const rss = watchPeakRss(child.pid as number);
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    out += text;
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  return { seconds: (performance.now() - started) / 1000, peakRss: rss.stop(), code, out };
}
