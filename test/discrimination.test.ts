/**
 * Proof that the suite discriminates: with the harness's own parties it passes; with any one
 * deliberately broken party in its seat it fails and names the rule that party violates, live and
 * again when `verify-log` reads the simulator's SIP Server log of that run.
 *
 * The conforming run is the command line's, in sipserver-log-roundtrip.test.ts: every rule passes,
 * live and from its log (one self run for both). The broken parties' runs are what `run --break <id>
 * --tags @rule:<rule> --sip-log <log>` and `verify-log <log>` run, with the summary they print and
 * the exit code they give, in a few threads of this process (test/discrimination-runs.ts): one
 * start-up per thread, not one per run. The command line's own handling of those options and of
 * exit codes is tested in exit-codes, one-judge, report-run and the profiles' tests.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { RULE_IDS } from '../src/domain/rule-catalog.ts';
import { BREAKAGES } from '../src/parties/breakages.ts';
import type { DiscriminationDone, DiscriminationJob, Judged } from './discrimination-runs.ts';
import { writeHarnessLogConfig } from './harness-log-config.ts';
import { tsWorker } from './ts-worker.ts';

const FEATURES = new URL('../features', import.meta.url).pathname;

/**
 * A broken party mostly costs timeouts, so its runs use short ones. A spurious timeout can only
 * add failures: it cannot make the violated rule pass.
 */
const BROKEN_RUN = {
  SCREENCAP_TIMEOUTS_ANSWER_MS: '150',
  SCREENCAP_TIMEOUTS_REQUEST_MS: '250',
  SCREENCAP_TIMEOUTS_RECOVER_MS: '800',
};

/** The broken parties' runs mostly wait out timeouts: a few threads overlap the waits. */
const THREADS = 3;

/** Each job's result, from `THREADS` threads each taking the next job when done with one. */
async function inThreads(jobs: DiscriminationJob[]): Promise<DiscriminationDone[]> {
  const queue = [...jobs];
  const done: DiscriminationDone[] = [];
  const workers = Array.from({ length: Math.min(THREADS, jobs.length) }, () =>
    tsWorker(new URL('./discrimination-runs.ts', import.meta.url)),
  );
  try {
    await Promise.all(
      workers.map(async (worker) => {
        let current = '';
        // One wait for the thread's end, not one per job: each would keep its listeners to the end.
        const stopped = once(worker, 'exit').then(([code]) => {
          throw new Error(`the thread stopped (exit ${code}) during ${current}`);
        });
        stopped.catch(() => {}); // terminate() below ends it once every job is done
        for (let job = queue.shift(); job; job = queue.shift()) {
          current = job.id;
          worker.postMessage(job);
          // Rejects if the thread fails, or stops without answering.
          const [result] = (await Promise.race([once(worker, 'message'), stopped])) as [DiscriminationDone];
          done.push(result);
        }
      }),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return done;
}

describe('the conformance suite discriminates', () => {
  test('every rule is violated by at least one broken party', () => {
    const violated = new Set(BREAKAGES.map((b) => b.violates));
    assert.deepEqual(
      RULE_IDS.filter((id) => !violated.has(id)),
      [],
      'rules no broken party proves the suite catches',
    );
  });

  test('every scenario names the rule it proves (@rule:), so any failure is a rule’s', async () => {
    const untagged: string[] = [];
    for (const file of await readdir(FEATURES)) {
      const lines = (await readFile(join(FEATURES, file), 'utf8')).split('\n');
      const hasRule = (i: number) => {
        for (let j = i - 1; j >= 0 && /^\s*@/.test(lines[j] as string); j--)
          if (/@rule:/.test(lines[j] as string)) return true;
        return false;
      };
      let scenario: { line: string; tagged: boolean } | undefined;
      lines.forEach((line, i) => {
        if (/^\s*Scenario/.test(line)) {
          scenario = { line: line.trim(), tagged: hasRule(i) };
          if (!scenario.tagged && !/Outline/.test(line)) untagged.push(`${file}: ${scenario.line}`);
        }
        // An outline's examples may carry the rule tags of their rows.
        if (/^\s*Examples:/.test(line) && scenario && !scenario.tagged && !hasRule(i))
          untagged.push(`${file}: ${scenario.line}, ${line.trim()}`);
      });
    }
    assert.deepEqual(untagged, []);
  });

  // Bounded, so that a thread that hangs fails the test instead of stalling npm test.
  test('each broken party makes the run fail, naming the rule it violates, live and from the SIP Server log', {
    timeout: 600_000,
  }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'screencap-discrimination-'));
    after(() => rm(dir, { recursive: true, force: true, maxRetries: 5 }));
    const config = await writeHarnessLogConfig(dir);
    const jobs = BREAKAGES.map((b) => ({
      id: b.id,
      violates: b.violates,
      log: join(dir, `${b.id}.log`),
      config,
      // Recovery from a drop is judged live only: a log does not say which disconnections were drops.
      liveOnly: b.violates.endsWith('-RECOVERS'),
      env: BROKEN_RUN,
    }));
    const done = new Map((await inThreads(jobs)).map((d) => [d.id, d]));
    const results = BREAKAGES.map((b) => {
      const d = done.get(b.id);
      if (!d || 'error' in d) assert.fail(`${b.id}: ${d ? d.error : 'no result'}`);
      return { b, log: join(dir, `${b.id}.log`), live: d.live, fromLog: d.fromLog };
    });
    for (const { b, log, live, fromLog } of results) {
      const rules = (run: Judged) => JSON.stringify(run.summary.rules.map((r) => [r.rule, r.outcome]));
      const outcome = (run: Judged) => run.summary.rules.find((r) => r.rule === b.violates);
      assert.equal(live.code, 1, `${b.id}: exit code\n${live.output}`);
      assert.equal(live.summary.verdict, 'failed', `${b.id}: verdict`);
      assert.equal(
        outcome(live)?.outcome,
        'failed',
        `${b.id} (${b.text}) should fail ${b.violates}; rules: ${rules(live)}`,
      );
      assert.match(
        live.output,
        new RegExp(`FAIL ${b.violates}\\b`),
        `${b.id}: the printed summary names ${b.violates}`,
      );
      if (!fromLog) continue;
      assert.equal(
        outcome(fromLog)?.outcome,
        'failed',
        `${b.id} (${b.text}): verify-log should fail ${b.violates}; rules: ${rules(fromLog)}\n${fromLog.output}`,
      );
      assert.equal(fromLog.code, 1, `${b.id}: verify-log's exit code`);
      assert.match(
        fromLog.output,
        new RegExp(`FAIL ${b.violates}\\b`),
        `${b.id}: verify-log's summary names it`,
      );
      assert.match(
        outcome(fromLog)?.reason ?? '',
        new RegExp(` at ${log}:\\d+`),
        `${b.id}: the finding names file and line`,
      );
    }
  });
});
