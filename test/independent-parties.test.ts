/**
 * Each seat holds for components nobody here wrote (test/independent-parties.ts, from the spec
 * alone, timed unlike the harness's own parties): the conforming ones pass their seat's suite, and
 * each deliberate defect fails naming the rule it breaks.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type CliRun, freePort, rulesOf, runCli } from './cli.ts';
import { startDesktop, startRecorder, startTServer, type TServerDefects } from './independent-parties.ts';

const DNS = ['7001', '7002'];

const rulesWith = ({ summary }: CliRun, outcome: string) =>
  summary.rules.filter((r) => r.outcome === outcome).map((r) => r.rule);

/** A run of `profile` against an independent T-Server (it writes EventACK and the event apart). */
async function tserverSeat(defects: TServerDefects = {}): Promise<CliRun> {
  const t = await startTServer({ deliveryDelayMs: 30, defects });
  try {
    return await runCli(['run', '--profile', 'tserver'], {
      SCREENCAP_TSERVER_MODE: 'tcp',
      SCREENCAP_TSERVER_PORT: String(t.port),
      SCREENCAP_TSERVER_ADMIN_URL: t.adminUrl,
    });
  } finally {
    await t.stop();
  }
}

/** A run of the recorder profile with an independent recorder, started first (it retries until the run's T-Server listens). */
async function recorderSeat(defects: Parameters<typeof startRecorder>[2] = {}): Promise<CliRun> {
  const port = await freePort();
  const recorder = startRecorder(port, DNS, defects);
  try {
    return await runCli(['run', '--profile', 'recorder'], { SCREENCAP_TSERVER_PORT: String(port) });
  } finally {
    await (await recorder).stop();
  }
}

// Two runs at a time: each is mostly the command's own start-up and report.
describe('independent parties in each seat', { concurrency: 2 }, () => {
  test('T-Server seat: a conforming T-Server that delivers in a write of its own, Nagle on, passes every T-Server rule', async () => {
    const run = await tserverSeat();
    assert.equal(run.summary.verdict, 'passed', run.output);
    assert.equal(run.code, 0);
    assert.deepEqual(rulesWith(run, 'passed'), rulesOf('tserver'));
  });

  test('T-Server seat: one that accepts a DN its sender never registered fails TSRV-REFUSES-UNREGISTERED', async () => {
    const run = await tserverSeat({ acceptsUnregistered: true });
    assert.equal(run.code, 1, run.output);
    assert.deepEqual(rulesWith(run, 'failed'), ['TSRV-REFUSES-UNREGISTERED'], run.output);
    assert.match(run.output, /Verdict: FAILED \(TSRV-REFUSES-UNREGISTERED failed/);
  });

  test('recorder seat: a conforming recorder passes every recorder rule', async () => {
    const run = await recorderSeat();
    assert.equal(run.summary.verdict, 'passed', run.output);
    assert.equal(run.code, 0);
    assert.deepEqual(rulesWith(run, 'passed'), rulesOf('recorder'), run.output);
  });

  test('recorder seat: one that answers twice fails REC-ANSWER, naming the duplicate', async () => {
    const run = await recorderSeat({ answersTwice: true });
    assert.equal(run.code, 1, run.output);
    // A duplicate that reaches the T-Server after the next operation went out (its two writes split
    // by Nagle) reads, to any observer, as the answer to that operation: the rules judging an
    // answer's content (REC-MAPPING, REC-CONNID, REC-QUERY-UNCHANGED) may fail too.
    const failed = rulesWith(run, 'failed');
    assert.ok(failed.includes('REC-ANSWER'), run.output);
    const asAnswer = ['REC-ANSWER', 'REC-MAPPING', 'REC-CONNID', 'REC-QUERY-UNCHANGED'];
    assert.deepEqual(
      failed.filter((r) => !asAnswer.includes(r)),
      [],
      run.output,
    );
    assert.match(
      run.output,
      /should be answered by one indication; #\d+ tserver <- RequestSendEvent .* answers none/,
    );
  });

  test('desktop seat: a desktop driven over HTTP, knowing its calls only from call events, passes every desktop rule', async () => {
    const port = await freePort();
    const desktop = await startDesktop(port, DNS);
    try {
      const run = await runCli(['run', '--profile', 'desktop'], {
        SCREENCAP_TSERVER_PORT: String(port),
        SCREENCAP_DESKTOP_STIMULUS_HTTP_URL: `${desktop.url}/press?dn={dn}&op={op}`,
      });
      assert.equal(run.summary.verdict, 'passed', run.output);
      assert.equal(run.code, 0);
      assert.deepEqual(rulesWith(run, 'passed'), rulesOf('desktop'));
    } finally {
      await desktop.stop();
    }
  });
});
