/**
 * Report bundles for the publish tests and bench, without a run: a real bundle copied and edited
 * (its manifest rewritten, as the harness would have written it), or a certificate made by the
 * harness's own result model from scenario outcomes, with its HTML page and manifest.
 */
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RULES } from '../src/domain/rule-catalog.ts';
import { type Certification, certificationOf } from '../src/report/certification.ts';
import { certificationHtml } from '../src/report/certification-html.ts';
import { writeManifest } from '../src/report/manifest.ts';
import type { RunMetadata } from '../src/report/metadata.ts';
import type { ScenarioResult } from '../src/result/outcomes.ts';
import { certifiedScope, summarizeRules, verdictOf } from '../src/result/verdict.ts';

/** Copies the bundle `from` to `to`, edits its certificate, and hashes it again (manifest.json). */
export async function deriveBundle(
  from: string,
  to: string,
  edit: (c: Certification) => void,
  options: { rehash: boolean } = { rehash: true },
): Promise<void> {
  await cp(from, to, { recursive: true });
  const file = join(to, 'certification.json');
  const c = JSON.parse(await readFile(file, 'utf8')) as Certification;
  edit(c);
  await writeFile(file, `${JSON.stringify(c, null, 2)}\n`);
  if (options.rehash) await writeManifest(to);
}

/** A certificate's run facts, as a test writes them: these fields as given, the others as a self run's on 7001. */
export function fixtureMetadata(
  run: Pick<RunMetadata, 'runId' | 'startedAt' | 'endedAt' | 'durationMs' | 'profile' | 'sut' | 'tservers'> &
    Partial<RunMetadata>,
): RunMetadata {
  return {
    harness: { name: 'screencap-cert', version: '0.1.0', commit: null, dirty: null },
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    dns: ['7001'],
    tags: null,
    breakage: null,
    source: null,
    evidenceSources: ['embedded T-Server simulator'],
    config: null,
    signedBy: null,
    ...run,
  };
}

export interface SyntheticRun {
  runId: string;
  startedAt: Date;
  durationMs: number;
  profile: 'recorder' | 'desktop';
  sut: { vendor: string; product: string; version: string };
  tserver: { name: string; version: string };
  /** Rules that fail (each in one scenario); the others of the seat pass. */
  failing?: readonly string[];
}

/** A bundle (certification.json and .html, manifest.json) whose every rule of the seat was judged. */
export async function writeSyntheticBundle(dir: string, run: SyntheticRun): Promise<void> {
  const scope = certifiedScope(run.profile, 'the harness plays it');
  const scenarios: ScenarioResult[] = RULES.filter((r) => r.seat === run.profile).map((r) => {
    const failed = run.failing?.includes(r.id) ?? false;
    return {
      name: `exercises ${r.id}`,
      uri: 'features/synthetic.feature',
      status: failed ? 'failed' : 'passed',
      rules: [
        {
          rule: r.id,
          section: r.section,
          outcome: failed ? 'failed' : 'passed',
          reason: failed ? 'a field was not as required' : 'checked',
          checked: 1,
          findings: failed ? [{ text: 'a field was not as required' }] : [],
        },
      ],
    };
  });
  const rules = summarizeRules(scenarios, scope);
  const { verdict, reasons } = verdictOf({ scenarios, rules });
  const endedAt = new Date(run.startedAt.getTime() + run.durationMs);
  const metadata = fixtureMetadata({
    runId: run.runId,
    startedAt: run.startedAt.toISOString(),
    endedAt: endedAt.toISOString(),
    durationMs: run.durationMs,
    profile: run.profile,
    sut: run.sut,
    tservers: [run.tserver],
  });
  const c = certificationOf({ verdict, reasons, complete: true, scenarios, rules }, metadata);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'certification.json'), `${JSON.stringify(c, null, 2)}\n`);
  await writeFile(join(dir, 'certification.html'), certificationHtml(c));
  await writeManifest(dir);
}

/**
 * `count` bundles under `root`: `versions` SUT versions x `tservers` T-Server versions, the rest
 * repeated runs a day apart; every seventh run fails REC-MAPPING. For scale tests and the bench.
 */
export async function writeFleet(
  root: string,
  count: number,
  shape: { versions: number; tservers: number },
): Promise<SyntheticRun[]> {
  const runs: SyntheticRun[] = [];
  for (let i = 0; i < count; i++) {
    const version = `1.${i % shape.versions}`;
    const tserver = `9.0.${Math.floor(i / shape.versions) % shape.tservers}`;
    const run: SyntheticRun = {
      runId: `fleet-${String(i).padStart(5, '0')}`,
      startedAt: new Date(Date.UTC(2026, 0, 1) + i * 3_600_000),
      durationMs: 5000 + (i % 13) * 100,
      profile: 'recorder',
      sut: { vendor: 'Acme', product: 'Recorder', version },
      tserver: { name: 'SIPServer', version: tserver },
      ...(i % 7 === 6 ? { failing: ['REC-MAPPING'] } : {}),
    };
    await writeSyntheticBundle(join(root, run.runId), run);
    runs.push(run);
  }
  return runs;
}
