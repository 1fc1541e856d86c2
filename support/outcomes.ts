/** Rule evaluation for a scenario, shared by the final step and the After hook (which records it). */
import { neverRegisteredOutcomes } from '../src/conformance/run-context.ts';
import type { RuleOutcome } from '../src/result/outcomes.ts';
import type { ConformanceWorld } from './world.ts';

/** Settles the exchange and evaluates the scenario's `@rule:` tags, once. */
export async function evaluateScenario(world: ConformanceWorld): Promise<RuleOutcome[]> {
  if (world.neverRegistered) world.outcomes ??= neverRegisteredOutcomes(world.neverRegistered, world.rules);
  if (!world.outcomes) {
    await world.harness.settle();
    world.outcomes = world.harness.evaluate(world.rules);
  }
  return world.outcomes;
}
