/**
 * Retention of run folders: keep the newest N runs under a reports root (ids sort by start time),
 * never the one `latest` points at, and say how large each run is. Only folders named as run ids
 * are runs: anything else under the root is left alone.
 */
import { lstat, readdir, readlink, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { LATEST } from './run-dir.ts';

/** `2026-11-23T06-58-12Z-3fa2c1` (newRunId). */
const RUN_ID = /^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z-[0-9a-f]{6}$/;

export interface RunSize {
  id: string;
  bytes: number;
}

export interface Pruned {
  kept: RunSize[];
  removed: RunSize[];
}

/** Bytes of the files under `dir` (links are not followed). */
async function sizeOf(dir: string): Promise<number> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  let bytes = 0;
  for (const e of entries) if (e.isFile()) bytes += (await lstat(join(e.parentPath, e.name))).size;
  return bytes;
}

export async function pruneRuns(root: string, keep: number): Promise<Pruned> {
  if (!Number.isInteger(keep) || keep < 1)
    throw new Error(`keep must be a whole number of runs, at least 1 (got ${keep})`);
  const entries = await readdir(root, { withFileTypes: true });
  const ids = entries
    .filter((e) => e.isDirectory() && RUN_ID.test(e.name))
    .map((e) => e.name)
    .sort()
    .reverse();
  const latest = await readlink(join(root, LATEST)).catch(() => undefined);
  const kept: RunSize[] = [];
  const removed: RunSize[] = [];
  for (const [i, id] of ids.entries()) {
    const run = { id, bytes: await sizeOf(join(root, id)) };
    if (i < keep || id === latest) {
      kept.push(run);
      continue;
    }
    await rm(join(root, id), { recursive: true, force: true });
    removed.push(run);
  }
  return { kept, removed };
}

export function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** One line per run: `removed 2026-...  9.8 MB`, then the totals. */
export function formatPruned(p: Pruned): string {
  const total = (runs: RunSize[]) => megabytes(runs.reduce((a, r) => a + r.bytes, 0));
  return [
    ...p.kept.map((r) => `kept     ${r.id}  ${megabytes(r.bytes)}`),
    ...p.removed.map((r) => `removed  ${r.id}  ${megabytes(r.bytes)}`),
    `${p.kept.length} run(s) kept (${total(p.kept)}), ${p.removed.length} removed (${total(p.removed)})`,
    '',
  ].join('\n');
}
