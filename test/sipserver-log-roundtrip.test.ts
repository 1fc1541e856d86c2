/**
 * Proof that a SIP Server log certifies as a live run does (issue #8): the suite run with the
 * simulator writing its log, then `verify-log` on that log, pass and cover the same rules; and with
 * each broken party in its seat, `verify-log` fails the log naming the rule the live run fails.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { RULE_IDS } from '../src/domain/rule-catalog.ts';
import { HARNESS_APP_PREFIX } from '../src/harness-clients.ts';
import { BREAKAGES } from '../src/parties/breakages.ts';
import type { LogVerification } from '../src/verify-log/verify.ts';
import { runCli, withConcurrency } from './cli.ts';

const BIN = new URL('../bin/screencap-cert.js', import.meta.url).pathname;

/** Short timeouts: a broken party that never answers should cost little time. */
const FAST = { SCREENCAP_TIMEOUTS_ANSWER_MS: '150', SCREENCAP_TIMEOUTS_REQUEST_MS: '250' };

const dir = await mkdtemp(join(tmpdir(), 'sipserver-log-roundtrip-'));
after(() => rm(dir, { recursive: true, force: true }));

/**
 * The harness's own parties by application name (its raw test clients play no seat), and where the
 * agent on 7002 has calls: in one scenario its desktop sends on 7002 and its calls are on 7001.
 */
const config = join(dir, 'config.json');
await writeFile(
  config,
  JSON.stringify({
    agents: { voiceDns: { '7002': ['7002', '7001'] } },
    applications: {
      desktop: [`^${HARNESS_APP_PREFIX}desktop`],
      recorder: [`^${HARNESS_APP_PREFIX}recorder`],
    },
  }),
);

const passedRules = (rules: ReadonlyArray<{ rule: string; outcome: string }>) =>
  rules.filter((r) => r.outcome === 'passed').map((r) => r.rule);

describe('verify-log on the simulator`s log of a conformance run', () => {
  test('round trip: the self run and verify-log on its log both pass, covering the same rules', async () => {
    const log = join(dir, 'self.log');
    const reports = join(dir, 'reports');
    const live = await runCli(['run', '--sip-log', log], FAST);
    assert.equal(live.summary.verdict, 'passed', live.output);
    const fromLog = await runCli(['verify-log', log, '--config', config, '--reports', reports], FAST);
    assert.equal(fromLog.summary.verdict, 'passed', fromLog.output);
    assert.equal(fromLog.code, 0);
    // A log does not say which disconnections were drops: recovery is judged live only.
    const recovery: readonly string[] = ['REC-RECOVERS', 'DESK-RECOVERS'];
    const judgedByLogs = RULE_IDS.filter((id) => !recovery.includes(id));
    assert.deepEqual(
      passedRules(fromLog.summary.rules),
      passedRules(live.summary.rules).filter((id) => !recovery.includes(id)),
    );
    assert.deepEqual(passedRules(fromLog.summary.rules), judgedByLogs);
    for (const id of recovery)
      assert.equal(fromLog.summary.rules.find((r) => r.rule === id)?.outcome, 'not-applicable', id);

    // The result names its source: the file, its size and SHA-256, and the time range.
    const bytes = await readFile(log);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    assert.match(
      fromLog.output,
      new RegExp(
        `Source: SIP Server log, 1 file\\(s\\), \\S+ to \\S+\\n  ${log} \\(.* MB, sha256 ${sha256}\\)`,
      ),
    );
    const runDir = join(reports, 'latest');
    const written = JSON.parse(await readFile(join(runDir, 'verify-log.json'), 'utf8')) as LogVerification;
    assert.deepEqual(written.source.files, [{ path: log, bytes: bytes.length, sha256 }]);
    assert.equal(written.verdict, 'passed');
    // The same certificate as a live run, naming its evidence, and hashed.
    const cert = JSON.parse(await readFile(join(runDir, 'certification.json'), 'utf8'));
    assert.equal(cert.run.profile, 'all');
    // The log by its file name: the certificate names no folder of the machine it ran on.
    assert.match(
      cert.run.source,
      new RegExp(`^SIP Server log: ${basename(log)} \\(.* MB\\), from \\S+ to \\S+$`),
    );
    assert.equal(cert.verdict, 'passed');
    assert.match(await readFile(join(runDir, 'certification.html'), 'utf8'), /SIP Server log: /);
    // Each judged scenario (T-Server run and DN) carries its trace and sequence diagram.
    const judged = await readdir(join(runDir, 'exchanges', 'sip-server-log'));
    assert.equal(judged.length, written.scenarios.length);
    for (const s of cert.scenarios as Array<{ evidence?: string }>)
      assert.ok(s.evidence && judged.includes(s.evidence.split('/').at(-1) as string), s.evidence);
    const evidence = await readdir(join(runDir, 'exchanges', 'sip-server-log', judged[0] as string));
    assert.ok(evidence.includes('trace.ndjson') && evidence.includes('sequence.svg'), evidence.join(', '));
    const verified = spawnSync(process.execPath, [BIN, 'report', 'verify', runDir], { encoding: 'utf8' });
    assert.equal(verified.status, 0, verified.stdout + verified.stderr);
  });

  test('each broken party, run with the log on: verify-log fails the log, naming the rule the live run fails', async () => {
    // Recovery from a drop is judged live only: a log does not say which disconnections were drops.
    const judgedByLogs = BREAKAGES.filter((b) => !b.violates.endsWith('-RECOVERS'));
    const results = await withConcurrency(2, judgedByLogs, async (b) => {
      const log = join(dir, `${b.id}.log`);
      const live = await runCli(
        ['run', '--break', b.id, '--tags', `@rule:${b.violates}`, '--sip-log', log],
        FAST,
      );
      const fromLog = await runCli(['verify-log', log, '--config', config], FAST);
      return { b, log, live, fromLog };
    });
    for (const { b, log, live, fromLog } of results) {
      const failedLive = live.summary.rules.find((r) => r.rule === b.violates);
      const failedLog = fromLog.summary.rules.find((r) => r.rule === b.violates);
      assert.equal(
        failedLive?.outcome,
        'failed',
        `${b.id}: the live run fails ${b.violates}\n${live.output}`,
      );
      assert.equal(
        failedLog?.outcome,
        'failed',
        `${b.id} (${b.text}): verify-log fails ${b.violates}\n${fromLog.output}`,
      );
      assert.equal(fromLog.code, 1, `${b.id}: exit code`);
      assert.match(
        fromLog.output,
        new RegExp(`FAIL ${b.violates}\\b`),
        `${b.id}: the printed summary names it`,
      );
      assert.match(
        failedLog?.reason ?? '',
        new RegExp(` at ${log}:\\d+`),
        `${b.id}: the finding names file and line`,
      );
    }
  });
});

describe('the verify-log command', () => {
  test('a file it cannot read: exit 2, naming it, and no verdict', async () => {
    await assert.rejects(
      runCli(['verify-log', join(dir, 'nowhere.log')]),
      /exit 2\):\nscreencap-cert: cannot read .*nowhere\.log/,
    );
  });
});
