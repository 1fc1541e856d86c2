/**
 * The bundle writer's order: while a command's artifacts are made its certificate says the report
 * is unfinished; with no artifacts to make, the certificate is written once, finished.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Certification } from '../src/report/certification.ts';
import { UNFINISHED_REASON } from '../src/report/write.ts';
import { writeSmallBundle } from './small-bundle.ts';

const root = await mkdtemp(join(tmpdir(), 'screencap-write-'));
after(() => rm(root, { recursive: true, force: true }));

async function written(artifacts?: (dir: string) => Promise<string[]>) {
  const run = await writeSmallBundle(root, artifacts);
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
