/**
 * runSuite, the suite as the public API runs it, more than once in one process: Node imports the
 * support code once, so each run after the first reuses the step definitions and hooks the first
 * loaded (without them a second run's steps were all undefined).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runSuite } from '../src/conformance/run.ts';

/** A few scenarios: REC-MAPPING's outside calls and serviceability. */
const TAGS = '@rule:REC-MAPPING and not @calls and not @serviceability';

test('runSuite twice in one process: both runs pass every scenario they select, with the same steps', async () => {
  const runs = [];
  for (let i = 0; i < 2; i++) runs.push(await runSuite({ tags: TAGS, formats: ['summary'] }));
  const ran = runs.map((r) => r.scenarios.filter((s) => s.status !== 'not-run'));
  assert.ok((ran[0]?.length ?? 0) > 0, 'the tags select scenarios');
  for (const [i, scenarios] of ran.entries()) {
    assert.deepEqual(
      scenarios.filter((s) => s.status !== 'passed').map((s) => `${s.name}: ${s.error}`),
      [],
      `run ${i + 1}`,
    );
    assert.equal(runs[i]?.rules.find((r) => r.rule === 'REC-MAPPING')?.outcome, 'passed', `run ${i + 1}`);
  }
  assert.deepEqual(
    ran[1]?.map((s) => s.name),
    ran[0]?.map((s) => s.name),
  );
});
