import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type Direction,
  Journal,
  type JournalEntry,
  JournalTimeoutError,
  type NewEntry,
  pseudoEntry,
  SUMMARY_VALUE_CHARS,
  summarize,
  UNREADABLE_LINE,
} from '../src/journal.ts';
import type { RuleOutcome } from '../src/result/outcomes.ts';
import { outcomesDespiteDrops } from '../src/rules/dropped.ts';
import type { WireMessage } from '../src/tlib/messages.ts';
import { isoMicros, nowMicros } from '../src/tlib/time.ts';

const ISO_MICROS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

interface EntryFields {
  party?: string;
  direction?: Direction;
  peer?: string;
  problem?: string;
  /** Any other field is a message attribute. */
  [attribute: string]: unknown;
}

function entry(message: string, extra: EntryFields = {}): NewEntry {
  const { party = 'recorder', direction = 'in', peer, problem, ...attributes } = extra;
  const e: NewEntry = { party, direction, message: { message, ...attributes } };
  if (peer !== undefined) e.peer = peer;
  if (problem !== undefined) e.problem = problem;
  return e;
}

function byName(name: string) {
  return (e: JournalEntry) => e.message.message === name;
}

/** The journal's live listener count: proves waits clean up after themselves. */
function listenerCount(journal: Journal): number {
  return (journal as unknown as { listeners: Set<unknown> }).listeners.size;
}

describe('Journal.append', () => {
  test('assigns seq from 1, an ISO time with microseconds and the matching epoch micros', () => {
    const j = new Journal();
    assert.equal(j.mark, 0);
    const before = nowMicros();
    const a = j.append(entry('RequestRegisterClient', { direction: 'out', peer: 'tserver 127.0.0.1:7000' }));
    const b = j.append(entry('EventClientRegistered'));
    const after = nowMicros();
    assert.equal(a.seq, 1);
    assert.equal(b.seq, 2);
    assert.equal(j.mark, 2);
    for (const e of [a, b]) {
      assert.match(e.time, ISO_MICROS);
      assert.equal(e.time, isoMicros(e.micros));
      assert.ok(e.micros >= before && e.micros <= after, `${e.micros} within [${before}, ${after}]`);
    }
    assert.ok(b.micros >= a.micros, 'time does not go backwards');
  });

  test('keeps the given fields and lists entries in append order', () => {
    const j = new Journal();
    const a = j.append(entry('RequestRegisterAddress', { direction: 'out', peer: 'p', ReferenceID: 2 }));
    const b = j.append(entry('Bogus', { problem: 'message: unknown event "Bogus"' }));
    assert.equal(a.party, 'recorder');
    assert.equal(a.direction, 'out');
    assert.equal(a.peer, 'p');
    assert.deepEqual(a.message, { message: 'RequestRegisterAddress', ReferenceID: 2 });
    assert.equal(b.problem, 'message: unknown event "Bogus"');
    assert.deepEqual(j.entries, [a, b]);
  });

  test('each Journal numbers its own entries from 1', () => {
    const j1 = new Journal();
    const j2 = new Journal();
    j1.append(entry('A'));
    j1.append(entry('B'));
    assert.equal(j2.append(entry('C')).seq, 1);
  });
});

describe('Journal.subscribe', () => {
  test('listeners get every appended entry, in order, the same object append returns', () => {
    const j = new Journal();
    j.append(entry('Before'));
    const seen: JournalEntry[] = [];
    const other: string[] = [];
    j.subscribe((e) => seen.push(e));
    j.subscribe((e) => other.push(e.message.message));
    const a = j.append(entry('A'));
    const b = j.append(entry('B'));
    assert.deepEqual(seen, [a, b]);
    assert.equal(seen[0], a);
    assert.deepEqual(other, ['A', 'B']);
  });

  test('unsubscribe stops the deliveries to that listener only', () => {
    const j = new Journal();
    const first: string[] = [];
    const second: string[] = [];
    const stop = j.subscribe((e) => first.push(e.message.message));
    j.subscribe((e) => second.push(e.message.message));
    j.append(entry('A'));
    stop();
    j.append(entry('B'));
    assert.deepEqual(first, ['A']);
    assert.deepEqual(second, ['A', 'B']);
  });
});

