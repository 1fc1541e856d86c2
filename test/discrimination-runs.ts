/**
 * A thread of test/discrimination.test.ts (not a test file itself): runs the broken parties' runs
 * it is sent, one at a time, each what `run --break <id> --tags @rule:<rule> --sip-log <log>` and
 * then `verify-log <log>` run (runSuite and verifyLog), with the summary the command line prints
 * and the exit code it gives. Cucumber's support code loads once per thread, not once per run;
 * a thread runs one suite at a time, so the test runs a few threads.
 */
import { parentPort } from 'node:worker_threads';
import { formatSummary } from '../src/cli/run.ts';
import { logReading } from '../src/cli/verify-log.ts';
import { loadConfig } from '../src/config/load.ts';
import { runSuite } from '../src/conformance/run.ts';
import type { BreakageId } from '../src/parties/breakages.ts';
import { exitCodeOf } from '../src/result/exit-codes.ts';
import type { SuiteResult } from '../src/result/outcomes.ts';
import { runSettings, settingsFrom } from '../src/settings.ts';
import { verifyLog } from '../src/verify-log/verify.ts';

/** A broken party's runs to make: the live one writing `log`, then verify-log reading it with `config` unless `live` only. */
export interface DiscriminationJob {
  id: BreakageId;
  violates: string;
  log: string;
  config: string;
  liveOnly: boolean;
  env: Record<string, string>;
}

/** A result as the command line gives it: its exit code and the summary it prints. */
export interface Judged {
  summary: SuiteResult;
  code: number;
  output: string;
}

export type DiscriminationDone =
  | { id: BreakageId; live: Judged; fromLog: Judged | undefined }
  | { id: BreakageId; error: string };

const judged = (summary: SuiteResult): Judged => ({
  summary,
  code: exitCodeOf(summary.verdict),
  output: formatSummary(summary),
});

async function runJob(job: DiscriminationJob): Promise<DiscriminationDone> {
  const env = { ...process.env, ...job.env };
  const { config } = runSettings({ sipLog: job.log, breakage: job.id }, env);
  const live = judged(
    await runSuite({ config, breakage: job.id, tags: `@rule:${job.violates}`, formats: ['summary'] }),
  );
  if (job.liveOnly) return { id: job.id, live, fromLog: undefined };
  const settings = settingsFrom(loadConfig(job.config, env));
  const fromLog = judged(await verifyLog([job.log], logReading(settings)));
  return { id: job.id, live, fromLog };
}

parentPort?.on('message', (job: DiscriminationJob) => {
  runJob(job).then(
    (done) => parentPort?.postMessage(done),
    (e: Error) => parentPort?.postMessage({ id: job.id, error: e.stack ?? String(e) }),
  );
});
