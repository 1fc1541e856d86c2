/**
 * `publish`: finds every bundle under the given folders, verifies each (a copy is verified where it
 * lands), merges them into the site's rows (index.json) and writes the pages, badges and index.
 * Re-running on a site adds what is new and keeps what was published; `keep` bounds each history.
 */
import { createHash, randomBytes } from 'node:crypto';
import { cp, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { mapLimited } from '../load/concurrency.ts';
import { MANIFEST_FILE } from '../report/manifest.ts';
import { badgeEndpoint, badgeSvg } from './badges.ts';
import { type BundleRead, CERTIFICATE_HTML, CERTIFICATE_JSON, readBundle } from './bundle.ts';
import {
  histories,
  isVerified,
  mergeRows,
  type RejectedRow,
  type Row,
  SITE_SCHEMA,
  type SiteIndex,
  type VerifiedRow,
} from './model.ts';
import { historyFile, historyPage, indexPage, matrixPage } from './pages.ts';
import type { TrustedKey } from './signature.ts';

export const SITE_INDEX = 'index.json';
const BUNDLES = 'bundles';
/** Bundles verified at once: reading and hashing overlap, memory stays bounded. */
const CONCURRENCY = 8;

export interface PublishOptions {
  /** Folders holding bundles (a reports root, or bundles themselves). */
  from: readonly string[];
  out: string;
  /** Leave bundles where they are and link to them, instead of copying them into the site. */
  link?: boolean;
  /** The newest verified runs kept per SUT, profile and counterparts (each cell of the matrix). */
  keep?: number;
  trusted?: TrustedKey;
  now?: Date;
}

export interface PublishResult {
  index: SiteIndex;
  /** Bundles found this time: newly published, already there, failed verification. */
  added: VerifiedRow[];
  unchanged: number;
  rejected: RejectedRow[];
  dropped: VerifiedRow[];
}

const slash = (path: string) => path.split(sep).join('/');
const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

/**
 * Bundle folders (those holding a certification.json) under `root`, not descending into a bundle,
 * nor following links (`latest`), nor into `skip` (the site itself).
 */
export async function findBundles(root: string, skip: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    if (dir === skip) return;
    const entries = await readdir(dir, { withFileTypes: true });
    if (entries.some((e) => e.isFile() && e.name === CERTIFICATE_JSON)) {
      found.push(dir);
      return;
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name)))
      if (e.isDirectory()) await walk(join(dir, e.name));
  };
  await walk(resolve(root));
  return found;
}

async function previousRows(out: string): Promise<Row[]> {
  const text = await readFile(join(out, SITE_INDEX), 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });
  if (text === undefined) return [];
  const index = JSON.parse(text) as Partial<SiteIndex>;
  if (index.schema !== SITE_SCHEMA || !Array.isArray(index.bundles))
    throw new Error(`${join(out, SITE_INDEX)}: not a screencap-cert site index (schema ${index.schema})`);
  return index.bundles;
}

async function manifestHash(dir: string): Promise<string | undefined> {
  return readFile(join(dir, MANIFEST_FILE)).then(
    (b) => createHash('sha256').update(b).digest('hex'),
    () => undefined,
  );
}

function rejected(source: string, read: Extract<BundleRead, { ok: false }>, at: string): RejectedRow {
  return {
    id: `rejected:${source}`,
    verified: false,
    verifiedAt: at,
    source,
    problems: read.problems,
    ...(read.claimed ? { claimed: read.claimed } : {}),
  };
}

