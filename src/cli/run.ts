/** `screencap-cert run`: the conformance suite (the main job). */
import { writeFile } from 'node:fs/promises';
import { type Command, InvalidArgumentError } from 'commander';
import { PROFILES } from '../config/schema.ts';
import { runSuite, type SuiteResult } from '../conformance/run.ts';
import { BREAKAGES } from '../parties/breakages.ts';
import { settingsFromEnv } from '../settings.ts';
import { parseWorkers } from './options.ts';

const MARK: Record<string, string> = {
  passed: 'PASS',
  failed: 'FAIL',
  'not-applicable': 'N/A ',
  'could-not-test': 'N/T ',
};

export function formatSummary(result: SuiteResult): string {
  const lines = ['', 'Rules:'];
  for (const r of result.rules) {
    lines.push(`  ${MARK[r.outcome]} ${r.rule.padEnd(27)} seed ${r.section.padEnd(6)} ${r.text}`);
    if (r.outcome !== 'passed') lines.push(...r.reason.split('\n').map((l) => `         ${l}`));
  }
  const count = (status: string) => result.scenarios.filter((s) => s.status === status).length;
  lines.push('', `Scenarios: ${count('passed')} passed, ${count('failed')} failed, ${count('not-applicable')} not applicable`);
  lines.push(
    `Verdict: ${result.verdict.toUpperCase()}${result.reasons.length ? ` (${result.reasons.join('; ')})` : ''}`,
    '',
  );
  return lines.join('\n');
}

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description(
      'run the conformance suite against the embedded T-Server simulator; exit 0 only if every applicable rule passed',
    )
    .option('--profile <profile>', `the seat of the system under test: ${PROFILES.join(', ')} (default: config, else self)`)
    .option('--config <file>', 'configuration file (JSON or YAML); every key can be overridden by a SCREENCAP_* variable')
    .option('--tags <expression>', 'Cucumber tag expression selecting scenarios (within the profile)')
    .option(
      '--break <party>',
      `self-test: put a deliberately broken party in its seat (${BREAKAGES.map((b) => b.id).join(', ')})`,
    )
    .option('--parallel <workers>', 'run scenarios in this many worker processes (self profile only)', parseWorkers, 1)
    .option('--summary-json <file>', 'also write the verdict, scenarios and rule outcomes as JSON')
    .action(async (opts: { profile?: string; config?: string; tags?: string; break?: string; summaryJson?: string; parallel: number }) => {
      // Support code (and parallel workers) read the settings from the environment, as CI can set them.
      if (opts.config) process.env.SCREENCAP_CONFIG = opts.config;
      if (opts.profile) process.env.SCREENCAP_PROFILE = opts.profile;
      if (opts.break) process.env.SCREENCAP_BREAK = opts.break;
      const { config } = settingsFromEnv();
      if (config.profile !== 'self' && opts.parallel > 1) {
        throw new InvalidArgumentError(`--parallel ${opts.parallel}: the ${config.profile} profile shares one T-Server with the system under test, so scenarios run one at a time`);
      }
      const result = await runSuite({ config, parallel: opts.parallel, ...(opts.tags ? { tags: opts.tags } : {}) });
      process.stdout.write(formatSummary(result));
      if (opts.summaryJson) await writeFile(opts.summaryJson, `${JSON.stringify(result, null, 2)}\n`);
      process.exitCode = result.verdict === 'passed' ? 0 : 1;
    });
}
