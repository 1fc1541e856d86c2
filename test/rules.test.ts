/**
 * Unit tests of the conformance rules (src/rules) over hand-built journals: no sockets, no
 * simulator. Each test writes down the exchange it judges, message by message, through a small
 * builder, and checks the outcome, the finding's wording (field, expected value, actual value)
 * and the journal entry the finding points at.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RULE_IDS } from '../src/domain/rule-catalog.ts';
import {
  CaptureStates,
  DEFAULT_MAPPING,
  type Indication,
  type IndicationMapping,
} from '../src/domain/screencap.ts';
import {
  DISCONNECTED,
  Journal,
  type JournalEntry,
  type PseudoName,
  pseudoEntry,
  RESTARTED,
  TSERVER_RESTARTED,
  UNREADABLE_LINE,
} from '../src/journal.ts';
import type { Outcome, RuleOutcome } from '../src/result/outcomes.ts';
import { profileScope } from '../src/result/verdict.ts';
import { type CheckContext, createCheckContext } from '../src/rules/checkers.ts';
import { type EvaluationOptions, evaluateRule } from '../src/rules/evaluate.ts';
import { pairAnswers } from '../src/rules/exchanges.ts';
import { type Role, toRecords } from '../src/rules/observations.ts';
import { type AgentModel, agentModel, CallHistory } from '../src/rules/voice-calls.ts';
import type { KVList, WireMessage } from '../src/tlib/messages.ts';
import { isoMicros } from '../src/tlib/time.ts';

const DN = '7001';
const OTHER_DN = '7002';
const CALL = '006b02a6c5a1e001';
const CALL2 = '006b02a6c5a1e002';
/** A DN the desktop registers for signalling, which is no party on the agent's calls. */
const SIGNALLING_DN = '7100';

const ALL_ROLES: ReadonlyMap<string, Role> = new Map<string, Role>([
  ['desktop', 'desktop'],
  ['recorder', 'recorder'],
  ['bystander', 'bystander'],
]);

type Party = 'desktop' | 'recorder' | 'bystander';

interface CaptureOptions {
  dn?: string;
  /** The voice call's ConnID, when the event carries one. */
  connId?: string;
}

/** `[['screen-capture', value]]` */
function sc(value: string): KVList {
  return [['screen-capture', value]];
}

/** A well-formed Tevent carrying screen-capture = value. */
function capture(value: string, { dn = DN, connId }: CaptureOptions = {}): Record<string, unknown> {
  return {
    message: 'EventUserEvent',
    ThisDN: dn,
    ...(connId === undefined ? {} : { ConnID: connId }),
    UserData: sc(value),
  };
}

interface Sent {
  ref: number;
  entry: JournalEntry;
}

/**
 * A journal written as the exchange it records. Every message is 1 ms after the previous one
 * (`after(ms)` lets more time pass); every T-Server event gets the next EventSequenceNumber, shared
 * by all recipients of one distributed event, as a T-Server does.
 */
class Exchange {
  readonly journal = new Journal();
  private micros = 1_750_000_000_000_000;
  private sequence = 0;
  private readonly refs = new Map<string, number>();

  /** Lets `ms` milliseconds pass before the next message. */
  after(ms: number): this {
    this.micros += ms * 1000;
    return this;
  }

  private record(
    party: Party,
    direction: 'in' | 'out',
    message: WireMessage,
    pseudo?: { pseudo: true },
  ): JournalEntry {
    this.micros += 1000;
    return this.journal.copy({
      seq: 0,
      time: isoMicros(this.micros),
      micros: this.micros,
      party,
      direction,
      peer: 'tserver 127.0.0.1:7000',
      message,
      ...pseudo,
    });
  }

  /** `party`'s link journals its own entry `name` (pseudoEntry): a loss, a line it wrote that is no message. */
  notes(
    party: Party,
    direction: 'in' | 'out',
    name: PseudoName,
    attributes: Record<string, unknown> = {},
  ): JournalEntry {
    const { message, pseudo } = pseudoEntry(name, attributes);
    return this.record(party, direction, message, { pseudo });
  }

  /** `party` sends a request (RequestSendEvent unless named); it gets the party's next ReferenceID unless given. */
  sends(party: Party, request: Partial<WireMessage> & { ReferenceID?: unknown }): Sent {
    const ref = (this.refs.get(party) ?? 0) + 1;
    this.refs.set(party, ref);
    const message: WireMessage = { message: 'RequestSendEvent', ReferenceID: ref, ...request };
    return { ref: message.ReferenceID as number, entry: this.record(party, 'out', message) };
  }

  /** The T-Server sends one event (one EventSequenceNumber) to each of `parties`; their entries in order. */
  receive(parties: Party | readonly Party[], event: WireMessage): JournalEntry[] {
    const stamped = { ...event, EventSequenceNumber: ++this.sequence, Time: isoMicros(this.micros) };
    return (typeof parties === 'string' ? [parties] : parties).map((p) => this.record(p, 'in', stamped));
  }

  acks(party: Party, ref: unknown, dn = DN): JournalEntry {
    return this.receive(party, { message: 'EventACK', ReferenceID: ref, ThisDN: dn })[0] as JournalEntry;
  }

  errors(party: Party, ref: unknown, dn = DN, code = 54): JournalEntry {
    return this.receive(party, {
      message: 'EventError',
      ReferenceID: ref,
      ThisDN: dn,
      ErrorCode: code,
      ErrorMessage: code === 41 ? 'TERR_NOT_REGISTERED' : 'TERR_NO_SWITCH',
    })[0] as JournalEntry;
  }

  /** The T-Server distributes an EventUserEvent with these attributes to `parties`. */
  delivers(parties: Party | readonly Party[], event: Record<string, unknown>): JournalEntry[] {
    return this.receive(parties, { ...event, message: 'EventUserEvent' });
  }

  registered(party: Party, dn = DN): JournalEntry {
    const { ref } = this.sends(party, { message: 'RequestRegisterAddress', ThisDN: dn });
    return this.receive(party, {
      message: 'EventRegistered',
      ReferenceID: ref,
      ThisDN: dn,
    })[0] as JournalEntry;
  }

  unregistered(party: Party, dn = DN): JournalEntry {
    const { ref } = this.sends(party, { message: 'RequestUnregisterAddress', ThisDN: dn });
    return this.receive(party, {
      message: 'EventUnregistered',
      ReferenceID: ref,
      ThisDN: dn,
    })[0] as JournalEntry;
  }

  /** `party`'s connection drops (its link journals the loss). */
  disconnected(party: Party): JournalEntry {
    return this.notes(party, 'in', DISCONNECTED, {
      Cause: 'T-Server at 127.0.0.1:7000 closed the connection',
    });
  }

  /** The harness restarts `party` (it comes back afresh). */
  restarted(party: Party): JournalEntry {
    return this.notes(party, 'in', RESTARTED);
  }

  /** `party` connects again and registers as a client. */
  clientRegistered(party: Party): JournalEntry {
    const { ref } = this.sends(party, { message: 'RequestRegisterClient', ApplicationName: party });
    return this.receive(party, { message: 'EventClientRegistered', ReferenceID: ref })[0] as JournalEntry;
  }

  established(parties: Party | readonly Party[], connId: string, dn = DN): JournalEntry[] {
    return this.receive(parties, { message: 'EventEstablished', ThisDN: dn, ConnID: connId });
  }

  released(parties: Party | readonly Party[], connId: string, dn = DN): JournalEntry[] {
    return this.receive(parties, { message: 'EventReleased', ThisDN: dn, ConnID: connId });
  }

  /** `party` sends a well-formed RequestSendEvent carrying screen-capture = value. */
  request(party: Party, value: string, options: CaptureOptions = {}): Sent {
    return this.sends(party, { ThisDN: options.dn ?? DN, Event: capture(value, options) });
  }

  /** `party` sends screen-capture = value, the T-Server acknowledges it and delivers it to `to`. */
  sendsEvent(
    party: Party,
    value: string,
    options: CaptureOptions & { to?: readonly Party[] } = {},
  ): { request: Sent; ack: JournalEntry; deliveries: JournalEntry[] } {
    const request = this.request(party, value, options);
    const ack = this.acks(party, request.ref, options.dn);
    const { ThisDN, ConnID, UserData } = capture(value, options);
    const event = { ThisDN, ...(ConnID === undefined ? {} : { ConnID }), UserData };
    const deliveries = this.delivers(options.to ?? ['desktop', 'recorder'], event);
    return { request, ack, deliveries };
  }

  /** A conforming round: the desktop's operation reaches the recorder, whose indication reaches the desktop. */
  round(operation: string, indication: string, options: CaptureOptions = {}): void {
    this.sendsEvent('desktop', operation, options);
    this.sendsEvent('recorder', indication, options);
  }

  context(
    options: {
      roles?: ReadonlyMap<string, Role>;
      mapping?: IndicationMapping;
      initialState?: Indication;
      agents?: AgentModel;
      recoverMs?: number;
      sendsAfterLinkDown?: number;
    } = {},
  ): CheckContext {
    const records = toRecords(this.journal.entries, { parties: options.roles ?? ALL_ROLES });
    return createCheckContext(records, {
      mapping: options.mapping ?? DEFAULT_MAPPING,
      initialState: options.initialState ?? 'disabled',
      answerTimeoutMs: 2000,
      ...(options.agents ? { agents: options.agents } : {}),
      recoverMs: options.recoverMs ?? 1000,
      ...(options.sendsAfterLinkDown ? { sendsAfterLinkDown: options.sendsAfterLinkDown } : {}),
      requestTimeoutMs: 2000,
    });
  }

  outcome(id: string, options: Parameters<Exchange['context']>[0] & EvaluationOptions = {}): RuleOutcome {
    return evaluateRule(id, this.context(options), options.scope ? { scope: options.scope } : {});
  }
}

/** Desktop and recorder both monitor DN. */
function monitored(): Exchange {
  const ex = new Exchange();
  ex.registered('desktop');
  ex.registered('recorder');
  return ex;
}

/** Desktop and recorder monitor DN, and a call is established on it. */
function onCall(connId = CALL): Exchange {
  const ex = monitored();
  ex.established(['desktop', 'recorder'], connId);
  return ex;
}

