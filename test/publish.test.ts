/**
 * `publish` over real bundles (a recorder at two versions, one broken, a SIP Server log) and bundles
 * derived from them (an older version, a self run, a tampered copy): the site's matrix, badges,
 * histories and index.json say what the verified bundles say, and nothing rests on the tampered one.
 * The same site is then opened in Chromium, offline.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { matrixOf, type SiteIndex, subjectOf, type VerifiedRow } from '../src/publish/model.ts';
import { publish } from '../src/publish/site.ts';
import type { Certification } from '../src/report/certification.ts';
import { fingerprintOf, signManifest } from '../src/report/signature.ts';
import { deriveBundle } from './bundles.ts';
import { launchChromium, noChromium } from './chromium.ts';
import { Background, freePort, mockRecorderArgs, runCli } from './cli.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const SUT = { SCREENCAP_SUT_VENDOR: 'Acme', SCREENCAP_SUT_PRODUCT: 'Recorder' };
const children: Background[] = [];
let work: string;
/** The bundles made for the site, by what they are. */
const bundles: Record<string, string> = {};

async function onlyRun(reports: string): Promise<string> {
  const runs = (await readdir(reports)).filter((n) => n !== 'latest' && !n.startsWith('.'));
  assert.equal(runs.length, 1, `one run in ${reports}: ${runs.join(', ')}`);
  return join(reports, runs[0] as string);
}

/** A short recorder-profile run (the REC-MAPPING scenarios) against the standalone mock recorder. */
async function recorderRun(version: string, reports: string, extra: string[], breakage?: string) {
  const port = await freePort();
  children.push(new Background(mockRecorderArgs(port, breakage)));
  const run = await runCli(
    ['run', '--profile', 'recorder', '--tags', '@rule:REC-MAPPING', '--reports', reports, ...extra],
    { ...SUT, SCREENCAP_SUT_VERSION: version, SCREENCAP_TSERVER_PORT: String(port) },
  );
  return { ...run, dir: await onlyRun(reports) };
}

const rowsOf = (index: SiteIndex) => index.bundles.filter((r): r is VerifiedRow => r.verified);
const rowOf = (index: SiteIndex, runId: string) => rowsOf(index).find((r) => r.runId === runId);
const certificate = async (dir: string) =>
  JSON.parse(await readFile(join(dir, 'certification.json'), 'utf8')) as Certification;

after(async () => {
  for (const c of children) c.child.kill('SIGTERM');
  if (work) await rm(work, { recursive: true, force: true });
});

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'screencap-publish-'));
  const reports = join(work, 'reports');
  const sipLog = join(work, 'sip.log');
  const [good, broken] = await Promise.all([
    recorderRun('2.0', join(work, 'real-2.0'), ['--sip-log', sipLog]),
    recorderRun('2.1', join(work, 'real-2.1'), [], 'recorder-start-paused'),
  ]);
  // The REC-MAPPING scenarios exercise every recorder rule.
  assert.equal(good.summary.verdict, 'passed', good.output);
  assert.equal(broken.summary.verdict, 'failed', broken.output);
  const log = await runCli(
    ['verify-log', sipLog, '--profile', 'recorder', '--reports', join(work, 'real-log')],
    {
      ...SUT,
      SCREENCAP_SUT_VERSION: '2.0',
    },
  );
  assert.notEqual(log.summary.verdict, undefined, log.output);
  await mkdir(reports);
  bundles.good = join(reports, 'good-2.0');
  bundles.broken = join(reports, 'broken-2.1');
  bundles.log = join(reports, 'log-2.0');
  await cp(good.dir, bundles.good, { recursive: true });
  await cp(broken.dir, bundles.broken, { recursive: true });
  await cp(await onlyRun(join(work, 'real-log')), bundles.log, { recursive: true });

  // Derived: version 1.0 certified a month earlier; 2.1 passing before it broke; a self run.
  bundles.old = join(reports, 'passed-1.0');
  await deriveBundle(bundles.good, bundles.old, (c) => {
    Object.assign(c, { verdict: 'passed', reasons: [] });
    Object.assign(c.run, { runId: 'earlier-1.0', startedAt: '2026-10-01T09:00:00.000Z', durationMs: 9000 });
    c.run.sut = { vendor: 'Acme', product: 'Recorder', version: '1.0' };
  });
  bundles.before = join(reports, 'passed-2.1');
  await deriveBundle(bundles.broken, bundles.before, (c) => {
    Object.assign(c, { verdict: 'passed', reasons: [] });
    for (const r of c.rules) if (r.outcome === 'failed') r.outcome = 'passed';
    Object.assign(c.run, { runId: 'earlier-2.1', startedAt: '2026-10-02T09:00:00.000Z', durationMs: 7000 });
  });
  bundles.self = join(reports, 'self');
  await deriveBundle(bundles.good, bundles.self, (c) => {
    Object.assign(c.run, { runId: 'self-run', profile: 'self', sut: null });
  });
  // Tampered: the broken run's certificate edited to say PASSED, its manifest left as it was.
  bundles.tampered = join(reports, 'tampered-2.1');
  await deriveBundle(
    bundles.broken,
    bundles.tampered,
    (c) => Object.assign(c, { verdict: 'passed', reasons: [] }),
    {
      rehash: false,
    },
  );
});

