/**
 * Wall time of the full `self` conformance run, as a user starts it: `screencap-cert run` of the
 * package as built, in its own process, every report included. Its baseline, measured alternately
 * in the same bench run (a burst of load skews both alike): Cucumber alone on the same suite,
 * loading the support code and the features and running no step (`cucumber-js --dry-run`), the
 * floor any Cucumber suite of this size pays before its first step.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPackage, type TimedCli, timeCli } from '../lib/proc.ts';
import type { BenchCase, BenchRow } from '../types.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const RUNS = 3;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** Wall seconds of Cucumber's dry run of the compiled suite. */
async function dryRun(): Promise<number> {
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [
      'node_modules/@cucumber/cucumber/bin/cucumber.js',
      '--dry-run',
      '--profile',
      'compiled',
      '--format',
      'summary',
    ],
    { cwd: ROOT, stdio: 'ignore' },
  );
  const [code] = await once(child, 'exit');
  if (code !== 0) throw new Error(`cucumber-js --dry-run exited ${code}`);
  return (performance.now() - started) / 1000;
}

const spread = (values: number[]) =>
  `${values.length} runs, ${Math.min(...values).toFixed(2)}-${Math.max(...values).toFixed(2)} s`;

export const selfSuite: BenchCase = {
  id: 'self-suite',
  title: 'full self conformance run (screencap-cert run), beside Cucumber dry-running the same suite',
  async run(): Promise<BenchRow[]> {
    // What is measured is the package as shipped: build it from the sources as they are.
    buildPackage();
    // Its reports go to a scratch directory: a benchmark must not move reports/latest.
    const reports = await mkdtemp(join(tmpdir(), 'screencap-bench-'));
    try {
      const floor: number[] = [];
      const runs: TimedCli[] = [];
      for (let i = 0; i < RUNS; i++) {
        floor.push(await dryRun());
        runs.push(await timeCli(['run', '--reports', reports], { compiled: true }));
      }
      const seconds = runs.map((r) => r.seconds);
      const last = runs.at(-1) as TimedCli;
      const failed = runs.find((r) => r.code !== 0);
      const verdict = /^Verdict: (.*)$/m.exec(last.out)?.[1] ?? 'no verdict printed';
      const scenarios = /^Scenarios: (.*)$/m.exec(last.out)?.[1];
      const peakRss = Math.max(...runs.map((r) => r.peakRss ?? 0));
      return [
        {
          id: 'self-suite.dry-run',
          label: 'Cucumber dry run of the same suite (no step run, no report)',
          value: median(floor),
          unit: 's',
          note: spread(floor),
        },
        {
          id: 'self-suite.wall',
          label: 'self conformance run, every report, wall time',
          value: median(seconds),
          unit: 's',
          baseline: 'self-suite.dry-run',
          target: { compare: 'below', value: 3 },
          ...(peakRss > 0 ? { peakRss } : {}),
          note: `${spread(seconds)}; exit ${failed?.code ?? last.code}; ${scenarios ? `${scenarios}; ` : ''}verdict ${verdict}; RSS is the run's (simulator embedded; its report child apart)`,
        },
      ];
    } finally {
      await rm(reports, { recursive: true, force: true });
    }
  },
};