/** Every operation, a refused request, and calls coming and going: every rule has something to judge. */
function conforming(): Exchange {
  const ex = monitored();
  ex.round('query', 'disabled');
  ex.established(['desktop', 'recorder'], CALL);
  ex.round('start', 'enabled', { connId: CALL });
  ex.round('pause', 'paused', { connId: CALL });
  ex.round('query', 'paused', { connId: CALL });
  ex.round('resume', 'enabled', { connId: CALL });
  const refused = ex.request('desktop', 'stop', { connId: CALL });
  ex.errors('desktop', refused.ref);
  ex.round('stop', 'disabled', { connId: CALL });
  ex.released(['desktop', 'recorder'], CALL);
  ex.round('start', 'enabled');
  ex.round('query', 'enabled');
  const unregistered = ex.request('bystander', 'start');
  ex.errors('bystander', unregistered.ref, DN, 41);
  const unknown = ex.sends('bystander', { message: 'RequestScreenCapture', ThisDN: DN });
  ex.receive('bystander', unknownRefused(unknown.ref));
  return ex;
}

/** The EventError 51 answering an unknown request. */
function unknownRefused(ref: unknown, code = 51): WireMessage {
  return { message: 'EventError', ReferenceID: ref, ErrorCode: code, ErrorMessage: 'unknown message' };
}

const violated = new Set<string>();

/** Judged only where a connection dropped. */
const RECOVERY_RULES: readonly string[] = ['REC-RECOVERS', 'DESK-RECOVERS'];

function passes(o: RuleOutcome, checked?: number): void {
  assert.equal(o.outcome, 'passed', `${o.rule}: ${o.reason}`);
  assert.ok(o.checked > 0, `${o.rule}: checked ${o.checked}`);
  if (checked !== undefined) assert.equal(o.checked, checked, `${o.rule}: checked`);
  assert.deepEqual(o.findings, []);
}

/** Fails with exactly these findings: text matching each pattern, pointing at each entry. */
function fails(o: RuleOutcome, ...expected: Array<[RegExp, JournalEntry]>): void {
  assert.equal(o.outcome, 'failed', `${o.rule} should fail: ${o.outcome} (${o.reason})`);
  assert.equal(
    o.findings.length,
    expected.length,
    `${o.rule}: findings\n${o.findings.map((f) => f.text).join('\n')}`,
  );
  expected.forEach(([pattern, entry], i) => {
    const f = o.findings[i];
    assert.match(f?.text ?? '', pattern);
    assert.equal(f?.journalSeq, entry.seq, `${o.rule}: finding ${i} points at #${entry.seq}: ${f?.text}`);
  });
  assert.equal(o.reason, o.findings.map((f) => f.text).join('\n'));
  violated.add(o.rule);
}

function unjudged(o: RuleOutcome, outcome: Outcome, reason: RegExp): void {
  assert.equal(o.outcome, outcome, `${o.rule}: ${o.outcome} (${o.reason})`);
  assert.match(o.reason, reason);
  assert.equal(o.checked, 0);
  assert.deepEqual(o.findings, []);
}

describe('a conforming exchange passes every rule', () => {
  const ex = conforming();
  const checked: Record<string, number> = {
    'DESK-REGISTERED': 9,
    'DESK-THISDN': 9,
    'DESK-MSGTYPE': 9,
    'DESK-CONNID': 9,
    'DESK-OPERATION': 9,
    'TSRV-REPLY': 18,
    'TSRV-REFUSED-NOT-DELIVERED': 2,
    'TSRV-REFUSES-UNREGISTERED': 1,
    'TSRV-ERROR-CODE': 1,
    'TSRV-DELIVERY': 32,
    'TSRV-PRESERVE': 16,
    'REC-REGISTERED': 8,
    'REC-THISDN': 8,
    'REC-MSGTYPE': 8,
    'REC-CONNID': 8,
    'REC-INDICATION': 8,
    'REC-ANSWER': 8,
    'REC-MAPPING': 5,
    'REC-QUERY-UNCHANGED': 3,
    'DESK-RECEIVES-INDICATION': 8,
    'DESK-NO-RESEND': 1,
  };
  for (const id of RULE_IDS.filter((r) => !RECOVERY_RULES.includes(r))) {
    test(id, () => passes(ex.outcome(id), checked[id]));
  }
  test('with no connection dropped, the recovery rules are not applicable', () => {
    for (const id of RECOVERY_RULES)
      unjudged(ex.outcome(id), 'not-applicable', /no connection of the .* was dropped/);
  });
  test('a scenario tagged with an unknown rule fails, naming it', () => {
    const o = ex.outcome('NO-SUCH-RULE');
    unjudged(o, 'failed', /tagged with rule NO-SUCH-RULE, which does not exist/);
  });
});

describe('outcomes other than passed and failed', () => {
  test('a rule with nothing to judge is not exercised, it did not pass (vacuous-pass guard)', () => {
    const ex = monitored();
    const arising = [
      'TSRV-REFUSED-NOT-DELIVERED',
      'TSRV-ERROR-CODE',
      'TSRV-REFUSES-UNREGISTERED',
      'DESK-NO-RESEND',
    ];
    for (const id of RULE_IDS.filter((r) => !arising.includes(r) && !RECOVERY_RULES.includes(r))) {
      unjudged(ex.outcome(id), 'not-exercised', /nothing here exercises it/);
    }
  });

  test('rules of a condition that never arose are not applicable: nothing refused, nothing unregistered or unreadable sent', () => {
    unjudged(monitored().outcome('TSRV-REFUSED-NOT-DELIVERED'), 'not-applicable', /nothing was refused/);
    unjudged(
      monitored().outcome('TSRV-REFUSES-UNREGISTERED'),
      'not-applicable',
      /on a DN it had not registered/,
    );
    unjudged(monitored().outcome('TSRV-ERROR-CODE'), 'not-applicable', /calls for a particular EventError/);
    unjudged(monitored().outcome('DESK-NO-RESEND'), 'not-applicable', /link to the switch was down/);
  });

  test('rules of a role whose traffic is not observed are not observable, saying which evidence would show them', () => {
    const ex = conforming();
    const roles = new Map<string, Role>([['desktop', 'desktop']]);
    for (const id of ['REC-REGISTERED', 'REC-THISDN', 'REC-MSGTYPE', 'REC-CONNID', 'REC-INDICATION']) {
      unjudged(
        ex.outcome(id, { roles }),
        'not-observable',
        /the recorder's own requests are not visible.*SIP Server log/,
      );
    }
    const noDesktop = new Map<string, Role>([['recorder', 'recorder']]);
    for (const id of ['DESK-REGISTERED', 'DESK-THISDN', 'DESK-MSGTYPE', 'DESK-CONNID', 'DESK-OPERATION']) {
      unjudged(
        ex.outcome(id, { roles: noDesktop }),
        'not-observable',
        /the desktop's own requests are not visible/,
      );
    }
  });

  test('with the recorder under test, desktop and T-Server rules are not applicable, with a reason', () => {
    const ex = monitored();
    ex.sends('desktop', { ThisDN: OTHER_DN, Event: { message: 'EventUserEvent', ThisDN: DN } });
    for (const id of RULE_IDS) {
      const o = ex.outcome(id, { scope: profileScope('recorder') });
      if (id.startsWith('REC-')) {
        // REC-RECOVERS is not applicable for another reason here: nothing dropped.
        if (!RECOVERY_RULES.includes(id)) assert.notEqual(o.outcome, 'not-applicable', id);
        continue;
      }
      assert.equal(o.outcome, 'not-applicable', id);
      assert.equal(o.checked, 0);
      assert.deepEqual(o.findings, []);
      const seat = id.startsWith('DESK-') && id !== 'DESK-RECEIVES-INDICATION' ? 'desktop' : 'tserver';
      assert.match(o.reason, new RegExp(`judges the ${seat}: the harness plays it in the recorder profile`));
    }
  });

  test('with the recorder under test, its rules are still judged', () => {
    const ex = conforming();
    for (const id of RULE_IDS.filter((r) => r.startsWith('REC-') && !RECOVERY_RULES.includes(r))) {
      passes(ex.outcome(id, { scope: profileScope('recorder') }));
    }
  });
});

describe('DESK-REGISTERED', () => {
  test('a RequestSendEvent on a DN the desktop did not register fails', () => {
    const ex = monitored();
    const { entry } = ex.request('desktop', 'start', { dn: OTHER_DN });
    fails(ex.outcome('DESK-REGISTERED'), [
      /^ThisDN should be a DN the desktop registered \(7001\), was "7002" in #\d+ desktop -> RequestSendEvent/,
      entry,
    ]);
  });

  test('a DN registered only after the request does not count', () => {
    const ex = new Exchange();
    const { entry } = ex.request('desktop', 'start');
    ex.registered('desktop');
    fails(ex.outcome('DESK-REGISTERED'), [
      /ThisDN should be a DN the desktop registered \(it registered none\), was "7001"/,
      entry,
    ]);
  });

  test('a DN unregistered before the request does not count', () => {
    const ex = monitored();
    ex.sendsEvent('desktop', 'start');
    ex.unregistered('desktop');
    const { entry } = ex.request('desktop', 'stop');
    fails(ex.outcome('DESK-REGISTERED'), [
      /ThisDN should be a DN the desktop registered \(it registered none\), was "7001"/,
      entry,
    ]);
  });

  test('registering another client does not count: registration is per client', () => {
    const ex = new Exchange();
    ex.registered('recorder');
    const { entry } = ex.request('desktop', 'start');
    fails(ex.outcome('DESK-REGISTERED'), [/was "7001"/, entry]);
  });
});

describe('DESK-THISDN', () => {
  test('Tevent thisDN different from AttrThisDN fails', () => {
    const ex = monitored();
    const { entry } = ex.sends('desktop', { ThisDN: DN, Event: capture('start', { dn: OTHER_DN }) });
    fails(ex.outcome('DESK-THISDN'), [
      /^Event\.ThisDN should be "7001" \(AttrThisDN\), was "7002" in #\d+ desktop -> RequestSendEvent/,
      entry,
    ]);
  });

  test('Tevent thisDN absent fails', () => {
    const ex = monitored();
    const { entry } = ex.sends('desktop', {
      ThisDN: DN,
      Event: { message: 'EventUserEvent', UserData: sc('start') },
    });
    fails(ex.outcome('DESK-THISDN'), [/Event\.ThisDN should be "7001" \(AttrThisDN\), was absent/, entry]);
  });

  test('only the offending request is named', () => {
    const ex = monitored();
    ex.sendsEvent('desktop', 'start');
    const { entry } = ex.sends('desktop', { ThisDN: DN, Event: capture('stop', { dn: '7003' }) });
    ex.sendsEvent('desktop', 'query');
    const o = ex.outcome('DESK-THISDN');
    fails(o, [/was "7003"/, entry]);
    assert.equal(o.checked, 3);
  });
});

