/**
 * The conformance suite with the harness's desktop on the Workspace API link, against the
 * simulator's Workspace API front (SCREENCAP_DESKTOP_LINK_TYPE=workspace): it passes, and broken
 * parties still fail naming their rule (one per seat: the desktops the Workspace API can express,
 * a T-Server, a recorder). And the standalone mock desktop signs in to a `sim --workspace-port`.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Background, freePort, runCli, withConcurrency } from './cli.ts';

const WORKSPACE = { SCREENCAP_DESKTOP_LINK_TYPE: 'workspace' };
const BROKEN_RUN = {
  ...WORKSPACE,
  SCREENCAP_TIMEOUTS_ANSWER_MS: '150',
  SCREENCAP_TIMEOUTS_REQUEST_MS: '250',
};
const BROKEN = [
  ['desktop-omits-connid', 'DESK-CONNID'],
  ['tserver-indications-lose-connid', 'DESK-RECEIVES-INDICATION'],
  ['recorder-start-paused', 'REC-MAPPING'],
] as const;

describe('the suite with the desktop on the Workspace API link', () => {
  test('with the harness playing every seat correctly, every rule passes but recovery (no scenario drops a GWS session yet)', async () => {
    const { code, summary, output } = await runCli(['run', '--parallel', '2'], WORKSPACE);
    assert.equal(summary.verdict, 'incomplete', output);
    assert.equal(code, 3);
    assert.deepEqual(
      summary.rules.filter((r) => r.outcome !== 'passed').map((r) => `${r.rule} ${r.outcome}`),
      ['REC-RECOVERS not-exercised', 'DESK-RECOVERS not-exercised'],
    );
    assert.ok(summary.scenarios.length >= 40, `${summary.scenarios.length} scenarios ran`);
  });

  test('each broken party (one per seat) makes the run fail, naming the rule it violates', async () => {
    const results = await withConcurrency(2, BROKEN, async ([id, rule]) => ({
      id,
      rule,
      // The scenarios that judge its rule: a rule judges only the scenarios tagged with it.
      ...(await runCli(['run', '--break', id, '--tags', `@rule:${rule}`], BROKEN_RUN)),
    }));
    for (const { id, rule, code, summary, output } of results) {
      assert.equal(code, 1, `${id}: exit code\n${output}`);
      assert.equal(
        summary.rules.find((r) => r.rule === rule)?.outcome,
        'failed',
        `${id} should fail ${rule}`,
      );
      assert.match(output, new RegExp(`FAIL ${rule}\\b`), `${id}: the printed summary names ${rule}`);
    }
  });

  test('mock desktop --workspace --send: signs in from the environment, exit 0 with the indication; 1 when refused', async (t) => {
    const port = await freePort();
    const dir = await mkdtemp(join(tmpdir(), 'screencap-agents-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const agents = join(dir, 'agents.yaml');
    await writeFile(
      agents,
      '- { agentId: a7001, username: jane, password: pw-7001-secret, places: { desk-7001: ["7001"] } }\n',
    );
    const sim = new Background([
      'sim',
      '--port',
      '0',
      '--no-admin',
      '--workspace-port',
      String(port),
      '--workspace-agents',
      agents,
    ]);
    t.after(() => void sim.child.kill());
    await sim.until((o) => o.includes('Workspace API (GWS v3) on'));
    const tserver = /tlib-json listening on (\S+);?/.exec(sim.output)?.[1] as string;
    const recorder = new Background([
      'mock',
      'recorder',
      '--tserver',
      tserver.replace(/;$/, ''),
      '--dn',
      '7001',
    ]);
    t.after(() => void recorder.child.kill());
    await recorder.until((o) => o.includes('mock recorder monitoring'));
    const url = `http://127.0.0.1:${port}`;
    const env = { GWS_USERNAME: 'jane', GWS_PASSWORD: 'pw-7001-secret' };
    const accepted = new Background(
      ['mock', 'desktop', '--workspace', url, '--agent', 'a7001', '--dn', '7001', '--send', 'start'],
      env,
    );
    assert.equal(await accepted.exited, 0, accepted.output);
    assert.match(accepted.output, /indication on 7001: .*"screen-capture","enabled"/);
    const refused = new Background(
      ['mock', 'desktop', '--workspace', url, '--agent', 'a7001', '--dn', '7002', '--send', 'start'],
      env,
    );
    assert.equal(await refused.exited, 1);
    assert.match(refused.output, /DN 7002 is not in a place of agent a7001/);
    const wrong = new Background(
      ['mock', 'desktop', '--workspace', url, '--agent', 'a7001', '--dn', '7001', '--send', 'start'],
      { ...env, GWS_PASSWORD: 'pw-wrong-secret' },
    );
    assert.equal(await wrong.exited, 1);
    assert.match(wrong.output, /sign-in of jane failed: HTTP 401 POST \/auth\/v3\/oauth\/token/);
    assert.doesNotMatch(
      sim.output + accepted.output + refused.output + wrong.output,
      /pw-7001-secret|pw-wrong-secret/,
    );
  });
});
