/**
 * One judge: steps drive, wait and record; the rules judge against the configuration. A reading the
 * configuration changes (the mapping) is honoured everywhere, and a party that breaks it fails its
 * rule alone.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from './cli.ts';

/** A recorder answering start with paused (the rest as by default). */
const START_PAUSED = ['--break', 'recorder-start-paused'];

describe('one judge: the rules, against the configured mapping', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'screencap-one-judge-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('mapping start: paused and a recorder answering start with paused: every scenario passes', async () => {
    const config = join(dir, 'start-paused.yaml');
    await writeFile(config, 'mapping:\n  start: paused\n');
    const { code, summary, output } = await runCli(['run', '--config', config, ...START_PAUSED]);
    assert.equal(summary.verdict, 'passed', output);
    assert.equal(code, 0);
    const notPassed = summary.scenarios.filter((s) => s.status !== 'passed');
    assert.deepEqual(
      notPassed.map((s) => `${s.name}: ${s.error}`),
      [],
      'a step compared the indication with the default mapping',
    );
    assert.equal(summary.rules.find((r) => r.rule === 'REC-MAPPING')?.outcome, 'passed');
  });

  test('the default mapping and a recorder answering start with paused: FAILED, by REC-MAPPING alone', async () => {
    const { code, summary, output } = await runCli(['run', ...START_PAUSED]);
    assert.equal(summary.verdict, 'failed', output);
    assert.equal(code, 1);
    assert.deepEqual(
      summary.rules.filter((r) => r.outcome === 'failed').map((r) => r.rule),
      ['REC-MAPPING'],
    );
    // Every failed scenario failed by the rule's verdict step, not by a step of its own.
    const failed = summary.scenarios.filter((s) => s.status === 'failed');
    assert.ok(failed.length > 0);
    for (const s of failed)
      assert.deepEqual(
        s.rules.filter((r) => r.outcome === 'failed').map((r) => r.rule),
        ['REC-MAPPING'],
        `${s.name}: ${s.error}`,
      );
  });
});
