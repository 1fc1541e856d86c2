/**
 * Where a run's reports go: `reports/<run-id>/`, with `reports/latest` pointing at the last run
 * whose report was written. Run ids sort by start time and stay unique across concurrent runs.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, realpath, rename, stat, symlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';

export const LATEST = 'latest';

export interface RunDir {
  id: string;
  /** Absolute path of the run's folder. */
  dir: string;
  /** The folder holding every run's folder (and `latest`). */
  root: string;
}

/** `2026-11-23T06-58-12Z-3fa2c1` */
export function newRunId(now = new Date()): string {
  return `${now.toISOString().slice(0, 19).replaceAll(':', '-')}Z-${randomBytes(3).toString('hex')}`;
}

export async function createRunDir(root: string, now = new Date()): Promise<RunDir> {
  const id = newRunId(now);
  const dir = resolve(root, id);
  await mkdir(dir, { recursive: true });
  return { id, dir, root: resolve(root) };
}

/** Points `latest` at the run, replacing the link atomically (a concurrent run may be doing the same). */
export async function pointLatest(run: RunDir): Promise<void> {
  const temporary = join(run.root, `.${LATEST}-${run.id}`);
  await symlink(run.id, temporary);
  await rename(temporary, join(run.root, LATEST));
}

/** A run's folder from what a user typed: a path, a run id under `root`, or nothing for the latest. */
export async function findRunDir(root: string, run: string = LATEST): Promise<string> {
  for (const candidate of [resolve(run), resolve(root, run)]) {
    const found = await stat(candidate).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (found) return realpath(candidate);
  }
  throw new Error(`no run "${run}": neither a folder nor a run id under ${resolve(root)}`);
}
