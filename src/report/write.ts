/**
 * Writes a bundle, the same way for every command that judges (run, verify-log, later load): the
 * certificate unfinished first, the command's own artifacts, the certificate finished, the
 * manifest, its signature when a key is given, and `latest`.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SuiteResult } from '../result/outcomes.ts';
import { redact } from '../secrets.ts';
import { type Certification, certificationOf } from './certification.ts';
import { certificationHtml } from './certification-html.ts';
import { writeManifest } from './manifest.ts';
import type { RunMetadata } from './metadata.ts';
import { pointLatest, type RunDir } from './run-dir.ts';
import { type Signer, signManifest } from './signature.ts';

export interface WrittenReport {
  certification: Certification;
  /** Artifacts that could not be produced, and why (the rest of the bundle is still written). */
  problems: string[];
}

/** The certificate as JSON and HTML, from its JSON form (`report sign` re-renders one this way). */
export async function writeCertificate(dir: string, certification: Certification): Promise<void> {
  await writeFile(join(dir, 'certification.json'), redact(`${JSON.stringify(certification, null, 2)}\n`));
  await writeFile(join(dir, 'certification.html'), redact(certificationHtml(certification)));
}

/** The certificate, as JSON and as HTML. */
export async function writeCertification(
  run: RunDir,
  result: SuiteResult,
  metadata: RunMetadata,
): Promise<Certification> {
  const certification = certificationOf(result, metadata);
  await writeCertificate(run.dir, certification);
  return certification;
}

/** What the certificate says while the report is being written: a process killed meanwhile leaves this. */
export const UNFINISHED_REASON =
  "the report was not finished (the process ended while writing it): this certificate is not the run's verdict";

export function unfinished(result: SuiteResult): SuiteResult {
  return { ...result, verdict: 'failed', complete: false, reasons: [UNFINISHED_REASON, ...result.reasons] };
}

export interface BundleInput {
  result: SuiteResult;
  metadata: RunMetadata;
  /** The command's own artifacts, written between the unfinished and the finished certificate; returns what could not be made. */
  artifacts?: () => Promise<string[]>;
  /** The result to finish with, asked for at the end (a stop while the bundle was written changes it). */
  final?: () => SuiteResult;
  /** Signs the manifest (its fingerprint must already be in `metadata.signedBy`). */
  signer?: Signer;
}

/**
 * Writes the bundle. The certificate is written unfinished first and finished last, just before the
 * manifest: a report cut short (kill -9) never says it passed.
 */
export async function writeBundle(run: RunDir, input: BundleInput): Promise<WrittenReport> {
  if (input.signer && input.metadata.signedBy !== input.signer.fingerprint)
    throw new Error('the certificate must name the key that signs it');
  await writeCertification(run, unfinished(input.result), input.metadata);
  const problems = (await input.artifacts?.()) ?? [];
  const certification = await writeCertification(run, input.final?.() ?? input.result, input.metadata);
  await writeManifest(run.dir);
  if (input.signer) await signManifest(run.dir, input.signer);
  await pointLatest(run);
  return { certification, problems };
}
