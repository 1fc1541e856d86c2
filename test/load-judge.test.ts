/**
 * The load judge files each operation's messages into a window and judges it with the suite's
 * rules once the next operation on its DN has settled: a copy that arrives after the next
 * operation was sent still goes with its own, memory holds a few windows a DN however many
 * operations pass, and a wrong answer fails the rule it breaks and no other.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig } from '../src/config/load.ts';
import {
  DEFAULT_MAPPING,
  expectedIndication,
  type Indication,
  type Operation,
} from '../src/domain/screencap.ts';
import { Journal, type NewEntry } from '../src/journal.ts';
import { OPERATION_CYCLE } from '../src/load/agent.ts';
import { LoadJudge } from '../src/load/judge.ts';
import type { RuleOutcome } from '../src/result/outcomes.ts';
import { settingsFrom } from '../src/settings.ts';

const SETTINGS = settingsFrom(loadConfig(undefined, {}));
const DN = '7001';
const DESKTOP = `desktop ${DN}`;

/** A load judge reading a journal where the desktop and the mock recorder have registered DN. */
function registeredOnDn(options: { recoveriesApart?: boolean }) {
  const journal = new Journal();
  const judge = new LoadJudge({
    settings: SETTINGS,
    sources: {
      parties: new Map([
        [DESKTOP, 'desktop'],
        ['recorder', 'recorder'],
      ]),
    },
    ...options,
  });
  journal.subscribe(judge.observe);
  const put = (party: string, direction: 'in' | 'out', message: NewEntry['message']) =>
    journal.append({ party, direction, message });
  for (const party of [DESKTOP, 'recorder']) {
    put(party, 'out', { message: 'RequestRegisterAddress', ReferenceID: 1, ThisDN: DN });
    put(party, 'in', { message: 'EventRegistered', ReferenceID: 1, ThisDN: DN });
  }
  return { judge, put };
}

/** A desktop and a mock recorder on one DN, as their links journal them, with the recorder's copy of each indication late. */
function exchange(operations: number, answer: (op: Operation, before: Indication) => Indication) {
  const { judge, put } = registeredOnDn({});
  const capture = (value: string) => [['screen-capture', value]];
  let state: Indication = 'disabled';
  let late: (() => void) | undefined;
  let mostOpen = 0;
  for (let i = 0; i < operations; i++) {
    const op = OPERATION_CYCLE[i % OPERATION_CYCLE.length] as Operation;
    const ref = i + 2;
    const event = (value: string) => ({ message: 'EventUserEvent', ThisDN: DN, UserData: capture(value) });
    put(DESKTOP, 'out', { message: 'RequestSendEvent', ReferenceID: ref, ThisDN: DN, Event: event(op) });
    late?.(); // the recorder's copy of the previous indication, read after this operation was sent
    put(DESKTOP, 'in', { message: 'EventACK', ReferenceID: ref, ThisDN: DN });
    put(DESKTOP, 'in', event(op));
    put('recorder', 'in', event(op));
    const indication = answer(op, state);
    state = indication;
    put('recorder', 'out', {
      message: 'RequestSendEvent',
      ReferenceID: ref,
      ThisDN: DN,
      Event: event(indication),
    });
    put('recorder', 'in', { message: 'EventACK', ReferenceID: ref, ThisDN: DN });
    put(DESKTOP, 'in', event(indication));
    judge.operationOver(DN);
    late = () => put('recorder', 'in', event(indication));
    mostOpen = Math.max(mostOpen, judge.open);
  }
  late?.();
  const judgedBeforeTheEnd = judge.judged;
  judge.finish();
  return { judge, mostOpen, judgedBeforeTheEnd };
}

const rule = (outcomes: readonly RuleOutcome[], id: string) => outcomes.find((o) => o.rule === id);

/**
 * One start on DN, acknowledged and delivered to the recorder, which answers `answer`, or
 * (undefined) loses its connection before it can: no indication. `away`: what the chaos told the judge.
 */
