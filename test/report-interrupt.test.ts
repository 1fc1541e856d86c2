/**
 * A run that stops early still leaves a report of what ran, marked incomplete, and exits non-zero:
 * interrupted by SIGINT, or stopped because the system under test died.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { XMLParser } from 'fast-xml-parser';
import type { Certification } from '../src/report/certification.ts';
import { Background, freePort, mockRecorderArgs } from './cli.ts';

const BIN = new URL('../bin/screencap-cert.js', import.meta.url).pathname;
const root = await mkdtemp(join(tmpdir(), 'screencap-stopped-'));
const children: Background[] = [];
after(async () => {
  for (const c of children) c.child.kill('SIGKILL');
  await rm(root, { recursive: true, force: true });
});

function start(args: string[], env: Record<string, string> = {}): Background {
  const b = new Background(args, env);
  children.push(b);
  return b;
}

async function latest(reports: string): Promise<{ dir: string; cert: Certification }> {
  const dir = await realpath(join(reports, 'latest'));
  return { dir, cert: JSON.parse(await readFile(join(dir, 'certification.json'), 'utf8')) as Certification };
}

const verifies = (dir: string) => spawnSync(process.execPath, [BIN, 'report', 'verify', dir]).status === 0;

// Side by side: each run has its own reports folder and ports, and mostly waits on its scenarios.
describe('a run that stops early', { concurrency: true }, () => {
  test('SIGINT after the first scenarios: a report of what ran, marked incomplete, exit 130', async () => {
    const reports = join(root, 'sigint');
    const run = start(['run', '--reports', reports]);
    // The progress formatter prints a dot per passed step: wait for a few scenarios' worth.
    await run.until((out) => (out.match(/\./g) ?? []).length >= 40);
    run.child.kill('SIGINT');
    assert.equal(await run.exited, 130, run.output);

    const { dir, cert } = await latest(reports);
    assert.equal(cert.complete, false);
    assert.equal(cert.verdict, 'failed');
    assert.equal(cert.reasons[0], 'the run was interrupted by SIGINT');
    const passed = cert.scenarios.filter((s) => s.status === 'passed');
    assert.ok(
      passed.length >= 5 && cert.scenarios.length < 48,
      `${passed.length} passed of ${cert.scenarios.length} reported`,
    );
    assert.ok(
      cert.rules.some((r) => r.outcome === 'passed'),
      'rules the finished scenarios exercised are reported',
    );
    assert.ok(
      cert.rules.every(
        (r) => r.outcome === 'passed' || r.reason === 'no scenario exercising it ran before the run stopped',
      ),
      `a rule no finished scenario exercised is not exercised, and says why: ${cert.rules
        .filter((r) => r.outcome !== 'passed')
        .map((r) => `${r.rule} ${r.outcome}: ${r.reason}`)
        .join('; ')}`,
    );
    const html = await readFile(join(dir, 'certification.html'), 'utf8');
    assert.match(html, /id="unfinished"/);

    // Cucumber never closed its own reports: they are rebuilt from what ran, and open.
    const cucumber = await readFile(join(dir, 'cucumber.html'), 'utf8');
    assert.match(cucumber, /<\/html>\s*$/);
    assert.ok((cucumber.match(/"testCaseFinished"/g) ?? []).length >= passed.length);
    assert.match(cucumber, /"testRunFinished":\{"success":false/);
    const junit = new XMLParser({ ignoreAttributes: false }).parse(
      await readFile(join(dir, 'junit.xml'), 'utf8'),
    );
    assert.ok(junit.testsuite.testcase.length >= passed.length);
    assert.ok(verifies(dir), 'the partial report is hashed too');
    assert.match(run.output, /Verdict: FAILED \(the run was interrupted by SIGINT/);
  });

  test('the recorder under test dies: the run stops, reports what ran, marked incomplete, exit 1', async () => {
    const reports = join(root, 'sut');
    const port = await freePort();
    const env = {
      SCREENCAP_TSERVER_PORT: String(port),
      SCREENCAP_TIMEOUTS_ANSWER_MS: '300',
      SCREENCAP_TIMEOUTS_REQUEST_MS: '500',
    };
    const recorder = start(mockRecorderArgs(port));
    const run = start(['run', '--profile', 'recorder', '--reports', reports], env);
    await recorder.until((out) => /monitoring/.test(out));
    await run.until((out) => (out.match(/\./g) ?? []).length >= 10);
    recorder.child.kill('SIGKILL');
    assert.equal(await run.exited, 1, run.output);

    const { dir, cert } = await latest(reports);
    assert.equal(cert.complete, false);
    assert.equal(cert.verdict, 'failed');
    assert.match(
      cert.reasons[0] ?? '',
      /^the run stopped: the recorder under test left the T-Server at 127\.0\.0\.1:\d+/,
    );
    assert.ok(
      cert.scenarios.some((s) => s.status === 'passed'),
      'scenarios before its death are reported',
    );
    assert.ok(cert.scenarios.length < 48);
    assert.ok(verifies(dir));
  });
});
