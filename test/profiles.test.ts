/**
 * The system under test in each seat, as separate OS processes: standalone simulator, standalone
 * mock recorder and mock desktop, driven through the recorder, tserver and desktop profiles.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Background, freePort, mockRecorderArgs, rulesOf, runCli } from './cli.ts';
import { withTimeout } from './helpers.ts';

const children: Background[] = [];
after(() => {
  for (const c of children) c.child.kill('SIGTERM');
});

/** `screencap-cert <args>` in the background, stopped when the tests end. */
function background(args: string[], env: Record<string, string> = {}): Background {
  const b = new Background(args, env);
  children.push(b);
  return b;
}

/** The standalone mock recorder monitoring 7001 and 7002 on 127.0.0.1:`port`. */
function mockRecorder(port: number): Background {
  return background(mockRecorderArgs(port));
}

/**
 * A T-Server that strips the userdata leaves every operation unanswered and every delivery
 * unmatched, each waiting out its timeout: short ones keep the run fast. Its replies still come as
 * a conforming T-Server's do, judged against the request timeout: half a second leaves room for a
 * loaded machine's pauses, where 250 ms could fail TSRV-REPLY too.
 */
const BROKEN_RUN = { SCREENCAP_TIMEOUTS_ANSWER_MS: '150', SCREENCAP_TIMEOUTS_REQUEST_MS: '500' };

const rulesWith = (summary: Awaited<ReturnType<typeof runCli>>['summary'], outcome: string) =>
  summary.rules.filter((r) => r.outcome === outcome).map((r) => r.rule);