describe('Journal.find and filter', () => {
  function sample(): Journal {
    const j = new Journal();
    for (const name of ['A', 'B', 'A', 'C', 'A']) j.append(entry(name));
    return j;
  }

  test('find returns the first match, undefined when none', () => {
    const j = sample();
    assert.equal(j.find(byName('A'))?.seq, 1);
    assert.equal(j.find(byName('C'))?.seq, 4);
    assert.equal(j.find(byName('Z')), undefined);
  });

  test('find with after only considers entries with a greater seq', () => {
    const j = sample();
    assert.equal(j.find(byName('A'), 1)?.seq, 3);
    assert.equal(j.find(byName('A'), 3)?.seq, 5);
    assert.equal(j.find(byName('A'), 5), undefined);
    assert.equal(j.find(byName('B'), 2), undefined, 'after is exclusive');
  });

  test('filter returns all matches in order, after excluding the earlier ones', () => {
    const j = sample();
    assert.deepEqual(
      j.filter(byName('A')).map((e) => e.seq),
      [1, 3, 5],
    );
    assert.deepEqual(
      j.filter(byName('A'), 3).map((e) => e.seq),
      [5],
    );
    assert.deepEqual(
      j.filter(() => true, 2).map((e) => e.message.message),
      ['A', 'C', 'A'],
    );
    assert.deepEqual(j.filter(byName('Z')), []);
  });
});

