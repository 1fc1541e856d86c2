/**
 * The run shares what its profile needs (a T-Server the system under test connects to); each
 * scenario gets its own parties (and, in the self profile, its own simulator). Rules are evaluated
 * and attached after every scenario, with its message trace and sequence diagram.
 */
import { After, AfterAll, Before, BeforeAll, setDefaultTimeout } from '@cucumber/cucumber';
import { RunContext } from '../src/conformance/run-context.ts';
import { ScenarioHarness } from '../src/conformance/scenario.ts';
import { stopRun, untilHalted } from '../src/conformance/stop.ts';
import { scenarioEvidence } from '../src/report/evidence.ts';
import { evaluateScenario, RULE_OUTCOMES_MEDIA_TYPE } from './outcomes.ts';
import { settings } from './settings.ts';
import type { ConformanceWorld } from './world.ts';

setDefaultTimeout(settings.requestTimeoutMs + settings.answerTimeoutMs + 5000);

let run: RunContext | undefined;

BeforeAll({ timeout: settings.config.timeouts.readyMs + 60_000 }, async () => {
  run = await RunContext.start(settings.config, settings.breakage);
  try {
    await run.waitUntilReady((line) => process.stderr.write(`${line}\n`));
  } catch (e) {
    // Cucumber skips AfterAll when BeforeAll fails, and prints only where it failed: say why, and
    // release the shared T-Server here.
    process.stderr.write(`not ready: ${(e as Error).message}\n`);
    await run.stop();
    throw e;
  }
});

AfterAll(async () => {
  await run?.stop();
});

Before(async function (this: ConformanceWorld, { pickle }) {
  await untilHalted();
  if (!run) throw new Error('the run did not start (see BeforeAll)');
  const lost = run.sutLost();
  if (lost) {
    stopRun(lost);
    throw new Error(lost);
  }
  await run.resetRecorder();
  this.harness = new ScenarioHarness(settings, run);
  this.rules = pickle.tags
    .map((t) => t.name)
    .filter((n) => n.startsWith('@rule:'))
    .map((n) => n.slice('@rule:'.length));
});

After({ name: 'rule outcomes and evidence' }, async function (this: ConformanceWorld) {
  try {
    const outcomes = await evaluateScenario(this);
    this.attach(JSON.stringify(outcomes), {
      mediaType: RULE_OUTCOMES_MEDIA_TYPE,
      fileName: 'rule-outcomes.json',
    });
    const { journal, tserver } = this.harness;
    const records = this.harness.records();
    const evidence = scenarioEvidence({
      entries: journal.entries,
      records,
      outcomes,
      tserver,
      limits: { requestTimeoutMs: settings.requestTimeoutMs },
    });
    for (const { body, mediaType, fileName } of evidence) {
      // Two overloads: text is attached as it is, a Buffer base64-encoded.
      if (typeof body === 'string') this.attach(body, { mediaType, fileName });
      else this.attach(body, { mediaType, fileName });
    }
  } finally {
    await this.harness.close();
  }
});
