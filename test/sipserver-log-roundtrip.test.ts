/**
 * Proof that a SIP Server log certifies as a live run does (issue #8): the suite run with the
 * simulator writing its log, then `verify-log` on that log (with the harness's configuration, and
 * with none), pass, exit 0 and cover the same rules. (With each broken party in its seat,
 * `verify-log` fails the log naming the rule the live run fails: discrimination.test.ts, from the
 * same runs.)
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { RULE_IDS } from '../src/domain/rule-catalog.ts';
import type { LogVerification } from '../src/verify-log/verify.ts';
import { runCli } from './cli.ts';
import { writeHarnessLogConfig } from './harness-log-config.ts';

const BIN = new URL('../bin/screencap-cert.js', import.meta.url).pathname;

const dir = await mkdtemp(join(tmpdir(), 'sipserver-log-roundtrip-'));
after(() => rm(dir, { recursive: true, force: true }));

const config = await writeHarnessLogConfig(dir);

const passedRules = (rules: ReadonlyArray<{ rule: string; outcome: string }>) =>
  rules.filter((r) => r.outcome === 'passed').map((r) => r.rule);

describe('verify-log on the simulator`s log of a conformance run', () => {
  test('round trip: the self run and verify-log on its log both pass, covering the same rules', async () => {
    const log = join(dir, 'self.log');
    const reports = join(dir, 'reports');
    // Conforming parties, judged with the default timeouts: short ones would fail them on a loaded machine.
    const live = await runCli(['run', '--sip-log', log]);
    // With the harness playing every seat correctly, every rule passes (the other half of the
    // discrimination proof: discrimination.test.ts).
    assert.equal(live.summary.verdict, 'passed', live.output);
    assert.equal(live.code, 0);
    assert.deepEqual(
      live.summary.rules.filter((r) => r.outcome !== 'passed').map((r) => r.rule),
      [],
    );
    assert.ok(live.summary.scenarios.length >= 40, `${live.summary.scenarios.length} scenarios ran`);
    const fromLog = await runCli(['verify-log', log, '--config', config, '--reports', reports]);
    assert.equal(fromLog.summary.verdict, 'passed', fromLog.output);
    assert.equal(fromLog.code, 0);
    // With no configuration at all, too. One scenario's desktop sends on 7002 while its calls are on
    // 7001: the log shows it registered 7001 to learn of them, which is where verify-log looks when
    // no agents.voiceDns says.
    const bare = await runCli(['verify-log', log]);
    assert.equal(bare.summary.verdict, 'passed', bare.output);
    assert.equal(bare.code, 0);
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
});

describe('the verify-log command', () => {
  test('a file it cannot read: exit 2, naming it, and no verdict', async () => {
    await assert.rejects(
      runCli(['verify-log', join(dir, 'nowhere.log')]),
      /exit 2\):\nscreencap-cert: cannot read .*nowhere\.log/,
    );
  });
});
