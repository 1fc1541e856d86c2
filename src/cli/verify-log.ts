/** `screencap-cert verify-log`: certify from a SIP Server log (spec/sipserver-log.md). */
import { constants, mkdirSync, writeFileSync } from 'node:fs';
import { access, copyFile, open } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import type { Command } from 'commander';
import { ConfigError, loadConfig } from '../config/load.ts';
import { type ScenarioObservations, scenarioEvidence } from '../report/evidence.ts';
import { writeManifest } from '../report/manifest.ts';
import { runMetadata } from '../report/metadata.ts';
import { createRunDir, pointLatest } from '../report/run-dir.ts';
import { writeCertification } from '../report/write.ts';
import { type HarnessSettings, settingsFrom } from '../settings.ts';
import { rolePatterns } from '../sipserver-log/parties.ts';
import { type LogVerification, verifyLog } from '../sipserver-log/verify.ts';
import { formatSummary } from './run.ts';

/** The old generation grows to (1 + this/100) times its live set before a full GC (V8: up to 4x). */
const HEAP_GROWING_PERCENT = 50;

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/**
 * Each judged scenario's message trace and sequence diagram (and findings), as a live run attaches
 * them, under exchanges/<scenario>/. Written as judged, so the log's messages need not all be held.
 */
function writeEvidence(dir: string, scenario: string, observations: ScenarioObservations): void {
  const folder = join(dir, 'exchanges', scenario.replace(/[^A-Za-z0-9._-]+/g, '-').toLowerCase());
  mkdirSync(folder, { recursive: true });
  for (const a of scenarioEvidence(observations)) writeFileSync(join(folder, a.fileName), a.body);
}

/**
 * Writes `value` as `JSON.stringify(value, null, 2)` would, plus a line end, one top-level array
 * element at a time: a busy log's result is megabytes of JSON, not worth holding as one string.
 */
async function writeJson(path: string, value: object): Promise<void> {
  const file = await open(path, 'w');
  try {
    let pending: string[] = [];
    let size = 0;
    const put = async (text: string) => {
      pending.push(text);
      size += text.length;
      if (size < 1 << 20) return;
      await file.write(pending.join(''));
      pending = [];
      size = 0;
    };
    let fields = 0;
    for (const [key, v] of Object.entries(value)) {
      const whole = Array.isArray(v) && v.length ? '[' : JSON.stringify(v, null, 2);
      if (whole === undefined) continue;
      await put(`${fields++ ? ',' : '{'}\n  ${JSON.stringify(key)}: ${whole.replaceAll('\n', '\n  ')}`);
      if (whole !== '[' || !Array.isArray(v)) continue;
      for (let i = 0; i < v.length; i++) {
        const element = JSON.stringify(v[i], null, 2) ?? 'null';
        await put(`${i ? ',' : ''}\n    ${element.replaceAll('\n', '\n    ')}`);
      }
      await put('\n  ]');
    }
    await put(fields ? '\n}\n' : '{}\n');
    await file.write(pending.join(''));
  } finally {
    await file.close();
  }
}

/** The evidence in one line: `SIP Server log: a.log (12.0 MB), b.log (3.1 MB), from ... to ...`. */
function evidenceOf(result: LogVerification): string {
  const s = result.source;
  const files = s.files.map((f) => `${f.path} (${megabytes(f.bytes)})`).join(', ');
  return `SIP Server log: ${files}${s.from ? `, from ${s.from} to ${s.to}` : ''}`;
}

