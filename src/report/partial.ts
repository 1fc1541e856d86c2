/**
 * Cucumber's HTML and JUnit reports of a run rebuilt from the messages seen so far, when the report
 * child did not write them (it failed, or ended early): through Cucumber's own formatters, as a run
 * that finished unsuccessfully when it never finished, so they still open and show what ran.
 */
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { Envelope } from '@cucumber/messages';
import { CucumberReports } from './cucumber-reports.mjs';

export async function rebuildCucumberReports(dir: string, envelopes: readonly Envelope[]): Promise<void> {
  // Written whole or not at all: the child that failed may have left half of them.
  const [html, junit] = [join(dir, 'cucumber.html'), join(dir, 'junit.xml')];
  const reports = new CucumberReports(`${html}.partial`, `${junit}.partial`);
  for (const envelope of envelopes) reports.update(envelope);
  await reports.end();
  await rename(`${html}.partial`, html);
  await rename(`${junit}.partial`, junit);
}