describe('publish', () => {
  let site: string;
  let index: SiteIndex;
  let cli: Background;

  before(async () => {
    site = join(work, 'site');
    cli = new Background(['publish', join(work, 'reports'), '--out', site]);
    assert.equal(await cli.exited, 0, cli.output);
    index = JSON.parse(await readFile(join(site, 'index.json'), 'utf8')) as SiteIndex;
  });

  test('verifies every bundle, lists the tampered one as such and counts it nowhere', async () => {
    assert.match(cli.output, /Published 6 new bundle\(s\), 0 already there, 1 failed verification/);
    assert.match(
      cli.output,
      /not verified, listed only: \.\.\/reports\/tampered-2\.1: changed since hashed: certification\.json/,
    );
    const rejected = index.bundles.filter((r) => !r.verified);
    assert.deepEqual(
      rejected.map((r) => r.source),
      ['../reports/tampered-2.1'],
    );
    const tampered = rejected[0];
    assert.ok(tampered && !tampered.verified);
    assert.deepEqual(tampered.problems, ['changed since hashed: certification.json']);
    const broken = await certificate(bundles.broken as string);
    assert.equal(rowsOf(index).length, 6);
    // The tampered copy shares the broken run's id and manifest: only the verified bundle is a row.
    const rows = rowsOf(index).filter((r) => r.runId === broken.run.runId);
    assert.deepEqual(
      rows.map((r) => [r.source, r.verdict]),
      [['../reports/broken-2.1', 'failed']],
    );
    const html = await readFile(join(site, 'index.html'), 'utf8');
    assert.match(html, /Bundles that failed verification \(1\)/);
    assert.match(html, /tampered-2\.1/);
  });

  test('the matrix has a cell per SUT version and counterpart, each the latest verified verdict', async () => {
    const sim = 'T-Server: screencap-cert-sim 0.1.0';
    const played = `${sim} + desktop: screencap-cert mock desktop 0.1.0`;
    const m = matrixOf(index.bundles);
    const cells = Object.fromEntries(
      m.rows.map((r) => [
        `${r.subject.sut.version} ${r.subject.profile}`,
        Object.fromEntries([...r.cells].map(([column, run]) => [column, run.verdict])),
      ]),
    );
    const log = rowsOf(index).find((r) => r.kind === 'verify-log') as VerifiedRow;
    const logColumn = log.counterparts.map((c) => `${c.seat}: ${c.name} ${c.version}`).join(' + ');
    assert.match(logColumn, /^desktop: screencap-harness-desktop as in the log/);
    assert.deepEqual(cells, {
      '1.0 recorder': { [played]: 'passed' },
      '2.0 recorder': { [played]: 'passed', [logColumn]: log.verdict },
      // The later, broken run is the cell; the passing one before it is history.
      '2.1 recorder': { [played]: 'failed' },
      '0.1.0 self': { [sim]: 'passed' },
    });
    const html = await readFile(join(site, 'matrix.html'), 'utf8');
    const broken = rowOf(index, (await certificate(bundles.broken as string)).run.runId) as VerifiedRow;
    assert.ok(html.includes(`href="${broken.certificate}"`), 'the cell links to the certificate');
    assert.ok(existsSync(join(site, broken.certificate)), 'the certificate is copied in with its bundle');
  });

  test('badges: the broken version is red, the certified one green, also as a shields.io endpoint', async () => {
    const badge = async (version: string) => {
      const row = rowsOf(index).find(
        (r) => r.sut.version === version && r.profile === 'recorder',
      ) as VerifiedRow;
      const slug = subjectOf(row).slug;
      return {
        svg: await readFile(join(site, 'badges', `${slug}.svg`), 'utf8'),
        json: JSON.parse(await readFile(join(site, 'badges', `${slug}.json`), 'utf8')),
      };
    };
    const broken = await badge('2.1');
    assert.match(broken.svg, /fill="#e05d44"/);
    assert.match(broken.svg, /certified: FAILED \d{4}-\d{2}-\d{2}/);
    assert.equal(broken.json.color, 'red');
    assert.equal(broken.json.schemaVersion, 1);
    assert.equal(broken.json.label, 'certified');
    assert.deepEqual((await badge('1.0')).json, {
      schemaVersion: 1,
      label: 'certified',
      message: 'PASSED 2026-10-01',
      color: 'brightgreen',
    });
  });

  test('history says which rule first failed when', async () => {
    const broken = rowsOf(index).find(
      (r) => r.sut.version === '2.1' && r.verdict === 'failed',
    ) as VerifiedRow;
    const html = await readFile(join(site, 'history', `${subjectOf(broken).slug}.html`), 'utf8');
    const row = /<tr><td><code>REC-MAPPING<\/code><\/td>(.*?)<\/tr>/.exec(html)?.[1] ?? '';
    assert.match(
      row,
      /<td class="passed"[^>]*>✓<\/td><td class="failed"[^>]*>✗<\/td>/,
      'passed, then failed',
    );
    const when = broken.startedAt.slice(0, 16).replace('T', ' ');
    assert.equal(
      row.match(new RegExp(when, 'g'))?.length,
      2,
      'first failed and failing since: the broken run',
    );
  });

  test('re-publishing adds new bundles, keeps the old ones; --keep bounds each history', async () => {
    const later = join(work, 'later');
    await deriveBundle(bundles.broken as string, join(later, 'fixed-2.1'), (c) => {
      Object.assign(c, { verdict: 'passed', reasons: [] });
      Object.assign(c.run, { runId: 'fixed-2.1', startedAt: '2099-01-01T00:00:00.000Z' });
    });
    const again = await publish({ from: [join(work, 'reports'), later], out: site });
    assert.deepEqual(
      again.added.map((r) => r.runId),
      ['fixed-2.1'],
    );
    assert.equal(again.unchanged, 6, 'the bundles already copied are not copied again');
    assert.equal(again.rejected.length, 1, 'the tampered bundle is verified again, and fails again');
    assert.equal(rowsOf(again.index).length, 7);
    const kept = await publish({ from: [], out: site, keep: 1 });
    const versions = rowsOf(kept.index).map((r) => `${r.sut.version} ${r.profile} ${r.runId}`);
    assert.equal(versions.length, 5, versions.join('\n'));
    assert.ok(versions.includes('2.1 recorder fixed-2.1'));
    assert.ok(!versions.includes('2.1 recorder earlier-2.1'));
    const dropped = kept.dropped.map((r) => r.bundle);
    assert.equal(dropped.length, 2);
    for (const d of dropped) assert.ok(!existsSync(join(site, d)), `${d} removed from the site`);
    assert.equal(
      kept.index.bundles.filter((r) => !r.verified).length,
      1,
      'the tampered bundle is still listed',
    );
  });

  test('--link leaves the bundles in place: certificates linked, not duplicated', async () => {
    const linked = join(work, 'linked');
    const result = await publish({ from: [join(work, 'reports')], out: linked, link: true });
    const row = rowsOf(result.index).find((r) => r.runId === 'earlier-1.0') as VerifiedRow;
    assert.equal(row.stored, 'linked');
    assert.equal(row.certificate, '../reports/passed-1.0/certification.html');
    assert.deepEqual(await readdir(join(linked, 'bundles')), []);
    assert.ok(existsSync(join(linked, row.certificate)));
  });

  test('a signed bundle: its signature is checked; with --public-key, only bundles signed by that key count', async () => {
    const signed = join(work, 'signed');
    await cp(bundles.old as string, join(signed, 'b'), { recursive: true });
    const ours = generateKeyPairSync('ed25519');
    const theirs = generateKeyPairSync('ed25519');
    const signer = {
      privateKey: ours.privateKey,
      publicKey: ours.publicKey,
      fingerprint: fingerprintOf(ours.publicKey),
    };
    await signManifest(join(signed, 'b'), signer);
    const open = await publish({ from: [signed], out: join(work, 'signed-site'), link: true });
    const row = rowsOf(open.index)[0] as VerifiedRow;
    assert.deepEqual(row.signature, { state: 'signed', fingerprint: signer.fingerprint, trusted: false });
    const byOurs = await publish({
      from: [signed],
      out: join(work, 'signed-site-ours'),
      link: true,
      trusted: { file: 'ours.pem', key: ours.publicKey },
    });
    assert.equal(rowsOf(byOurs.index).length, 1);
    const byTheirs = await publish({
      from: [signed],
      out: join(work, 'signed-site-theirs'),
      link: true,
      trusted: { file: 'theirs.pem', key: theirs.publicKey },
    });
    assert.equal(rowsOf(byTheirs.index).length, 0, 'signed by another key: not evidence for this reader');
    assert.match(JSON.stringify(byTheirs.rejected[0]?.problems), /not by the given public key/);
    // A manifest edited after signing fails whoever reads it.
    const manifest = join(signed, 'b', 'manifest.json');
    await writeFile(manifest, (await readFile(manifest, 'utf8')).replace('"sha256"', '"sha256" '));
    const edited = await publish({ from: [signed], out: join(work, 'signed-site-edited'), link: true });
    assert.equal(rowsOf(edited.index).length, 0);
    assert.match(JSON.stringify(edited.rejected[0]?.problems), /not as it was signed/);
  });
});

