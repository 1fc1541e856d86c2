/** Figures of another process from Linux's /proc: undefined elsewhere, or once it has exited. */
import { readFileSync } from 'node:fs';

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
