/**
 * The staging recipe, rehearsed with the simulator standing in for staging: a standalone `sim
 * --log FILE --workspace-port N` (its Workspace API front is the staging GWS, its log the SIP
 * Server's, its admin API the calls a staging switch carries), the standalone mock recorder connected to it, `run --profile recorder` with the
 * harness's desktop on the Workspace API link, then `verify-log FILE --run <run> --profile recorder`:
 * one certificate from both kinds of evidence. The live run alone is INCOMPLETE (the recorder's own
 * requests are not visible over the Workspace API); with the log, every exchange rule of the recorder
 * passes, judged by the evidence named (recovery stays unexercised: staging cannot drop a link); with each broken recorder, FAILED naming its rule.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { RULES } from '../src/domain/rule-catalog.ts';
import { BREAKAGES } from '../src/parties/breakages.ts';
import type { Certification } from '../src/report/certification.ts';
import { Background, freePort, runCli, withConcurrency } from './cli.ts';

const dir = await mkdtemp(join(tmpdir(), 'staging-rehearsal-'));
after(() => rm(dir, { recursive: true, force: true }));

const AGENTS = {
  GWS_USERNAME: 'agent7001',
  GWS_PASSWORD: 'agent7001',
  GWS_USERNAME_2: 'agent7002',
  GWS_PASSWORD_2: 'agent7002',
};

interface Rehearsal {
  live: Awaited<ReturnType<typeof runCli>>;
  combined: Awaited<ReturnType<typeof runCli>>;
  certificate: Certification;
}

/**
 * The whole recipe in its own folder, with the recorder broken as `breakage` says; the live run
 * limited to the scenarios that judge `rule` when one is given.
 */
async function rehearse(name: string, breakage?: string, rule?: string): Promise<Rehearsal> {
  const here = join(dir, name);
  const [tlibPort, gwsPort, adminPort] = [await freePort(), await freePort(), await freePort()];
  const log = join(here, 'SIPServer.log');
  const reports = join(here, 'reports');
  const config = join(dir, `${name}.yaml`);
  await mkdir(here, { recursive: true });
  // Broken recorders cost a timeout per operation: short ones keep the test fast.
  await writeFile(
    config,
    `profile: recorder
agents: { dns: ["7001", "7002"] }
timeouts: { answerMs: ${breakage ? 400 : 2000}, requestMs: 2000, readyMs: 15000 }
# A simulator stands in for staging: its admin API creates the calls a staging switch would carry.
tserver: { adminUrl: "http://127.0.0.1:${adminPort}" }
desktop:
  link:
    type: workspace
    url: http://127.0.0.1:${gwsPort}
    agents: [{ agentId: agent7001 }, { agentId: agent7002 }]
`,
  );
  const sim = new Background([
    'sim',
    '--port',
    String(tlibPort),
    '--admin-port',
    String(adminPort),
    '--log',
    log,
    '--workspace-port',
    String(gwsPort),
  ]);
  const recorder = new Background([
    'mock',
    'recorder',
    '--tserver',
    `127.0.0.1:${tlibPort}`,
    '--dn',
    '7001,7002',
    '--timeout',
    '30000',
    ...(breakage ? ['--break', breakage] : []),
  ]);
  try {
    await sim.until((o) => o.includes('Workspace API (GWS v3) on'));
    await recorder.until((o) => o.includes('mock recorder monitoring'));
    const live = await runCli(
      ['run', '--config', config, '--reports', reports, ...(rule ? ['--tags', `@rule:${rule}`] : [])],
      AGENTS,
    );
    const combined = await runCli([
      'verify-log',
      log,
      '--run',
      join(reports, 'latest'),
      '--profile',
      'recorder',
      '--config',
      config,
      '--reports',
      reports,
    ]);
    const certificate = JSON.parse(
      await readFile(join(reports, 'latest', 'certification.json'), 'utf8'),
    ) as Certification;
    return { live, combined, certificate };
  } finally {
    sim.child.kill('SIGTERM');
    recorder.child.kill('SIGTERM');
    await Promise.all([sim.exited, recorder.exited]);
  }
}