/** Verifies one found bundle into a row: in place (link), or as copied into the site. */
async function publishOne(
  dir: string,
  opts: PublishOptions,
  out: string,
  copied: ReadonlySet<string>,
  at: string,
): Promise<Row | 'unchanged'> {
  const source = slash(relative(out, dir));
  if (!opts.link) {
    const hash = await manifestHash(dir);
    // Published from this very folder with this very manifest: the site already holds its verified copy.
    if (hash && copied.has(`${source}\n${hash}`)) return 'unchanged';
  }
  // A copy is verified where it lands: what the site serves is what was checked.
  const where = opts.link ? dir : join(out, BUNDLES, `.incoming-${randomBytes(4).toString('hex')}`);
  if (!opts.link) await cp(dir, where, { recursive: true, verbatimSymlinks: true });
  const read = await readBundle(where, opts.trusted);
  if (!read.ok) {
    if (!opts.link) await rm(where, { recursive: true, force: true });
    return rejected(source, read, at);
  }
  const id = `${read.facts.runId}-${read.facts.hashes.manifest.slice(0, 8)}`;
  let bundle = source;
  if (!opts.link) {
    bundle = `${BUNDLES}/${id}`;
    if (await exists(join(out, bundle))) await rm(where, { recursive: true, force: true });
    else await rename(where, join(out, bundle));
  }
  return {
    ...read.facts,
    id,
    verified: true,
    verifiedAt: at,
    stored: opts.link ? 'linked' : 'copied',
    source,
    bundle,
    certificate: `${bundle}/${CERTIFICATE_HTML}`,
  };
}

async function writePages(out: string, rows: readonly Row[], index: SiteIndex): Promise<void> {
  // Pages and badges are derived from the rows: rewritten whole, so none outlives its subject.
  await rm(join(out, 'history'), { recursive: true, force: true });
  await rm(join(out, 'badges'), { recursive: true, force: true });
  await mkdir(join(out, 'history'), { recursive: true });
  await mkdir(join(out, 'badges'), { recursive: true });
  for (const { subject, runs } of histories(rows).values()) {
    const latest = runs[runs.length - 1] as VerifiedRow;
    await writeFile(join(out, historyFile(subject)), historyPage(subject, runs));
    await writeFile(join(out, 'badges', `${subject.slug}.svg`), badgeSvg(latest));
    await writeFile(
      join(out, 'badges', `${subject.slug}.json`),
      `${JSON.stringify(badgeEndpoint(latest))}\n`,
    );
  }
  await writeFile(join(out, 'index.html'), indexPage(rows));
  await writeFile(join(out, 'matrix.html'), matrixPage(rows));
  // Last: a publish cut short leaves the previous index, and the rows it names.
  await writeFile(join(out, SITE_INDEX), `${JSON.stringify(index, null, 1)}\n`);
}

export async function publish(opts: PublishOptions): Promise<PublishResult> {
  const out = resolve(opts.out);
  const at = (opts.now ?? new Date()).toISOString();
  for (const dir of opts.from)
    if (
      !(await stat(dir).then(
        (s) => s.isDirectory(),
        () => false,
      ))
    )
      throw new Error(`${dir}: not a folder of reports`);
  await mkdir(join(out, BUNDLES), { recursive: true });
  const previous = await previousRows(out);
  const copied = new Set(
    previous
      .filter((r): r is VerifiedRow => isVerified(r) && r.stored === 'copied')
      .map((r) => r.hashes.manifest),
  );
  const dirs = [...new Set((await Promise.all(opts.from.map((d) => findBundles(d, out)))).flat())];
  const results = await mapLimited(dirs.length, CONCURRENCY, (i) =>
    publishOne(dirs[i] as string, opts, out, copied, at),
  );
  const found = results.filter((r): r is Row => r !== 'unchanged');
  const { rows, dropped } = mergeRows(previous, found, opts.keep);
  for (const d of dropped)
    if (d.stored === 'copied') await rm(join(out, d.bundle), { recursive: true, force: true });
  const index: SiteIndex = { schema: SITE_SCHEMA, generatedAt: at, bundles: rows };
  await writePages(out, rows, index);
  const known = new Set(previous.map((r) => r.id));
  return {
    index,
    added: found.filter((r): r is VerifiedRow => isVerified(r) && !known.has(r.id)),
    unchanged: results.length - found.length + found.filter((r) => isVerified(r) && known.has(r.id)).length,
    rejected: found.filter((r): r is RejectedRow => !r.verified),
    dropped,
  };
}
