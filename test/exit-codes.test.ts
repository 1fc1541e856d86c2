/**
 * Exit codes CI can read, the same for every judging command: 0 PASSED, 1 FAILED, 3 INCOMPLETE
 * (0 with --allow-incomplete), and 2 when the command could not run, with its message, no
 * certificate written and `reports/latest` left as it was.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Background, freePort, runCli } from './cli.ts';

const dir = await mkdtemp(join(tmpdir(), 'exit-codes-'));
after(() => rm(dir, { recursive: true, force: true }));

/** Runs a command that should not run: its exit code, output, and what it left in `reports`. */
async function cannotRun(args: string[], env: Record<string, string> = {}) {
  const reports = join(dir, `reports-${randomBytes(3).toString('hex')}`);
  // A previous run's `latest`, which must stay where it points.
  await mkdir(join(reports, 'earlier-run'), { recursive: true });
  const { symlink } = await import('node:fs/promises');
  await symlink('earlier-run', join(reports, 'latest'));
  const child = new Background([...args, '--reports', reports], env);
  const code = await child.exited;
  return {
    code,
    output: child.output,
    left: (await readdir(reports)).sort(),
    latest: await readlink(join(reports, 'latest')),
  };
}

describe('exit 2: the command could not run', () => {
  const notALog = [
    ['a text file', 'This is a README.\nNothing here is a T-Lib message.\n'],
    ['a binary file', randomBytes(4096)],
    ['an empty file', ''],
  ] as const;
  for (const [what, content] of notALog) {
    test(`verify-log on ${what}: "not a SIP Server log", no certificate, latest unchanged`, async () => {
      const file = join(dir, `${what.replaceAll(' ', '-')}.log`);
      await writeFile(file, content);
      const r = await cannotRun(['verify-log', file]);
      assert.equal(r.code, 2, r.output);
      assert.match(r.output, new RegExp(`not a SIP Server log: no T-Lib message found in ${file}`));
      assert.deepEqual(r.left, ['earlier-run', 'latest']);
      assert.equal(r.latest, 'earlier-run');
    });
  }

  test('a bad configuration key, for run and verify-log alike', async () => {
    const config = join(dir, 'bad.yaml');
    await writeFile(config, 'profile: recorder\ntimeouts: { answerMS: 100 }\n');
    for (const args of [
      ['run', '--config', config],
      ['verify-log', config, '--config', config],
    ]) {
      const r = await cannotRun(args);
      assert.equal(r.code, 2, r.output);
      assert.match(r.output, /answerMS/);
      assert.deepEqual(r.left, ['earlier-run', 'latest']);
    }
  });

  test('a port in use for the embedded T-Server, and an unreachable external T-Server', async (t) => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    t.after(() => holder.close());
    const { port } = holder.address() as { port: number };
    const inUse = await cannotRun(['run', '--profile', 'recorder'], { SCREENCAP_TSERVER_PORT: String(port) });
    assert.equal(inUse.code, 2, inUse.output);
    assert.match(inUse.output, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: the port is in use`));
    assert.deepEqual(inUse.left, ['earlier-run', 'latest']);
    const nobody = await freePort();
    const unreachable = await cannotRun(['run', '--profile', 'tserver'], {
      SCREENCAP_TSERVER_MODE: 'tcp',
      SCREENCAP_TSERVER_PORT: String(nobody),
    });
    assert.equal(unreachable.code, 2, unreachable.output);
    assert.match(
      unreachable.output,
      new RegExp(`cannot reach the T-Server at 127\\.0\\.0\\.1:${nobody}.*ECONNREFUSED`),
    );
  });

  test('a usage error: an unknown option', async () => {
    const r = await cannotRun(['run', '--no-such-option']);
    assert.equal(r.code, 2, r.output);
    assert.match(r.output, /unknown option '--no-such-option'/);
  });
});

// PASSED, exit 0, from `run` and from `verify-log` on its log: sipserver-log-roundtrip.test.ts,
// from the one self run it makes.
describe('INCOMPLETE and --allow-incomplete', () => {
  test('scenarios deselected with --tags leave their rules not exercised: INCOMPLETE, exit 3', async () => {
    const r = await runCli(['run', '--tags', '@rule:REC-MAPPING and not @calls']);
    assert.equal(r.summary.verdict, 'incomplete', r.output);
    assert.equal(r.code, 3);
    const notExercised = r.summary.rules.filter((x) => x.outcome === 'not-exercised');
    assert.ok(
      notExercised.some((x) => x.rule === 'TSRV-REFUSES-UNREGISTERED'),
      'a rule only deselected scenarios exercise',
    );
    for (const x of notExercised)
      assert.match(x.reason, /did not run: not selected|nothing in this evidence/);
    assert.equal(r.summary.rules.find((x) => x.rule === 'REC-MAPPING')?.outcome, 'passed');
  });

  test('a log in which no query was sent: INCOMPLETE naming REC-QUERY-UNCHANGED, exit 3; --allow-incomplete exits 0', async (t) => {
    const log = join(dir, 'no-query.log');
    const sim = new Background(['sim', '--port', '0', '--no-admin', '--log', log]);
    t.after(() => void sim.child.kill());
    await sim.until((o) => /tlib-json listening on (\S+?);?\s/.test(o));
    const tserver = (/tlib-json listening on (\S+?);?\s/.exec(sim.output) as RegExpExecArray)[1] as string;
    const recorder = new Background(['mock', 'recorder', '--tserver', tserver, '--dn', '7001']);
    t.after(() => void recorder.child.kill());
    await recorder.until((o) => o.includes('mock recorder monitoring'));
    const desktop = new Background([
      'mock',
      'desktop',
      '--tserver',
      tserver,
      '--dn',
      '7001',
      '--send',
      'start',
    ]);
    assert.equal(await desktop.exited, 0, desktop.output);
    recorder.child.kill();
    await recorder.exited;
    const r = await runCli(['verify-log', log]);
    assert.equal(r.summary.verdict, 'incomplete', r.output);
    assert.equal(r.code, 3);
    assert.deepEqual(r.summary.reasons, ['REC-QUERY-UNCHANGED not exercised']);
    assert.match(r.output, /Verdict: INCOMPLETE \(REC-QUERY-UNCHANGED not exercised\)/);
    const allowed = await runCli(['verify-log', log, '--allow-incomplete']);
    assert.equal(allowed.code, 0);
    assert.equal(allowed.summary.verdict, 'incomplete');
  });
});
