/** Test support (not a test file): a small bundle, written as every command writes one. */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { runMetadata } from '../src/report/metadata.ts';
import { createRunDir, type RunDir } from '../src/report/run-dir.ts';
import { writeBundle } from '../src/report/write.ts';
import type { SuiteResult } from '../src/result/outcomes.ts';

/**
 * A small passing bundle in a new folder under `root`, written as every command writes one;
 * `artifacts`: the command's own, made in its folder (returns what went wrong).
 */
export async function writeSmallBundle(
  root: string,
  artifacts?: (dir: string) => Promise<string[]>,
): Promise<RunDir> {
  const result: SuiteResult = { verdict: 'passed', reasons: [], complete: true, scenarios: [], rules: [] };
  const run = await createRunDir(join(root, `b${(await readdir(root)).length}`));
  const now = new Date();
  const metadata = await runMetadata({ runId: run.id, startedAt: now, endedAt: now, tservers: [] });
  await writeBundle(run, { result, metadata, ...(artifacts ? { artifacts: () => artifacts(run.dir) } : {}) });
  return run;
}