/** The recorder's exchange rules (recovery cannot be exercised through a staging GWS). */
const RECORDER_RULES = RULES.filter((r) => r.seat === 'recorder' && r.id !== 'REC-RECOVERS').map((r) => r.id);

// The rehearsals run side by side: each is four processes that mostly wait on one another (a
// rehearsal keeps about half a core busy), each with its own ports and folder.
describe('staging rehearsal: the recorder through the Workspace API, certified with the SIP Server log', {
  concurrency: 2,
}, () => {
  test('a conforming recorder: the live run alone is INCOMPLETE; with the log every exchange rule passes, judged by the evidence named, and only recovery is left unexercised', async () => {
    const { live, combined, certificate } = await rehearse('conforming');
    assert.equal(live.summary.verdict, 'incomplete', live.output);
    assert.equal(live.code, 3);
    const notObservable = live.summary.rules.filter((r) => r.outcome === 'not-observable');
    assert.deepEqual(
      notObservable.map((r) => r.rule),
      ['REC-REGISTERED', 'REC-THISDN', 'REC-MSGTYPE', 'REC-CONNID', 'REC-INDICATION'],
    );
    for (const r of notObservable)
      assert.match(r.reason, /SIP Server log/, `${r.rule} says what would show it`);

    // Recovery (REC-RECOVERS) needs a T-Server the harness can drop or restart: not a staging GWS.
    // Nothing else is left unjudged, so the verdict is INCOMPLETE for that rule alone.
    assert.equal(combined.summary.verdict, 'incomplete', combined.output);
    assert.equal(combined.code, 3);
    assert.deepEqual(combined.summary.reasons, ['REC-RECOVERS not exercised']);
    const rules = new Map(certificate.rules.map((r) => [r.rule, r]));
    assert.match(
      rules.get('REC-RECOVERS')?.reason ?? '',
      /did not run: it drops and restores the desktop's tlib-json connection/,
    );
    for (const id of RECORDER_RULES) {
      assert.equal(rules.get(id)?.outcome, 'passed', `${id}: ${rules.get(id)?.reason}`);
      assert.ok(rules.get(id)?.judgedBy?.includes('SIP Server log'), `${id} judged by the log`);
    }
    // What the desktop saw over the Workspace API judged the answers too.
    assert.ok(rules.get('REC-MAPPING')?.judgedBy?.some((e) => e.startsWith('live run ')));
    for (const r of certificate.rules.filter((x) => !x.rule.startsWith('REC-')))
      assert.equal(r.outcome, 'not-applicable', `${r.rule} judges a seat not certified`);
    assert.match(certificate.run.source ?? '', /^live run \S+ \(its manifest verified\); SIP Server log: /);
    assert.equal(certificate.run.profile, 'recorder');
  });

  test('each broken recorder: the combined certificate is FAILED, naming its rule', async () => {
    // Recovery cannot be exercised through a staging GWS (the rehearsal's first test shows it left
    // unexercised), so the recorders broken only once interrupted are not for this recipe.
    const broken = BREAKAGES.filter((b) => b.seat === 'recorder' && !('whenInterrupted' in b));
    const results = await withConcurrency(3, broken, async (b) => ({
      b,
      ...(await rehearse(b.id, b.id, b.violates)),
    }));
    const seen = results.map(({ b, combined, certificate }) => {
      const rule = certificate.rules.find((r) => r.rule === b.violates);
      return `${b.id}: exit ${combined.code}, ${certificate.verdict}, ${b.violates} ${rule?.outcome}${rule?.outcome === 'failed' ? '' : ` (${rule?.reason})`}`;
    });
    assert.deepEqual(
      seen,
      broken.map((b) => `${b.id}: exit 1, failed, ${b.violates} failed`),
    );
  });
});
