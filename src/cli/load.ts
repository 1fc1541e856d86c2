/**
 * `screencap-cert load`: N mock desktops send screen-capture operations at a fixed total rate; every
 * operation is judged by the suite's rules. The bundle (`reports/<run-id>/`, `latest` pointing at it)
 * holds the certificate (operations judged, rule outcomes, latency figures, verdict), load.json and
 * load.html (figures per second), and a manifest. Exit codes as for run.
 */

import { relative } from 'node:path';
import { Presets, SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { ConfigError, loadConfig } from '../config/load.ts';
import type { Endpoint } from '../link/link.ts';
import { writeLoadReport } from '../load/report.ts';
import {
  DEFAULT_FIRST_DN,
  LOAD_PROFILES,
  type LoadProfile,
  type LoadResult,
  runLoad,
} from '../load/runner.ts';
import type { LoadProgress } from '../load/tally.ts';
import { type BreakageId, breakagesOf } from '../parties/breakages.ts';
import { configurationSnapshot } from '../report/configuration.ts';
import { Bundle } from '../report/write.ts';
import { EXIT_CODES_HELP, exitCodeOf } from '../result/exit-codes.ts';
import { describeChaos } from '../result/load.ts';
import { settingsFrom } from '../settings.ts';
import { parseBreakage, parseEndpoint, parsePositiveInt, parsePositiveNumber } from './options.ts';
import { formatSummary } from './run.ts';
import { SUMMARIES } from './summaries.ts';

interface LoadCommandOptions {
  agents: number;
  rate: number;
  duration: number;
  tserver?: Endpoint;
  recorder: boolean;
  profile?: string;
  firstDn: number;
  config?: string;
  break?: BreakageId;
  chaos?: number;
  allowIncomplete?: boolean;
  reports: string;
}

/** What load can break: the mock recorder and the embedded T-Server (its desktops are its own). */
const RECORDER_BREAKAGES = breakagesOf('recorder');
const TSERVER_BREAKAGES = breakagesOf('tserver');
const LOAD_BREAKAGES = [...RECORDER_BREAKAGES, ...TSERVER_BREAKAGES];

export function registerLoadCommand(program: Command): void {
  program
    .command('load')
    .description(SUMMARIES.load)
    .addHelpText('after', `\n${EXIT_CODES_HELP}`)
    .option('--agents <n>', 'mock desktops (agent i on DN first-dn + i)', parsePositiveInt, 100)
    .option('--rate <ops>', 'operations per second, all agents together', parsePositiveNumber, 100)
    .option('--duration <s>', 'seconds of load', parsePositiveNumber, 10)
    .option(
      '--tserver <host:port>',
      'an external T-Server (default: tserver.mode tcp of the config, else the embedded simulator)',
      parseEndpoint,
    )
    .option(
      '--profile <profile>',
      'self: mock recorder; recorder: no mock recorder, the recorder under test monitors the agent DNs; tserver: external T-Server with the mock recorder (default: config, else self)',
    )
    .option('--no-recorder', 'start no mock recorder: the recorder under test is connected to the T-Server')
    .option('--first-dn <n>', 'DN of the first agent', parsePositiveInt, DEFAULT_FIRST_DN)
    .option('--config <file>', 'configuration file (mapping, initial state, timeouts, T-Server)')
    .option(
      '--break <party>',
      `self-test: a deliberately broken mock recorder or embedded T-Server (${LOAD_BREAKAGES.join(', ')})`,
      parseBreakage(),
    )
    .option(
      '--chaos <s>',
      'drop a random harness connection (the mock recorder or a desktop) every <s> seconds; report the recoveries',
      parsePositiveNumber,
    )
    .option('--allow-incomplete', 'exit 0 for an INCOMPLETE verdict (the certificate still says INCOMPLETE)')
    .option('--reports <dir>', 'reports root: the bundle goes to <dir>/<run-id>/', 'reports')
    .action(async (opts: LoadCommandOptions, command: Command) => {
      let config: ReturnType<typeof loadConfig>;
      try {
        config = loadConfig(opts.config);
      } catch (e) {
        if (e instanceof ConfigError) command.error(e.message);
        throw e;
      }
      const profile = opts.profile ?? config.profile;
      if (!(LOAD_PROFILES as readonly string[]).includes(profile)) {
        command.error(
          `--profile ${profile}: the load test plays the desktops itself; use ${LOAD_PROFILES.join(', ')}`,
        );
      }
      const t = config.tserver;
      const external = opts.tserver ?? (t.mode === 'tcp' ? { host: t.host, port: t.port } : undefined);
      if (!external && t.mode === 'container') {
        command.error(
          'the load test runs the embedded simulator or uses an external T-Server: give --tserver',
        );
      }
      if (profile === 'tserver' && !external) {
        command.error('--profile tserver certifies an external T-Server: give --tserver host:port');
      }
      if (opts.break && !LOAD_BREAKAGES.includes(opts.break)) {
        command.error(`--break ${opts.break}: the load test can break ${LOAD_BREAKAGES.join(', ')}`);
      }
      const mockRecorder = opts.recorder && profile !== 'recorder';
      if (opts.break && RECORDER_BREAKAGES.includes(opts.break) && !mockRecorder)
        command.error(`--break ${opts.break} breaks the mock recorder, which this run does not start`);
      if (opts.break && TSERVER_BREAKAGES.includes(opts.break) && external)
        command.error(`--break ${opts.break} breaks the embedded T-Server, which this run does not start`);
      if (opts.chaos !== undefined && external)
        command.error('--chaos drops connections through the embedded simulator: not with --tserver');
      const bar = progressBar(opts.duration);
      // A load that cannot run (a port in use, no recorder under test) throws: no bundle is opened.
      const result = await runLoad({
        agents: opts.agents,
        rate: opts.rate,
        durationS: opts.duration,
        settings: settingsFrom(config),
        ...(external ? { tserver: external } : { listen: { host: t.host, port: t.port } }),
        mockRecorder,
        profile: profile as LoadProfile,
        ...(opts.break ? { breakage: opts.break } : {}),
        readyMs: config.timeouts.readyMs,
        ...(opts.chaos !== undefined ? { chaosS: opts.chaos } : {}),
        firstDn: opts.firstDn,
        onProgress: (p) => bar.update(p),
        log: (line) => process.stderr.write(`${line}\n`),
      }).finally(() => bar.stop());
      const bundle = await Bundle.open(opts.reports, new Date(result.startedAt));
      let suite = result.suite;
      const figures = result.figures;
      await bundle.write({
        result: suite,
        facts: {
          tservers: result.tservers,
          profile: result.profile,
          dns: Array.from({ length: opts.agents }, (_, i) => String(opts.firstDn + i)),
          evidenceSources: [
            `${external ? 'external T-Server at ' : ''}${figures.tserver}: the messages of the ${figures.agents} load desktops${mockRecorder ? ' and the mock recorder' : external ? '' : ', and of the recorder under test as the simulator saw them'}`,
          ],
          ...(opts.break ? { breakage: opts.break } : {}),
          config: configurationSnapshot(config),
          ...(config.sut ? { sut: config.sut } : {}),
        },
        artifacts: async () => {
          suite = await writeLoadReport(result, bundle.dir);
          return [];
        },
        final: () => suite,
      });
      process.stdout.write(summary(result));
      process.stdout.write(formatSummary(suite));
      process.stdout.write(
        `Reports: ${relative(process.cwd(), bundle.dir)}/certification.html (and load.html)\n`,
      );
      process.exitCode = exitCodeOf(suite.verdict, { allowIncomplete: opts.allowIncomplete });
    });
}

/** A progress bar on stderr (cli-progress prints nothing when stderr is not a terminal). */
function progressBar(durationS: number): { update(p: LoadProgress): void; stop(): void } {
  const bar = new SingleBar(
    {
      format:
        'load |{bar}| {value}/{total} s | sent {sent} | indications {indications} | timed out {timedOut} | failed a rule {failed} | EventError {errors} | p99 {p99} ms',
      stream: process.stderr,
      hideCursor: true,
    },
    Presets.shades_classic,
  );
  const payload = (p?: LoadProgress) => ({
    sent: p?.totals.sent ?? 0,
    indications: p?.totals.indications ?? 0,
    timedOut: p?.totals.timedOut ?? 0,
    failed: p?.totals.failed ?? 0,
    errors: p?.totals.errors ?? 0,
    p99: (p?.p99Ms ?? 0).toFixed(2),
  });
  const total = Math.ceil(durationS);
  bar.start(total, 0, payload());
  return {
    update: (p) => bar.update(Math.min(total, Math.round(p.elapsedS)), payload(p)),
    stop: () => bar.stop(),
  };
}

function summary(r: LoadResult): string {
  const f = r.figures;
  const t = f.operations;
  const p = f.latencyMs.indication;
  return [
    '',
    `Load: ${f.agents} agents, ${f.rate} operations/s for ${f.durationS} s against ${f.tserver} with the ${f.recorder}`,
    `Operations: ${t.sent} sent (${f.throughput.sentPerS.toFixed(1)}/s), ${t.acked} EventACK, ${t.errors} EventError, ${t.noReply} without reply, ${t.notSent} not sent`,
    `Indications: ${t.indications} received, ${t.timedOut} timed out; judged by the rules: ${t.judged} operations, ${t.failed} failed a rule`,
    ...r.ruleCounts
      .filter((c) => c.operations.failed > 0)
      .map((c) => `  ${c.rule} failed in ${c.operations.failed} of ${t.judged} operations`),
    `Indication latency (ms): p50 ${p.p50} p90 ${p.p90} p99 ${p.p99} p99.9 ${p.p999} max ${p.max}`,
    ...(f.chaos ? [`Chaos: ${describeChaos(f.chaos)}`] : []),
    `Peak RSS: ${(f.peakRssBytes / 2 ** 20).toFixed(0)} MiB`,
    '',
  ].join('\n');
}
