/**
 * Proof that the suite discriminates: with the harness's own parties it passes; with any one
 * deliberately broken party in its seat it fails and names the rule that party violates.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { RULE_IDS } from '../src/domain/rule-catalog.ts';
import { BREAKAGES } from '../src/parties/breakages.ts';
import { runCli, withConcurrency } from './cli.ts';

const FEATURES = new URL('../features', import.meta.url).pathname;

/**
 * A broken party mostly costs timeouts, so its runs use short ones, and scenarios in parallel.
 * A spurious timeout can only add failures: it cannot make the violated rule pass.
 */
const BROKEN_RUN = {
  SCREENCAP_TIMEOUTS_ANSWER_MS: '150',
  SCREENCAP_TIMEOUTS_REQUEST_MS: '250',
  SCREENCAP_TIMEOUTS_RECOVER_MS: '800',
};

describe('the conformance suite discriminates', () => {
  test('every rule is violated by at least one broken party', () => {
    const violated = new Set(BREAKAGES.map((b) => b.violates));
    assert.deepEqual(
      RULE_IDS.filter((id) => !violated.has(id)),
      [],
      'rules no broken party proves the suite catches',
    );
  });

  test('every scenario names the rule it proves (@rule:), so any failure is a rule’s', async () => {
    const untagged: string[] = [];
    for (const file of await readdir(FEATURES)) {
      const lines = (await readFile(join(FEATURES, file), 'utf8')).split('\n');
      const hasRule = (i: number) => {
        for (let j = i - 1; j >= 0 && /^\s*@/.test(lines[j] as string); j--)
          if (/@rule:/.test(lines[j] as string)) return true;
        return false;
      };
      let scenario: { line: string; tagged: boolean } | undefined;
      lines.forEach((line, i) => {
        if (/^\s*Scenario/.test(line)) {
          scenario = { line: line.trim(), tagged: hasRule(i) };
          if (!scenario.tagged && !/Outline/.test(line)) untagged.push(`${file}: ${scenario.line}`);
        }
        // An outline's examples may carry the rule tags of their rows.
        if (/^\s*Examples:/.test(line) && scenario && !scenario.tagged && !hasRule(i))
          untagged.push(`${file}: ${scenario.line}, ${line.trim()}`);
      });
    }
    assert.deepEqual(untagged, []);
  });

  test('with the harness playing every seat correctly, every rule passes', async () => {
    const { code, summary, output } = await runCli(['run']);
    assert.equal(summary.verdict, 'passed', output);
    assert.equal(code, 0);
    assert.deepEqual(
      summary.rules.filter((r) => r.outcome !== 'passed').map((r) => r.rule),
      [],
    );
    assert.ok(summary.scenarios.length >= 40, `${summary.scenarios.length} scenarios ran`);
  });

  test('each broken party makes the run fail, naming the rule it violates', async () => {
    const results = await withConcurrency(2, BREAKAGES, async (b) => ({
      b,
      // The Allure HTML is the slowest report and proves nothing here (report-run.test.ts checks it).
      ...(await runCli(['run', '--parallel', '3', '--break', b.id, '--no-allure-report'], BROKEN_RUN)),
    }));
    for (const { b, code, summary, output } of results) {
      const rule = summary.rules.find((r) => r.rule === b.violates);
      assert.equal(code, 1, `${b.id}: exit code\n${output}`);
      assert.equal(summary.verdict, 'failed', `${b.id}: verdict`);
      assert.equal(
        rule?.outcome,
        'failed',
        `${b.id} (${b.text}) should fail ${b.violates}; rules: ${JSON.stringify(summary.rules.map((r) => [r.rule, r.outcome]))}`,
      );
      assert.match(
        output,
        new RegExp(`FAIL ${b.violates}\\b`),
        `${b.id}: the printed summary names ${b.violates}`,
      );
    }
  });
});
