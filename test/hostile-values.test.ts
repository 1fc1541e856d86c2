/**
 * The rules and reports judge whatever JSON value a party puts in a field: a T-Server delivers a
 * Tevent as given (spec/tlib-json.md), and a system under test in any seat may send any value where
 * a string or number is expected. A property test builds plausible exchanges (registering, an
 * operation and its Tevent, EventACK/EventError, the delivery to the recorder, its indication back,
 * a call's events, a drop and the recovery) and puts hostile values at any depth: objects JSON.parse
 * makes with `toString`/`valueOf`/`toJSON`/`__proto__` keys (String() and `${}` throw on them),
 * lists nested past what JSON.stringify takes, huge strings, odd numbers, null, booleans, nested
 * lists. Every rule, the observations, the outstanding waits, the interruptions, each scenario's
 * evidence (findings, sequence diagram, trace) and the certificate (JSON and HTML) are then made
 * without throwing, each outcome one of the outcome kinds with its reason.
 *
 * Replay a failure with FUZZ_SEED=<seed> (the seed is printed as a diagnostic and by fast-check).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { RULE_IDS } from '../src/domain/rule-catalog.ts';
import { DISCONNECTED, Journal, type JournalEntry, pseudoEntry } from '../src/journal.ts';
import { certificationOf } from '../src/report/certification.ts';
import { certificationHtml } from '../src/report/certification-html.ts';
import { scenarioEvidence, TRACE_FILE } from '../src/report/evidence.ts';
import { scenarioObservations } from '../src/report/observations.ts';
import { parseTrace } from '../src/report/trace.ts';
import { OUTCOMES, type RuleOutcome, type ScenarioResult } from '../src/result/outcomes.ts';
import { certifiedScope, summarizeRules, verdictOf } from '../src/result/verdict.ts';
import { outcomesDespiteDrops } from '../src/rules/dropped.ts';
import { evaluateRules } from '../src/rules/evaluate.ts';
import { type Role, toRecords } from '../src/rules/observations.ts';
import { outstanding } from '../src/rules/outstanding.ts';
import { interruptionsIn } from '../src/rules/recovery.ts';
import type { WireMessage } from '../src/tlib/messages.ts';
import { fixtureMetadata } from './bundles.ts';
import { checkContextOf, fuzzSeed, setOwn } from './helpers.ts';

type Json = unknown;
interface Step {
  party: string;
  direction: 'in' | 'out';
  message: WireMessage;
  /** The link's own entry (a loss): see pseudoEntry. */
  pseudo?: true;
}

const DN = '7001';
const CONN = '006b02a6c5a1e001';
const stamp = (n: number) => ({ EventSequenceNumber: n, Time: '2026-01-01T00:00:00.000001Z' });
const userData = (value: string) => [['screen-capture', value]];
const tevent = (value: string, connId?: string) => ({
  message: 'EventUserEvent',
  ThisDN: DN,
  ...(connId ? { ConnID: connId } : {}),
  UserData: userData(value),
});

