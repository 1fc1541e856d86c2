/**
 * The one bundle writer of every command that judges (run, verify-log, load): a bundle is opened
 * as a new folder under the reports root, then written the same way (the certificate unfinished
 * first, the command's own artifacts, the certificate finished, the manifest, its signature when a
 * key is given, and `latest`), or discarded when the command could not run.
 */
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SuiteResult } from '../result/outcomes.ts';
import { redact } from '../secrets.ts';
import { type Certification, certificationOf } from './certification.ts';
import { certificationHtml } from './certification-html.ts';
import { digestFiles, writeManifest } from './manifest.ts';
import { harnessIdentity, type MetadataInput, type RunMetadata, runMetadata } from './metadata.ts';
import { createRunDir, pointLatest, type RunDir } from './run-dir.ts';
import { type Signer, signManifest } from './signature.ts';

export interface WrittenReport {
  certification: Certification;
  /** Artifacts that could not be produced, and why (the rest of the bundle is still written). */
  problems: string[];
}

const CERTIFICATE_FILES = ['certification.json', 'certification.html'] as const;

/** The certificate as JSON and HTML, from its JSON form (`report sign` re-renders one this way). */
export async function writeCertificate(dir: string, certification: Certification): Promise<void> {
  const [json, html] = CERTIFICATE_FILES;
  await writeFile(join(dir, json), redact(`${JSON.stringify(certification, null, 2)}\n`));
  await writeFile(join(dir, html), redact(certificationHtml(certification)));
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
  /**
   * The command's own artifacts, written between the unfinished and the finished certificate; returns
   * what could not be made. Without any, no unfinished certificate is written: nothing would be
   * made between it and the finished one (a busy log's certificate is megabytes to render twice).
   */
  artifacts?: () => Promise<string[]>;
  /** The result to finish with, asked for at the end (a stop while the bundle was written changes it). */
  final?: () => SuiteResult;
  /** Signs the manifest (its fingerprint must already be in `metadata.signedBy`). */
  signer?: Signer;
  /**
   * The files already in the folder are final, but for the certificate (the artifacts only add
   * files) and those under `writing`: they are hashed while the artifacts are made.
   */
  settled?: boolean;
  /** Folders (relative, `/`-separated) still being written when the bundle is begun: hashed last, with the artifacts. */
  writing?: readonly string[];
}

/**
 * Writes the bundle. The certificate is written unfinished first (when artifacts are to be made)
 * and finished last, just before the manifest: a report cut short (kill -9) never says it passed.
 */
export async function writeBundle(run: RunDir, input: BundleInput): Promise<WrittenReport> {
  if (input.signer && input.metadata.signedBy !== input.signer.fingerprint)
    throw new Error('the certificate must name the key that signs it');
  if (input.artifacts) await writeCertification(run, unfinished(input.result), input.metadata);
  // Listed before the artifacts are written, hashed while they are; should it fail, the manifest
  // hashes every file itself.
  const writing = (input.writing ?? []).map((dir) => `${dir}/`);
  const final = (f: string) =>
    !(CERTIFICATE_FILES as readonly string[]).includes(f) && !writing.some((dir) => f.startsWith(dir));
  const ahead = input.settled
    ? (await digestFiles(run.dir, final)).digests.catch(() => undefined)
    : undefined;
  const problems = (await input.artifacts?.()) ?? [];
  const certification = await writeCertification(run, input.final?.() ?? input.result, input.metadata);
  await writeManifest(run.dir, await ahead);
  if (input.signer) await signManifest(run.dir, input.signer);
  await pointLatest(run);
  return { certification, problems };
}

/** What a command says of its run for the certificate (the bundle knows its id and times). */
export type BundleFacts = Omit<MetadataInput, 'runId' | 'startedAt' | 'endedAt' | 'signedBy'>;

export type OpenBundleInput = Omit<BundleInput, 'metadata'> & { facts: BundleFacts };

/**
 * A bundle being made, in its own folder under the reports root: `write` finishes it (certificate,
 * artifacts, manifest, `latest`); `discard` removes it when the command could not run (no
 * certificate, and `latest` stays where it was).
 */
export class Bundle {
  private constructor(
    readonly run: RunDir,
    readonly startedAt: Date,
  ) {}

  static async open(reportsRoot: string, now = new Date()): Promise<Bundle> {
    // Asked now, told when the bundle is written (a failure then, if any, is the write's).
    harnessIdentity().catch(() => {});
    return new Bundle(await createRunDir(reportsRoot, now), now);
  }

  /** Absolute path of the bundle's folder. */
  get dir(): string {
    return this.run.dir;
  }

  async write(input: OpenBundleInput): Promise<WrittenReport> {
    const { facts, ...rest } = input;
    const metadata = await runMetadata({
      runId: this.run.id,
      startedAt: this.startedAt,
      endedAt: new Date(),
      ...facts,
      ...(input.signer ? { signedBy: input.signer.fingerprint } : {}),
    });
    return writeBundle(this.run, { ...rest, metadata });
  }

  async discard(): Promise<void> {
    await rm(this.run.dir, { recursive: true, force: true });
  }
}
