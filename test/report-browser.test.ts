/**
 * The reports as a person sees them: cucumber.html, certification.html and the Allure report open
 * in headless Chromium (Debian's), with nothing requested from the network. Screenshots are saved
 * in the run's folder (reports/browser-check/<run-id>/screenshots/) for people to look at.
 */
import assert from 'node:assert/strict';
import { lstat, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
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

describe('the reports in a browser', { skip }, () => {
  test('show the scenarios, the rule matrix and the sequence diagrams, fetching nothing from the network', async () => {
    await removeOldRuns();
    const { code, output } = await runCli(['run', '--break', 'recorder-drops-connid', '--reports', REPORTS]);
    assert.equal(code, 1);
    // This run's folder, from its own output: `latest` may be another concurrent run's.
    const reported = /^Reports: (.*)\/certification\.html$/m.exec(output)?.[1];
    assert.ok(reported, output);
    const dir = resolve(ROOT, reported);
    const shots = join(dir, 'screenshots');
    await mkdir(shots);

    profile = await mkdtemp(join(tmpdir(), 'screencap-chromium-'));
    context = await launchChromium(profile);
    context.on('request', (r) => {
      if (!local(r.url())) external.push(r.url());
    });
    await context.route('**/*', (route) => (local(route.request().url()) ? route.continue() : route.abort()));
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);

    // The certificate: verdict, the rule matrix, the failed rule with its offending message.
    await open(page, join(dir, 'certification.html'));
    await assert.doesNotReject(page.locator('#verdict', { hasText: 'FAILED' }).waitFor());
    assert.equal(await page.locator('#rules tbody tr').count(), 18);
    const failed = page.locator('#rule-REC-CONNID');
    assert.match((await failed.getAttribute('class')) ?? '', /failed/);
    assert.ok(
      await failed
        .getByText(/Event\.ConnID should be "[0-9a-f]{16}"/)
        .first()
        .isVisible(),
    );
    assert.ok(await failed.locator('pre.offending').first().isVisible());
    await page.screenshot({ path: join(shots, 'certification.png'), fullPage: true });

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