/** A desktop and a recorder on 7001: registering, a call, start and its answer, a refusal, a drop and recovering, a release. */
function exchange(): Step[] {
  const out = (party: string, message: WireMessage): Step => ({ party, direction: 'out', message });
  const into = (party: string, message: WireMessage): Step => ({ party, direction: 'in', message });
  let seq = 0;
  const ev = (m: WireMessage): WireMessage => ({ ...m, ...stamp(++seq) });
  const register = (party: string, app: string, ref: number): Step[] => [
    out(party, { message: 'RequestRegisterClient', ReferenceID: ref, ApplicationName: app }),
    into(
      party,
      ev({ message: 'EventClientRegistered', ReferenceID: ref, ServerName: 'T', ServerVersion: '1' }),
    ),
    out(party, { message: 'RequestRegisterAddress', ReferenceID: ref + 1, ThisDN: DN }),
    into(party, ev({ message: 'EventRegistered', ReferenceID: ref + 1, ThisDN: DN })),
  ];
  /** `party` sends `value` on 7001, acknowledged; both parties receive it. */
  const send = (party: string, ref: number, value: string): Step[] => [
    out(party, { message: 'RequestSendEvent', ReferenceID: ref, ThisDN: DN, Event: tevent(value, CONN) }),
    into(party, ev({ message: 'EventACK', ReferenceID: ref, ThisDN: DN })),
    ...['desktop', 'recorder'].map((to) =>
      into(to, ev({ message: 'EventUserEvent', ThisDN: DN, ConnID: CONN, UserData: userData(value) })),
    ),
  ];
  return [
    ...register('desktop', 'Desk', 1),
    ...register('recorder', 'Rec', 1),
    into('desktop', ev({ message: 'EventEstablished', ThisDN: DN, ConnID: CONN })),
    into('recorder', ev({ message: 'EventEstablished', ThisDN: DN, ConnID: CONN })),
    ...send('desktop', 3, 'start'),
    ...send('recorder', 3, 'enabled'),
    out('desktop', { message: 'RequestSendEvent', ReferenceID: 4, ThisDN: DN, Event: tevent('pause', CONN) }),
    into(
      'desktop',
      ev({ message: 'EventError', ReferenceID: 4, ThisDN: DN, ErrorCode: 54, ErrorMessage: 'no switch' }),
    ),
    ...send('desktop', 5, 'pause'),
    ...send('recorder', 4, 'paused'),
    out('recorder', { message: 'RequestJunk', ReferenceID: 9, ThisDN: DN }),
    into('recorder', ev({ message: 'EventError', ReferenceID: 9, ErrorCode: 51, ErrorMessage: 'unknown' })),
    { party: 'recorder', direction: 'in', ...pseudoEntry(DISCONNECTED, { Cause: 'the T-Server closed it' }) },
    ...register('recorder', 'Rec', 10),
    ...send('desktop', 6, 'query'),
    ...send('recorder', 12, 'paused'),
    into(
      'desktop',
      ev({ message: 'EventPartyChanged', ThisDN: DN, ConnID: 'aaaaaaaaaaaaaaaa', PreviousConnID: CONN }),
    ),
    into('desktop', ev({ message: 'EventReleased', ThisDN: DN, ConnID: 'aaaaaaaaaaaaaaaa' })),
  ];
}

// --- hostile values ---------------------------------------------------------------------------------

const nested = (open: string, close: string, n: number) => JSON.parse(`${open.repeat(n)}${close.repeat(n)}`);
/** Lists and objects nested deeper than JSON.stringify (and any recursion) can go. */
const DEEP_LIST = nested('[', ']', 100_000);
const DEEP_OBJECT = JSON.parse(`${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`);
const DEEP_KV = JSON.parse(`${'[["screen-capture",'.repeat(20_000)}"start"${']]'.repeat(20_000)}`);
const HUGE = 'x'.repeat(100_000);

const HOSTILE: readonly Json[] = [
  JSON.parse('{"toString":1,"valueOf":2}'),
  JSON.parse('{"toString":{"toString":1}}'),
  JSON.parse('{"toJSON":1}'),
  JSON.parse('{"__proto__":{"toString":1}}'),
  JSON.parse('{"valueOf":null,"toString":"x","constructor":1,"hasOwnProperty":1}'),
  DEEP_LIST,
  DEEP_OBJECT,
  DEEP_KV,
  [DEEP_LIST],
  HUGE,
  `${HUGE}"\\\n\u2028`,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  -0,
  1e308,
  -1,
  0,
  1.5,
  2 ** 53 + 2,
  null,
  true,
  false,
  '',
  '__proto__',
  'toString',
  'constructor',
  'screen-capture',
  'start',
  [],
  {},
  [[]],
  [null],
  [['screen-capture']],
  [['screen-capture', ['nested']]],
  [[JSON.parse('{"toString":1}'), JSON.parse('{"valueOf":1}')]],
  [1, [2, [3]]],
  [['screen-capture', JSON.parse('{"toString":1}')]],
];
/** Keys a parsed object may have that Object.prototype also has. */
const HOSTILE_KEYS = ['toString', 'valueOf', 'toJSON', '__proto__', 'constructor', 'hasOwnProperty'];
/** Names a message may have: any string (the journal's names are strings: framing refuses others). */
const HOSTILE_NAMES = ['', '__proto__', 'toString', 'constructor', HUGE, 'Request', 'EventUserEvent'];

