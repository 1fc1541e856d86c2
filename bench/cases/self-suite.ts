/** Wall time of the full `self` conformance run, as a user starts it: `screencap-cert run` in its own process. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { timeCli } from '../lib/proc.ts';
import type { BenchCase, BenchRow } from '../types.ts';

export const selfSuite: BenchCase = {
  id: 'self-suite',
  title: 'full self conformance run (screencap-cert run)',
  async run(): Promise<BenchRow[]> {
    // Its reports go to a scratch directory: a benchmark must not move reports/latest.
    const reports = await mkdtemp(join(tmpdir(), 'screencap-bench-'));
    try {
      const { seconds, peakRss, code, out } = await timeCli(['run', '--reports', reports]);
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
