/**
 * The site's model: one row per bundle (index.json), and what the pages show from them: the latest
 * verdict per system under test and profile, the compatibility matrix, and each history. Only
 * verified rows are evidence; the others are listed, never counted.
 */
import { createHash } from 'node:crypto';
import type { Verdict } from '../result/outcomes.ts';
import type { BundleFacts, Counterpart, Sut } from './bundle.ts';

export const SITE_SCHEMA = 'screencap-cert/site@1';

export interface VerifiedRow extends BundleFacts {
  /** The bundle's id in the site: its run id and the start of its manifest's hash. */
  id: string;
  verified: true;
  verifiedAt: string;
  /** `copied`: the bundle is under bundles/<id>/ in the site; `linked`: it stays where it was. */
  stored: 'copied' | 'linked';
  /** Where it was found when last published, relative to the site's root (`/`-separated). */
  source: string;
  /** The bundle's folder, relative to the site's root. */
  bundle: string;
  /** Its certificate page, relative to the site's root. */
  certificate: string;
}

export interface RejectedRow {
  /** `rejected:` and where it was found. */
  id: string;
  verified: false;
  verifiedAt: string;
  /** Where it was found, relative to the site's root. */
  source: string;
  problems: string[];
  /** What its certificate says, shown as a claim only. */
  claimed?: { runId?: string; verdict?: string };
}

export type Row = VerifiedRow | RejectedRow;

export interface SiteIndex {
  schema: typeof SITE_SCHEMA;
  generatedAt: string;
  bundles: Row[];
}

export const VERDICT_WORD: Record<Verdict, string> = {
  passed: 'PASSED',
  failed: 'FAILED',
  incomplete: 'INCOMPLETE',
};

export function sutLabel(sut: Sut): string {
  return `${sut.vendor} ${sut.product} ${sut.version}`;
}

export function counterpartLabel(c: Counterpart): string {
  const seat = c.seat === 'tserver' ? 'T-Server' : c.seat;
  return `${seat}: ${c.name}${c.version ? ` ${c.version}` : ''}`;
}

/** A matrix column: the counterparts of a run, together. */
export function counterpartsLabel(row: VerifiedRow): string {
  return row.counterparts.length ? row.counterparts.map(counterpartLabel).join(' + ') : 'the harness alone';
}

/** What a history, an index line and a badge are about. */
export interface Subject {
  key: string;
  /** For file names: readable, and unique by the hash of the key. */
  slug: string;
  sut: Sut;
  profile: string;
}

export function subjectOf(row: Pick<VerifiedRow, 'sut' | 'profile'>): Subject {
  const key = JSON.stringify([row.sut.vendor, row.sut.product, row.sut.version, row.profile]);
  const readable = `${sutLabel(row.sut)} ${row.profile}`
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 6);
  return { key, slug: `${readable}-${hash}`, sut: row.sut, profile: row.profile };
}

export const isVerified = (r: Row): r is VerifiedRow => r.verified;

const byStart = (a: VerifiedRow, b: VerifiedRow) =>
  a.startedAt.localeCompare(b.startedAt) || a.id.localeCompare(b.id);

/** Verified rows per subject, oldest first. */
export function histories(rows: readonly Row[]): Map<string, { subject: Subject; runs: VerifiedRow[] }> {
  const out = new Map<string, { subject: Subject; runs: VerifiedRow[] }>();
  for (const row of rows.filter(isVerified)) {
    const subject = subjectOf(row);
    const entry = out.get(subject.key) ?? { subject, runs: [] };
    entry.runs.push(row);
    out.set(subject.key, entry);
  }
  for (const h of out.values()) h.runs.sort(byStart);
  return new Map([...out].sort(([, a], [, b]) => compareSubjects(a.subject, b.subject)));
}

function compareSubjects(a: Subject, b: Subject): number {
  return (
    a.sut.vendor.localeCompare(b.sut.vendor) ||
    a.sut.product.localeCompare(b.sut.product) ||
    a.sut.version.localeCompare(b.sut.version, undefined, { numeric: true }) ||
    a.profile.localeCompare(b.profile)
  );
}

export interface Matrix {
  columns: string[];
  /** One row per subject: its latest run per column. */
  rows: Array<{ subject: Subject; cells: Map<string, VerifiedRow> }>;
}

/** SUT versions (and profiles) x counterpart identities; each cell the latest verified run. */
export function matrixOf(rows: readonly Row[]): Matrix {
  const columns = new Set<string>();
  const out: Matrix['rows'] = [];
  for (const { subject, runs } of histories(rows).values()) {
    const cells = new Map<string, VerifiedRow>();
    for (const run of runs) {
      const column = counterpartsLabel(run);
      columns.add(column);
      cells.set(column, run); // oldest first: the last one set is the latest
    }
    out.push({ subject, cells });
  }
  return { columns: [...columns].sort(), rows: out };
}

export interface RuleHistory {
  rule: string;
  /** Outcome per run, oldest first (undefined: the run's certificate does not list the rule). */
  outcomes: Array<string | undefined>;
  /** The first run in which it failed, and the run that began its current failing streak. */
  firstFailed?: VerifiedRow;
  failingSince?: VerifiedRow;
}

/** Rule by rule over a subject's runs (oldest first); rules never applicable in any run are left out. */
export function ruleHistory(runs: readonly VerifiedRow[]): RuleHistory[] {
  const rules = [...new Set(runs.flatMap((r) => r.rules.map((x) => x.rule)))];
  return rules
    .map((rule): RuleHistory => {
      const outcomes = runs.map((r) => r.rules.find((x) => x.rule === rule)?.outcome);
      const firstAt = outcomes.indexOf('failed');
      let streak = outcomes.length;
      while (streak > 0 && outcomes[streak - 1] === 'failed') streak--;
      return {
        rule,
        outcomes,
        ...(firstAt >= 0 ? { firstFailed: runs[firstAt] } : {}),
        ...(streak < outcomes.length ? { failingSince: runs[streak] } : {}),
      };
    })
    .filter((h) => h.outcomes.some((o) => o !== undefined && o !== 'not-applicable'));
}

/**
 * Merges a publish's reads into the site's rows: a bundle already published is kept as it was
 * (or replaced by its new verification); a path that now fails replaces what it had. `keep`: the
 * newest verified runs kept per subject and counterparts (each matrix cell); returns the rows dropped so their copies can be removed.
 */
export function mergeRows(
  previous: readonly Row[],
  found: readonly Row[],
  keep: number | undefined,
): { rows: Row[]; dropped: VerifiedRow[] } {
  const byId = new Map<string, Row>();
  for (const r of previous) byId.set(r.id, r);
  for (const r of found) {
    // A path that failed before and now yields a verified bundle (or the other way) is one bundle.
    for (const [id, old] of byId) if (old.source === r.source && id !== r.id) byId.delete(id);
    byId.set(r.id, r);
  }
  const rows = [...byId.values()];
  const dropped: VerifiedRow[] = [];
  if (keep !== undefined) {
    // Per counterparts too: bounding a history never empties a cell of the matrix.
    for (const { runs } of histories(rows).values()) {
      const cells = new Map<string, VerifiedRow[]>();
      for (const run of runs)
        cells.set(counterpartsLabel(run), [...(cells.get(counterpartsLabel(run)) ?? []), run]);
      for (const cell of cells.values()) dropped.push(...cell.slice(0, Math.max(0, cell.length - keep)));
    }
  }
  const gone = new Set(dropped.map((r) => r.id));
  return { rows: rows.filter((r) => !gone.has(r.id)), dropped };
}