type Path = (string | number)[];

/**
 * Every place in `value` a value can be put (not the messages' own names), its containers included;
 * not inside a hostile value put there before (one nested 100,000 deep).
 */
function paths(value: Json, at: Path = [], into: Path[] = []): Path[] {
  if (value === null || typeof value !== 'object' || HOSTILE.includes(value) || at.length > 8) return into;
  for (const [k, v] of Object.entries(value)) {
    const key = Array.isArray(value) ? Number(k) : k;
    const here = [...at, key];
    if (!(at.length === 1 && key === 'message')) into.push(here);
    paths(v, here, into);
  }
  return into;
}

const clone = (steps: Step[]): Step[] => structuredClone(steps);

function at(root: Json, path: Path): Json {
  return path.reduce<Json>((node, k) => (node as Record<string | number, Json>)[k], root);
}

/** Puts `value` at `path`, as JSON.parse would have (an own `__proto__` too). */
function put(root: Json, path: Path, value: Json): void {
  setOwn(at(root, path.slice(0, -1)) as object, path.at(-1) as string | number, value);
}

/**
 * The places grouped by the field they are (`ThisDN`, `ApplicationName`; a list's items by depth),
 * so that a rare field is picked as often as a common one.
 */
function byField(all: readonly Path[]): Path[][] {
  const groups = new Map<string, Path[]>();
  for (const p of all) {
    const last = p.at(-1);
    const field = typeof last === 'number' ? `[${p.length}]` : (last as string);
    groups.set(field, [...(groups.get(field) ?? []), p]);
  }
  return [...groups.values()];
}

type Mutation =
  | { kind: 'value'; at: number; value: number }
  | { kind: 'key'; at: number; key: number; value: number }
  | { kind: 'name'; step: number; name: number };

function mutate(base: Step[], mutations: readonly Mutation[]): Step[] {
  const steps = clone(base);
  const root = steps.map((s) => s.message);
  for (const m of mutations) {
    const all = paths(root);
    if (m.kind === 'name') {
      const step = steps[m.step % steps.length] as Step;
      step.message.message = HOSTILE_NAMES[m.name % HOSTILE_NAMES.length] as string;
      continue;
    }
    const fields = byField(all);
    const places = fields[m.at % fields.length] as Path[];
    const path = places[Math.floor(m.at / fields.length) % places.length] as Path;
    const value = HOSTILE[m.value % HOSTILE.length];
    if (m.kind === 'value') {
      put(root, path, value);
      continue;
    }
    // A hostile key in an object that is there (a message, a Tevent), beside its fields.
    const objects = all.filter((p) => {
      const node = at(root, p);
      return node !== null && typeof node === 'object' && !Array.isArray(node);
    });
    const target = objects[m.at % objects.length] as Path;
    put(root, [...target, HOSTILE_KEYS[m.key % HOSTILE_KEYS.length] as string], value);
  }
  return steps;
}

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('value' as const), at: fc.nat(), value: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('key' as const), at: fc.nat(), key: fc.nat(), value: fc.nat() }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('name' as const), step: fc.nat(), name: fc.nat() }) },
);

// --- judging ----------------------------------------------------------------------------------------

const METADATA = fixtureMetadata({
  runId: 'hostile',
  startedAt: '2026-01-01T00:00:00.000Z',
  endedAt: '2026-01-01T00:00:01.000Z',
  durationMs: 1000,
  profile: 'recorder',
  dns: [DN],
  sut: { vendor: 'Acme', product: 'Recorder', version: '1' },
  tservers: [],
});

