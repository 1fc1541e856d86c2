/**
 * The run shares what its profile needs (a T-Server the system under test connects to); each
 * scenario gets its own parties (and, in the self profile, its own simulator). Rules are evaluated
 * and attached after every scenario.
 */
import { After, AfterAll, Before, BeforeAll, setDefaultTimeout } from '@cucumber/cucumber';
import { RunContext } from '../src/conformance/run-context.ts';
import { ScenarioHarness } from '../src/conformance/scenario.ts';
import { evaluateScenario, RULE_OUTCOMES_MEDIA_TYPE } from './outcomes.ts';
import { settings } from './settings.ts';
import type { ConformanceWorld } from './world.ts';

setDefaultTimeout(settings.requestTimeoutMs + settings.answerTimeoutMs + 5000);

let run: RunContext | undefined;

BeforeAll({ timeout: settings.config.timeouts.readyMs + 60_000 }, async () => {
  run = await RunContext.start(settings.config);
  await run.waitUntilReady((line) => process.stderr.write(`${line}\n`));
});

AfterAll(async () => {
  await run?.stop();
});

Before(async function (this: ConformanceWorld, { pickle }) {
  if (!run) throw new Error('the run did not start (see BeforeAll)');
  await run.resetRecorder();
  this.harness = new ScenarioHarness(settings, run);
  this.rules = pickle.tags.map((t) => t.name).filter((n) => n.startsWith('@rule:')).map((n) => n.slice('@rule:'.length));
});

After(async function (this: ConformanceWorld) {
  try {
    const outcomes = await evaluateScenario(this);
    this.attach(JSON.stringify(outcomes), RULE_OUTCOMES_MEDIA_TYPE);
  } finally {
    await this.harness.close();
  }
});
