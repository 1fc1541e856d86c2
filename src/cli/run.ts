/** `screencap-cert run`: the conformance suite (the main job). */
import { rm, writeFile } from 'node:fs/promises';
import { constants } from 'node:os';
import { relative } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { flushBatchedOutputs } from '../conformance/batched-output.ts';
import { preflight } from '../conformance/preflight.ts';
import { ReportedRun } from '../conformance/reported-run.ts';
import { runSuite, type SuiteOptions } from '../conformance/run.ts';
import { haltScenarios, onRunStop } from '../conformance/stop.ts';
import { removeOwnContainers } from '../container.ts';
import { PROFILES } from '../domain/seats.ts';
import { type BreakageId, breakagesOf } from '../parties/breakages.ts';
import { type CertifiedInterruption, recoveryInWords, serviceabilityOf } from '../report/certification.ts';
import { formatPruned, pruneRuns } from '../report/prune.ts';
import { SIGNING_KEY_ENV, signerFromEnv } from '../report/signature.ts';
import { CannotRunError, EXIT_CODES_HELP, exitCodeOf } from '../result/exit-codes.ts';
import type { Outcome, SuiteResult } from '../result/outcomes.ts';
import { redact } from '../secrets.ts';
import { runSettings } from '../settings.ts';
import { parseBreakage, parseWorkers } from './options.ts';
import { SUMMARIES } from './summaries.ts';

const MARK: Record<Outcome, string> = {
  passed: 'PASS',
  failed: 'FAIL',
  'not-applicable': 'N/A ',
  'not-observable': 'N/O ',
  'not-exercised': 'N/E ',
};

/** The rules, the interruptions (a certificate keeps them apart from its scenarios), the scenarios and the verdict. */
export function formatSummary(
  result: SuiteResult,
  interruptions: readonly CertifiedInterruption[] = serviceabilityOf(result.scenarios),
): string {
  const lines = ['', 'Rules:'];
  for (const r of result.rules) {
    lines.push(`  ${MARK[r.outcome]} ${r.rule.padEnd(27)} seed ${r.section.padEnd(6)} ${r.text}`);
    if (r.outcome !== 'passed') lines.push(...r.reason.split('\n').map((l) => `         ${l}`));
  }
  if (interruptions.length) lines.push('', `Serviceability: ${interruptions.length} interruption(s)`);
  for (const i of interruptions)
    lines.push(
      `  ${MARK[i.outcome ?? 'not-exercised']} ${i.rule.padEnd(27)} ${i.what}, ${i.party}: ${recoveryInWords(i).took} (“${i.scenario}”)`,
    );
  const count = (status: string) => result.scenarios.filter((s) => s.status === status).length;
  lines.push(
    '',
    `Scenarios: ${count('passed')} passed, ${count('failed')} failed, ${count('not-run')} not run`,
  );
  lines.push(
    `Verdict: ${result.verdict.toUpperCase()}${result.reasons.length ? ` (${result.reasons.join('; ')})` : ''}`,
    '',
  );
  return lines.join('\n');
}

/** Writes the rest of the report, then says what happened and where the report is. */
async function conclude(
  reported: ReportedRun,
  result: SuiteResult,
  summaryJson: string | undefined,
): Promise<void> {
  const { problems } = await reported.finish(result);
  process.stdout.write(redact(formatSummary(result)));
  process.stdout.write(`Reports: ${relative(process.cwd(), reported.run.dir) || '.'}/certification.html\n`);
  for (const p of problems) process.stderr.write(`warning: ${p}\n`);
  if (summaryJson) await writeFile(summaryJson, `${JSON.stringify(result, null, 2)}\n`);
}

/** Ends the process, first removing the containers it started (nothing else would). */
async function exitReleasingContainers(code: number): Promise<never> {
  await removeOwnContainers().catch((e: Error) =>
    process.stderr.write(`warning: could not remove the run's containers: ${e.message}\n`),
  );
  process.exit(code);
}

/**
 * When the run is stopped (SIGINT or SIGTERM: exit 128+signal; the system under test died: exit
 * 1), reports what ran and exits. Cucumber cannot be told to stop and close its reports, so the
 * report is written from what was seen so far. Returns its uninstaller, and whether a stop has begun.
 */
function reportIfStopped(
  reported: ReportedRun,
  suite: Pick<SuiteOptions, 'config' | 'tags'>,
  summaryJson: string | undefined,
): { uninstall(): void; stopping(): boolean } {
  let stopping = false;
  const stop = (why: string, code: number) => {
    if (stopping) return;
    stopping = true;
    haltScenarios();
    // Cucumber never ends: its last progress, held back in a batch, goes before the summary.
    flushBatchedOutputs();
    void reported
      .quiesce()
      .then(() => conclude(reported, reported.stoppedResult(suite, why), summaryJson))
      .finally(() => exitReleasingContainers(code));
  };
  const signals = ['SIGINT', 'SIGTERM'] as const;
  // A second signal while the report is written ends the process at once. The handler stays
  // installed: signal-exit (under testcontainers) re-raises a signal that no other listener holds.
  const handlers = signals.map((signal) => {
    const code = 128 + constants.signals[signal];
    const handler = () =>
      stopping ? process.exit(code) : stop(`the run was interrupted by ${signal}`, code);
    process.on(signal, handler);
    return handler;
  });
  const unsubscribe = onRunStop((reason) => stop(`the run stopped: ${reason}`, 1));
  return {
    uninstall: () => {
      for (const [i, signal] of signals.entries()) process.off(signal, handlers[i] as () => void);
      unsubscribe();
    },
    stopping: () => stopping,
  };
}