function assertJudged(outcomes: readonly RuleOutcome[]): void {
  assert.equal(outcomes.length, RULE_IDS.length);
  for (const o of outcomes) {
    assert.ok(OUTCOMES.includes(o.outcome), `${o.rule}: ${o.outcome}`);
    assert.equal(typeof o.reason, 'string', o.rule);
    assert.ok(o.reason.length > 0, o.rule);
    for (const f of o.findings) assert.equal(typeof f.text, 'string', o.rule);
  }
}

/**
 * Journals `steps` as the harness would (`sutSeen`: the desktop's seen from the T-Server's side, as
 * a system under test's is), then judges and reports them: throws if anything does.
 */
function judgeAndReport(steps: readonly Step[], sutSeen: boolean): RuleOutcome[] {
  const journal = new Journal();
  // A journal too small for all of it: what it drops turns passes not observable (dropped.ts).
  const small = new Journal({ maxBytes: 6_000 });
  for (const s of steps) {
    const entry =
      sutSeen && s.party === 'desktop'
        ? {
            party: 'tserver',
            direction: s.direction === 'out' ? ('in' as const) : ('out' as const),
            peer: 'client 3',
            peerId: 'client 3',
            message: s.message,
          }
        : s;
    journal.append(entry);
    small.append(entry);
  }
  const roles = new Map<string, Role>([['recorder', 'recorder']]);
  if (!sutSeen) roles.set('desktop', 'desktop');
  const sources = { parties: roles, ...(sutSeen ? { otherClientsRole: 'desktop' as const } : {}) };
  const records = toRecords(journal.entries, sources);
  const timeouts = { answerTimeoutMs: 2000, requestTimeoutMs: 1000 };
  const ctx = checkContextOf(records, timeouts);
  const outcomes = evaluateRules(RULE_IDS, ctx);
  assertJudged(outcomes);
  const smallCtx = checkContextOf(toRecords(small.entries, sources), timeouts);
  assertJudged(outcomesDespiteDrops(evaluateRules(RULE_IDS, smallCtx), small));
  for (const o of outstanding(ctx, { requestTimeoutMs: 1000, answerTimeoutMs: 2000 }))
    assert.equal(typeof o.what, 'string');
  const interruptions = interruptionsIn(ctx);
  for (const limits of [{}, { requestTimeoutMs: 0.000001 }, { requestTimeoutMs: 1e9 }])
    for (const note of scenarioObservations(records, limits)) assert.equal(typeof note, 'string');
  const evidence = scenarioEvidence({
    entries: journal.entries as JournalEntry[],
    records,
    outcomes,
    tserver: { name: 'T', version: '1' },
    limits: { requestTimeoutMs: 0.000001 },
    interruptions,
  });
  const trace = evidence.find((a) => a.fileName === TRACE_FILE)?.body as string;
  const lines = parseTrace(trace);
  assert.equal(lines.length, journal.entries.length);
  const seqs = new Set(outcomes.flatMap((o) => o.findings.map((f) => f.journalSeq)));
  const scenario: ScenarioResult = {
    name: 'hostile',
    uri: 'features/hostile.feature',
    status: 'passed',
    rules: outcomes,
    offending: lines.filter((l) => seqs.has(l.seq)),
    observations: scenarioObservations(records),
    interruptions,
  };
  const rules = summarizeRules([scenario], certifiedScope('recorder', 'the recorder is certified'));
  const certificate = certificationOf(
    { ...verdictOf({ scenarios: [scenario], rules }), scenarios: [scenario], rules },
    METADATA,
  );
  JSON.stringify(certificate);
  assert.match(certificationHtml(certificate), /<\/html>/);
  return outcomes;
}

