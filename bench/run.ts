/**
 * `npm run bench [-- WORD...]`: runs the benchmark cases (all, or those whose id contains a WORD),
 * prints one table and writes it as JSON to reports/bench/<time>.json. Exit 1 if a case failed or
 * a target was missed. Servers under measurement run in their own processes; to profile one:
 * `BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=prof" npm run bench -- relay`.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CASES } from './cases/index.ts';
import { type CaseFailure, formatTable, score } from './table.ts';
import type { BenchRow } from './types.ts';

const words = process.argv.slice(2);
const selected = CASES.filter((c) => words.length === 0 || words.some((w) => c.id.includes(w)));
if (selected.length === 0) {
  process.stderr.write(`no case matches ${words.join(' ')}; cases: ${CASES.map((c) => c.id).join(', ')}\n`);
  process.exit(1);
}

/**
 * Other work on the machine skews every figure: say so rather than publish it silently. Sampled
 * before the first case (the load average would count the bench's own processes afterwards).
 */
async function busyWarning(): Promise<string | undefined> {
  const before = cpuTimes();
  await sleep(1000);
  const after = cpuTimes();
  if (!before || !after) return undefined;
  const busy = 1 - (after.idle - before.idle) / (after.total - before.total);
  return busy > 0.1
    ? `${Math.round(busy * 100)}% of the machine's CPU was in use by other processes before the bench started: figures are unreliable`
    : undefined;
}

/** Jiffies of all CPUs from /proc/stat: total, and idle (idle + iowait). Linux only. */
function cpuTimes(): { total: number; idle: number } | undefined {
  try {
    const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '')
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    const total = fields.reduce((a, b) => a + b, 0);
    return { total, idle: (fields[3] ?? 0) + (fields[4] ?? 0) };
  } catch {
    return undefined;
  }
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
const warnings = [await busyWarning()].filter((w) => w !== undefined);
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