/** Where the verdict comes from: the files, the time range, the parties, what could not be read. */
export function formatSource(result: LogVerification): string {
  const s = result.source;
  const lines = [
    `Source: SIP Server log, ${s.files.length} file(s), ${s.from ? `${s.from} to ${s.to}` : 'no T-Lib message'}`,
    ...s.files.map((f) => `  ${f.path} (${megabytes(f.bytes)}, sha256 ${f.sha256})`),
    `  ${s.messages} T-Lib messages read, ${s.kept} kept for the rules, ${result.exchanges.length} screen-capture exchanges`,
    `Clients (${result.parties.length} in ${new Set(result.parties.map((p) => p.run)).size} T-Server run(s)):`,
  ];
  // One line per seat and reason: a busy log has hundreds of clients.
  const kinds = new Map<string, Set<string>>();
  for (const p of result.parties) {
    const kind = `${p.role}, as ${p.why.replace(/ \(\d+\)$/, '')}`;
    kinds.set(kind, (kinds.get(kind) ?? new Set()).add(p.application || '(no application name)'));
  }
  for (const [kind, names] of kinds) {
    const shown = [...names].slice(0, 3).join(', ');
    lines.push(`  ${kind}: ${shown}${names.size > 3 ? ` and ${names.size - 3} more` : ''}`);
  }
  if (s.skipped.count) {
    lines.push(`Not read: ${s.skipped.count} (each a documented skip; the first ${s.skipped.first.length}):`);
    for (const k of s.skipped.first)
      lines.push(`  ${k.source.file}:${k.source.line}: ${k.name ? `${k.name}: ` : ''}${k.reason}`);
  }
  return `${lines.join('\n')}\n`;
}

export function registerVerifyLogCommand(program: Command): void {
  program
    .command('verify-log')
    .argument('<files...>', 'SIP Server / T-Server log files, in order (one log may be split over several)')
    .description(
      'check every screen-capture exchange of a SIP Server log against the rules; exit 0 only if every applicable rule passed',
    )
    .option(
      '--config <file>',
      'configuration (JSON or YAML): timeouts, mapping, and `applications` patterns saying which client is the desktop and which the recorder',
    )
    .option('--summary-json <file>', 'also write the result as JSON')
    .option('--reports <dir>', 'reports root: the result goes to <dir>/<run-id>/verify-log.json', 'reports')
    .action(async (files: string[], opts: { config?: string; summaryJson?: string; reports: string }) => {
      const fail = (text: string) => {
        process.stderr.write(`${text}\n`);
        process.exitCode = 2;
      };
      let settings: HarnessSettings;
      try {
        settings = settingsFrom(loadConfig(opts.config ?? process.env.SCREENCAP_CONFIG));
      } catch (e) {
        if (e instanceof ConfigError) return fail(e.message);
        throw e;
      }
      for (const file of files) {
        const problem = await access(file, constants.R_OK).then(
          () => undefined,
          (e: Error) => e.message,
        );
        if (problem) return fail(`cannot read ${file}: ${problem}`);
      }
      // Reading a log allocates much short-lived garbage, and V8's defaults let the heap grow far
      // past what is live: the young generation up to 2 x 16 MB, the old one up to 4x its live set
      // before a full GC. Keeping the young generation at its start size and the old one at 1.5x
      // what is live holds the peak near the live set (issue #8) at about the same speed. Neither
      // caps the heap: a denser log just gets more. The command is one-shot: process-wide is fine.
      setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
      setFlagsFromString('--semi-space-growth-factor=1');
      const startedAt = new Date();
      const run = await createRunDir(opts.reports);
      const result = await verifyLog(files, {
        evidence: (scenario, observations) => writeEvidence(run.dir, scenario, observations),
        settings,
        patterns: rolePatterns(settings.config.applications),
      });
      const jsonFile = join(run.dir, 'verify-log.json');
      await writeJson(jsonFile, result);
      // The same certificate as a live run, its evidence named; the manifest signs it with
      // verify-log.json, which holds the SHA-256 of every input log.
      const metadata = await runMetadata({
        runId: run.id,
        startedAt,
        endedAt: new Date(),
        tservers: [],
        profile: 'verify-log',
        source: evidenceOf(result),
        ...(settings.config.sut ? { sut: settings.config.sut } : {}),
      });
      // Every exchange and client is in verify-log.json: the certificate keeps the verdict, the
      // rules, the scenarios and the source, not a second copy of the log's traffic.
      const { exchanges: _exchanges, parties: _parties, ...certified } = result;
      await writeCertification(run, certified, metadata);
      await writeManifest(run.dir);
      await pointLatest(run);
      if (opts.summaryJson) await copyFile(jsonFile, opts.summaryJson);
      process.stdout.write(`${formatSource(result)}${formatSummary(result)}`);
      process.stdout.write(`Reports: ${relative(process.cwd(), run.dir)}/certification.html\n`);
      process.exitCode = result.verdict === 'passed' ? 0 : 1;
    });
}
