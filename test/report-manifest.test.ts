/** A run's folder is a verifiable bundle: manifest.json signs every file; verify names every change. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { digestFiles, verifyManifest, writeManifest } from '../src/report/manifest.ts';
import { runMetadata } from '../src/report/metadata.ts';
import { createRunDir } from '../src/report/run-dir.ts';
import { writeBundle } from '../src/report/write.ts';

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function bundle(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'screencap-manifest-'));
  dirs.push(dir);
  await mkdir(join(dir, 'features'));
  await mkdir(join(dir, 'allure-results'));
  await writeFile(join(dir, 'certification.json'), '{"verdict":"passed"}\n');
  await writeFile(join(dir, 'junit.xml'), '<testsuite/>\n');
  await writeFile(join(dir, 'features', 'a.feature'), 'Feature: a\n');
  await writeFile(join(dir, 'allure-results', 'x-result.json'), '{}');
  await writeManifest(dir);
  return dir;
}

describe('the manifest of a run', () => {
  test('holds the SHA-256 of every file, nested ones and feature files included, but not itself', async () => {
    const dir = await bundle();
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
    assert.equal(manifest.algorithm, 'sha256');
    assert.deepEqual(Object.keys(manifest.files), [
      'allure-results/x-result.json',
      'certification.json',
      'features/a.feature',
      'junit.xml',
    ]);
    assert.equal(manifest.files['junit.xml'], createHash('sha256').update('<testsuite/>\n').digest('hex'));
  });

  test('takes the digests made ahead for the files they name, and hashes the others', async () => {
    const dir = await bundle();
    const listed = await digestFiles(dir, (f) => f.startsWith('features/'));
    // A file written once the files are listed is not hashed ahead (it may be half written then).
    await writeFile(join(dir, 'features', 'b.feature'), 'Feature: B\n');
    const ahead = await listed.digests;
    assert.deepEqual([...ahead.keys()], ['features/a.feature']);
    await writeFile(join(dir, 'junit.xml'), '<testsuite tests="1"/>\n');
    await writeFile(join(dir, 'new.txt'), 'added after\n');
    // A digest made ahead is taken as it is: only a file that is final may be hashed ahead.
    const manifest = await writeManifest(dir, new Map([...ahead, ['certification.json', 'made ahead']]));
    assert.equal(manifest.files['features/a.feature'], ahead.get('features/a.feature'));
    assert.equal(manifest.files['certification.json'], 'made ahead');
    const sha = (text: string) => createHash('sha256').update(text).digest('hex');
    assert.equal(manifest.files['junit.xml'], sha('<testsuite tests="1"/>\n'));
    assert.equal(manifest.files['new.txt'], sha('added after\n'));
    assert.equal(manifest.files['features/b.feature'], sha('Feature: B\n'));
  });

  test("a settled bundle's folders still being written are hashed as they end, with the artifacts", async () => {
    const run = await createRunDir(join(await mkdtemp(join(tmpdir(), 'screencap-manifest-')), 'reports'));
    dirs.push(run.root);
    const now = new Date();
    const metadata = await runMetadata({ runId: run.id, startedAt: now, endedAt: now, tservers: [] });
    // Begun before the bundle (the Allure report, from the end of the run), finished while its artifacts are made.
    await mkdir(join(run.dir, 'late'));
    await writeFile(join(run.dir, 'late', 'index.html'), 'half');
    await writeFile(join(run.dir, 'junit.xml'), '<testsuite/>\n');
    await writeBundle(run, {
      result: { verdict: 'passed', reasons: [], complete: true, scenarios: [], rules: [] },
      metadata,
      settled: true,
      writing: ['late'],
      artifacts: async () => {
        await writeFile(join(run.dir, 'late', 'index.html'), 'whole');
        return [];
      },
    });
    assert.deepEqual(await verifyManifest(run.dir), {
      ok: true,
      changed: [],
      missing: [],
      added: [],
      unsigned: [],
    });
  });

  test('verifies an untouched bundle', async () => {
    assert.deepEqual(await verifyManifest(await bundle()), {
      ok: true,
      changed: [],
      missing: [],
      added: [],
      unsigned: [],
    });
  });

  test('names every file changed, missing or added', async () => {
    const dir = await bundle();
    await writeFile(join(dir, 'certification.json'), '{"verdict":"passed" }\n');
    await writeFile(join(dir, 'features', 'a.feature'), 'Feature: b\n');
    await rm(join(dir, 'junit.xml'));
    await writeFile(join(dir, 'allure-results', 'y-result.json'), '{}');
    assert.deepEqual(await verifyManifest(dir), {
      ok: false,
      changed: ['certification.json', 'features/a.feature'],
      missing: ['junit.xml'],
      added: ['allure-results/y-result.json'],
      unsigned: [],
    });
  });

  test('a file named __proto__ or constructor added at the top is named, like any other (issue 13)', async () => {
    const dir = await bundle();
    await writeFile(join(dir, '__proto__'), 'x');
    await writeFile(join(dir, 'constructor'), 'x');
    const v = await verifyManifest(dir);
    assert.equal(v.ok, false);
    assert.deepEqual(v.added, ['__proto__', 'constructor']);
  });

  test('a link to a folder, or a link loop, is named, not followed (no EISDIR or ELOOP) (issue 13)', async () => {
    const dir = await bundle();
    await symlink(join(dir, 'features'), join(dir, 'to-features'));
    await symlink(join(dir, 'loop'), join(dir, 'loop'));
    const v = await verifyManifest(dir);
    assert.equal(v.ok, false);
    assert.deepEqual(v.unsigned, [
      'loop (a symbolic link: a report holds only files)',
      'to-features (a symbolic link: a report holds only files)',
    ]);
  });

  test('leaves screenshots of the reports, taken after the run, out of the signature', async () => {
    const dir = await bundle();
    await mkdir(join(dir, 'screenshots'));
    await writeFile(join(dir, 'screenshots', 'cucumber.png'), 'png');
    assert.equal((await verifyManifest(dir)).ok, true);
  });
});