const skip = noChromium;

describe('the published site in a browser', { skip }, () => {
  test('index, matrix and a history render from disk, and no request leaves the machine', async () => {
    const site = join(work, 'browser-site');
    await publish({ from: [join(work, 'reports')], out: site });
    const shots = join(ROOT, 'reports', 'publish-check');
    await mkdir(shots, { recursive: true });
    const profile = await mkdtemp(join(tmpdir(), 'screencap-chromium-'));
    const context = await launchChromium(profile);
    const requests: string[] = [];
    const external: string[] = [];
    await context.route('**/*', (route) => {
      const url = route.request().url();
      requests.push(url);
      if (url.startsWith('file://')) return route.continue();
      external.push(url);
      return route.abort();
    });
    try {
      const page = await context.newPage();
      await page.goto(`file://${join(site, 'index.html')}`);
      await page.waitForLoadState('load');
      assert.equal(await page.locator('h1').textContent(), 'Certification: latest verdicts');
      assert.equal(await page.locator('tbody tr').first().locator('a.badge').count(), 1);
      assert.ok(
        await page
          .locator('img[src^="badges/"]')
          .first()
          .evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth > 0),
        'the badge SVG loads from disk',
      );
      await page.screenshot({ path: join(shots, 'index.png'), fullPage: true });

      await page.click('text=Compatibility matrix');
      await page.waitForLoadState('load');
      assert.ok((await page.locator('table.matrix a.badge.failed').count()) >= 1);
      await page.screenshot({ path: join(shots, 'matrix.png'), fullPage: true });

      await page.locator('table.matrix a[href^="history/"]').first().click();
      await page.waitForLoadState('load');
      assert.match((await page.locator('h1').textContent()) ?? '', /history$/);
      assert.ok((await page.locator('table.rules tbody tr').count()) > 0);
      await page.screenshot({ path: join(shots, 'history.png'), fullPage: true });

      await page.locator('a.badge').first().click();
      await page.waitForLoadState('load');
      assert.match(page.url(), /certification\.html$/);
    } finally {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    }
    assert.ok(requests.length >= 4, 'the route saw the pages load');
    assert.deepEqual(external, []);
  });
});
