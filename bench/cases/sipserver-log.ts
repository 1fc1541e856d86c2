/**
 * `screencap-cert verify-log` on a generated 1 GB SIP Server log (bench/lib/sipserver-log-gen.ts),
 * as a user runs it: its own process, throughput and peak RSS (issue #8: at least 30 MB/s, under
 * 200 MB). The log is generated once under the system's temporary folder and reused.
 */
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TimedCli, timeCli } from '../lib/proc.ts';
import { type GeneratedLog, generateSipServerLog } from '../lib/sipserver-log-gen.ts';
import type { BenchCase, BenchRow } from '../types.ts';

const BYTES = 1e9;
const MB = 1e6;

/** The log, and what it holds (kept beside it so a reused log is described too). */
async function benchLog(): Promise<{ path: string; log: GeneratedLog }> {
  const dir = join(tmpdir(), 'screencap-bench');
  const path = join(dir, 'sipserver-1g.log');
  const about = `${path}.json`;
  const size = await stat(path).then(
    (s) => s.size,
    () => 0,
  );
  const known = await readFile(about, 'utf8').then(
    (t) => JSON.parse(t) as GeneratedLog,
    () => undefined,
  );
  if (known && size === known.bytes && size >= BYTES) return { path, log: known };
  await mkdir(dir, { recursive: true });
  process.stderr.write(`bench: generating ${BYTES / MB} MB of SIP Server log at ${path}\n`);
  const log = await generateSipServerLog(path, BYTES);
  await writeFile(about, JSON.stringify(log));
  return { path, log };
}

/** Runs `verify-log` on `path`: seconds, peak RSS, and what it printed. */
function verifyLog(path: string, reports: string): Promise<TimedCli> {
  return timeCli(['verify-log', path, '--reports', reports]);
}

export const sipServerLog: BenchCase = {
  id: 'sipserver-log',
  title: 'verify-log on a generated 1 GB SIP Server log',
  async run(): Promise<BenchRow[]> {
    const { path, log } = await benchLog();
    const reports = await mkdtemp(join(tmpdir(), 'screencap-bench-'));
    try {
      // What the command costs before it reads a byte: the same command on a log of one line.
      const empty = join(reports, 'empty.log');
      await writeFile(empty, '\n');
      const idle = await verifyLog(empty, reports);
      const run = await verifyLog(path, reports);
      const verdict = /^Verdict: (.*)$/m.exec(run.out)?.[1] ?? 'no verdict printed';
      const read = /^ {2}(\d+ T-Lib messages read.*)$/m.exec(run.out)?.[1] ?? '';
      const held = `${(log.bytes / MB).toFixed(0)} MB: ${log.calls} calls on 200 agent DNs, ${log.sessions} screen-capture sessions (${log.exchanges} exchanges)`;
      return [
        {
          id: 'sipserver-log.throughput',
          label: 'verify-log throughput, 1 GB SIP Server log',
          value: log.bytes / MB / run.seconds,
          unit: 'MB/s',
          target: { compare: 'at-least', value: 30 },
          ...(run.peakRss === undefined ? {} : { peakRss: run.peakRss }),
          note: `exit ${run.code}, verdict ${verdict}; ${held}; ${read}; ${run.seconds.toFixed(1)} s`,
        },
        ...(run.peakRss === undefined
          ? []
          : [
              {
                id: 'sipserver-log.peak-rss',
                label: 'verify-log peak RSS, 1 GB SIP Server log',
                value: run.peakRss / MB,
                unit: 'MB',
                target: { compare: 'below' as const, value: 200 },
                note: `of which ${idle.peakRss === undefined ? '?' : (idle.peakRss / MB).toFixed(0)} MB before reading a byte (the same command on a one-line log)`,
              },
            ]),
      ];
    } finally {
      await rm(reports, { recursive: true, force: true });
    }
  },
};
