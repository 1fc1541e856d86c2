/** The bench's rows as a text table and as the JSON document written under reports/bench/. */
import type { BenchRow, Target } from './types.ts';

export interface ScoredRow extends BenchRow {
  /** value / the baseline row's value. */
  ratio?: number;
  /** Whether the target was met, when there is one. */
  met?: boolean;
}

export interface CaseFailure {
  case: string;
  error: string;
}

export function meets(value: number, target: Target): boolean {
  return target.compare === 'at-least' ? value >= target.value : value < target.value;
}

/** The figure a target judges: the row's value, or its ratio to its baseline (none: not met). */
function judged(row: BenchRow, ratio: number | undefined): number {
  if (row.target?.of !== 'ratio') return row.value;
  return ratio ?? Number.NaN;
}

/** Adds each row's ratio to its baseline and whether it met its target. */
export function score(rows: readonly BenchRow[]): ScoredRow[] {
  const byId = new Map(rows.map((r) => [r.id, r]));
  return rows.map((row) => {
    const base = row.baseline ? byId.get(row.baseline) : undefined;
    const ratio = base && base.value > 0 ? row.value / base.value : undefined;
    return {
      ...row,
      ...(ratio === undefined ? {} : { ratio }),
      ...(row.target ? { met: meets(judged(row, ratio), row.target) } : {}),
    };
  });
}

function figure(value: number): string {
  if (value >= 100) return Math.round(value).toLocaleString('en-US');
  return Number(value.toPrecision(3)).toString();
}

export function formatTable(rows: readonly ScoredRow[], failures: readonly CaseFailure[]): string {
  const head = ['figure', 'value', 'unit', 'vs baseline', 'target', 'met', 'peak RSS', 'server CPU', 'note'];
  const body = rows.map((r) => [
    r.label,
    figure(r.value),
    r.unit,
    r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}x ${r.baseline}`,
    r.target
      ? `${r.target.compare === 'at-least' ? '>=' : '<'} ${figure(r.target.value)}${r.target.of === 'ratio' ? 'x' : ''}`
      : '',
    r.met === undefined ? '' : r.met ? 'yes' : 'NO',
    r.peakRss === undefined ? '' : `${Math.round(r.peakRss / 2 ** 20)} MiB`,
    r.serverCpu === undefined ? '' : `${Math.round(r.serverCpu * 100)}%`,
    r.note ?? '',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] as string).length)));
  const numeric = new Set([1, 6, 7]);
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (numeric.has(i) ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  return [
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...body.map(line),
    ...failures.map((f) => `${f.case}: FAILED: ${f.error}`),
  ].join('\n');
}
