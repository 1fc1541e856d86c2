/**
 * `npm run bench [-- WORD...]`: runs the benchmark cases (all, or those whose id contains a WORD),
 * prints one table and writes it as JSON to reports/bench/<time>.json. Exit 1 if a case failed or
 * a target was missed. Servers under measurement run in their own processes; to profile one:
 * `BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=prof" npm run bench -- relay`.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { CASES } from './cases/index.ts';
import { type CaseFailure, formatTable, score } from './table.ts';
import type { BenchRow } from './types.ts';

const words = process.argv.slice(2);
const selected = CASES.filter((c) => words.length === 0 || words.some((w) => c.id.includes(w)));
if (selected.length === 0) {
  process.stderr.write(`no case matches ${words.join(' ')}; cases: ${CASES.map((c) => c.id).join(', ')}\n`);
  process.exit(1);
}

/** Other work on the machine skews every figure: say so rather than publish it silently. */
function busyWarning(when: string): string | undefined {
  const [oneMinute = 0] = loadavg();
  return oneMinute > 0.5
    ? `load average ${oneMinute.toFixed(2)} ${when}: other processes were using the CPU`
    : undefined;
}

function gitCommit(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return undefined;
  }
}

const startedAt = new Date();
const warnings = [busyWarning('at the start')].filter((w) => w !== undefined);
const rows: BenchRow[] = [];
const failures: CaseFailure[] = [];
for (const c of selected) {
  process.stderr.write(`bench: ${c.id}: ${c.title}\n`);
  try {
    rows.push(...(await c.run()));
  } catch (e) {
    failures.push({ case: c.id, error: (e as Error).message });
  }
}
const busyAtEnd = busyWarning('at the end');
if (busyAtEnd) warnings.push(busyAtEnd);

const scored = score(rows);
const cpu = cpus();
const document = {
  startedAt: startedAt.toISOString(),
  durationS: (Date.now() - startedAt.getTime()) / 1000,
  machine: {
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpus: cpu.length,
    cpuModel: cpu[0]?.model,
    memoryBytes: totalmem(),
  },
  commit: gitCommit(),
  warnings,
  rows: scored,
  failures,
};
const dir = join('reports', 'bench');
await mkdir(dir, { recursive: true });
const file = join(dir, `${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
await writeFile(file, `${JSON.stringify(document, null, 2)}\n`);

process.stdout.write(`\n${formatTable(scored, failures)}\n\n`);
for (const w of warnings) process.stdout.write(`warning: ${w}\n`);
process.stdout.write(`written: ${file}\n`);
process.exitCode = failures.length > 0 || scored.some((r) => r.met === false) ? 1 : 0;
