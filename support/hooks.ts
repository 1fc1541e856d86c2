/**
 * The run shares what its profile needs (a T-Server the system under test connects to); each
 * scenario gets its own parties (and, in the self profile, its own simulator). Rules are evaluated
 * and attached after every scenario, with its message trace and sequence diagram.
 */
import { After, AfterAll, Before, BeforeAll } from '@cucumber/cucumber';
import { NeverRegisteredError, RunContext } from '../src/conformance/run-context.ts';
import { ScenarioHarness } from '../src/conformance/scenario.ts';
import { stopRun, untilHalted } from '../src/conformance/stop.ts';
import { RULE_OUTCOMES_MEDIA_TYPE, scenarioEvidence } from '../src/report/evidence.ts';
import type { HarnessSettings } from '../src/settings.ts';
import { evaluateScenario } from './outcomes.ts';
import { READINESS } from './time-limits.ts';
import type { ConformanceWorld } from './world.ts';

let run: RunContext | undefined;
/** The system under test never registered its DNs: the first scenario reports it as its rule's failure. */
let neverRegistered: { error: NeverRegisteredError; reported: boolean } | undefined;

// Cucumber passes wrapperOptions to a run hook's wrapper too (its types leave it out).
const readiness = { wrapperOptions: READINESS } as Parameters<typeof BeforeAll>[0];

BeforeAll(readiness, async function () {
  // The world parameters runSuite handed over (Cucumber types them as any JSON).
  const settings = this.parameters as unknown as HarnessSettings;
  // A process may run the suite more than once (runSuite): nothing carries over from a run before.
  neverRegistered = undefined;
  run = await RunContext.start(settings.config, settings.breakage);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  try {
    await run.announce(log, settings.readyFile);
    await run.waitUntilReady(log);
  } catch (e) {
    if (e instanceof NeverRegisteredError) {
      process.stderr.write(`not ready: ${e.message}\n`);
      neverRegistered = { error: e, reported: false };
      return;
    }
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
  this.rules = pickle.tags
    .map((t) => t.name)
    .filter((n) => n.startsWith('@rule:'))
    .map((n) => n.slice('@rule:'.length));
  if (neverRegistered) {
    // The first scenario reports it as its rule's failure; no other can run either.
    if (neverRegistered.reported) stopRun(neverRegistered.error.message);
    else this.neverRegistered = neverRegistered.error;
    neverRegistered.reported = true;
    throw neverRegistered.error;
  }
  const lost = run.sutLost();
  if (lost) {
    stopRun(lost);
    throw new Error(lost);
  }
  await run.resetRecorder();
  // What the reset did is not the scenario's: an external simulator's journal has it all before the scenario starts.
  await run.syncJournal();
  this.harness = new ScenarioHarness(this.settings, run);
});

After({ name: 'rule outcomes and evidence' }, async function (this: ConformanceWorld, { pickle }) {
  // A scenario that never started (the run stopped) has nothing to report.
  if (!this.harness && !this.neverRegistered) return;
  try {
    const outcomes = await evaluateScenario(this);
    this.attach(JSON.stringify(outcomes), {
      mediaType: RULE_OUTCOMES_MEDIA_TYPE,
      fileName: 'rule-outcomes.json',
    });
    const failed = outcomes.find((o) => o.outcome === 'failed');
    if (this.settings.failFast && failed) stopRun(`--fail-fast: ${failed.rule} failed in “${pickle.name}”`);
    if (!this.harness) return;
    const { journal, tserver } = this.harness;
    const records = this.harness.records();
    const evidence = scenarioEvidence({
      entries: journal.entries,
      records,
      outcomes,
      tserver,
      limits: { requestTimeoutMs: this.settings.requestTimeoutMs },
      interruptions: this.harness.interruptions(),
    });
    for (const { body, mediaType, fileName } of evidence) {
      // Two overloads: text is attached as it is, a Buffer base64-encoded.
      if (typeof body === 'string') this.attach(body, { mediaType, fileName });
      else this.attach(body, { mediaType, fileName });
    }
  } finally {
    await this.harness?.close();
  }
});