describe('Journal.waitFor', () => {
  test('resolves from history first (even with a zero timeout), with the earliest match', async () => {
    const j = new Journal();
    j.append(entry('EventACK', { ReferenceID: 1 }));
    j.append(entry('EventACK', { ReferenceID: 2 }));
    const e = await j.waitFor(byName('EventACK'), { timeoutMs: 0, description: 'an EventACK' });
    assert.equal(e.seq, 1);
    assert.equal(listenerCount(j), 0, 'a wait answered from history subscribes nothing');
  });

  test('with after, ignores history up to that seq and takes the next match', async () => {
    const j = new Journal();
    j.append(entry('EventACK', { ReferenceID: 1 }));
    j.append(entry('EventACK', { ReferenceID: 2 }));
    const e = await j.waitFor(byName('EventACK'), { timeoutMs: 0, description: 'an EventACK', after: 1 });
    assert.equal(e.seq, 2);
  });

  test('resolves from a future append, skipping non-matching entries', async () => {
    const j = new Journal();
    const mark = j.mark;
    const waiting = j.waitFor(byName('EventUserEvent'), {
      timeoutMs: 5_000,
      description: 'a user event',
      after: mark,
    });
    assert.equal(listenerCount(j), 1);
    j.append(entry('EventACK'));
    const appended = j.append(entry('EventUserEvent', { ThisDN: '7001' }));
    j.append(entry('EventUserEvent', { ThisDN: '7002' }));
    const e = await waiting;
    assert.equal(e, appended);
    assert.equal(e.seq, 2);
    assert.equal(listenerCount(j), 0, 'the wait unsubscribes once resolved');
  });

  test('a future append at or before after cannot satisfy it (after is a seq bound)', async () => {
    const j = new Journal();
    j.append(entry('Old'));
    // after = 5: entries 2..5 do not count even though they arrive after the call.
    const waiting = j.waitFor(byName('X'), { timeoutMs: 5_000, description: 'X', after: 5 });
    for (let i = 0; i < 4; i++) j.append(entry('X'));
    const sixth = j.append(entry('X'));
    assert.equal((await waiting).seq, sixth.seq);
    assert.equal(sixth.seq, 6);
  });

  test('times out with JournalTimeoutError naming the description and quoting the near entries', async () => {
    const j = new Journal();
    j.append(entry('EventACK', { ReferenceID: 1, ThisDN: '7001' }));
    const mark = j.mark;
    j.append(entry('EventACK', { ReferenceID: 2, ThisDN: '7001', peer: 'tserver' }));
    j.append(entry('EventRegistered', { ReferenceID: 3, ThisDN: '7001' }));
    j.append(entry('EventACK', { ReferenceID: 4, ThisDN: '7002' }));
    await assert.rejects(
      j.waitFor((e) => e.message.message === 'EventACK' && e.message.ReferenceID === 9, {
        timeoutMs: 20,
        description: 'EventACK for ReferenceID 9',
        after: mark,
        near: byName('EventACK'),
      }),
      (err: unknown) => {
        assert.ok(err instanceof JournalTimeoutError);
        assert.ok(err instanceof Error);
        assert.equal(err.name, 'JournalTimeoutError');
        assert.equal(err.description, 'EventACK for ReferenceID 9');
        assert.equal(err.timeoutMs, 20);
        assert.deepEqual(
          err.seen.map((e) => e.seq),
          [2, 4],
          'only near entries after the mark',
        );
        assert.equal(
          err.message,
          'timed out after 20 ms waiting for EventACK for ReferenceID 9; closest messages seen:\n' +
            '  #2 recorder <- EventACK ReferenceID=2 ThisDN="7001" (tserver)\n' +
            '  #4 recorder <- EventACK ReferenceID=4 ThisDN="7002"',
        );
        return true;
      },
    );
    assert.equal(listenerCount(j), 0, 'the wait unsubscribes on timeout');
  });

  test('without near, the timeout quotes the last five entries of any kind', async () => {
    const j = new Journal();
    for (let i = 1; i <= 8; i++) j.append(entry(`M${i}`));
    const err = await j.waitFor(byName('Never'), { timeoutMs: 5, description: 'nothing' }).then(
      () => assert.fail('should time out'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof JournalTimeoutError);
    assert.deepEqual(
      err.seen.map((e) => e.message.message),
      ['M4', 'M5', 'M6', 'M7', 'M8'],
    );
    assert.match(err.message, /^timed out after 5 ms waiting for nothing; closest messages seen:\n {2}#4 /);
    assert.equal(err.message.split('\n').length, 6);
  });

  test('a timeout with nothing seen says so', async () => {
    const j = new Journal();
    await assert.rejects(j.waitFor(byName('X'), { timeoutMs: 1, description: 'an X' }), {
      name: 'JournalTimeoutError',
      message: 'timed out after 1 ms waiting for an X; no message was seen',
    });
  });

  test('entries appended while waiting (but not matching) are quoted on timeout', async () => {
    const j = new Journal();
    const waiting = j.waitFor(byName('EventACK'), { timeoutMs: 30, description: 'an ACK', near: () => true });
    j.append(entry('EventError', { ErrorCode: 53 }));
    await assert.rejects(waiting, (err: unknown) => {
      assert.ok(err instanceof JournalTimeoutError);
      assert.match(err.message, /#1 recorder <- EventError ErrorCode=53$/);
      return true;
    });
  });
});

describe('Journal limit', () => {
  test('keeps the newest entries, counts dropped ones, and seq keeps counting', () => {
    const j = new Journal({ limit: 3 });
    for (const name of ['A', 'B', 'C', 'D', 'E']) j.append(entry(name));
    assert.deepEqual(
      j.entries.map((e) => e.seq),
      [3, 4, 5],
    );
    assert.deepEqual(
      j.entries.map((e) => e.message.message),
      ['C', 'D', 'E'],
    );
    assert.equal(j.dropped, 2);
    assert.equal(j.mark, 5);
    assert.equal(j.find(byName('A')), undefined, 'dropped entries are gone');
  });

  test('no limit keeps everything and drops nothing', () => {
    const j = new Journal();
    for (let i = 0; i < 50; i++) j.append(entry('X'));
    assert.equal(j.entries.length, 50);
    assert.equal(j.dropped, 0);
  });

  test('limit 0 keeps nothing but still notifies subscribers and counts every entry dropped', () => {
    const j = new Journal({ limit: 0 });
    const seen: number[] = [];
    j.subscribe((e) => seen.push(e.seq));
    j.append(entry('A'));
    j.append(entry('B'));
    assert.deepEqual(j.entries, []);
    assert.equal(j.dropped, 2);
    assert.deepEqual(seen, [1, 2]);
  });
});

describe('Journal bytes: chaff first, evidence last', () => {
  /** A message of about `bytes` bytes of JSON. */
  const padded = (name: string, bytes: number, extra: EntryFields = {}) =>
    entry(name, { ...extra, Pad: 'x'.repeat(bytes) });

  test('unknown messages and unreadable lines go before any evidence, a refusal with its request; what went is counted by kind', () => {
    const j = new Journal({ maxBytes: 10_000 });
    j.append(padded('EventRegistered', 1000, { ThisDN: '7001' }));
    j.append(padded('RequestJunk', 3000, { party: 'desktop', direction: 'out', ReferenceID: 7 }));
    j.append(entry('EventError', { party: 'desktop', ReferenceID: 7, ErrorCode: 51 }));
    j.append({ ...entry('', { problem: 'not JSON' }), ...pseudoEntry(UNREADABLE_LINE) });
    j.append(entry('EventError', { ErrorCode: 102 }));
    j.append(padded('EventUserEvent', 1000, { ThisDN: '7001' }));
    j.append(padded('RequestJunk', 3000, { party: 'desktop', direction: 'out', ReferenceID: 8 }));
    assert.equal(j.dropped, 0);
    j.append(padded('EventUserEvent', 3000, { ThisDN: '7001' }));
    // Over 10,000: the oldest chaff (the junk request, with its refusal) went; the evidence stays.
    assert.deepEqual(
      j.entries.map((e) => `${e.message.message}${e.message.ReferenceID ?? ''}`),
      [
        'EventRegistered',
        '(unreadable line)',
        'EventError',
        'EventUserEvent',
        'RequestJunk8',
        'EventUserEvent',
      ],
    );
    assert.ok(j.keptBytes <= 10_000, `${j.keptBytes}`);
    assert.equal(j.droppedEvidence, 0);
    assert.deepEqual(
      [...j.droppedKinds].map(([kind, d]) => [kind, d.entries]),
      [
        ['unknown messages', 1],
        ['refusals of those', 1],
      ],
    );
    // Evidence 7,000 bytes more: all chaff goes, then the oldest evidence.
    j.append(padded('EventUserEvent', 4000, { ThisDN: '7001' }));
    j.append(padded('EventUserEvent', 3000, { ThisDN: '7001' }));
    assert.deepEqual(
      j.entries.map((e) => e.message.message),
      ['EventUserEvent', 'EventUserEvent'],
    );
    assert.equal(j.droppedEvidence, 3, j.droppedText);
    assert.match(
      j.droppedText ?? '',
      /^the journal dropped 8 message\(s\) \(\d+ bytes\) to stay within 10000 bytes: unreadable lines: 1 \(\d+ bytes\), unknown messages: 2 \(\d+ bytes\), refusals of those: 2 \(\d+ bytes\), messages the rules judge: 3 \(\d+ bytes\)$/,
    );
  });

  test('a chaff request whose ReferenceID is any JSON value (an object whose toString is no function, nesting past JSON.stringify) is journaled and dropped with its reply', () => {
    const j = new Journal({ maxBytes: 5_000 });
    // Nested deeper than JSON.stringify can go, too.
    const deep = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`) as unknown;
    const refs: unknown[] = [
      { toString: 1 },
      { valueOf: null, toString: 'x' },
      [1, [2]],
      deep,
      null,
      true,
      1.5,
    ];
    for (const ReferenceID of refs) {
      j.append(
        padded('RequestJunk', 500, { party: 'desktop', direction: 'out', ReferenceID } as EntryFields),
      );
      j.append(entry('EventError', { party: 'desktop', ReferenceID, ErrorCode: 51 } as EntryFields));
    }
    j.append(padded('EventUserEvent', 4000, { ThisDN: '7001' }));
    // Each junk request went with its own refusal: no reply is left without its request.
    const left = j.entries.map((e) => e.message.message);
    assert.equal(
      left.filter((n) => n === 'RequestJunk').length,
      left.filter((n) => n === 'EventError').length,
    );
    assert.equal(j.droppedEvidence, 0);
    assert.ok(j.dropped > 0);
  });

  test('a chaff request dropped with its reply leaves no stray reply, however many there are', () => {
    const j = new Journal({ maxBytes: 50_000 });
    for (let ref = 1; ref <= 200; ref++) {
      j.append(
        padded('RequestJunk', 1000, {
          party: 'tserver',
          direction: 'in',
          peerId: 'client 3',
          ReferenceID: ref,
        }),
      );
      j.append(
        entry('EventError', { party: 'tserver', direction: 'out', peerId: 'client 3', ReferenceID: ref }),
      );
    }
    const refs = (name: string) =>
      j.entries.filter((e) => e.message.message === name).map((e) => e.message.ReferenceID);
    assert.deepEqual(refs('EventError'), refs('RequestJunk'));
    assert.ok(j.dropped > 100 && j.droppedEvidence === 0);
  });

  test('an invalid RequestSendEvent is evidence (the desktop rules judge it); other invalid requests are chaff', () => {
    const j = new Journal({ maxBytes: 3000 });
    j.append(
      padded('RequestSendEvent', 1000, { party: 'desktop', direction: 'out', problem: 'Event: missing' }),
    );
    j.append(
      padded('RequestRegisterAddress', 1000, {
        party: 'desktop',
        direction: 'out',
        problem: 'ThisDN: missing',
      }),
    );
    j.append(padded('EventRegistered', 1000));
    assert.deepEqual(
      j.entries.map((e) => e.message.message),
      ['RequestSendEvent', 'EventRegistered'],
    );
    assert.equal(j.droppedKinds.get('invalid requests')?.entries, 1);
  });
});

describe('Journal lines (the T-Server journals what it read and wrote as lines)', () => {
  const names = {
    party: 'tserver',
    peer: 'client 1 (desk 127.0.0.1:1)',
    peerId: 'client 1',
    peerAddress: '127.0.0.1:1',
    peerApplication: 'desk',
  };
  const message = {
    message: 'RequestSendEvent',
    ReferenceID: 3,
    ThisDN: '7001',
    Event: { message: 'EventUserEvent' },
  };

  test('an entry kept as its line reads, serializes and copies as any other entry', () => {
    const j = new Journal();
    const seen: unknown[] = [];
    j.subscribe((e, bytes) => seen.push([e.message, bytes]));
    const line = `${JSON.stringify(message)}\n`;
    const e = j.appendLine(names, 'in', line, line.length, message as WireMessage, 'Event: bad');
    assert.deepEqual(seen, [[message, line.length]], 'listeners get the message itself, and its size');
    assert.deepEqual(e.message, message);
    assert.match(e.time, ISO_MICROS);
    assert.equal(e.peerApplication, 'desk');
    const plain = JSON.parse(JSON.stringify(e));
    assert.deepEqual(Object.keys(plain), [
      'seq',
      'time',
      'micros',
      'party',
      'direction',
      'peer',
      'peerId',
      'peerAddress',
      'peerApplication',
      'message',
      'problem',
    ]);
    assert.deepEqual(plain.message, message);
    const copy = new Journal().copy(e);
    assert.deepEqual({ ...copy }, plain);
    assert.equal(
      summarize(e),
      '#1 tserver <- RequestSendEvent ReferenceID=3 ThisDN="7001" Event={"message":"EventUserEvent"} (client 1 (desk 127.0.0.1:1)) [invalid: Event: bad]',
    );
  });
});

describe('outcomes despite drops', () => {
  const passed = (rule: string): RuleOutcome => ({
    rule,
    section: '1.1',
    outcome: 'passed',
    reason: '3 checked',
    checked: 3,
    findings: [],
  });
  const failed: RuleOutcome = { ...passed('DESK-THISDN'), outcome: 'failed', reason: 'wrong DN' };
  const outcomes = [passed('TSRV-DELIVERY'), passed('TSRV-ERROR-CODE'), failed];

  test('with only chaff dropped, passes stand and say what was dropped; TSRV-ERROR-CODE, which reads chaff, is not observable', () => {
    const j = new Journal({ maxBytes: 1000 });
    j.append(entry('RequestJunk', { Pad: 'x'.repeat(2000) }));
    const [delivery, errorCode, thisDn] = outcomesDespiteDrops(outcomes, j);
    assert.equal(delivery?.outcome, 'passed');
    assert.match(
      delivery?.caveat ?? '',
      /^the journal dropped 1 message.*unknown messages: 1 .*this rule judges none of those$/,
    );
    assert.match(
      delivery?.reason ?? '',
      /^3 checked \(the journal dropped 1 message.*unknown messages: 1 .*this rule judges none of those\)$/,
    );
    assert.equal(errorCode?.outcome, 'not-observable');
    assert.deepEqual(thisDn, failed);
  });

  test('with evidence dropped, no pass stands; nothing dropped, nothing changes', () => {
    const j = new Journal({ maxBytes: 1000 });
    j.append(entry('EventUserEvent', { Pad: 'x'.repeat(2000) }));
    assert.deepEqual(
      outcomesDespiteDrops(outcomes, j).map((o) => o.outcome),
      ['not-observable', 'not-observable', 'failed'],
    );
    assert.deepEqual(outcomesDespiteDrops(outcomes, new Journal()), outcomes);
  });
});

describe('summarize', () => {
  test('renders an outgoing request with arrow, attributes and peer', () => {
    const j = new Journal();
    const e = j.append(
      entry('RequestSendEvent', {
        party: 'desktop',
        direction: 'out',
        peer: 'tserver 127.0.0.1:7000',
        ReferenceID: 3,
        ThisDN: '7001',
        Event: { message: 'EventUserEvent', ThisDN: '7001', UserData: [['screen-capture', 'start']] },
      }),
    );
    assert.equal(
      summarize(e),
      '#1 desktop -> RequestSendEvent ReferenceID=3 ThisDN="7001" ' +
        'Event={"message":"EventUserEvent","ThisDN":"7001","UserData":[["screen-capture","start"]]} ' +
        '(tserver 127.0.0.1:7000)',
    );
  });

  test('leaves out Time and EventSequenceNumber and uses <- for received messages', () => {
    const j = new Journal();
    const e = j.append(
      entry('EventACK', {
        ReferenceID: 3,
        ThisDN: '7001',
        EventSequenceNumber: 17,
        Time: '2026-11-23T10:15:00.123456Z',
      }),
    );
    assert.equal(summarize(e), '#1 recorder <- EventACK ReferenceID=3 ThisDN="7001"');
  });

  test('shows at most SUMMARY_VALUE_CHARS of an attribute, saying how much more the trace has', () => {
    const j = new Journal();
    const big = 'x'.repeat(1_000_000);
    const e = j.append(entry('EventUserEvent', { ThisDN: '7001', UserData: [['screen-capture', big]] }));
    const line = summarize(e);
    const json = JSON.stringify([['screen-capture', big]]);
    assert.ok(line.length < 2 * SUMMARY_VALUE_CHARS, `${line.length} characters`);
    assert.ok(line.includes(`UserData=${json.slice(0, SUMMARY_VALUE_CHARS)}... `), line.slice(0, 120));
    assert.match(
      line,
      new RegExp(`\\(${json.length - SUMMARY_VALUE_CHARS} more characters: see the trace\\)`),
    );
    // A value that fits is shown whole.
    const small = j.append(entry('EventACK', { ThisDN: 'y'.repeat(SUMMARY_VALUE_CHARS - 2) }));
    assert.match(summarize(small), new RegExp(`ThisDN="y{${SUMMARY_VALUE_CHARS - 2}}"$`));
  });

  test('marks an invalid message with its problem', () => {
    const j = new Journal();
    const e = j.append(
      entry('RequestSendEvent', { party: 'tserver', ReferenceID: 0, problem: 'ReferenceID: bad' }),
    );
    assert.equal(summarize(e), '#1 tserver <- RequestSendEvent ReferenceID=0 [invalid: ReferenceID: bad]');
  });

  test('a message without attributes has single spaces before peer and problem', () => {
    const j = new Journal();
    assert.equal(summarize(j.append(entry('Ping'))), '#1 recorder <- Ping');
    assert.equal(
      summarize(j.append(entry('Ping', { peer: 'client 3', problem: 'unknown' }))),
      '#2 recorder <- Ping (client 3) [invalid: unknown]',
    );
  });
});

describe('toNdjson', () => {
  test('one JSON line per entry, each parsing back to the entry', () => {
    const j = new Journal();
    const a = j.append(entry('A', { peer: 'p', UserData: [['k', { binary: 'AAAA' }]] }));
    const b = j.append(entry('B', { direction: 'out', problem: 'x' }));
    const text = j.toNdjson();
    assert.ok(text.endsWith('\n'));
    const lines = text.split('\n');
    assert.equal(lines.pop(), '');
    assert.equal(lines.length, 2);
    assert.deepEqual(
      lines.map((l) => JSON.parse(l)),
      [a, b],
    );
  });

  test('an empty journal is the empty string', () => {
    assert.equal(new Journal().toNdjson(), '');
  });

  test('a limited journal exports only the kept entries', () => {
    const j = new Journal({ limit: 1 });
    j.append(entry('A'));
    j.append(entry('B'));
    assert.deepEqual(
      j
        .toNdjson()
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l).message.message),
      ['B'],
    );
  });
});

describe('time.ts', () => {
  test('isoMicros() of now has the form YYYY-MM-DDTHH:MM:SS.uuuuuuZ', () => {
    assert.match(isoMicros(), ISO_MICROS);
  });

  test('isoMicros renders known instants exactly, microseconds included', () => {
    assert.equal(isoMicros(0), '1970-01-01T00:00:00.000000Z');
    assert.equal(isoMicros(1_000_999), '1970-01-01T00:00:01.000999Z');
    assert.equal(isoMicros(1_700_000_000_123_456), '2023-11-14T22:13:20.123456Z');
    assert.equal(isoMicros(1_700_000_000_999_999), '2023-11-14T22:13:20.999999Z');
  });

  test('isoMicros agrees with Date on the seconds and with the input on the micros', () => {
    const us = 1_795_345_678_901_234;
    const text = isoMicros(us);
    assert.match(text, ISO_MICROS);
    assert.equal(Date.parse(text), Math.floor(us / 1000));
    assert.equal(text.slice(20, 26), '901234');
  });

  test('isoMicros keeps the format for instants before 1970 and fractional input', () => {
    assert.equal(isoMicros(-1), '1969-12-31T23:59:59.999999Z');
    assert.equal(isoMicros(-1_500_000), '1969-12-31T23:59:58.500000Z');
    assert.equal(isoMicros(1.9), '1970-01-01T00:00:00.000001Z');
    for (const us of [-1, -999_999, -1_000_000, 2.5]) assert.match(isoMicros(us), ISO_MICROS, String(us));
  });

  test('nowMicros is integral epoch microseconds near Date.now and never goes backwards', () => {
    const a = nowMicros();
    const b = nowMicros();
    assert.ok(Number.isInteger(a));
    assert.ok(b >= a);
    assert.ok(Math.abs(a / 1000 - Date.now()) < 1000, 'within a second of Date.now()');
  });
});
