/**
 * Completes a run's folder once Cucumber is done with it (or was stopped): the certificate, a copy
 * of the feature files, the single-file Allure report, the manifest, and `latest`.
 */
import { cp, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SuiteResult } from '../result/outcomes.ts';
import { redact } from '../secrets.ts';
import { generateAllureReport } from './allure.ts';
import { type Certification, certificationOf } from './certification.ts';
import { certificationHtml } from './certification-html.ts';
import { writeManifest } from './manifest.ts';
import { HARNESS_ROOT, type RunMetadata } from './metadata.ts';
import { pointLatest, type RunDir } from './run-dir.ts';

export interface WrittenReport {
  certification: Certification;
  /** Artifacts that could not be produced, and why (the rest of the bundle is still written). */
  problems: string[];
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

/** The certificate, as JSON and as HTML. */
export async function writeCertification(
  run: RunDir,
  result: SuiteResult,
  metadata: RunMetadata,
): Promise<Certification> {
  const certification = certificationOf(result, metadata);
  await writeFile(join(run.dir, 'certification.json'), redact(`${JSON.stringify(certification, null, 2)}\n`));
  await writeFile(join(run.dir, 'certification.html'), redact(certificationHtml(certification)));
  return certification;
}

/** What the certificate says while the report is being written: a process killed meanwhile leaves this. */
export const UNFINISHED_REASON =
  "the report was not finished (the process ended while writing it): this certificate is not the run's verdict";

export function unfinished(result: SuiteResult): SuiteResult {
  return { ...result, verdict: 'failed', complete: false, reasons: [UNFINISHED_REASON, ...result.reasons] };
}

/**
 * Writes the bundle. The certificate is written unfinished first and finished last, just before the
 * manifest: a report cut short (kill -9) never says it passed. `final`: the result to finish with,
 * asked for at the end (a stop while the bundle was written changes it).
 */
export async function writeRunReport(
  run: RunDir,
  result: SuiteResult,
  metadata: RunMetadata,
  featuresDir = join(HARNESS_ROOT, 'features'),
  final: () => SuiteResult = () => result,
): Promise<WrittenReport> {
  const problems: string[] = [];
  await writeCertification(run, unfinished(result), metadata);
  // The Gherkin that was run travels with its evidence, under the manifest like every artifact.
  await cp(featuresDir, join(run.dir, 'features'), {
    recursive: true,
    filter: async (src) => src.endsWith('.feature') || (await stat(src)).isDirectory(),
  });
  const results = join(run.dir, 'allure-results');
  if (await exists(results)) {
    await generateAllureReport(results, join(run.dir, 'allure-report')).catch((e: Error) =>
      problems.push(e.message),
    );
  } else {
    problems.push('no Allure results were written, so there is no Allure report');
  }
  const certification = await writeCertification(run, final(), metadata);
  await writeManifest(run.dir);
  await pointLatest(run);
  return { certification, problems };
}
