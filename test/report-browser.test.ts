/**
 * The reports as a person sees them: certification.html, cucumber.html and the Allure report open
 * in headless Chromium (Debian's), with nothing requested from the network. The failed run's
 * certificate shows its failed rule and finding on the first screen, a finding's link opens its
 * sequence diagram, and its print-to-PDF has every section. Screenshots of a passed and a failed
 * certificate are saved under reports/browser-check/<run-id>/screenshots/ for people to look at.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { RULES } from '../src/domain/rule-catalog.ts';
import { SECTIONS } from '../src/report/certification-html.ts';
import { launchChromium, noChromium } from './chromium.ts';
import { runCli } from './cli.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const REPORTS = join(ROOT, 'reports', 'browser-check');
const skip = noChromium;

/** Requests that would leave the machine; the reports must make none. */
const external: string[] = [];
let context: BrowserContext | undefined;
let profile: string | undefined;
after(async () => {
  await context?.close();
  if (profile) await rm(profile, { recursive: true, force: true });
});

/** Earlier checks' folders (from earlier test runs, not a concurrent one). */
async function removeOldRuns(): Promise<void> {
  const runs = await readdir(REPORTS).catch(() => []);
  for (const run of runs) {
    const { mtimeMs } = await lstat(join(REPORTS, run));
    if (Date.now() - mtimeMs > 10 * 60_000) await rm(join(REPORTS, run), { recursive: true, force: true });
  }
}

const local = (url: string) =>
  /^(file|data|blob|about):/.test(url) || /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])[:/]/.test(url);

async function open(page: Page, file: string): Promise<void> {
  await page.goto(`file://${file}`);
  await page.waitForLoadState('load');
}

/** Runs the suite into REPORTS and returns its folder (from its own output: `latest` may be another concurrent run's). */
async function reportedRun(args: string[], exit: number): Promise<string> {
  const { code, output } = await runCli(['run', ...args, '--reports', REPORTS], {}, { allureReport: true });
  assert.equal(code, exit, output);
  const reported = /^Reports: (.*)\/certification\.html$/m.exec(output)?.[1];
  assert.ok(reported, output);
  const dir = resolve(ROOT, reported);
  await mkdir(join(dir, 'screenshots'));
  return dir;
}

/** The PDF's text by pdftotext (poppler-utils), or '' where it is not installed. */
function pdfText(pdf: string): string {
  try {
    return execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' });
  } catch {
    return '';
  }
}

async function launch(): Promise<Page> {
  profile = await mkdtemp(join(tmpdir(), 'screencap-chromium-'));
  context = await launchChromium(profile);
  context.on('request', (r) => {
    if (!local(r.url())) external.push(r.url());
  });
  await context.route('**/*', (route) => (local(route.request().url()) ? route.continue() : route.abort()));
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  return page;
}

/** Whether the element's top and bottom lie within the first screen (the page not scrolled). */
async function onFirstScreen(page: Page, selector: string): Promise<boolean> {
  const box = await page.locator(selector).first().boundingBox();
  const height = page.viewportSize()?.height ?? 0;
  return box !== null && box.y >= 0 && box.y + box.height <= height;
}

