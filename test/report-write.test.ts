/**
 * The bundle writer's order: while a command's artifacts are made its certificate says the report
 * is unfinished; with no artifacts to make, the certificate is written once, finished.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Certification } from '../src/report/certification.ts';
import { runMetadata } from '../src/report/metadata.ts';
import { createRunDir } from '../src/report/run-dir.ts';
import { UNFINISHED_REASON, writeBundle } from '../src/report/write.ts';
import type { SuiteResult } from '../src/result/outcomes.ts';

const root = await mkdtemp(join(tmpdir(), 'screencap-write-'));
after(() => rm(root, { recursive: true, force: true }));

const RESULT: SuiteResult = { verdict: 'passed', reasons: [], complete: true, scenarios: [], rules: [] };

async function written(artifacts?: (dir: string) => Promise<string[]>) {
  const run = await createRunDir(join(root, `b${(await readdir(root)).length}`));
  const now = new Date();
  const metadata = await runMetadata({ runId: run.id, startedAt: now, endedAt: now, tservers: [] });
  await writeBundle(run, {
    result: RESULT,
    metadata,
    ...(artifacts ? { artifacts: () => artifacts(run.dir) } : {}),
  });
  const read = async (file: string) => readFile(join(run.dir, file), 'utf8');
  return { certification: JSON.parse(await read('certification.json')) as Certification, read };
}

test('while the artifacts are made the certificate says unfinished and failed; then the verdict', async () => {
  let during: Certification | undefined;
  const { certification } = await written(async (dir) => {
    during = JSON.parse(await readFile(join(dir, 'certification.json'), 'utf8')) as Certification;
    return [];
  });
  assert.equal(during?.verdict, 'failed');
  assert.ok(during?.reasons.includes(UNFINISHED_REASON), JSON.stringify(during?.reasons));
  assert.equal(certification.verdict, 'passed');
  assert.ok(!certification.reasons.includes(UNFINISHED_REASON));
});

test('with no artifacts to make, the finished certificate, its HTML and manifest are written', async () => {
  const { certification, read } = await written();
  assert.equal(certification.verdict, 'passed');
  assert.ok(!certification.reasons.includes(UNFINISHED_REASON));
  assert.doesNotMatch(await read('certification.html'), /not finished/);
  assert.match(await read('manifest.json'), /certification\.html/);
});