describe('DESK-MSGTYPE', () => {
  test('a Tevent that is not EventUserEvent fails', () => {
    const ex = monitored();
    const { entry } = ex.sends('desktop', {
      ThisDN: DN,
      Event: { ...capture('start'), message: 'EventUserData' },
    });
    fails(ex.outcome('DESK-MSGTYPE'), [
      /^Event\.message should be "EventUserEvent", was "EventUserData" in #\d+ desktop -> RequestSendEvent/,
      entry,
    ]);
  });

  test('a RequestSendEvent without a Tevent fails', () => {
    const ex = monitored();
    const { entry } = ex.sends('desktop', { ThisDN: DN });
    fails(ex.outcome('DESK-MSGTYPE'), [/Event\.message should be "EventUserEvent", was absent/, entry]);
  });
});

describe('DESK-CONNID', () => {
  test('during a call, the Tevent without the ConnID fails', () => {
    const ex = onCall();
    const { entry } = ex.request('desktop', 'start');
    fails(ex.outcome('DESK-CONNID'), [
      /^Event\.ConnID should be "006b02a6c5a1e001" \(the established call on the agent's DN 7001\), was absent in #\d+ desktop -> RequestSendEvent/,
      entry,
    ]);
  });

  test('during a call, another ConnID fails', () => {
    const ex = onCall();
    const { entry } = ex.request('desktop', 'start', { connId: '006b02a6c5a1ffff' });
    fails(ex.outcome('DESK-CONNID'), [
      /Event\.ConnID should be "006b02a6c5a1e001" \(the established call on the agent's DN 7001\), was "006b02a6c5a1ffff"/,
      entry,
    ]);
  });

  test('with no call, a ConnID fails', () => {
    const ex = monitored();
    const { entry } = ex.request('desktop', 'start', { connId: CALL });
    fails(ex.outcome('DESK-CONNID'), [
      /^Event\.ConnID should be absent \(no call on the agent's DN 7001\), was "006b02a6c5a1e001"/,
      entry,
    ]);
  });

  test('once the call is released, the ConnID must be absent', () => {
    const ex = onCall();
    ex.sendsEvent('desktop', 'start', { connId: CALL });
    ex.released(['desktop', 'recorder'], CALL);
    const stop = ex.request('desktop', 'stop', { connId: CALL });
    const o = ex.outcome('DESK-CONNID');
    fails(o, [
      /Event\.ConnID should be absent \(no call on the agent's DN 7001\), was "006b02a6c5a1e001"/,
      stop.entry,
    ]);
    assert.equal(o.checked, 2);

    const ok = onCall();
    ok.sendsEvent('desktop', 'start', { connId: CALL });
    ok.released(['desktop', 'recorder'], CALL);
    ok.sendsEvent('desktop', 'stop');
    passes(ok.outcome('DESK-CONNID'), 2);
  });

  test('with two calls, the latest established counts', () => {
    const ex = onCall();
    ex.established(['desktop', 'recorder'], CALL2);
    ex.sendsEvent('desktop', 'start', { connId: CALL2 });
    const old = ex.request('desktop', 'pause', { connId: CALL });
    fails(ex.outcome('DESK-CONNID'), [
      /Event\.ConnID should be "006b02a6c5a1e002" \(the established call on the agent's DN 7001; of its 2 calls, agents\.voiceCall = established reads\), was "006b02a6c5a1e001", the established call on DN 7001/,
      old.entry,
    ]);
  });

  test('when the latest call is released, the one still established counts', () => {
    const ex = onCall();
    ex.established(['desktop', 'recorder'], CALL2);
    ex.released(['desktop', 'recorder'], CALL2);
    ex.sendsEvent('desktop', 'start', { connId: CALL });
    passes(ex.outcome('DESK-CONNID'), 1);
    const wrong = ex.request('desktop', 'stop', { connId: CALL2 });
    fails(ex.outcome('DESK-CONNID'), [
      /should be "006b02a6c5a1e001" \(the established call on the agent's DN 7001\), was "006b02a6c5a1e002", a call on DN 7001 that was released/,
      wrong.entry,
    ]);
  });

  test('a call on another DN does not count', () => {
    const ex = monitored();
    ex.established('desktop', CALL, OTHER_DN);
    ex.sendsEvent('desktop', 'start');
    passes(ex.outcome('DESK-CONNID'), 1);
  });

  test("another agent's call fails, named as such", () => {
    const ex = monitored();
    ex.established('desktop', CALL, OTHER_DN);
    const { entry } = ex.request('desktop', 'start', { connId: CALL });
    fails(ex.outcome('DESK-CONNID'), [
      /should be absent \(no call on the agent's DN 7001\), was "006b02a6c5a1e001", a call on DN 7002, which is not one of the agent's voice DNs \(7001\)/,
      entry,
    ]);
  });

  test('a desktop sending on a DN that is not a party on the call carries the call on its voice DN (agents.voiceDns)', () => {
    const agents = agentModel({ voiceDns: { [SIGNALLING_DN]: [DN] } });
    const ex = new Exchange();
    ex.registered('desktop', SIGNALLING_DN);
    ex.registered('desktop');
    ex.registered('recorder', SIGNALLING_DN);
    ex.established('desktop', CALL);
    const start = ex.sendsEvent('desktop', 'start', { dn: SIGNALLING_DN, connId: CALL });
    passes(ex.outcome('DESK-CONNID', { agents }), 1);
    const bare = ex.request('desktop', 'pause', { dn: SIGNALLING_DN });
    fails(ex.outcome('DESK-CONNID', { agents }), [
      /should be "006b02a6c5a1e001" \(the established call on the agent's DN 7001\), was absent/,
      bare.entry,
    ]);
    // Read narrowly (each agent's calls on its own DN), the conforming request would fail.
    fails(ex.outcome('DESK-CONNID'), [
      /should be absent \(no call on the agent's DN 7100\), was "006b02a6c5a1e001", a call on DN 7001, which is not one of the agent's voice DNs \(7100\)/,
      start.request.entry,
    ]);
  });

  test('after EventPartyChanged the new ConnID counts, and the previous one fails, named as such', () => {
    const ex = onCall();
    ex.sendsEvent('desktop', 'start', { connId: CALL });
    ex.receive(['desktop', 'recorder'], {
      message: 'EventPartyChanged',
      ThisDN: DN,
      ConnID: CALL2,
      PreviousConnID: CALL,
    });
    ex.sendsEvent('desktop', 'pause', { connId: CALL2 });
    passes(ex.outcome('DESK-CONNID'), 2);
    const stale = ex.request('desktop', 'resume', { connId: CALL });
    fails(ex.outcome('DESK-CONNID'), [
      /should be "006b02a6c5a1e002" \(the established call on the agent's DN 7001\), was "006b02a6c5a1e001", the previous ConnID of the call that went on as "006b02a6c5a1e002" \(EventPartyChanged\)/,
      stale.entry,
    ]);
  });

  test('held and consulting: the established call by default; agents.voiceCall held or either read otherwise', () => {
    const consulting = () => {
      const ex = onCall();
      ex.receive(['desktop', 'recorder'], { message: 'EventHeld', ThisDN: DN, ConnID: CALL });
      ex.established(['desktop', 'recorder'], CALL2);
      return ex;
    };
    const onConsult = consulting();
    onConsult.sendsEvent('desktop', 'start', { connId: CALL2 });
    passes(onConsult.outcome('DESK-CONNID'), 1);
    const onHeld = consulting();
    const held = onHeld.request('desktop', 'start', { connId: CALL });
    fails(onHeld.outcome('DESK-CONNID'), [
      /should be "006b02a6c5a1e002" \(the established call on the agent's DN 7001; of its 2 calls, agents\.voiceCall = established reads\), was "006b02a6c5a1e001", the held call on DN 7001/,
      held.entry,
    ]);
    passes(onHeld.outcome('DESK-CONNID', { agents: agentModel({ voiceCall: 'held' }) }), 1);
    passes(onHeld.outcome('DESK-CONNID', { agents: agentModel({ voiceCall: 'either' }) }), 1);
    fails(onConsult.outcome('DESK-CONNID', { agents: agentModel({ voiceCall: 'held' }) }), [
      /should be "006b02a6c5a1e001" \(the held call/,
      onConsult.journal.entries.find((e) => e.message.message === 'RequestSendEvent') as JournalEntry,
    ]);

    // The consultation ends: the call is retrieved and is the voice call again.
    const back = consulting();
    back.released(['desktop', 'recorder'], CALL2);
    back.receive(['desktop', 'recorder'], { message: 'EventRetrieved', ThisDN: DN, ConnID: CALL });
    back.sendsEvent('desktop', 'stop', { connId: CALL });
    passes(back.outcome('DESK-CONNID'), 1);
  });

  test('release of one of two calls: the other one is the voice call', () => {
    const ex = consultingThenHeldReleased();
    const wrong = ex.request('desktop', 'stop', { connId: CALL });
    fails(ex.outcome('DESK-CONNID'), [
      /should be "006b02a6c5a1e002" .*was "006b02a6c5a1e001", a call on DN 7001 that was released/,
      wrong.entry,
    ]);
  });
});

/** Held call and consultation call; the held one is released (the customer hangs up). */
function consultingThenHeldReleased(): Exchange {
  const ex = onCall();
  ex.receive(['desktop', 'recorder'], { message: 'EventHeld', ThisDN: DN, ConnID: CALL });
  ex.established(['desktop', 'recorder'], CALL2);
  ex.released(['desktop', 'recorder'], CALL);
  ex.sendsEvent('desktop', 'pause', { connId: CALL2 });
  passes(ex.outcome('DESK-CONNID', { agents: agentModel({ voiceCall: 'held' }) }), 1);
  return ex;
}

describe('DESK-OPERATION', () => {
  test('a screen-capture value that is no operation fails', () => {
    const ex = monitored();
    const { entry } = ex.request('desktop', 'record');
    fails(ex.outcome('DESK-OPERATION'), [
      /^Event\.UserData screen-capture should be one of start, stop, pause, resume, query, was "record" in #\d+ desktop -> RequestSendEvent/,
      entry,
    ]);
  });

  test('a Tevent without screen-capture fails', () => {
    const ex = monitored();
    const { entry } = ex.sends('desktop', {
      ThisDN: DN,
      Event: { message: 'EventUserEvent', ThisDN: DN, UserData: [['other', 'start']] },
    });
    fails(ex.outcome('DESK-OPERATION'), [/screen-capture should be one of start, .*, was absent/, entry]);
  });

  test('the desktop sending an indication value fails', () => {
    const ex = monitored();
    const { entry } = ex.request('desktop', 'enabled');
    fails(ex.outcome('DESK-OPERATION'), [/was "enabled"/, entry]);
  });
});

describe('TSRV-REPLY', () => {
  test('a RequestSendEvent never answered fails', () => {
    const ex = monitored();
    ex.sendsEvent('desktop', 'start');
    const { entry } = ex.request('desktop', 'stop');
    const o = ex.outcome('TSRV-REPLY');
    fails(o, [
      /^#\d+ desktop -> RequestSendEvent ReferenceID=3 .* should be answered by one EventACK or EventError with ReferenceID 3, was answered by none$/,
      entry,
    ]);
    assert.equal(o.checked, 2);
  });

  test('a RequestSendEvent answered twice fails', () => {
    const ex = monitored();
    const { request } = ex.sendsEvent('desktop', 'start');
    ex.errors('desktop', request.ref);
    fails(ex.outcome('TSRV-REPLY'), [
      /should be answered by one EventACK or EventError with ReferenceID 2, was answered by EventACK and EventError$/,
      request.entry,
    ]);
  });

  test('a reply later than the allowed time fails, naming it', () => {
    const ex = monitored();
    const { ref } = ex.request('desktop', 'start');
    ex.after(2500);
    const ack = ex.acks('desktop', ref);
    fails(ex.outcome('TSRV-REPLY'), [
      new RegExp(
        `^the reply to #\\d+ desktop -> RequestSendEvent .* should come within 2000 ms, came after 2501\\.0 ms in #${ack.seq} desktop <- EventACK`,
      ),
      ack,
    ]);
  });

  test('a reply with a ReferenceID no request awaits fails', () => {
    const ex = monitored();
    ex.sendsEvent('desktop', 'start');
    const stray = ex.acks('desktop', 99);
    fails(ex.outcome('TSRV-REPLY'), [
      /^ReferenceID should be one of a request awaiting its reply, was 99 in #\d+ desktop <- EventACK ReferenceID=99/,
      stray,
    ]);
  });

  test('a reply for another client’s request is stray: ReferenceIDs are per client', () => {
    const ex = monitored();
    const { request } = ex.sendsEvent('desktop', 'start');
    const stray = ex.acks('bystander', request.ref);
    fails(ex.outcome('TSRV-REPLY'), [/was 2 in #\d+ bystander <- EventACK/, stray]);
  });

  test('a reused ReferenceID is answered once per use', () => {
    const ex = monitored();
    ex.sends('desktop', { ReferenceID: 7, ThisDN: DN, Event: capture('start') });
    ex.acks('desktop', 7);
    ex.sends('desktop', { ReferenceID: 7, ThisDN: DN, Event: capture('stop') });
    ex.acks('desktop', 7);
    passes(ex.outcome('TSRV-REPLY'), 2);

    const reused = monitored();
    const first = reused.sends('desktop', { ReferenceID: 7, ThisDN: DN, Event: capture('start') });
    reused.sends('desktop', { ReferenceID: 7, ThisDN: DN, Event: capture('stop') });
    reused.acks('desktop', 7);
    fails(reused.outcome('TSRV-REPLY'), [/with ReferenceID 7, was answered by none/, first.entry]);
  });

  test('a request with an invalid ReferenceID is not judged (it has none to echo)', () => {
    const ex = monitored();
    ex.sends('desktop', { ReferenceID: 0, ThisDN: DN, Event: capture('start') });
    unjudged(ex.outcome('TSRV-REPLY'), 'not-exercised', /nothing here exercises it/);
  });
});

describe('TSRV-REFUSED-NOT-DELIVERED', () => {
  test('a refused request delivered to nobody passes', () => {
    const ex = monitored();
    const { ref } = ex.request('desktop', 'start');
    ex.errors('desktop', ref);
    passes(ex.outcome('TSRV-REFUSED-NOT-DELIVERED'), 1);
  });

  test('a refused request whose content is delivered anyway fails', () => {
    const ex = monitored();
    const { entry, ref } = ex.request('desktop', 'start', { connId: CALL });
    const error = ex.errors('desktop', ref);
    const [toDesktop, toRecorder] = ex.delivers(['desktop', 'recorder'], {
      ThisDN: DN,
      ConnID: CALL,
      UserData: sc('start'),
    }) as [JournalEntry, JournalEntry];
    const refused = `nothing should be delivered for #${entry.seq} desktop -> RequestSendEvent ReferenceID=${ref} .*, which was refused with #${error.seq} desktop <- EventError`;
    fails(
      ex.outcome('TSRV-REFUSED-NOT-DELIVERED'),
      [new RegExp(`^${refused}.*; desktop received #${toDesktop.seq} desktop <- EventUserEvent`), toDesktop],
      [
        new RegExp(`^${refused}.*; recorder received #${toRecorder.seq} recorder <- EventUserEvent`),
        toRecorder,
      ],
    );
    // Judged by this rule, not counted again as an unexplained delivery.
    assert.notEqual(ex.outcome('TSRV-DELIVERY').outcome, 'failed');
  });

  test('a refused request delivered anyway, then an accepted one delivered, fails', () => {
    const ex = monitored();
    const { ref } = ex.request('desktop', 'start');
    ex.errors('desktop', ref);
    const [leak] = ex.delivers('recorder', { ThisDN: DN, UserData: sc('start') }) as [JournalEntry];
    ex.sendsEvent('desktop', 'pause', { to: ['recorder'] });
    fails(ex.outcome('TSRV-REFUSED-NOT-DELIVERED'), [
      /nothing should be delivered for .*; recorder received/,
      leak,
    ]);
  });

  test('other content delivered after a refusal is not that request’s', () => {
    const ex = monitored();
    const { ref } = ex.request('desktop', 'start');
    ex.errors('desktop', ref);
    ex.delivers('recorder', { ThisDN: DN, UserData: sc('stop') });
    passes(ex.outcome('TSRV-REFUSED-NOT-DELIVERED'), 1);
    assert.equal(ex.outcome('TSRV-DELIVERY').outcome, 'failed');
  });
});

describe('TSRV-ERROR-CODE', () => {
  test('an unknown request refused with another code fails, naming both', () => {
    const ex = monitored();
    const { ref, entry } = ex.sends('bystander', { message: 'RequestScreenCapture', ThisDN: DN });
    const [error] = ex.receive('bystander', unknownRefused(ref, 53)) as [JournalEntry];
    fails(ex.outcome('TSRV-ERROR-CODE'), [
      new RegExp(
        `^ErrorCode should be 51 \\(TERR_UNSUP_OPER\\) \\(an unknown request: #${entry.seq} bystander -> RequestScreenCapture .*\\), was 53 in #${error.seq} bystander <- EventError`,
      ),
      error,
    ]);
  });

  test('a request without ReferenceID is answered by the next EventError without one: 53', () => {
    const ex = monitored();
    ex.sends('desktop', { ReferenceID: undefined, ThisDN: DN, Event: capture('start') });
    ex.receive('desktop', { message: 'EventError', ErrorCode: 53, ErrorMessage: 'ReferenceID: missing' });
    passes(ex.outcome('TSRV-ERROR-CODE'), 1);
  });

  test('a line that is no message: 102, then the connection closes; kept open, it fails', () => {
    /** An exchange where the bystander wrote a line that is no message, refused with 102: the refusal. */
    const refusedUnreadable = (): [Exchange, JournalEntry] => {
      const ex = monitored();
      ex.notes('bystander', 'out', UNREADABLE_LINE, { Length: 21 });
      const [refusal] = ex.receive('bystander', {
        message: 'EventError',
        ErrorCode: 102,
        ErrorMessage: 'not JSON',
      }) as [JournalEntry];
      return [ex, refusal];
    };
    const [closes] = refusedUnreadable();
    closes.notes('bystander', 'in', DISCONNECTED, { Cause: 'T-Server closed the connection' });
    passes(closes.outcome('TSRV-ERROR-CODE'), 1);

    const [open, error] = refusedUnreadable();
    fails(open.outcome('TSRV-ERROR-CODE'), [
      /^the T-Server should close the connection after #\d+ bystander <- EventError .* \(a line it cannot read\), kept it open$/,
      error,
    ]);

    // A T-Server that sends an event named like the link's own entry has not closed the connection.
    const [forged, refusal] = refusedUnreadable();
    forged.receive('bystander', { message: DISCONNECTED, Cause: 'T-Server closed the connection' });
    fails(forged.outcome('TSRV-ERROR-CODE'), [/kept it open$/, refusal]);
  });

  test('a line over 1 MiB calls for 107, and an unanswered one is missing', () => {
    const ex = monitored();
    const entry = ex.notes('bystander', 'out', UNREADABLE_LINE, { Length: 2 * 1024 * 1024 });
    fails(ex.outcome('TSRV-ERROR-CODE'), [
      /should be answered by EventError 107 \(TERR_BAD_MSG_LENGTH\) \(a line that is no message\), was answered by none$/,
      entry,
    ]);
  });

  test('what a Tevent says is not the T-Server’s to check: not judged here', () => {
    const ex = monitored();
    ex.sends('desktop', { ThisDN: DN, Event: { ...capture('start'), message: 'EventUserData' } });
    unjudged(ex.outcome('TSRV-ERROR-CODE'), 'not-applicable', /calls for a particular EventError/);
  });
});

describe('TSRV-REFUSES-UNREGISTERED', () => {
  test('a request on a DN its sender did not register, acknowledged and delivered, fails naming both', () => {
    const ex = monitored();
    const { request, ack, deliveries } = ex.sendsEvent('bystander', 'start');
    fails(ex.outcome('TSRV-REFUSES-UNREGISTERED'), [
      new RegExp(
        `^#${request.entry.seq} bystander -> RequestSendEvent .*, on a DN bystander had not registered, should be refused with EventError 41 \\(TERR_NOT_REGISTERED\\), was acknowledged by #${ack.seq} bystander <- EventACK .* and delivered: #${(deliveries[0] as JournalEntry).seq} desktop <- EventUserEvent .*; #${(deliveries[1] as JournalEntry).seq} recorder <- EventUserEvent`,
      ),
      ack,
    ]);
  });

  test('refused with another reason than the DN not being registered fails', () => {
    const ex = monitored();
    const { ref } = ex.request('bystander', 'start');
    const error = ex.errors('bystander', ref);
    fails(ex.outcome('TSRV-REFUSES-UNREGISTERED'), [
      /^ErrorCode should be 41 \(TERR_NOT_REGISTERED\) \(#\d+ bystander -> RequestSendEvent .*, on a DN bystander had not registered\), was 54 in #\d+ bystander <- EventError/,
      error,
    ]);
  });

  test('requests on registered DNs are not its to judge', () => {
    const ex = monitored();
    ex.round('start', 'enabled');
    unjudged(ex.outcome('TSRV-REFUSES-UNREGISTERED'), 'not-applicable', /on a DN it had not registered/);
  });
});

describe('TSRV-DELIVERY', () => {
  test('an event that misses one of two monitors fails', () => {
    const ex = monitored();
    const { request } = ex.sendsEvent('desktop', 'start', { to: ['desktop'] });
    const o = ex.outcome('TSRV-DELIVERY');
    fails(o, [
      new RegExp(
        `^recorder monitored "7001" and should have received the EventUserEvent of #${request.entry.seq} desktop -> RequestSendEvent .*, received none$`,
      ),
      request.entry,
    ]);
    assert.equal(o.checked, 2);
  });

  test('an event delivered twice fails', () => {
    const ex = monitored();
    ex.sendsEvent('desktop', 'start');
    const [dup] = ex.delivers('recorder', { ThisDN: DN, UserData: sc('start') }) as [JournalEntry];
    fails(ex.outcome('TSRV-DELIVERY'), [
      new RegExp(
        `^recorder should receive only events of DNs it monitors \\(7001\\), once each; it received #${dup.seq} recorder <- EventUserEvent ThisDN="7001" .*which no acknowledged request accounts for$`,
      ),
      dup,
    ]);
  });

  test('an event delivered to a client not monitoring its DN fails', () => {
    const ex = monitored();
    ex.registered('bystander', OTHER_DN);
    const { deliveries } = ex.sendsEvent('desktop', 'start', { to: ['desktop', 'recorder', 'bystander'] });
    fails(ex.outcome('TSRV-DELIVERY'), [
      /^bystander should receive only events of DNs it monitors \(7002\), once each; it received #\d+ bystander <- EventUserEvent/,
      deliveries[2] as JournalEntry,
    ]);
  });

  test('a client registering after the request is not an expected recipient', () => {
    const ex = monitored();
    const { ref } = ex.request('desktop', 'start');
    ex.acks('desktop', ref);
    ex.registered('bystander');
    ex.delivers(['desktop', 'recorder'], { ThisDN: DN, UserData: sc('start') });
    passes(ex.outcome('TSRV-DELIVERY'), 2);
  });

  test('a client registering before the acknowledgement is one', () => {
    const ex = monitored();
    const { ref, entry } = ex.request('desktop', 'start');
    ex.registered('bystander');
    ex.acks('desktop', ref);
    ex.delivers(['desktop', 'recorder'], { ThisDN: DN, UserData: sc('start') });
    fails(ex.outcome('TSRV-DELIVERY'), [/^bystander monitored "7001" and should have received/, entry]);
  });

  test('a client that unregistered is no longer a recipient', () => {
    const ex = monitored();
    ex.round('start', 'enabled');
    ex.unregistered('recorder');
    ex.sendsEvent('desktop', 'stop', { to: ['desktop'] });
    passes(ex.outcome('TSRV-DELIVERY'), 5);

    const leaky = monitored();
    leaky.round('start', 'enabled');
    leaky.unregistered('recorder');
    const { deliveries } = leaky.sendsEvent('desktop', 'stop');
    fails(leaky.outcome('TSRV-DELIVERY'), [
      /^recorder should receive only events of DNs it monitors \(none\), once each; it received .*"stop"/,
      deliveries[1] as JournalEntry,
    ]);
  });

  test('an event received before the request was sent delivers nothing of it', () => {
    const ex = monitored();
    const [unsolicited] = ex.delivers('recorder', { ThisDN: DN, UserData: sc('start') }) as [JournalEntry];
    ex.sendsEvent('desktop', 'start');
    fails(ex.outcome('TSRV-DELIVERY'), [
      /^recorder should receive only events of DNs it monitors \(7001\), once each; it received .*which no acknowledged request accounts for$/,
      unsolicited,
    ]);
  });

  test('a duplicate is not taken for the delivery of the next request', () => {
    const ex = monitored();
    ex.sendsEvent('desktop', 'start');
    const [dup] = ex.delivers('recorder', { ThisDN: DN, UserData: sc('start') }) as [JournalEntry];
    ex.sendsEvent('desktop', 'pause');
    fails(ex.outcome('TSRV-DELIVERY'), [
      /^recorder should receive only events .*"start".*no acknowledged request/,
      dup,
    ]);
    passes(ex.outcome('TSRV-PRESERVE'), 4);
  });

  test('deliveries pair with their requests by content, not by which acknowledgement arrived first', () => {
    // Two requesters on one DN: the T-Server handled the recorder's first, but the desktop's
    // EventACK reached its socket before the recorder's did; each recipient receives the T-Server's order.
    const ex = monitored();
    const op = ex.request('desktop', 'start');
    const ind = ex.request('recorder', 'enabled');
    ex.acks('desktop', op.ref);
    ex.acks('recorder', ind.ref);
    ex.delivers(['desktop', 'recorder'], { ThisDN: DN, UserData: sc('enabled') });
    ex.delivers(['desktop', 'recorder'], { ThisDN: DN, UserData: sc('start') });
    passes(ex.outcome('TSRV-DELIVERY'), 4);
    passes(ex.outcome('TSRV-PRESERVE'), 2);
    passes(ex.outcome('DESK-RECEIVES-INDICATION'), 1);
  });

  test('a changed event pairs with its request through the sequence number other recipients saw', () => {
    // The desktop's start was acknowledged first, but the T-Server distributed the bystander's
    // pause first; the recorder receives both without their userData.
    const ex = monitored();
    ex.registered('bystander');
    const start = ex.request('desktop', 'start');
    const pause = ex.request('bystander', 'pause');
    ex.acks('desktop', start.ref);
    ex.acks('bystander', pause.ref);
    const strip = (entry: JournalEntry) => {
      const { UserData: _dropped, ...rest } = entry.message;
      entry.message = rest as WireMessage;
      return entry;
    };
    const [, pauseToRecorder] = ex.delivers(['desktop', 'recorder', 'bystander'], {
      ThisDN: DN,
      UserData: sc('pause'),
    });
    const [, startToRecorder] = ex.delivers(['desktop', 'recorder', 'bystander'], {
      ThisDN: DN,
      UserData: sc('start'),
    });
    strip(pauseToRecorder as JournalEntry);
    strip(startToRecorder as JournalEntry);
    fails(
      ex.outcome('TSRV-PRESERVE'),
      [
        new RegExp(`^UserData should be \\[\\["screen-capture","start"\\]\\] as in #${start.entry.seq} `),
        startToRecorder as JournalEntry,
      ],
      [
        new RegExp(`^UserData should be \\[\\["screen-capture","pause"\\]\\] as in #${pause.entry.seq} `),
        pauseToRecorder as JournalEntry,
      ],
    );
    passes(ex.outcome('TSRV-DELIVERY'), 6);
  });

  test('an acknowledged event delivered to nobody fails for each monitor', () => {
    const ex = monitored();
    const { request } = ex.sendsEvent('desktop', 'start', { to: [] });
    fails(
      ex.outcome('TSRV-DELIVERY'),
      [/^desktop monitored "7001" .*received none$/, request.entry],
      [/^recorder monitored "7001" .*received none$/, request.entry],
    );
  });
});

describe('TSRV-PRESERVE', () => {
  test('a delivered event that loses the ConnID fails', () => {
    const ex = onCall();
    const request = ex.request('desktop', 'start', { connId: CALL });
    ex.acks('desktop', request.ref);
    const [toDesktop, toRecorder] = ex.delivers(['desktop', 'recorder'], {
      ThisDN: DN,
      UserData: sc('start'),
    }) as [JournalEntry, JournalEntry];
    const o = ex.outcome('TSRV-PRESERVE');
    assert.equal(o.checked, 2);
    fails(
      o,
      [
        new RegExp(
          `^ConnID should be "006b02a6c5a1e001" as in #${request.entry.seq} desktop -> RequestSendEvent .*, was absent in #${toDesktop.seq} desktop <- EventUserEvent`,
        ),
        toDesktop,
      ],
      [/ConnID should be "006b02a6c5a1e001" .*, was absent in #\d+ recorder <- EventUserEvent/, toRecorder],
    );
  });

  test('a delivered event with changed userData fails, naming both values', () => {
    const ex = monitored();
    const request = ex.request('desktop', 'start');
    ex.acks('desktop', request.ref);
    ex.delivers('desktop', { ThisDN: DN, UserData: sc('start') });
    const [changed] = ex.delivers('recorder', {
      ThisDN: DN,
      UserData: [...sc('start'), ['extra', 'x']],
    }) as [JournalEntry];
    fails(ex.outcome('TSRV-PRESERVE'), [
      /^UserData should be \[\["screen-capture","start"\]\] as in .*, was \[\["screen-capture","start"\],\["extra","x"\]\] in #\d+ recorder <- EventUserEvent/,
      changed,
    ]);
  });

  test('a ConnID added on the way fails', () => {
    const ex = monitored();
    const request = ex.request('desktop', 'start');
    ex.acks('desktop', request.ref);
    const [desk] = ex.delivers('desktop', { ThisDN: DN, ConnID: CALL, UserData: sc('start') }) as [
      JournalEntry,
    ];
    ex.delivers('recorder', { ThisDN: DN, UserData: sc('start') });
    fails(ex.outcome('TSRV-PRESERVE'), [/^ConnID should be absent as in .*, was "006b02a6c5a1e001"/, desk]);
  });
});

describe('REC-REGISTERED', () => {
  test('an indication on a DN the recorder did not register fails', () => {
    const ex = new Exchange();
    ex.registered('desktop');
    ex.registered('recorder', OTHER_DN);
    const { entry } = ex.request('recorder', 'enabled');
    fails(ex.outcome('REC-REGISTERED'), [
      /^ThisDN should be a DN the recorder registered \(7002\), was "7001" in #\d+ recorder -> RequestSendEvent/,
      entry,
    ]);
  });
});

describe('REC-THISDN', () => {
  test('an indication whose Tevent thisDN differs from AttrThisDN fails', () => {
    const ex = monitored();
    ex.sendsEvent('desktop', 'start');
    const { entry } = ex.sends('recorder', { ThisDN: DN, Event: capture('enabled', { dn: OTHER_DN }) });
    fails(ex.outcome('REC-THISDN'), [
      /^Event\.ThisDN should be "7001" \(AttrThisDN\), was "7002" in #\d+ recorder -> RequestSendEvent/,
      entry,
    ]);
  });
});

describe('REC-MSGTYPE', () => {
  test('an indication whose Tevent is not EventUserEvent fails', () => {
    const ex = monitored();
    ex.sendsEvent('desktop', 'start');
    const { entry } = ex.sends('recorder', {
      ThisDN: DN,
      Event: { ...capture('enabled'), message: 'EventAttachedDataChanged' },
    });
    fails(ex.outcome('REC-MSGTYPE'), [
      /^Event\.message should be "EventUserEvent", was "EventAttachedDataChanged" in #\d+ recorder -> RequestSendEvent/,
      entry,
    ]);
  });
});

describe('REC-CONNID', () => {
  test('an indication without the ConnID of the operation it answers fails', () => {
    const ex = onCall();
    ex.sendsEvent('desktop', 'start', { connId: CALL });
    const { request } = ex.sendsEvent('recorder', 'enabled');
    fails(ex.outcome('REC-CONNID'), [
      /^Event\.ConnID should be "006b02a6c5a1e001" \(the ConnID of the start it answers\), was absent in #\d+ recorder -> RequestSendEvent/,
      request.entry,
    ]);
  });

  test('an indication with a ConnID the operation had not fails', () => {
    const ex = onCall();
    ex.sendsEvent('desktop', 'start');
    const { request } = ex.sendsEvent('recorder', 'enabled', { connId: CALL });
    fails(ex.outcome('REC-CONNID'), [
      /^Event\.ConnID should be absent \(the ConnID of the start it answers\), was "006b02a6c5a1e001"/,
      request.entry,
    ]);
  });

  test('each indication is judged against its own operation', () => {
    const ex = onCall();
    ex.sendsEvent('desktop', 'start', { connId: CALL });
    ex.sendsEvent('desktop', 'query');
    ex.sendsEvent('recorder', 'enabled', { connId: CALL });
    const { request } = ex.sendsEvent('recorder', 'enabled', { connId: CALL });
    fails(ex.outcome('REC-CONNID'), [
      /should be absent \(the ConnID of the query it answers\)/,
      request.entry,
    ]);
  });
});

describe('REC-INDICATION', () => {
  test('an indication value outside enabled, disabled, paused fails', () => {
    const ex = monitored();
    ex.sendsEvent('desktop', 'start');
    const { entry } = ex.request('recorder', 'on');
    fails(ex.outcome('REC-INDICATION'), [
      /^Event\.UserData screen-capture should be one of enabled, disabled, paused, was "on" in #\d+ recorder -> RequestSendEvent/,
      entry,
    ]);
  });

  test('an indication without screen-capture fails', () => {
    const ex = monitored();
    const { entry } = ex.sends('recorder', { ThisDN: DN, Event: { message: 'EventUserEvent', ThisDN: DN } });
    fails(ex.outcome('REC-INDICATION'), [/should be one of enabled, disabled, paused, was absent/, entry]);
  });
});

describe('REC-ANSWER', () => {
  test('an operation never answered fails', () => {
    const ex = monitored();
    const { deliveries } = ex.sendsEvent('desktop', 'start');
    fails(ex.outcome('REC-ANSWER'), [
      /^an indication on "7001" should answer start within 2000 ms, none was sent \(operation: #\d+ recorder <- EventUserEvent .*\)$/,
      deliveries[1] as JournalEntry,
    ]);
  });

  test('an indication later than the allowed time fails', () => {
    const ex = monitored();
    ex.sendsEvent('desktop', 'start');
    ex.after(2500);
    const { request } = ex.sendsEvent('recorder', 'enabled');
    fails(ex.outcome('REC-ANSWER'), [
      /^the indication answering start on "7001" should come within 2000 ms, came after 2501\.0 ms in #\d+ recorder -> RequestSendEvent/,
      request.entry,
    ]);
  });

  test('an indication exactly at the allowed time passes', () => {
    const ex = monitored();
    ex.sendsEvent('desktop', 'start');
    ex.after(1999);
    ex.sendsEvent('recorder', 'enabled');
    passes(ex.outcome('REC-ANSWER'), 1);
  });

  test('two operations in a row are answered first in, first out', () => {
    const ex = monitored();
    ex.sendsEvent('desktop', 'start');
    ex.after(1500);
    ex.sendsEvent('desktop', 'pause');
    ex.after(400);
    ex.sendsEvent('recorder', 'enabled');
    ex.after(200);
    ex.sendsEvent('recorder', 'paused');
    // Paired last-in first-out, the start would be answered after 2100 ms and the mapping would fail.
    passes(ex.outcome('REC-ANSWER'), 2);
    passes(ex.outcome('REC-MAPPING'), 2);
  });

  test('two operations answered in the wrong order fail the mapping twice', () => {
    const ex = monitored();
    ex.sendsEvent('desktop', 'start');
    ex.sendsEvent('desktop', 'pause');
    const first = ex.sendsEvent('recorder', 'paused');
    const second = ex.sendsEvent('recorder', 'enabled');
    passes(ex.outcome('REC-ANSWER'), 2);
    fails(
      ex.outcome('REC-MAPPING'),
      [/should be "enabled" \(the configured answer to start\), was "paused"/, first.request.entry],
      [/should be "paused" \(the configured answer to pause\), was "enabled"/, second.request.entry],
    );
  });

  test('of two operations, the unanswered second one is named', () => {
    const ex = monitored();
    ex.sendsEvent('desktop', 'start');
    const { deliveries } = ex.sendsEvent('desktop', 'stop');
    ex.sendsEvent('recorder', 'enabled');
    fails(ex.outcome('REC-ANSWER'), [
      /should answer stop within 2000 ms, none was sent/,
      deliveries[1] as JournalEntry,
    ]);
  });

  test('indications on another DN do not answer: they are extra there', () => {
    const ex = monitored();
    ex.registered('recorder', OTHER_DN);
    const { deliveries } = ex.sendsEvent('desktop', 'start');
    const other = ex.sendsEvent('recorder', 'enabled', { dn: OTHER_DN, to: ['recorder'] });
    fails(
      ex.outcome('REC-ANSWER'),
      [/answer start within 2000 ms, none was sent/, deliveries[1] as JournalEntry],
      [
        /^each operation on "7002" should be answered by one indication; .* answers none: no operation had been received on it$/,
        other.request.entry,
      ],
    );
  });

  test('an indication answering an operation it did not owe (a Tevent naming another DN) is no extra', () => {
    const ex = monitored();
    const { ref } = ex.sends('desktop', { ThisDN: DN, Event: capture('start', { dn: '70019' }) });
    ex.acks('desktop', ref);
    ex.delivers(['desktop', 'recorder'], { ThisDN: '70019', UserData: sc('start') });
    ex.sendsEvent('recorder', 'enabled');
    assert.notEqual(ex.outcome('REC-ANSWER').outcome, 'failed');
    const twice = monitored();
    const again = twice.sends('desktop', { ThisDN: DN, Event: capture('start', { dn: '70019' }) });
    twice.acks('desktop', again.ref);
    twice.delivers(['desktop', 'recorder'], { ThisDN: '70019', UserData: sc('start') });
    twice.sendsEvent('recorder', 'enabled');
    const extra = twice.sendsEvent('recorder', 'enabled');
    fails(twice.outcome('REC-ANSWER'), [
      /answers none: no operation had been received on it$/,
      extra.request.entry,
    ]);
  });

  test('a second indication for one operation fails, naming the duplicate and what was already answered', () => {
    const ex = monitored();
    const { deliveries } = ex.sendsEvent('desktop', 'start');
    const first = ex.sendsEvent('recorder', 'enabled');
    const dup = ex.sendsEvent('recorder', 'enabled');
    ex.round('stop', 'disabled');
    fails(ex.outcome('REC-ANSWER'), [
      new RegExp(
        `^each operation on "7001" should be answered by one indication; #${dup.request.entry.seq} recorder -> RequestSendEvent .* answers none: start \\(#${(deliveries[1] as JournalEntry).seq} .*\\) was already answered by #${first.request.entry.seq} recorder -> RequestSendEvent`,
      ),
      dup.request.entry,
    ]);
    // The duplicate is not taken for the answer to the next operation.
    passes(ex.outcome('REC-MAPPING'), 2);
  });
});

describe('REC-MAPPING', () => {
  test('the wrong indication for an operation fails', () => {
    const ex = monitored();
    ex.sendsEvent('desktop', 'start');
    const { request } = ex.sendsEvent('recorder', 'paused');
    fails(ex.outcome('REC-MAPPING'), [
      /^screen-capture should be "enabled" \(the configured answer to start\), was "paused" in #\d+ recorder -> RequestSendEvent/,
      request.entry,
    ]);
  });

  test('a custom mapping is the one judged', () => {
    const mapping: IndicationMapping = { ...DEFAULT_MAPPING, start: 'paused', resume: 'current' };
    const ex = monitored();
    ex.round('start', 'paused');
    ex.round('resume', 'paused');
    passes(ex.outcome('REC-MAPPING', { mapping }), 2);
    ex.sendsEvent('desktop', 'start');
    const { request } = ex.sendsEvent('recorder', 'enabled');
    fails(ex.outcome('REC-MAPPING', { mapping }), [
      /should be "paused" \(the configured answer to start\), was "enabled"/,
      request.entry,
    ]);
    // The same exchange under the default mapping.
    const o = ex.outcome('REC-MAPPING');
    assert.equal(o.outcome, 'failed');
    assert.equal(o.findings.length, 2);
  });

  test('query is not judged by the mapping', () => {
    const ex = monitored();
    ex.round('query', 'enabled');
    unjudged(ex.outcome('REC-MAPPING'), 'not-exercised', /nothing here exercises it/);
  });
});

describe('REC-QUERY-UNCHANGED', () => {
  test('the first query is answered with the initial state', () => {
    const ex = monitored();
    ex.round('query', 'disabled');
    passes(ex.outcome('REC-QUERY-UNCHANGED'), 1);
    ex.sendsEvent('desktop', 'query');
    const { request } = ex.sendsEvent('recorder', 'enabled');
    fails(ex.outcome('REC-QUERY-UNCHANGED'), [
      /^screen-capture should be "disabled" \(the state before the query, which query does not change\), was "enabled" in #\d+ recorder -> RequestSendEvent/,
      request.entry,
    ]);
  });

  test('the initial state is configurable', () => {
    const ex = monitored();
    ex.sendsEvent('desktop', 'query');
    const { request } = ex.sendsEvent('recorder', 'disabled');
    fails(ex.outcome('REC-QUERY-UNCHANGED', { initialState: 'enabled' }), [
      /should be "enabled" \(the state before the query/,
      request.entry,
    ]);
  });

  test('a configured reading of query is the one judged, as the mock recorder answers it', () => {
    const mapping: IndicationMapping = { ...DEFAULT_MAPPING, query: 'paused' };
    const states = new CaptureStates('disabled');
    assert.equal(states.answer(mapping, DN, 'query'), 'paused');
    assert.equal(states.answer(DEFAULT_MAPPING, DN, 'query'), 'disabled');
    const ex = monitored();
    ex.sendsEvent('desktop', 'query');
    const first = ex.sendsEvent('recorder', 'paused').request;
    passes(ex.outcome('REC-QUERY-UNCHANGED', { mapping }), 1);
    fails(ex.outcome('REC-QUERY-UNCHANGED'), [
      /should be "disabled" \(the state before the query/,
      first.entry,
    ]);
    ex.sendsEvent('desktop', 'query');
    const second = ex.sendsEvent('recorder', 'disabled').request;
    fails(ex.outcome('REC-QUERY-UNCHANGED', { mapping }), [
      /should be "paused" \(the configured answer to query\), was "disabled"/,
      second.entry,
    ]);
  });

  test('a query is judged against the last indication, even a wrong one', () => {
    const ex = monitored();
    ex.round('start', 'paused');
    ex.round('query', 'paused');
    passes(ex.outcome('REC-QUERY-UNCHANGED'), 1);
    ex.sendsEvent('desktop', 'query');
    const { request } = ex.sendsEvent('recorder', 'enabled');
    fails(ex.outcome('REC-QUERY-UNCHANGED'), [
      /should be "paused" \(the state before the query.*, was "enabled"/,
      request.entry,
    ]);
  });

  test('a query pending behind an operation is judged against that operation’s answer', () => {
    const ex = monitored();
    ex.sendsEvent('desktop', 'start');
    ex.sendsEvent('desktop', 'query');
    ex.sendsEvent('recorder', 'enabled');
    ex.sendsEvent('recorder', 'enabled');
    passes(ex.outcome('REC-QUERY-UNCHANGED'), 1);
  });

  test('state is per DN', () => {
    const ex = monitored();
    ex.registered('desktop', OTHER_DN);
    ex.registered('recorder', OTHER_DN);
    ex.round('start', 'enabled', { dn: OTHER_DN });
    ex.round('query', 'disabled');
    passes(ex.outcome('REC-QUERY-UNCHANGED'), 1);
  });
});

describe('DESK-RECEIVES-INDICATION', () => {
  test('an indication that does not reach the desktop fails', () => {
    const ex = monitored();
    ex.sendsEvent('desktop', 'start');
    const { request } = ex.sendsEvent('recorder', 'enabled', { to: ['recorder'] });
    fails(ex.outcome('DESK-RECEIVES-INDICATION'), [
      new RegExp(
        `^desktop monitored "7001" and should have received the EventUserEvent of #${request.entry.seq} recorder -> RequestSendEvent .*"enabled".*, received none$`,
      ),
      request.entry,
    ]);
  });

  test('an indication that reaches the desktop changed fails', () => {
    const ex = onCall();
    ex.sendsEvent('desktop', 'start', { connId: CALL });
    const request = ex.request('recorder', 'enabled', { connId: CALL });
    ex.acks('recorder', request.ref);
    ex.delivers('recorder', { ThisDN: DN, ConnID: CALL, UserData: sc('enabled') });
    const [toDesktop] = ex.delivers('desktop', { ThisDN: DN, ConnID: CALL, UserData: sc('paused') }) as [
      JournalEntry,
    ];
    fails(ex.outcome('DESK-RECEIVES-INDICATION'), [
      /^UserData should be \[\["screen-capture","enabled"\]\] as in #\d+ recorder -> RequestSendEvent .*, was \[\["screen-capture","paused"\]\] in #\d+ desktop <- EventUserEvent/,
      toDesktop,
    ]);
  });

  test('the desktop’s own operations are not indications', () => {
    const ex = monitored();
    ex.sendsEvent('desktop', 'start', { to: ['recorder'] });
    const o = ex.outcome('DESK-RECEIVES-INDICATION');
    unjudged(o, 'not-exercised', /nothing here exercises it/);
  });
});

describe('judging the recorder from the desktop’s view (recorder not observed)', () => {
  const desktopOnly = new Map<string, Role>([['desktop', 'desktop']]);

  test('operations are the desktop’s acknowledged requests, answered by the indications it receives', () => {
    const ex = monitored();
    ex.round('start', 'enabled');
    ex.round('query', 'enabled');
    ex.round('stop', 'disabled');
    passes(ex.outcome('REC-ANSWER', { roles: desktopOnly }), 3);
    passes(ex.outcome('REC-MAPPING', { roles: desktopOnly }), 2);
    passes(ex.outcome('REC-QUERY-UNCHANGED', { roles: desktopOnly }), 1);
    const { answers } = pairAnswers(ex.context({ roles: desktopOnly }).exchanges, 'disabled');
    assert.deepEqual(
      answers.map((a) => [a.recorder, a.operation, a.operationRecord.entry.party, a.operationRecord.sent]),
      [
        ['(not observed)', 'start', 'desktop', true],
        ['(not observed)', 'query', 'desktop', true],
        ['(not observed)', 'stop', 'desktop', true],
      ],
    );
  });

  test('a wrong indication fails, pointing at what the desktop received', () => {
    const ex = monitored();
    ex.sendsEvent('desktop', 'start');
    const { deliveries } = ex.sendsEvent('recorder', 'paused');
    fails(ex.outcome('REC-MAPPING', { roles: desktopOnly }), [
      /^screen-capture should be "enabled" \(the configured answer to start\), was "paused" in #\d+ desktop <- EventUserEvent/,
      deliveries[0] as JournalEntry,
    ]);
  });

  test('an operation no indication reaches the desktop for fails, pointing at the desktop’s request', () => {
    const ex = monitored();
    const { request } = ex.sendsEvent('desktop', 'start');
    fails(ex.outcome('REC-ANSWER', { roles: desktopOnly }), [
      /^an indication on "7001" should answer start within 2000 ms, none was sent \(operation: #\d+ desktop -> RequestSendEvent/,
      request.entry,
    ]);
  });

  test('a late indication fails, timed from the desktop’s request', () => {
    const ex = monitored();
    ex.sendsEvent('desktop', 'start');
    ex.after(3000);
    const { deliveries } = ex.sendsEvent('recorder', 'enabled');
    fails(ex.outcome('REC-ANSWER', { roles: desktopOnly }), [
      /came after 300\d\.0 ms in #\d+ desktop <- EventUserEvent/,
      deliveries[0] as JournalEntry,
    ]);
  });

  test('a refused request is no operation to answer', () => {
    const ex = monitored();
    const { ref } = ex.request('desktop', 'start');
    ex.errors('desktop', ref);
    unjudged(ex.outcome('REC-ANSWER', { roles: desktopOnly }), 'not-exercised', /nothing here exercises it/);
  });

  test('the recorder’s own fields cannot be judged from there', () => {
    const ex = conforming();
    unjudged(
      ex.outcome('REC-CONNID', { roles: desktopOnly }),
      'not-observable',
      /the recorder's own requests are not visible/,
    );
  });
});

describe('REC-RECOVERS', () => {
  /** The recorder monitors DN and OTHER_DN, and its connection drops. */
  function dropped(): { ex: Exchange; drop: JournalEntry } {
    const ex = monitored();
    ex.registered('recorder', OTHER_DN);
    return { ex, drop: ex.disconnected('recorder') };
  }

  test('reconnecting, registering as a client and both DNs in time, then answering, passes', () => {
    const { ex } = dropped();
    ex.after(200);
    ex.clientRegistered('recorder');
    ex.registered('recorder');
    ex.registered('recorder', OTHER_DN);
    ex.round('start', 'enabled');
    passes(ex.outcome('REC-RECOVERS'), 1);
  });

  test('never reconnecting fails, pointing at the disconnection', () => {
    const { ex, drop } = dropped();
    fails(
      ex.outcome('REC-RECOVERS'),
      [
        /lost its connection .* should register as a client again \(EventClientRegistered\) within 1000 ms, did not/,
        drop,
      ],
      [/should re-register DN 7001 \(EventRegistered\) within 1000 ms, did not/, drop],
      [/should re-register DN 7002 \(EventRegistered\) within 1000 ms, did not/, drop],
    );
  });

  test('reconnecting without re-registering the second DN fails, naming it', () => {
    const { ex, drop } = dropped();
    ex.clientRegistered('recorder');
    ex.registered('recorder');
    fails(ex.outcome('REC-RECOVERS'), [
      /should re-register DN 7002 \(EventRegistered\) within 1000 ms, did not/,
      drop,
    ]);
  });

  test('re-registering after recoverMs fails, saying how long it took', () => {
    const { ex } = dropped();
    ex.clientRegistered('recorder');
    ex.registered('recorder');
    ex.after(1500);
    const late = ex.registered('recorder', OTHER_DN);
    fails(ex.outcome('REC-RECOVERS'), [
      /should re-register DN 7002 .* within 1000 ms, did after 15\d\d ms/,
      late,
    ]);
  });

  test('a client leaving on its own (a disconnection without a Cause, as in a SIP Server log) is not judged', () => {
    const ex = monitored();
    ex.notes('recorder', 'in', DISCONNECTED);
    unjudged(ex.outcome('REC-RECOVERS'), 'not-applicable', /no connection of the recorder was dropped/);
  });

  test('a registration from before the drop does not count', () => {
    const ex = monitored();
    const drop = ex.disconnected('recorder');
    ex.clientRegistered('recorder');
    fails(ex.outcome('REC-RECOVERS'), [/re-register DN 7001/, drop]);
  });

  test('not answering the first operation after recovering fails', () => {
    const { ex } = dropped();
    ex.clientRegistered('recorder');
    ex.registered('recorder');
    ex.registered('recorder', OTHER_DN);
    const [operation] = ex.sendsEvent('desktop', 'start').deliveries.slice(-1);
    fails(ex.outcome('REC-RECOVERS'), [
      /should answer the first operation after recovering \(start on "7001"\)/,
      operation as JournalEntry,
    ]);
  });
});

describe('a restarted recorder', () => {
  /** After start -> enabled, the recorder is restarted and registers again. */
  function restarted(): { ex: Exchange; restart: JournalEntry } {
    const ex = monitored();
    ex.round('start', 'enabled');
    const restart = ex.restarted('recorder');
    ex.clientRegistered('recorder');
    ex.registered('recorder');
    return { ex, restart };
  }

  test('comes back in the initial state: query answered disabled passes REC-QUERY-UNCHANGED and REC-RECOVERS', () => {
    const { ex } = restarted();
    ex.round('query', 'disabled');
    passes(ex.outcome('REC-QUERY-UNCHANGED'), 1);
    passes(ex.outcome('REC-RECOVERS'), 1);
  });

  test('answering query with the state it had before the restart fails REC-QUERY-UNCHANGED', () => {
    const { ex } = restarted();
    ex.sendsEvent('desktop', 'query');
    const indication = ex.sendsEvent('recorder', 'enabled');
    fails(ex.outcome('REC-QUERY-UNCHANGED'), [
      /screen-capture should be "disabled" \(the state before the query/,
      indication.request.entry,
    ]);
  });

  test('not registering its DN again after the restart fails REC-RECOVERS, saying it was restarted', () => {
    const ex = monitored();
    const restart = ex.restarted('recorder');
    ex.clientRegistered('recorder');
    fails(ex.outcome('REC-RECOVERS'), [
      /the recorder was restarted in .* and should re-register DN 7001 \(EventRegistered\) within 1000 ms, did not/,
      restart,
    ]);
  });
});

describe('DESK-RECOVERS', () => {
  test('a desktop that reconnects and registers its DN in time passes', () => {
    const ex = monitored();
    ex.disconnected('desktop');
    ex.clientRegistered('desktop');
    ex.registered('desktop');
    passes(ex.outcome('DESK-RECOVERS'), 1);
  });

  test('a desktop that reconnects without registering its DN fails', () => {
    const ex = monitored();
    const drop = ex.disconnected('desktop');
    ex.clientRegistered('desktop');
    fails(ex.outcome('DESK-RECOVERS'), [/the desktop lost its connection .* re-register DN 7001/, drop]);
  });

  /** On a call, the desktop's connection drops and it registers again; `reported`: the T-Server tells it the call survived. */
  function recoveredDuringCall(reported: boolean): Exchange {
    const ex = onCall();
    ex.disconnected('desktop');
    ex.clientRegistered('desktop');
    ex.registered('desktop');
    if (reported) ex.established('desktop', CALL);
    return ex;
  }

  test('the next operation carrying the ConnID of the call reported again passes', () => {
    const ex = recoveredDuringCall(true);
    ex.round('start', 'enabled', { connId: CALL });
    passes(ex.outcome('DESK-RECOVERS'), 1);
  });

  test('the next operation without the ConnID of the call that survived fails, pointing at it', () => {
    const ex = recoveredDuringCall(true);
    const { request } = ex.sendsEvent('desktop', 'start');
    fails(ex.outcome('DESK-RECOVERS'), [
      /first operation after recovering from the drop in .* should carry the ConnID of the call still established, or none: Event.ConnID should be "006b02a6c5a1e001" .*, was absent/,
      request.entry,
    ]);
  });

  test('the ConnID of a call the T-Server did not report again (it did not survive) fails', () => {
    const ex = recoveredDuringCall(false);
    const { request } = ex.sendsEvent('desktop', 'start', { connId: CALL });
    fails(ex.outcome('DESK-RECOVERS'), [
      /Event.ConnID should be absent .*, was "006b02a6c5a1e001", a call on DN 7001 the T-Server did not report again once the connection was back \(it did not survive\)/,
      request.entry,
    ]);
  });
});

// Top-level tests run in order: this one runs after all the others.
describe('DESK-NO-RESEND', () => {
  /** start refused twice while the link to the switch is down (a retrying desktop), then `sends` starts acknowledged. */
  function afterLinkDown(sends: number): { ex: Exchange; acks: JournalEntry[]; requests: JournalEntry[] } {
    const ex = monitored();
    for (let i = 0; i < 2; i++) ex.errors('desktop', ex.request('desktop', 'start').ref);
    const rounds = Array.from({ length: sends }, () => ex.sendsEvent('desktop', 'start'));
    return { ex, acks: rounds.map((r) => r.ack), requests: rounds.map((r) => r.request.entry) };
  }

  test('retrying while the link is down, then one start acknowledged once it is back, passes as one episode', () => {
    passes(afterLinkDown(1).ex.outcome('DESK-NO-RESEND'), 1);
  });

  test('the same operation acknowledged twice once the link is back fails, pointing at the second send', () => {
    const { ex, requests } = afterLinkDown(2);
    fails(ex.outcome('DESK-NO-RESEND'), [
      /"start" on "7001", refused in .*EventError.* should be acknowledged at most 1 time\(s\) once the link is back \(desktop.sendsAfterLinkDown\), was sent again: acknowledgement 2 in .*EventACK/,
      requests[1] as JournalEntry,
    ]);
  });

  test('desktop.sendsAfterLinkDown allows more', () => {
    passes(afterLinkDown(2).ex.outcome('DESK-NO-RESEND', { sendsAfterLinkDown: 2 }), 1);
  });

  test('another operation in between ends the episode: start again later is a new operation', () => {
    const { ex } = afterLinkDown(1);
    ex.sendsEvent('desktop', 'stop');
    ex.sendsEvent('desktop', 'start');
    passes(ex.outcome('DESK-NO-RESEND'), 1);
  });

  test('a refusal for another reason starts no episode', () => {
    const ex = monitored();
    ex.errors('desktop', ex.request('desktop', 'start').ref, DN, 52);
    ex.sendsEvent('desktop', 'start');
    ex.sendsEvent('desktop', 'start');
    unjudged(ex.outcome('DESK-NO-RESEND'), 'not-applicable', /link to the switch was down/);
  });
});

test('every rule has a test in which a violation fails it', () => {
  assert.deepEqual(
    RULE_IDS.filter((id) => !violated.has(id)),
    [],
  );
});

describe('calls as a client knows them', () => {
  /** A record of `client` (a desktop) at `micros`; events carry their sequence number. */
  const record = (client: string, sent: boolean, message: WireMessage, micros: number) => ({
    client,
    role: 'desktop' as Role,
    sent,
    message,
    entry: { seq: micros, micros, message } as JournalEntry,
  });
  /** `client`'s disconnection, as its journal records it (pseudoEntry). */
  const drop = (client: string, Cause: string, micros: number) => {
    const { message, pseudo } = pseudoEntry(DISCONNECTED, { Cause });
    return {
      ...record(client, false, message, micros),
      entry: { seq: micros, micros, message, pseudo } as JournalEntry,
    };
  };

  test("another client's drop ends no call; the client that dropped knows none until told again", () => {
    const established = { message: 'EventEstablished', ThisDN: DN, ConnID: CALL, EventSequenceNumber: 1 };
    const records = [
      record('00000001', false, established, 1),
      drop('00000001', 'closed by the T-Server', 2),
      // Reconnected as a new client, it learnt its call otherwise (a real T-Server announces none).
      record('00000002', true, { message: 'RequestSendEvent', ThisDN: DN, ConnID: CALL }, 3),
      record('00000001', true, { message: 'RequestSendEvent', ThisDN: DN }, 4),
    ];
    const history = new CallHistory(records);
    const [, , newClient, dropped] = records as [unknown, unknown, (typeof records)[0], (typeof records)[0]];
    assert.deepEqual(
      history.callsAt([DN], newClient).map((c) => c.connId),
      [CALL],
    );
    assert.deepEqual(history.callsAt([DN], dropped), []);
  });

  test('a T-Server restart ends every call, also for a client that reconnected as a new one', () => {
    const established = { message: 'EventEstablished', ThisDN: DN, ConnID: CALL, EventSequenceNumber: 1 };
    const records = [
      record('00000001', false, established, 1),
      drop('00000001', TSERVER_RESTARTED, 2),
      record('00000002', true, { message: 'RequestSendEvent', ThisDN: DN }, 3),
    ];
    assert.deepEqual(new CallHistory(records).callsAt([DN], records[2] as (typeof records)[0]), []);
  });
});
