/** Wall time of the full `self` conformance run, as a user starts it: `screencap-cert run` in its own process. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { watchPeakRss } from '../lib/proc.ts';
import type { BenchCase, BenchRow } from '../types.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export const selfSuite: BenchCase = {
  id: 'self-suite',
  title: 'full self conformance run (screencap-cert run)',
  async run(): Promise<BenchRow[]> {
    // Its reports go to a scratch directory: a benchmark must not move reports/latest.
    const reports = await mkdtemp(join(tmpdir(), 'screencap-bench-'));
    try {
      const started = performance.now();
      const child = spawn(process.execPath, ['bin/screencap-cert.js', 'run', '--reports', reports], {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const rss = watchPeakRss(child.pid as number);
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (text: string) => {
        out += text;
      });
      const [code] = (await once(child, 'exit')) as [number | null];
      const seconds = (performance.now() - started) / 1000;
      const peakRss = rss.stop();
      const verdict = /^Verdict: (.*)$/m.exec(out)?.[1] ?? 'no verdict printed';
      const scenarios = /^Scenarios: (.*)$/m.exec(out)?.[1];
      return [
        {
          id: 'self-suite.wall',
          label: 'self conformance run, wall time',
          value: seconds,
          unit: 's',
          target: { compare: 'below', value: 10 },
          ...(peakRss === undefined ? {} : { peakRss }),
          note: `exit ${code}; ${scenarios ? `${scenarios}; ` : ''}verdict ${verdict}; RSS is the run's (simulator embedded)`,
        },
      ];
    } finally {
      await rm(reports, { recursive: true, force: true });
    }
  },
};
