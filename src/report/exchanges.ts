/**
 * Where a scenario's evidence lies in a bundle: `exchanges/<feature>/<scenario>/` holding its
 * sequence diagram, message trace and findings under readable names, so the certificate links to
 * each one. A live run, verify-log and load write them through here alike.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BackgroundWrites, byteLength } from './background-writes.mjs';

export const EXCHANGES_DIR = 'exchanges';

/**
 * The name of each evidence file in the bundle, by the name it is attached under in the reports
 * (a live run's are written by its report child: evidence-files.mjs).
 */
export const BUNDLE_NAMES: Readonly<Record<string, string>> = {
  'sequence-diagram.svg': 'sequence.svg',
  'message-trace.ndjson': 'trace.ndjson',
  'rule-findings.txt': 'findings.txt',
  'tserver.json': 'tserver.json',
  'observations.json': 'observations.json',
};

/** `Whole screen-capture sessions!` -> `whole-screen-capture-sessions` (at most 80 characters). */
export function slug(text: string): string {
  const s = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
    .replace(/-+$/, '');
  return s || 'unnamed';
}

/** `features/screen-capture-session.feature` -> `screen-capture-session`. */
export function featureSlug(uri: string): string {
  return slug((uri.split('/').at(-1) ?? uri).replace(/\.feature$/, ''));
}

/**
 * Hands out one folder per scenario, relative to the bundle (`exchanges/<feature>/<scenario>`):
 * the same name twice (an outline's rows, a rerun) gets `-2`, `-3`.
 */
export class ExchangeFolders {
  private readonly taken = new Set<string>();

  allocate(feature: string, scenario: string): string {
    const base = `${EXCHANGES_DIR}/${slug(feature)}/${slug(scenario)}`;
    let folder = base;
    for (let n = 2; this.taken.has(folder); n++) folder = `${base}-${n}`;
    this.taken.add(folder);
    return folder;
  }
}

/** Where one evidence file of a scenario goes (its bundle name), or undefined for an attachment that is not one. */
function evidencePath(
  bundleDir: string,
  folder: string,
  fileName: string,
): { dir: string; name: string; file: string } | undefined {
  const name = BUNDLE_NAMES[fileName];
  if (!name) return undefined;
  const dir = join(bundleDir, folder);
  return { dir, name, file: join(dir, name) };
}

/** Writes `body` as `path.file`, making its folder if it is not there yet. */
function writeAt(path: { dir: string; file: string }, body: string | Buffer): void {
  try {
    writeFileSync(path.file, body);
  } catch (e) {
    // The scenario's first file makes its folder (verify-log writes hundreds: no mkdir per file).
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    mkdirSync(path.dir, { recursive: true });
    writeFileSync(path.file, body);
  }
}

/** Writes one evidence file of a scenario under its bundle name; other attachments are not evidence files. */
export function writeExchangeFile(
  bundleDir: string,
  folder: string,
  fileName: string,
  body: string | Buffer,
): void {
  const path = evidencePath(bundleDir, folder, fileName);
  if (path) writeAt(path, body);
}

/** Evidence held in memory while written in the background (EvidenceWriter): past this, files are written at once. */
const MAX_BYTES_IN_FLIGHT = 1024 * 1024;

/**
 * Writes a run's evidence files in the background (background-writes.mjs): verify-log creates
 * hundreds of files, and creating a file is kernel time the command's own thread need not spend.
 * Memory stays bounded: with `maxBytesInFlight` being written, a file is written at once, as
 * writeExchangeFile does. `settled` waits for them all and fails with the first that failed.
 */
export class EvidenceWriter {
  private readonly writes = new BackgroundWrites();

  constructor(
    private readonly bundleDir: string,
    private readonly maxBytesInFlight = MAX_BYTES_IN_FLIGHT,
  ) {}

  /** Writes one evidence file of `folder` under its bundle name; other attachments are not evidence files. */
  write(folder: string, fileName: string, body: string | Buffer): void {
    const path = evidencePath(this.bundleDir, folder, fileName);
    if (!path) return;
    const bytes = byteLength(body);
    if (this.writes.bytesInFlight + bytes > this.maxBytesInFlight) writeAt(path, body);
    else this.writes.write(path.dir, path.name, body, bytes);
  }

  /** Once every file is written; rejects with the first write that failed. */
  settled(): Promise<void> {
    return this.writes.settled();
  }
}
