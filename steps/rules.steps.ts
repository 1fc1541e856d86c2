/** The verdict step: the scenario's @rule: tags, evaluated over everything the parties saw. */
import { Then } from '@cucumber/cucumber';
import { expect } from 'chai';
import { evaluateScenario } from '../support/outcomes.ts';
import type { ConformanceWorld } from '../support/world.ts';

Then('the exchange conforms to the tagged rules', async function (this: ConformanceWorld) {
  expect(this.rules, 'the scenario is tagged with the rules it exercises').to.not.be.empty;
  const outcomes = await evaluateScenario(this);
  const failed = outcomes.filter((o) => o.outcome !== 'passed');
  expect(
    failed.map((o) => `${o.rule} (seed ${o.section}) ${o.outcome}: ${o.reason}`).join('\n\n'),
    'rules not passed',
  ).to.equal('');
});
