/**
 * The bundle's integrity: manifest.json holds the SHA-256 of every file in a run's folder (its
 * artifacts and its copy of the feature files), and verify recomputes them and names every file
 * changed, missing or added since.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

export const MANIFEST_FILE = 'manifest.json';
/** The manifest's signature (signature.ts): made after the manifest, so not in it. */
export const SIGNATURE_FILE = 'manifest.sig';
/** Pictures taken of the reports after the run (the browser check): views of hashed files, not hashed. */
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
  /** Entries that are not plain files (a link, a device): named with what they are, never followed. */
  unsigned: string[];
}

/**
 * `buffer`: read into, reused for every file (a log's evidence is hundreds of files, some large).
 * Read synchronously, a chunk at a time: a bundle is hundreds of small files, for which an
 * asynchronous open, read and close each cost a round trip to libuv's thread pool, some three
 * times the CPU of the hashing itself (a self run's 856 files, 21 MB). Callers yield between files.
 */
function sha256(file: string, buffer: Buffer): string {
  const hash = createHash('sha256');
  const fd = openSync(file, 'r');
  try {
    for (let n = readSync(fd, buffer); n > 0; n = readSync(fd, buffer)) hash.update(buffer.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/** Lets what else waits run between two files hashed. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The chunk each file is read in. */
const CHUNK = 1 << 20;

/**
 * Files under `dir` that the manifest covers, relative and `/`-separated, sorted; and entries that
 * are neither files nor folders (readdir does not follow links: a link to a folder or a loop is
 * named here, not read through).
 */
async function hashedFiles(dir: string): Promise<{ files: string[]; unsigned: string[] }> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files: string[] = [];
  const unsigned: string[] = [];
  for (const e of entries) {
    if (e.isDirectory()) continue;
    const path = relative(dir, join(e.parentPath, e.name)).split(sep).join('/');
    if (path === MANIFEST_FILE || path === SIGNATURE_FILE || path.startsWith(`${UNSIGNED_DIR}/`)) continue;
    if (e.isFile()) files.push(path);
    else
      unsigned.push(
        `${path} (${e.isSymbolicLink() ? 'a symbolic link' : 'not a regular file'}: a report holds only files)`,
      );
  }
  return { files: files.sort(), unsigned: unsigned.sort() };
}

/**
 * The digests by path (a Map: a file may be named `__proto__`) of the files under `dir`;
 * `known`: digests already made of files that have not changed since.
 */
async function digests(
  dir: string,
  known: ReadonlyMap<string, string> = new Map(),
): Promise<{ files: Map<string, string>; unsigned: string[] }> {
  const { files, unsigned } = await hashedFiles(dir);
  return { files: await hashEach(dir, files, known), unsigned };
}

/** The digests of `files` under `dir` (those `known` holds taken from it), yielding between files. */
async function hashEach(
  dir: string,
  files: readonly string[],
  known: ReadonlyMap<string, string> = new Map(),
): Promise<Map<string, string>> {
  const buffer = Buffer.allocUnsafe(CHUNK);
  const out = new Map<string, string>();
  for (const f of files) {
    const digest = known.get(f);
    if (digest) out.set(f, digest);
    else {
      out.set(f, sha256(join(dir, f), buffer));
      await nextTurn();
    }
  }
  return out;
}

/**
 * The digests of the files under `dir` that `include` accepts, by path: made ahead for
 * writeManifest. Resolves once they are listed, to their digests being made: files written into
 * `dir` after that are not among them (a file half-copied when it was listed would be hashed half).
 */
export async function digestFiles(
  dir: string,
  include: (path: string) => boolean,
): Promise<{ digests: Promise<Map<string, string>> }> {
  const files = (await hashedFiles(dir)).files.filter(include);
  return { digests: hashEach(dir, files) };
}

/** `known`: digests made ahead (digestFiles) of files that have not changed since. */
export async function computeManifest(dir: string, known?: ReadonlyMap<string, string>): Promise<Manifest> {
  const { files } = await digests(dir, known);
  return { algorithm: 'sha256', files: Object.fromEntries(files) };
}

export async function writeManifest(dir: string, known?: ReadonlyMap<string, string>): Promise<Manifest> {
  const manifest = await computeManifest(dir, known);
  await writeFile(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

export async function verifyManifest(dir: string): Promise<Verification> {
  const recorded = JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')) as Manifest;
  if (recorded.algorithm !== 'sha256')
    throw new Error(`${MANIFEST_FILE}: unknown algorithm ${recorded.algorithm}`);
  if (recorded.files === null || typeof recorded.files !== 'object')
    throw new Error(`${MANIFEST_FILE}: "files" is not an object of path -> SHA-256`);
  // Own entries only, into a Map: `__proto__` or `constructor` are file names like any other.
  const hashed = new Map(Object.entries(recorded.files));
  const now = await digests(dir);
  const changed = [...hashed].filter(([f, d]) => now.files.has(f) && now.files.get(f) !== d).map(([f]) => f);
  const missing = [...hashed.keys()].filter((f) => !now.files.has(f));
  const added = [...now.files.keys()].filter((f) => !hashed.has(f));
  const ok = !changed.length && !missing.length && !added.length && !now.unsigned.length;
  return { ok, changed, missing, added, unsigned: now.unsigned };
}
