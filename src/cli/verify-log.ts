/** `screencap-cert verify-log`: certify from a SIP Server log (spec/sipserver-log.md). */
import { constants } from 'node:fs';
import { access, copyFile, cp, open, readFile, stat } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { type Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '../config/load.ts';
import type { Certification } from '../report/certification.ts';
import { configurationSnapshot } from '../report/configuration.ts';
import { OBSERVATIONS_MEDIA_TYPE, type ScenarioObservations, scenarioEvidence } from '../report/evidence.ts';
import { EvidenceWriter, EXCHANGES_DIR, ExchangeFolders } from '../report/exchanges.ts';
import { verifyManifest } from '../report/manifest.ts';
import { megabytes } from '../report/prune.ts';
import { findRunDir } from '../report/run-dir.ts';
import { Bundle } from '../report/write.ts';
import { combineEvidence } from '../result/combine.ts';
import { CannotRunError, EXIT_CODES_HELP, exitCodeOf } from '../result/exit-codes.ts';
import { certifiedScope, SEATS } from '../result/verdict.ts';
import { agentModel } from '../rules/voice-calls.ts';
import { type HarnessSettings, settingsFrom } from '../settings.ts';
import { rolePatterns } from '../verify-log/parties.ts';
import {
  type LogVerification,
  type LogWindow,
  type VerifyLogOptions,
  verifyLog,
} from '../verify-log/verify.ts';
import { formatSummary } from './run.ts';
import { SUMMARIES } from './summaries.ts';

/** The old generation grows to (1 + this/100) times its live set before a full GC (V8: up to 4x). */
const HEAP_GROWING_PERCENT = 50;

/** The feature a SIP Server log's scenarios are filed under in exchanges/. */
const LOG_FEATURE = 'sip-server-log';

/**
 * Each judged scenario's message trace and sequence diagram (and findings), as a live run keeps
 * them, under exchanges/sip-server-log/<scenario>/; written as judged, so the log's messages need
 * not all be held. Remembers each scenario's folder and observations for the certificate.
 */
class LogEvidence {
  private readonly folders = new ExchangeFolders();
  private readonly kept = new Map<string, { evidence: string; observations: string[] }>();
  private readonly files: EvidenceWriter;

  constructor(
    dir: string,
    private readonly requestTimeoutMs: number,
  ) {
    this.files = new EvidenceWriter(dir);
  }

  readonly write = (scenario: string, observations: ScenarioObservations): void => {
    const folder = this.folders.allocate(LOG_FEATURE, scenario);
    const attachments = scenarioEvidence({
      ...observations,
      limits: { requestTimeoutMs: this.requestTimeoutMs },
    });
    for (const a of attachments) this.files.write(folder, a.fileName, a.body);
    const noted = attachments.find((a) => a.mediaType === OBSERVATIONS_MEDIA_TYPE);
    this.kept.set(scenario, {
      evidence: folder,
      observations: noted ? (JSON.parse(String(noted.body)) as string[]) : [],
    });
  };

  /** Once every evidence file is written (they are written in the background). */
  settled(): Promise<void> {
    return this.files.settled();
  }

  /** The scenarios with their evidence folders and observations. */
  annotate<S extends { name: string }>(scenarios: readonly S[]): S[] {
    return scenarios.map((s) => {
      const kept = this.kept.get(s.name);
      return kept
        ? {
            ...s,
            evidence: kept.evidence,
            ...(kept.observations.length ? { observations: kept.observations } : {}),
          }
        : s;
    });
  }
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
  // File names only: the certificate names no folder of the machine it ran on (verify-log.json has the paths).
  const files = s.files.map((f) => `${basename(f.path)} (${megabytes(f.bytes)})`).join(', ');
  const steps = s.clockSteps.count ? `; its clock stepped back ${s.clockSteps.count} time(s)` : '';
  return `SIP Server log: ${files}${s.from ? `, from ${s.from} to ${s.to}` : ''}${steps}`;
}

/** Where the verdict comes from: the files, the time range, the parties, what could not be read. */
export function formatSource(result: LogVerification): string {
  const s = result.source;
  const lines = [
    `Source: SIP Server log, ${s.files.length} file(s), ${s.from ? `${s.from} to ${s.to}` : 'no T-Lib message'}`,
    ...s.files.map((f) => `  ${f.path} (${megabytes(f.bytes)}, sha256 ${f.sha256})`),
    `  ${s.messages} T-Lib messages read, ${s.kept} kept for the rules, ${s.exchanges} screen-capture exchanges`,
    `Clients (${result.parties.length} taking part, of ${s.clients} seen, in ${new Set(result.parties.map((p) => p.run)).size} T-Server run(s)):`,
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
  if (s.clockSteps.count) {
    lines.push(
      `Clock stepped back: ${s.clockSteps.count} time(s); later times are read moved forward by each step, so durations are measured at the log's pace (the first ${s.clockSteps.first.length}):`,
    );
    for (const c of s.clockSteps.first)
      lines.push(`  ${c.source.file}:${c.source.line}: back by ${c.backMs.toFixed(1)} ms`);
  }
  if (s.skipped.count) {
    lines.push(`Not read: ${s.skipped.count} (each a documented skip; the first ${s.skipped.first.length}):`);
    for (const k of s.skipped.first)
      lines.push(`  ${k.source.file}:${k.source.line}: ${k.name ? `${k.name}: ` : ''}${k.reason}`);
  }
  return `${lines.join('\n')}\n`;
}

/** `+01:00`, `-05:30`, `Z` as microseconds east of UTC. */
function parseUtcOffset(value: string): number {
  if (value === 'Z') return 0;
  const m = /^([+-])(\d{2}):(\d{2})$/.exec(value);
  if (!m || Number(m[3]) > 59)
    throw new InvalidArgumentError(`expected an offset from UTC such as +01:00, -05:30 or Z, got "${value}"`);
  const minutes = Number(m[2]) * 60 + Number(m[3]);
  return (m[1] === '-' ? -minutes : minutes) * 60_000_000;
}

function parseLogProfile(value: string): string {
  if (value === 'all' || (SEATS as readonly string[]).includes(value)) return value;
  throw new InvalidArgumentError(`expected all, ${SEATS.join(', ')}, got "${value}"`);
}

async function copyLiveExchanges(from: string, to: string): Promise<void> {
  const source = join(from, EXCHANGES_DIR);
  if (
    await stat(source).then(
      (st) => st.isDirectory(),
      () => false,
    )
  )
    await cp(source, join(to, EXCHANGES_DIR), { recursive: true, force: false, errorOnExist: false });
}

/** The clocks of the harness and a staging SIP Server differ a little: the run's window is widened by this. */
const CLOCK_SLACK_MS = 2000;

/** A live run to judge with the log: its verified report folder and certificate. */
interface LiveRun {
  dir: string;
  certification: Certification;
}

async function liveRun(reportsRoot: string, run: string): Promise<LiveRun> {
  const dir = await findRunDir(reportsRoot, run).catch((e: Error) => {
    throw new CannotRunError(`--run ${run}: ${e.message}`);
  });
  const check = await verifyManifest(dir).catch((e: Error) => {
    throw new CannotRunError(`--run ${run}: ${dir} is not a finished run's report (${e.message})`);
  });
  if (!check.ok) {
    const what = [...check.changed, ...check.missing, ...check.added].slice(0, 5).join(', ');
    throw new CannotRunError(`--run ${run}: ${dir} is not as its manifest says (${what}): it is no evidence`);
  }
  const certification = JSON.parse(await readFile(join(dir, 'certification.json'), 'utf8')) as Certification;
  return { dir, certification };
}

function windowOf(live: LiveRun, offsetMicros: number): LogWindow {
  const at = (iso: string) => Date.parse(iso) * 1000 + offsetMicros;
  const slack = CLOCK_SLACK_MS * 1000;
  const run = live.certification.run;
  return {
    from: at(run.startedAt) - slack,
    to: at(run.endedAt) + slack,
    ...(run.dns ? { dns: run.dns } : {}),
  };
}

/** How `verify-log` reads a log with `settings`: where each agent's calls are, which client plays which seat. */
export function logReading(
  settings: HarnessSettings,
): Pick<VerifyLogOptions, 'settings' | 'agents' | 'patterns'> {
  return {
    settings,
    agents: agentModel(settings.config.agents),
    patterns: rolePatterns(settings.config.applications),
  };
}

export function registerVerifyLogCommand(program: Command): void {
  program
    .command('verify-log')
    .argument('<files...>', 'SIP Server / T-Server log files, in order (one log may be split over several)')
    .description(SUMMARIES['verify-log'])
    .option(
      '--config <file>',
      'configuration (JSON or YAML): timeouts, mapping, and `applications` patterns saying which client is the desktop and which the recorder',
    )
    .option(
      '--profile <seat>',
      `the seats certified: all, or one of ${SEATS.join(', ')} (rules judging the others are not applicable; default: all, or the --run's profile)`,
      parseLogProfile,
    )
    .option(
      '--run <run>',
      "a live run's report folder or id (e.g. reports/latest): judge it and the log of its time range and agent DNs as one certificate",
    )
    .option(
      '--log-utc-offset <offset>',
      'with --run: the offset from UTC of the times the log prints (a SIP Server logs local time), e.g. +01:00',
      parseUtcOffset,
      0,
    )
    .option('--allow-incomplete', 'exit 0 for an INCOMPLETE verdict (the certificate still says INCOMPLETE)')
    .option('--summary-json <file>', 'also write the result as JSON')
    .option('--reports <dir>', 'reports root: the result goes to <dir>/<run-id>/verify-log.json', 'reports')
    .addHelpText('after', `\n${EXIT_CODES_HELP}`)
    .action(
      async (
        files: string[],
        opts: {
          config?: string;
          profile?: string;
          run?: string;
          logUtcOffset: number;
          allowIncomplete?: boolean;
          summaryJson?: string;
          reports: string;
        },
      ) => {
        const settings = settingsFrom(loadConfig(opts.config ?? process.env.SCREENCAP_CONFIG));
        for (const file of files) {
          const problem = await access(file, constants.R_OK).then(
            () => undefined,
            (e: Error) => e.message,
          );
          if (problem) throw new CannotRunError(`cannot read ${file}: ${problem}`);
        }
        const live = opts.run ? await liveRun(opts.reports, opts.run) : undefined;
        const liveProfile = live?.certification.run.profile;
        const profile = opts.profile ?? (liveProfile && liveProfile !== 'self' ? liveProfile : 'all');
        // Reading a log allocates much short-lived garbage, and V8's defaults let the heap grow far
        // past what is live: the young generation up to 2 x 16 MB, the old one up to 4x its live set
        // before a full GC. Keeping the young generation at its start size and the old one at 1.5x
        // what is live holds the peak near the live set (issue #8) at about the same speed. Neither
        // caps the heap: a denser log just gets more. The command is one-shot: process-wide is fine.
        setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
        setFlagsFromString('--semi-space-growth-factor=1');
        const bundle = await Bundle.open(opts.reports);
        const evidence = new LogEvidence(bundle.dir, settings.requestTimeoutMs);
        let logResult: LogVerification;
        try {
          logResult = await verifyLog(files, {
            evidence: evidence.write,
            ...logReading(settings),
            scope: certifiedScope(profile, `it is not certified here (--profile ${profile})`),
            ...(live ? { window: windowOf(live, opts.logUtcOffset) } : {}),
          });
          await evidence.settled();
        } catch (e) {
          // Nothing is still being written into the folder discarded.
          await evidence.settled().catch(() => {});
          await bundle.discard();
          throw e;
        }
        logResult = { ...logResult, scenarios: evidence.annotate(logResult.scenarios) };
        const jsonFile = join(bundle.dir, 'verify-log.json');
        await writeJson(jsonFile, logResult);
        const result = live
          ? combineEvidence([
              { label: `live run ${live.certification.run.runId}`, result: live.certification },
              { label: 'SIP Server log', result: logResult },
            ])
          : logResult;
        // Every exchange and client is in verify-log.json: the certificate keeps the verdict, the
        // rules, the scenarios and the source, not a second copy of the log's traffic.
        const { exchanges: _exchanges, parties: _parties, ...certified } = logResult;
        // The same certificate as a live run, its evidence named; the manifest hashes it with
        // verify-log.json, which holds the SHA-256 of every input log.
        await bundle.write({
          result: live ? { ...result, source: logResult.source } : certified,
          facts: {
            tservers: live?.certification.run.tservers ?? [],
            profile,
            evidenceSources: live?.certification.run.evidenceSources ?? [],
            source: [
              ...(live ? [`live run ${live.certification.run.runId} (its manifest verified)`] : []),
              evidenceOf(logResult),
            ].join('; '),
            config: configurationSnapshot(settings.config),
            ...(settings.config.sut ? { sut: settings.config.sut } : {}),
          },
          // The live run's diagrams and traces come along, so its findings link within this bundle.
          ...(live
            ? {
                artifacts: async () => {
                  await copyLiveExchanges(live.dir, bundle.dir);
                  return [];
                },
              }
            : {}),
        });
        // The summary is what the verdict was drawn from: with --run, the combined result.
        if (opts.summaryJson)
          await (live ? writeJson(opts.summaryJson, result) : copyFile(jsonFile, opts.summaryJson));
        process.stdout.write(`${formatSource(logResult)}${formatSummary(result)}`);
        process.stdout.write(`Reports: ${relative(process.cwd(), bundle.dir)}/certification.html\n`);
        process.exitCode = exitCodeOf(result.verdict, { allowIncomplete: opts.allowIncomplete });
      },
    );
}
