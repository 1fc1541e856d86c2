/**
 * The bundle's integrity: manifest.json holds the SHA-256 of every file in a run's folder (its
 * artifacts and its copy of the feature files), and verify recomputes them and names every file
 * changed, missing or added since.
 */
import { createHash } from 'node:crypto';
import { open, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

export const MANIFEST_FILE = 'manifest.json';
/** Pictures taken of the reports after the run (the browser check): views of signed files, not signed. */
export const UNSIGNED_DIR = 'screenshots';

export interface Manifest {
  algorithm: 'sha256';
  /** Path relative to the run's folder (with `/`) -> hex digest. */
  files: Record<string, string>;
}

export interface Verification {
  ok: boolean;
  changed: string[];
  missing: string[];
  added: string[];
}

/** `buffer`: read into, reused for every file (a log's evidence is hundreds of files, some large). */
async function sha256(file: string, buffer: Buffer): Promise<string> {
  const hash = createHash('sha256');
  const handle = await open(file, 'r');
  try {
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
    }
  } finally {
    await handle.close();
  }
  return hash.digest('hex');
}

/** Files under `dir` that the manifest covers, relative and `/`-separated, sorted. */
async function signedFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => !e.isDirectory())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
    .filter((f) => f !== MANIFEST_FILE && !f.startsWith(`${UNSIGNED_DIR}/`))
    .sort();
}

export async function computeManifest(dir: string): Promise<Manifest> {
  const files: Record<string, string> = {};
  const buffer = Buffer.allocUnsafe(1 << 16);
  for (const f of await signedFiles(dir)) files[f] = await sha256(join(dir, f), buffer);
  return { algorithm: 'sha256', files };
}

export async function writeManifest(dir: string): Promise<Manifest> {
  const manifest = await computeManifest(dir);
  await writeFile(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

export async function verifyManifest(dir: string): Promise<Verification> {
  const recorded = JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')) as Manifest;
  if (recorded.algorithm !== 'sha256')
    throw new Error(`${MANIFEST_FILE}: unknown algorithm ${recorded.algorithm}`);
  const now = await computeManifest(dir);
  const changed = Object.keys(recorded.files).filter(
    (f) => now.files[f] !== undefined && now.files[f] !== recorded.files[f],
  );
  const missing = Object.keys(recorded.files).filter((f) => now.files[f] === undefined);
  const added = Object.keys(now.files).filter((f) => recorded.files[f] === undefined);
  return { ok: !changed.length && !missing.length && !added.length, changed, missing, added };
}