test('the plausible exchange itself passes every rule it exercises, seen from either side: hostile values are put into a conforming exchange', () => {
  for (const sutSeen of [false, true]) {
    const outcomes = judgeAndReport(exchange(), sutSeen);
    for (const o of outcomes)
      assert.ok(
        o.outcome === 'passed' || o.outcome === 'not-applicable',
        `${o.rule} ${o.outcome}: ${o.reason}`,
      );
    // Not exercised by this exchange: no request on an unregistered DN, no interruption.
    assert.deepEqual(
      outcomes.filter((o) => o.outcome !== 'passed').map((o) => o.rule),
      ['TSRV-REFUSES-UNREGISTERED', 'DESK-RECOVERS'],
    );
  }
});

test('any JSON value in any field, at any depth, of any message: every rule judges, every report is written, nothing throws', (t) => {
  const seed = fuzzSeed(t);
  const base = exchange();
  fc.assert(
    fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.boolean(), (mutations, sutSeen) => {
      judgeAndReport(mutate(base, mutations), sutSeen);
    }),
    { seed, numRuns: 200, includeErrorInReport: true },
  );
});

test('a malformed value is judged as the protocol says, named (shortened) in the finding: an object is no ConnID, DN or indication', () => {
  const h = () => JSON.parse('{"toString":1,"valueOf":2}');
  const operation = (steps: Step[]) =>
    steps.find((s) => s.party === 'desktop' && s.message.message === 'RequestSendEvent') as Step;
  const indication = (steps: Step[]) =>
    steps.find((s) => s.party === 'recorder' && s.message.message === 'RequestSendEvent') as Step;
  const outcomeOf = (steps: Step[], rule: string) =>
    judgeAndReport(steps, false).find((o) => o.rule === rule) as RuleOutcome;
  const cases: Array<[string, (steps: Step[]) => void, RegExp]> = [
    [
      'DESK-CONNID',
      (s) => {
        (operation(s).message.Event as Record<string, Json>).ConnID = h();
      },
      /^Event\.ConnID should be "006b02a6c5a1e001" \(the established call on the agent's DN 7001\), was \{"toString":1,"valueOf":2\}, which is no ConnID \(a string\) in #\d+ desktop -> RequestSendEvent/,
    ],
    [
      'DESK-CONNID',
      (s) => {
        operation(s).message.ThisDN = h();
      },
      /^Event\.ConnID should be absent \(no call on the agent's DN \(ThisDN \{"toString":1,"valueOf":2\}\)\), was "006b02a6c5a1e001", a call on DN 7001, which is not one of the agent's voice DNs \(none: ThisDN names no DN\) in #\d+ desktop -> RequestSendEvent ReferenceID=3 ThisDN=\{"toString":1,"valueOf":2\} /,
    ],
    [
      'DESK-THISDN',
      (s) => {
        (operation(s).message.Event as Record<string, Json>).ThisDN = [DEEP_LIST];
      },
      /^Event\.ThisDN should be "7001" \(AttrThisDN\), was \[\.\.\.\] in #\d+ desktop -> RequestSendEvent ReferenceID=3 ThisDN="7001" Event=\{"message":"EventUserEvent","ThisDN":\[\[\[\[/,
    ],
    [
      'REC-INDICATION',
      (s) => {
        (indication(s).message.Event as Record<string, Json>).UserData = [
          null,
          1,
          [h(), 'x'],
          ['screen-capture', h()],
        ];
      },
      /^Event\.UserData screen-capture should be one of enabled, disabled, paused, was \{"toString":1,"valueOf":2\} in #\d+ recorder -> RequestSendEvent/,
    ],
    [
      'DESK-REGISTERED',
      (s) => {
        operation(s).message.ThisDN = 7001;
      },
      /^ThisDN should be a DN the desktop registered \(7001\), was 7001 in #\d+ desktop -> RequestSendEvent ReferenceID=3 ThisDN=7001 /,
    ],
  ];
  for (const [rule, spoil, finding] of cases) {
    const steps = clone(exchange());
    spoil(steps);
    const o = outcomeOf(steps, rule);
    assert.equal(o.outcome, 'failed', `${rule}: ${o.reason}`);
    assert.match(o.findings[0]?.text ?? '', finding);
  }
});