describe('the reports in a browser', { skip }, () => {
  test('show the certificate failures first with evidence one click away, printable, and the scenarios, fetching nothing from the network', async () => {
    await removeOldRuns();
    // The two runs and the browser's start go on at once (each run names its own folder).
    const [dir, passedDir, page] = await Promise.all([
      reportedRun(['--break', 'recorder-drops-connid'], 1),
      reportedRun([], 0),
      launch(),
    ]);
    const shots = join(dir, 'screenshots');

    // The passed certificate, for people to look at.
    await open(page, join(passedDir, 'certification.html'));
    await page.locator('#verdict', { hasText: 'PASSED' }).waitFor();
    await page.screenshot({
      path: join(passedDir, 'screenshots', 'certification-passed.png'),
      fullPage: true,
    });

    // The failed certificate: the verdict, then the failed rule and its finding on the first screen.
    await open(page, join(dir, 'certification.html'));
    await page.locator('#verdict', { hasText: 'FAILED' }).waitFor();
    await page.screenshot({ path: join(shots, 'certification-failed-first-screen.png') });
    await page.screenshot({ path: join(shots, 'certification-failed.png'), fullPage: true });
    assert.equal(await page.locator('#rules tbody tr.rule').count(), RULES.length);
    const failed = page.locator('#rule-REC-CONNID');
    assert.match((await failed.getAttribute('class')) ?? '', /failed/);
    assert.ok(await onFirstScreen(page, '#rule-REC-CONNID'), 'the failed rule is on the first screen');
    const finding = page.locator('#detail-REC-CONNID .finding').first();
    assert.match((await finding.textContent()) ?? '', /Event\.ConnID expected "[0-9a-f]{16}".*found absent/);
    assert.ok(await onFirstScreen(page, '#detail-REC-CONNID .finding'), 'its first finding too');
    assert.ok(
      await page.locator('#verdict-section a[href="#rule-REC-CONNID"]').isVisible(),
      'the verdict links to it',
    );

    // Print to PDF: every section, in order, and no stack trace.
    const pdf = join(shots, 'certification-failed.pdf');
    await page.emulateMedia({ media: 'print' });
    await writeFile(pdf, await page.pdf({ format: 'A4', landscape: true, printBackground: true }));
    await page.emulateMedia({ media: 'screen' });
    const text = pdfText(pdf);
    if (text) {
      const at = SECTIONS.map(([, title]) => text.indexOf(title));
      assert.ok(
        at.every((i) => i >= 0),
        `every section in the PDF: ${SECTIONS.map(([, t], i) => `${t}@${at[i]}`).join(', ')}`,
      );
      assert.deepEqual(
        [...at].sort((a, b) => a - b),
        at,
        'in order',
      );
      assert.match(text, /REC-CONNID/);
      assert.doesNotMatch(text, /node:internal|AssertionError/);
    } else {
      // No pdftotext: a PDF it is, and every section is in the page it printed.
      assert.match((await readFile(pdf)).subarray(0, 5).toString(), /%PDF-/);
      for (const [id] of SECTIONS) assert.ok(await page.locator(`section#${id}`).count(), id);
    }

    // A finding's link opens its scenario's sequence diagram, the offending message drawn in red.
    await finding.locator('a.diagram').click();
    await page.waitForURL(/\/exchanges\/[a-z0-9-]+\/[a-z0-9-]+\/sequence\.svg$/);
    assert.ok(
      await page.locator('g.message.offending').first().isVisible(),
      'the offending message is drawn',
    );
    await page.screenshot({ path: join(shots, 'sequence-from-finding.png') });

    // Cucumber's report: the scenarios, and a scenario's sequence diagram with the offending message.
    await open(page, join(dir, 'cucumber.html'));
    await page.getByText('features/screen-capture-session.feature').waitFor();
    assert.ok(await page.getByText('features/recorder-indications.feature').isVisible());
    const scenario = page.getByText('a session during a call, which ends before the last query');
    if (!(await scenario.isVisible()))
      await page.getByText('features/screen-capture-session.feature').click();
    for (const hooks of await page.getByText(/^\d+ hooks$/).all())
      if (await hooks.isVisible()) await hooks.click();
    const diagrams = page.locator('details:has(> summary:text-is("sequence-diagram.svg"))');
    // The first diagram with a highlighted (offending) message.
    const highlighted = await diagrams.evaluateAll((all) =>
      all.findIndex((d) =>
        atob(d.querySelector('img')?.src.split(',')[1] ?? '').includes('message offending'),
      ),
    );
    assert.ok(highlighted >= 0, 'a failed scenario shows its diagram with the offending message');
    await diagrams.nth(highlighted).locator('summary').click();
    const img = diagrams.nth(highlighted).locator('img');
    await img.waitFor();
    assert.ok(await img.evaluate((i) => i.complete && i.naturalWidth > 500), 'the diagram is drawn');
    await img.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(shots, 'cucumber.png') });

    // Allure: the scenarios by feature, a failed one, and its sequence diagram.
    await open(page, join(dir, 'allure-report', 'index.html'));
    const test = page.getByText('a session during a call, which ends before the last query');
    await page.getByText('Whole screen-capture sessions').waitFor();
    if (!(await test.isVisible())) await page.getByText('Whole screen-capture sessions').click();
    await test.click();
    await page.getByText('AssertionError: rules not passed').first().waitFor();
    await page.getByText('rule outcomes and evidence').click();
    await page.getByText('sequence-diagram.svg').click();
    const allureDiagram = page.locator('img[src^="data:image/svg"], img[src^="blob:"]').first();
    await allureDiagram.waitFor();
    assert.ok(await allureDiagram.evaluate((i) => i.complete && i.naturalWidth > 500));
    await allureDiagram.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(shots, 'allure.png') });

    assert.deepEqual(external, [], 'requests that would have left the machine');
  });
});
