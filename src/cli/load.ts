/**
 * `screencap-cert load`: N mock desktops send screen-capture operations at a fixed total rate; the
 * report (JSON + HTML) gives indication latency, missing or wrong indications, EventErrors and
 * throughput. Exit 0 only if every operation was acknowledged and answered with the right indication.
 */

import { Presets, SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { ConfigError, loadConfig } from '../config/load.ts';
import type { Endpoint } from '../link/link.ts';
import { writeLoadReport } from '../load/report.ts';
import { DEFAULT_FIRST_DN, type LoadResult, runLoad } from '../load/runner.ts';
import type { LoadProgress } from '../load/tally.ts';
import { EXIT_CODES_HELP, exitCodeOf } from '../result/exit-codes.ts';
import { settingsFrom } from '../settings.ts';
import { parseEndpoint, parsePositiveInt, parsePositiveNumber } from './options.ts';
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
  out?: string;
}

const LOAD_PROFILES = ['self', 'recorder', 'tserver'];

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
    .option('--out <dir>', 'report directory (default: reports/load-<time>/)')
    .action(async (opts: LoadCommandOptions, command: Command) => {
      let config: ReturnType<typeof loadConfig>;
      try {
        config = loadConfig(opts.config);
      } catch (e) {
        if (e instanceof ConfigError) command.error(e.message);
        throw e;
      }
      const profile = opts.profile ?? config.profile;
      if (!LOAD_PROFILES.includes(profile)) {
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
      const mockRecorder = opts.recorder && profile !== 'recorder';
      const bar = progressBar(opts.duration);
      const result = await runLoad({
        agents: opts.agents,
        rate: opts.rate,
        durationS: opts.duration,
        settings: settingsFrom(config),
        ...(external ? { tserver: external } : { listen: { host: t.host, port: t.port } }),
        mockRecorder,
        readyMs: config.timeouts.readyMs,
        firstDn: opts.firstDn,
        onProgress: (p) => bar.update(p),
        log: (line) => process.stderr.write(`${line}\n`),
      }).finally(() => bar.stop());
      const dir = opts.out ?? `reports/load-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      const written = await writeLoadReport(result, dir);
      process.stdout.write(summary(result));
      process.stdout.write(`Report: ${written.html} (and load.json)\n`);
      process.exitCode = exitCodeOf(result.verdict);
    });
}

/** A progress bar on stderr (cli-progress prints nothing when stderr is not a terminal). */
function progressBar(durationS: number): { update(p: LoadProgress): void; stop(): void } {
  const bar = new SingleBar(
    {
      format:
        'load |{bar}| {value}/{total} s | sent {sent} | indications {matched} | missing {missing} | wrong {wrong} | EventError {errors} | p99 {p99} ms',
      stream: process.stderr,
      hideCursor: true,
    },
    Presets.shades_classic,
  );
  const payload = (p?: LoadProgress) => ({
    sent: p?.totals.sent ?? 0,
    matched: p?.totals.matched ?? 0,
    missing: p?.totals.missing ?? 0,
    wrong: p?.totals.wrong ?? 0,
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
  const t = r.totals;
  const p = r.latencyMs.indication;
  return [
    '',
    `Load: ${r.config.agents} agents, ${r.config.rate} operations/s for ${r.config.durationS} s against ${r.config.tserver} with the ${r.config.recorder}`,
    `Operations: ${t.sent} sent (${r.throughput.sentPerS.toFixed(1)}/s), ${t.acked} EventACK, ${t.errors} EventError, ${t.noReply} without reply, ${t.notSent} not sent`,
    `Indications: ${t.matched} matched, ${t.wrong} wrong, ${t.missing} missing, ${t.unexpected} unexpected`,
    `Indication latency (ms): p50 ${p.p50} p90 ${p.p90} p99 ${p.p99} p99.9 ${p.p999} max ${p.max}`,
    `Peak RSS: ${(r.memory.peakRssBytes / 2 ** 20).toFixed(0)} MiB`,
    `Verdict: ${r.verdict.toUpperCase()}${r.reasons.length ? ` (${r.reasons.join('; ')})` : ''}`,
    '',
  ].join('\n');
}
