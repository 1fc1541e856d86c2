/** Each scenario gets its own embedded T-Server and parties; rules are evaluated and attached after it. */
import { After, Before, setDefaultTimeout } from '@cucumber/cucumber';
import { ScenarioHarness } from '../src/conformance/scenario.ts';
import { evaluateScenario, RULE_OUTCOMES_MEDIA_TYPE } from './outcomes.ts';
import { settings } from './settings.ts';
import type { ConformanceWorld } from './world.ts';

setDefaultTimeout(settings.requestTimeoutMs + settings.answerTimeoutMs + 5000);

Before(function (this: ConformanceWorld, { pickle }) {
  this.harness = new ScenarioHarness(settings);
  this.rules = pickle.tags
    .map((t) => t.name)
    .filter((n) => n.startsWith('@rule:'))
    .map((n) => n.slice('@rule:'.length));
});

After(async function (this: ConformanceWorld) {
  try {
    const outcomes = await evaluateScenario(this);
    this.attach(JSON.stringify(outcomes), RULE_OUTCOMES_MEDIA_TYPE);
  } finally {
    await this.harness.close();
  }
});
