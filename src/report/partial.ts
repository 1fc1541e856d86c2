/**
 * What the report child makes from a run's messages (Cucumber's HTML and JUnit reports, the Allure
 * results, the evidence files), rebuilt from the messages seen so far when the child did not make it (it failed, or
 * ended early): through the same formatters, as a run that finished unsuccessfully when it never
 * finished, so that the reports still open and show what ran.
 */
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Envelope } from '@cucumber/messages';
import { AllureResults } from './allure-results.mjs';
import { CucumberReports } from './cucumber-reports.mjs';
import { writeExchangeFile } from './exchanges.ts';

export async function rebuildCucumberReports(dir: string, envelopes: readonly Envelope[]): Promise<void> {
  // Written whole or not at all: the child that failed may have left half of them.
  const [html, junit] = [join(dir, 'cucumber.html'), join(dir, 'junit.xml')];
  const reports = new CucumberReports(`${html}.partial`, `${junit}.partial`);
  for (const envelope of envelopes) reports.update(envelope);
  await reports.end();
  await rename(`${html}.partial`, html);
  await rename(`${junit}.partial`, junit);
}

/** The Allure results into `resultsDir`, instead of whatever the child that failed left there. */
export async function rebuildAllureResults(
  resultsDir: string,
  envelopes: readonly Envelope[],
): Promise<void> {
  await rm(resultsDir, { recursive: true, force: true });
  const results = new AllureResults(resultsDir);
  for (const envelope of envelopes) results.update(envelope);
  await results.end();
}

/** Each scenario's evidence files, into the folder `folderOf` its start's id, over what the child left. */
export function rebuildEvidence(
  dir: string,
  envelopes: readonly Envelope[],
  folderOf: (testCaseStartedId: string) => string | undefined,
): void {
  for (const a of envelopes.flatMap((e) => (e.attachment ? [e.attachment] : []))) {
    const folder = a.fileName && folderOf(a.testCaseStartedId ?? '');
    if (!a.fileName || !folder) continue;
    writeExchangeFile(
      dir,
      folder,
      a.fileName,
      a.contentEncoding === 'BASE64' ? Buffer.from(a.body, 'base64') : a.body,
    );
  }
}