/** The signing key, checked before anything runs: a run that cannot be signed as asked does not start. */
export function signingKey() {
  try {
    return signerFromEnv();
  } catch (e) {
    throw new CannotRunError(`--sign: ${(e as Error).message}`);
  }
}

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description(SUMMARIES.run)
    .addHelpText('after', `\n${EXIT_CODES_HELP}`)
    .option(
      '--profile <profile>',
      `the seat of the system under test: ${PROFILES.join(', ')} (default: config, else self)`,
    )
    .option(
      '--config <file>',
      'configuration file (JSON or YAML); every key can be overridden by a SCREENCAP_* variable',
    )
    .option('--tags <expression>', 'Cucumber tag expression selecting scenarios (within the profile)')
    .option(
      '--break <party>',
      `self-test: put a deliberately broken party in its seat (${breakagesOf().join(', ')})`,
      parseBreakage(),
    )
    .option(
      '--parallel <workers>',
      'run scenarios in this many worker processes (self profile only)',
      parseWorkers,
      1,
    )
    .option('--summary-json <file>', 'also write the verdict, scenarios and rule outcomes as JSON')
    .option('--fail-fast', 'stop at the first failed rule, reporting what ran (one scenario at a time)')
    .option(
      '--ready-file <file>',
      'write HOST:PORT to <file> once the embedded T-Server listens (recorder and desktop profiles)',
    )
    .option('--allow-incomplete', 'exit 0 for an INCOMPLETE verdict (the certificate still says INCOMPLETE)')
    .option('--sign', `sign the report's manifest with the Ed25519 private key (PEM) in ${SIGNING_KEY_ENV}`)
    .option(
      '--reports <dir>',
      "write the run's reports to <dir>/<run-id>/ and point <dir>/latest at it",
      'reports',
    )
    .option(
      '--no-allure-report',
      'skip the single-file Allure report, the slowest part of the reports (allure-results/ is still written)',
    )
    .option(
      '--sip-log <file>',
      'the embedded simulator also writes what it receives and sends to FILE as a SIP Server log',
    )
    .action(
      async (opts: {
        profile?: string;
        config?: string;
        tags?: string;
        break?: BreakageId;
        summaryJson?: string;
        parallel: number;
        sipLog?: string;
        reports: string;
        allowIncomplete?: boolean;
        sign?: boolean;
        allureReport: boolean;
        failFast?: boolean;
        readyFile?: string;
      }) => {
        const settings = runSettings({
          config: opts.config,
          profile: opts.profile,
          sipLog: opts.sipLog,
          breakage: opts.break,
        });
        const { config, breakage } = settings;
        // A file left by an earlier run must not say that this one listens.
        if (opts.readyFile) await rm(opts.readyFile, { force: true });
        if (config.profile !== 'self' && opts.parallel > 1) {
          throw new InvalidArgumentError(
            `--parallel ${opts.parallel}: the ${config.profile} profile shares one T-Server with the system under test, so scenarios run one at a time`,
          );
        }
        if (opts.failFast && opts.parallel > 1) {
          throw new InvalidArgumentError(
            `--parallel ${opts.parallel}: --fail-fast stops the run from the scenario that failed, so scenarios run one at a time`,
          );
        }
        if (config.tserver.sipLog && opts.parallel > 1) {
          throw new InvalidArgumentError(
            `--parallel ${opts.parallel}: the SIP Server log (tserver.sipLog) is one file written in order, so scenarios run one at a time`,
          );
        }
        const signer = opts.sign ? signingKey() : undefined;
        await preflight(config);
        const suite = {
          config,
          parallel: opts.parallel,
          ...(opts.tags ? { tags: opts.tags } : {}),
          ...(breakage ? { breakage } : {}),
          ...(opts.failFast ? { failFast: true } : {}),
          ...(opts.readyFile ? { readyFile: opts.readyFile } : {}),
        };
        const reported = await ReportedRun.start(
          opts.reports,
          {
            config,
            ...(signer ? { signer } : {}),
            profile: config.profile,
            dns: config.agents.dns,
            ...(config.sut ? { sut: config.sut } : {}),
            ...(opts.tags ? { tags: opts.tags } : {}),
            ...(breakage ? { breakage } : {}),
          },
          { allureReport: opts.allureReport },
        );
        const stop = reportIfStopped(reported, suite, opts.summaryJson);
        let cucumberClosed = true;
        const result = await runSuite({ ...suite, ...reported.suiteOptions }).catch((error: Error) => {
          cucumberClosed = false;
          return reported.stoppedResult(suite, `the run stopped: ${error.message}`);
        });
        // A stop that began first writes the report and ends the process.
        if (stop.stopping()) await new Promise(() => {});
        // A stop while the report is written waits for it (finish() runs once) and then exits.
        await conclude(reported, result, opts.summaryJson);
        stop.uninstall();
        if (config.reports.keep)
          process.stdout.write(formatPruned(await pruneRuns(reported.run.root, config.reports.keep)));
        // Cucumber stopped half-way leaves its resources (a shared T-Server) open: end the process.
        if (!cucumberClosed) await exitReleasingContainers(1);
        process.exitCode = exitCodeOf(result.verdict, { allowIncomplete: opts.allowIncomplete });
      },
    );
}