// Each test is processes of its own, on ports of its own, that mostly wait on one another: three at a time.
describe('the system under test in each seat', { concurrency: 3 }, () => {
  test('recorder profile: a standalone mock recorder process passes every recorder rule', async () => {
    const port = await freePort();
    // The recorder may start before the T-Server: it retries until the run's simulator listens.
    mockRecorder(port);
    const { code, summary, output } = await runCli(['run', '--profile', 'recorder'], {
      SCREENCAP_TSERVER_PORT: String(port),
    });
    assert.equal(summary.verdict, 'passed', output);
    assert.equal(code, 0);
    assert.deepEqual(rulesWith(summary, 'passed'), rulesOf('recorder'));
    assert.ok(
      rulesWith(summary, 'not-applicable').includes('TSRV-DELIVERY'),
      'rules of seats the harness plays are not applicable',
    );
    assert.ok(
      summary.scenarios.some((s) => s.status === 'not-run'),
      'scenarios without the recorder are reported as not run',
    );
  });

  test('recorder profile: --ready-file says when the recorder may connect; --fail-fast stops at the first failed rule', async () => {
    const port = await freePort();
    const ready = join(await mkdtemp(join(tmpdir(), 'screencap-ready-')), 'ready');
    const run = runCli(['run', '--profile', 'recorder', '--ready-file', ready, '--fail-fast'], {
      SCREENCAP_TSERVER_PORT: String(port),
      SCREENCAP_TIMEOUTS_ANSWER_MS: '300',
    });
    const address = await withTimeout(
      (async () => {
        for (;;) {
          const text = await readFile(ready, 'utf8').catch(() => undefined);
          if (text) return text;
          await new Promise((r) => setTimeout(r, 50));
        }
      })(),
      30_000,
      `the ready file ${ready}`,
    );
    assert.equal(address, `127.0.0.1:${port}\n`);
    background(mockRecorderArgs(port, 'recorder-never-answers'));
    const { code, summary, output } = await run;
    assert.equal(code, 1);
    assert.match(output, /screencap-cert: T-Server listening on 127\.0\.0\.1:\d+ \(tlib-json\)/);
    assert.match(summary.reasons.join('\n'), /--fail-fast: REC-ANSWER failed in “/);
    assert.deepEqual(rulesWith(summary, 'failed'), ['REC-ANSWER']);
    // It stopped at the first scenario a rule failed in; the scenarios after it never ran.
    const failing = summary.scenarios.filter((s) => s.rules.some((r) => r.outcome === 'failed'));
    assert.equal(failing.length, 1, failing.map((s) => s.name).join(', '));
    assert.equal(summary.complete, false);
  });

  test('recorder profile: a broken recorder process, configured from the environment as a recorder image is, fails naming the rule', async () => {
    const port = await freePort();
    background(['mock', 'recorder', '--timeout', '30000'], {
      SCREENCAP_TSERVER: `127.0.0.1:${port}`,
      SCREENCAP_DNS: '7001,7002',
      SCREENCAP_BREAK: 'recorder-start-paused',
    });
    const { code, summary } = await runCli(['run', '--profile', 'recorder'], {
      SCREENCAP_TSERVER_PORT: String(port),
    });
    assert.equal(code, 1);
    assert.deepEqual(rulesWith(summary, 'failed'), ['REC-MAPPING']);
  });

  test('recorder profile: a recorder that never connects fails REC-REGISTERED, naming the DNs it never registered', async () => {
    const port = await freePort();
    const { code, summary, output } = await runCli(['run', '--profile', 'recorder'], {
      SCREENCAP_TSERVER_PORT: String(port),
      SCREENCAP_TIMEOUTS_READY_MS: '500',
    });
    assert.equal(code, 1);
    assert.equal(summary.verdict, 'failed');
    assert.deepEqual(rulesWith(summary, 'failed'), ['REC-REGISTERED'], output);
    assert.match(
      output,
      /recorder under test never registered 7001, 7002 on the T-Server at 127\.0\.0\.1:\d+ within 500 ms/,
    );
  });

  test('tserver profile: a standalone simulator process passes every T-Server rule', async () => {
    const [port, adminPort] = [await freePort(), await freePort()];
    await background(['sim', '--port', String(port), '--admin-port', String(adminPort)]).until((out) =>
      /listening/.test(out),
    );
    const { code, summary, output } = await runCli(['run', '--profile', 'tserver'], {
      SCREENCAP_TSERVER_MODE: 'tcp',
      SCREENCAP_TSERVER_PORT: String(port),
      SCREENCAP_TSERVER_ADMIN_URL: `http://127.0.0.1:${adminPort}`,
    });
    assert.equal(summary.verdict, 'passed', output);
    assert.equal(code, 0);
    assert.deepEqual(rulesWith(summary, 'passed'), rulesOf('tserver'));
  });

  test('tserver profile: a standalone simulator playing a broken T-Server fails, naming the rule', async () => {
    const [port, adminPort] = [await freePort(), await freePort()];
    const sim = background([
      'sim',
      '--port',
      String(port),
      '--admin-port',
      String(adminPort),
      '--break',
      'tserver-strips-userdata',
    ]);
    await sim.until((out) => /listening.*\(broken: tserver-strips-userdata\)/.test(out));
    const { code, summary } = await runCli(['run', '--profile', 'tserver', '--tags', '@rule:TSRV-PRESERVE'], {
      // Without the userdata no recorder answers: every scenario waits out its answer timeout, so short ones.
      ...BROKEN_RUN,
      SCREENCAP_TSERVER_MODE: 'tcp',
      SCREENCAP_TSERVER_PORT: String(port),
      SCREENCAP_TSERVER_ADMIN_URL: `http://127.0.0.1:${adminPort}`,
    });
    assert.equal(code, 1);
    assert.deepEqual(rulesWith(summary, 'failed'), ['TSRV-PRESERVE']);
  });

  test("desktop profile: the README's HTTP stimulus drives a standalone mock desktop process, which passes every desktop rule", async () => {
    const [port, control] = [await freePort(), await freePort()];
    background([
      'mock',
      'desktop',
      '--tserver',
      `127.0.0.1:${port}`,
      '--dn',
      '7001,7002',
      '--control-port',
      String(control),
      '--timeout',
      '30000',
    ]);
    // The README's HTTP stimulus, as written there.
    const { code, summary, output } = await runCli(['run', '--profile', 'desktop'], {
      SCREENCAP_TSERVER_PORT: String(port),
      SCREENCAP_DESKTOP_STIMULUS_HTTP_URL: `http://127.0.0.1:${control}/operations`,
      SCREENCAP_DESKTOP_STIMULUS_HTTP_BODY: '{"op":"{op}","dn":"{dn}","connId":"{connId}"}',
      SCREENCAP_DESKTOP_STIMULUS_HTTP_HEADERS: '{"content-type":"application/json"}',
    });
    assert.equal(summary.verdict, 'passed', output);
    assert.equal(code, 0);
    assert.deepEqual(rulesWith(summary, 'passed'), rulesOf('desktop'));
  });
});