function oneStart(answer: Indication | undefined, away: boolean): readonly RuleOutcome[] {
  const { judge, put } = registeredOnDn({ recoveriesApart: true });
  const event = (value: string) => ({
    message: 'EventUserEvent',
    ThisDN: DN,
    UserData: [['screen-capture', value]],
  });
  put(DESKTOP, 'out', { message: 'RequestSendEvent', ReferenceID: 2, ThisDN: DN, Event: event('start') });
  put(DESKTOP, 'in', { message: 'EventACK', ReferenceID: 2, ThisDN: DN });
  put(DESKTOP, 'in', event('start'));
  put('recorder', 'in', event('start'));
  if (answer) {
    put('recorder', 'out', { message: 'RequestSendEvent', ReferenceID: 2, ThisDN: DN, Event: event(answer) });
    put('recorder', 'in', { message: 'EventACK', ReferenceID: 2, ThisDN: DN });
    put(DESKTOP, 'in', event(answer));
  }
  judge.operationOver(DN, away);
  judge.finish();
  return judge.scenarios()[0]?.rules ?? [];
}

describe('load judge', () => {
  test('1,000 operations: each judged with its own messages, all pass, at most 3 open at once', () => {
    const { judge, mostOpen, judgedBeforeTheEnd } = exchange(1000, (op, before) =>
      expectedIndication(DEFAULT_MAPPING, op, before),
    );
    assert.equal(judge.judged, 1000);
    assert.equal(judge.failed, 0);
    assert.ok(mostOpen <= 3, `at most 3 windows open, was ${mostOpen}`);
    assert.ok(judgedBeforeTheEnd >= 998, `judged as it went (${judgedBeforeTheEnd} before the end)`);
    const scenarios = judge.scenarios();
    assert.deepEqual(
      scenarios.map((s) => s.status),
      OPERATION_CYCLE.map(() => 'passed'),
    );
    const start = scenarios.find((s) => s.name === 'start under load');
    // The late copies went with their own operation: every delivery accounted for, none unexpected.
    assert.match(rule(start?.rules ?? [], 'TSRV-DELIVERY')?.reason ?? '', /in 200 of 200 operation/);
    assert.match(rule(start?.rules ?? [], 'REC-MAPPING')?.reason ?? '', /200 checked in 200 of 200/);
    const query = scenarios.find((s) => s.name === 'query under load');
    assert.match(rule(query?.rules ?? [], 'REC-QUERY-UNCHANGED')?.reason ?? '', /200 checked/);
  });

  test('a recorder answering resume with paused fails REC-MAPPING on the resumes alone', () => {
    const { judge } = exchange(100, (op, before) =>
      op === 'resume' ? 'paused' : expectedIndication(DEFAULT_MAPPING, op, before),
    );
    assert.equal(judge.failed, 20);
    const failed = judge
      .scenarios()
      .flatMap((s) => s.rules.filter((r) => r.outcome === 'failed').map((r) => `${s.name}: ${r.rule}`));
    assert.deepEqual(failed, ['resume under load: REC-MAPPING']);
  });

  test('query answered with the state the last indication left, not the mapping: a query that moves the state fails REC-QUERY-UNCHANGED', () => {
    const { judge } = exchange(50, (op, before) =>
      op === 'query'
        ? before === 'enabled'
          ? 'paused'
          : 'enabled'
        : expectedIndication(DEFAULT_MAPPING, op, before),
    );
    const failed = judge
      .scenarios()
      .flatMap((s) => s.rules.filter((r) => r.outcome === 'failed').map((r) => `${s.name}: ${r.rule}`));
    assert.deepEqual(failed, ['query under load: REC-QUERY-UNCHANGED']);
  });
  test('load --chaos: an operation unanswered while its party was away is not observable, not failed; with every party there it fails REC-ANSWER', () => {
    const away = oneStart(undefined, true);
    assert.equal(rule(away, 'REC-ANSWER')?.outcome, 'not-observable');
    assert.match(
      rule(away, 'REC-ANSWER')?.reason ?? '',
      /lost its connection while the operation was in flight/,
    );
    assert.ok(!away.some((o) => o.outcome === 'failed'), JSON.stringify(away));
    assert.equal(rule(oneStart(undefined, false), 'REC-ANSWER')?.outcome, 'failed');
    // The recoveries are judged over the run (chaos.ts), not per operation.
    assert.equal(rule(away, 'REC-RECOVERS'), undefined);
  });

  test('load --chaos: a wrong answer around a drop still fails the rule it breaks', () => {
    const wrong = oneStart('paused', true);
    assert.equal(rule(wrong, 'REC-MAPPING')?.outcome, 'failed');
    assert.equal(rule(oneStart('enabled', true), 'REC-MAPPING')?.outcome, 'passed');
  });
});
