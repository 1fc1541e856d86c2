/** `screencap-cert run`: the conformance suite (the main job). */
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { runSuite, type SuiteResult } from '../conformance/run.ts';
import { BREAKAGES } from '../parties/breakages.ts';
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
  const failed = result.scenarios.filter((s) => s.status === 'failed').length;
  lines.push(
    '',
    `Scenarios: ${result.scenarios.length} (${result.scenarios.length - failed} passed, ${failed} failed)`,
  );
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
    .option('--tags <expression>', 'Cucumber tag expression selecting scenarios')
    .option(
      '--break <party>',
      `self-test: put a deliberately broken party in its seat (${BREAKAGES.map((b) => b.id).join(', ')})`,
    )
    .option('--parallel <workers>', 'run scenarios in this many worker processes', parseWorkers, 1)
    .option('--summary-json <file>', 'also write the verdict, scenarios and rule outcomes as JSON')
    .action(async (opts: { tags?: string; break?: string; summaryJson?: string; parallel: number }) => {
      // Support code reads its settings from the environment when Cucumber loads it.
      if (opts.break) process.env.SCREENCAP_BREAK = opts.break;
      const result = await runSuite({ parallel: opts.parallel, ...(opts.tags ? { tags: opts.tags } : {}) });
      process.stdout.write(formatSummary(result));
      if (opts.summaryJson) await writeFile(opts.summaryJson, `${JSON.stringify(result, null, 2)}\n`);
      process.exitCode = result.verdict === 'passed' ? 0 : 1;
    });
}
