/**
 * The verdict step: the scenario's @rule: tags, evaluated over everything the parties saw. A rule
 * that failed fails the scenario; a rule left unjudged (not observable, not exercised) is logged
 * here and weighed by the run's verdict (INCOMPLETE), not by this step.
 */
import { Then } from '@cucumber/cucumber';
import { expect } from 'chai';
import { RULES_NOT_PASSED } from '../src/report/step-failure.ts';
import { evaluateScenario } from '../support/outcomes.ts';
import type { ConformanceWorld } from '../support/world.ts';

Then('the exchange conforms to the tagged rules', async function (this: ConformanceWorld) {
  expect(this.rules, 'the scenario is tagged with the rules it exercises').to.not.be.empty;
  const outcomes = await evaluateScenario(this);
  const failed = outcomes.filter((o) => o.outcome === 'failed');
  for (const o of outcomes.filter((x) => x.outcome !== 'passed' && x.outcome !== 'failed'))
    this.log(`${o.rule} ${o.outcome}: ${o.reason}`);
  expect(
    failed.map((o) => `${o.rule} (seed ${o.section}) failed: ${o.reason}`).join('\n\n'),
    RULES_NOT_PASSED,
  ).to.equal('');
});
