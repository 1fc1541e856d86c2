/**
 * The verdict step: the scenario's @rule: tags, evaluated over everything the parties saw. A rule
 * that failed fails the scenario; one that could not be tested fails it too where the harness sees
 * everything (self profile), and is reported, not hidden, where it cannot.
 */
import { Then } from '@cucumber/cucumber';
import { expect } from 'chai';
import { evaluateScenario } from '../support/outcomes.ts';
import type { ConformanceWorld } from '../support/world.ts';

Then('the exchange conforms to the tagged rules', async function (this: ConformanceWorld) {
  expect(this.rules, 'the scenario is tagged with the rules it exercises').to.not.be.empty;
  const outcomes = await evaluateScenario(this);
  const seesEverything = this.harness.run.sutSeat === undefined;
  const blocking = outcomes.filter(
    (o) => o.outcome === 'failed' || (o.outcome === 'could-not-test' && seesEverything),
  );
  for (const o of outcomes.filter((x) => x.outcome !== 'passed' && !blocking.includes(x)))
    this.log(`${o.rule} ${o.outcome}: ${o.reason}`);
  expect(
    blocking.map((o) => `${o.rule} (seed ${o.section}) ${o.outcome}: ${o.reason}`).join('\n\n'),
    'rules not passed',
  ).to.equal('');
});
