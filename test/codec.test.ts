import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  connIdProblem,
  type Decoded,
  type DecodeProblem,
  decodeEvent,
  decodeMessage,
  decodeRequest,
  dnProblem,
  encode,
  isEventName,
  isRequestName,
  MAX_DN_LENGTH,
  MAX_REFERENCE_ID,
  problemText,
  referenceIdProblem,
  show,
  strictTeventProblem,
} from '../src/tlib/codec.ts';
import { describeErrorCode, TERR_NAMES, TErr } from '../src/tlib/errors.ts';
import {
  EVENT_NAMES,
  type KVList,
  kvGet,
  REQUEST_NAMES,
  type TEvent,
  type TMessage,
  type TRequest,
  type WireMessage,
} from '../src/tlib/messages.ts';

const TIME = '2026-11-23T10:15:00.123456Z';
const CONN = '006b02a6c5a1e001';

/** Ordered, repeated keys, every value kind, nested lists (with their own repeats and binaries). */
const RICH_USER_DATA: KVList = [
  ['screen-capture', 'start'],
  ['tag', 'first'],
  ['tag', 'second'],
  ['count', 42],
  ['int32-min', -(2 ** 31)],
  ['int32-max', 2 ** 31 - 1],
  ['zero', 0],
  ['blob', { binary: 'AAECAw==' }],
  ['blob-3', { binary: 'aGk=' }],
  ['empty-blob', { binary: '' }],
  [
    'nested',
    [
      ['inner', 'x'],
      ['inner', 7],
      ['deeper', [['bin', { binary: 'AAAA' }]]],
    ],
  ],
  ['empty-list', []],
  ['', ''],
  ['unicode', 'caf\u00e9 \u2713 \ud83d\ude00'],
  ['tag', 'third'],
];

const REQUEST_SAMPLES: TRequest[] = [
  { message: 'RequestRegisterClient', ReferenceID: 1, ApplicationName: 'recorder-1' },
  { message: 'RequestRegisterAddress', ReferenceID: 2, ThisDN: '7001' },
  { message: 'RequestUnregisterAddress', ReferenceID: 3, ThisDN: '7001' },
  {
    message: 'RequestSendEvent',
    ReferenceID: 4,
    ThisDN: '7001',
    Event: { message: 'EventUserEvent', ThisDN: '7001', ConnID: CONN, UserData: RICH_USER_DATA },
  },
  {
    message: 'RequestSendEvent',
    ReferenceID: MAX_REFERENCE_ID,
    ThisDN: '7001',
    Event: { message: 'EventUserEvent', ThisDN: '7001' },
  },
];

const EVENT_SAMPLES: TEvent[] = [
  {
    message: 'EventClientRegistered',
    ReferenceID: 1,
    ServerName: 'screencap-sim',
    ServerVersion: '0.1.0',
    EventSequenceNumber: 0,
    Time: TIME,
  },
  { message: 'EventRegistered', ReferenceID: 2, ThisDN: '7001', EventSequenceNumber: 1, Time: TIME },
  { message: 'EventUnregistered', ReferenceID: 3, ThisDN: '7001', EventSequenceNumber: 2, Time: TIME },
  { message: 'EventACK', ReferenceID: 4, ThisDN: '7001', EventSequenceNumber: 3, Time: TIME },
  { message: 'EventACK', ReferenceID: 5, EventSequenceNumber: 4, Time: TIME },
  {
    message: 'EventError',
    ReferenceID: 6,
    ThisDN: '7001',
    ErrorCode: 41,
    ErrorMessage: 'ThisDN: not registered',
    EventSequenceNumber: 5,
    Time: TIME,
  },
  {
    message: 'EventError',
    ErrorCode: 102,
    ErrorMessage: 'line is not valid JSON',
    EventSequenceNumber: 6,
    Time: TIME,
  },
  {
    message: 'EventUserEvent',
    ThisDN: '7001',
    ConnID: CONN,
    UserData: RICH_USER_DATA,
    EventSequenceNumber: 7,
    Time: TIME,
  },
  { message: 'EventUserEvent', ThisDN: '7001', EventSequenceNumber: 8, Time: TIME },
  { message: 'EventEstablished', ThisDN: '7001', ConnID: CONN, EventSequenceNumber: 9, Time: TIME },
  { message: 'EventHeld', ThisDN: '7001', ConnID: CONN, EventSequenceNumber: 10, Time: TIME },
  { message: 'EventRetrieved', ThisDN: '7001', ConnID: CONN, EventSequenceNumber: 11, Time: TIME },
  {
    message: 'EventPartyChanged',
    ThisDN: '7001',
    ConnID: '006b02a6c5a1e002',
    PreviousConnID: CONN,
    EventSequenceNumber: 12,
    Time: TIME,
  },
  {
    message: 'EventReleased',
    ThisDN: '7001',
    ConnID: CONN,
    EventSequenceNumber: Number.MAX_SAFE_INTEGER,
    Time: TIME,
  },
];

/** Optional attributes per message: removing any other attribute must be rejected as missing. */
const OPTIONAL: Record<string, readonly string[]> = {
  // Replies: the spec asks EventSequenceNumber of distributed events only.
  EventClientRegistered: ['EventSequenceNumber'],
  EventRegistered: ['EventSequenceNumber'],
  EventUnregistered: ['EventSequenceNumber'],
  EventACK: ['ThisDN', 'EventSequenceNumber'],
  EventError: ['ReferenceID', 'ThisDN', 'EventSequenceNumber'],
  EventUserEvent: ['ConnID', 'UserData'],
};

function wire(message: TMessage | Record<string, unknown>): WireMessage {
  return JSON.parse(JSON.stringify(message)) as WireMessage;
}

function problemOf<T>(decoded: Decoded<T>): DecodeProblem {
  if (decoded.ok) assert.fail(`expected a decode problem, got ${JSON.stringify(decoded.value)}`);
  return decoded.problem;
}

function okValue<T>(decoded: Decoded<T>): T {
  if (!decoded.ok) assert.fail(`expected a valid message, got ${problemText(decoded.problem)}`);
  return decoded.value;
}

/** A valid RequestSendEvent as a mutable wire object. */
function sendEvent(): Record<string, unknown> & { Event: Record<string, unknown> } {
  return {
    message: 'RequestSendEvent',
    ReferenceID: 10,
    ThisDN: '7001',
    Event: {
      message: 'EventUserEvent',
      ThisDN: '7001',
      ConnID: CONN,
      UserData: [['screen-capture', 'start']],
    },
  };
}

function withUserData(userData: unknown): WireMessage {
  const m = sendEvent();
  m.Event.UserData = userData;
  return wire(m);
}

function withEvent(event: unknown): WireMessage {
  const m = sendEvent();
  (m as Record<string, unknown>).Event = event;
  return wire(m);
}

describe('round trip: encode -> JSON.parse -> decode', () => {
  test('the samples cover every request and event name of messages.ts', () => {
    assert.deepEqual(new Set(REQUEST_SAMPLES.map((m) => m.message)), new Set(REQUEST_NAMES));
    assert.deepEqual(new Set(EVENT_SAMPLES.map((m) => m.message)), new Set(EVENT_NAMES));
  });

  for (const sample of REQUEST_SAMPLES) {
    const attrs = Object.keys(sample).join(',');
    test(`request ${sample.message} (${attrs}) survives a round trip`, () => {
      const line = encode(sample);
      assert.ok(line.endsWith('\n'), 'an encoded message ends with a newline');
      assert.equal(line.indexOf('\n'), line.length - 1, 'an encoded message is exactly one line');
      assert.deepEqual(okValue(decodeRequest(JSON.parse(line))), sample);
      assert.deepEqual(okValue(decodeMessage(JSON.parse(line))), sample);
    });
  }

  for (const sample of EVENT_SAMPLES) {
    const attrs = Object.keys(sample).join(',');
    test(`event ${sample.message} (${attrs}) survives a round trip`, () => {
      const line = encode(sample);
      assert.ok(line.endsWith('\n'));
      assert.equal(line.indexOf('\n'), line.length - 1);
      assert.deepEqual(okValue(decodeEvent(JSON.parse(line))), sample);
      assert.deepEqual(okValue(decodeMessage(JSON.parse(line))), sample);
    });
  }

  test('UserData keeps pair order, repeated keys and every value kind through a round trip', () => {
    const sample = EVENT_SAMPLES.find((m) => m.message === 'EventUserEvent' && m.UserData);
    assert.ok(sample);
    const decoded = okValue(decodeEvent(JSON.parse(encode(sample))));
    assert.equal(decoded.message, 'EventUserEvent');
    const userData = (decoded as { UserData?: KVList }).UserData;
    assert.ok(userData);
    assert.deepEqual(
      userData.map(([k]) => k),
      RICH_USER_DATA.map(([k]) => k),
    );
    assert.deepEqual(
      userData.filter(([k]) => k === 'tag').map(([, v]) => v),
      ['first', 'second', 'third'],
    );
    assert.deepEqual(kvGet(userData, 'blob'), { binary: 'AAECAw==' });
    assert.deepEqual(kvGet(userData, 'nested'), [
      ['inner', 'x'],
      ['inner', 7],
      ['deeper', [['bin', { binary: 'AAAA' }]]],
    ]);
  });

  test('encode writes an unknown WireMessage as-is, attributes included', () => {
    const line = encode({ message: 'RequestFoo', Extra: [1, { a: 'b' }] });
    assert.deepEqual(JSON.parse(line), { message: 'RequestFoo', Extra: [1, { a: 'b' }] });
  });
});

describe('unknown attributes are ignored', () => {
  test('unknown top-level attributes are dropped from a decoded request', () => {
    const decoded = okValue(
      decodeRequest(
        wire({ message: 'RequestRegisterAddress', ReferenceID: 1, ThisDN: '7001', Future: 'x', N: 5 }),
      ),
    );
    assert.deepEqual(decoded, { message: 'RequestRegisterAddress', ReferenceID: 1, ThisDN: '7001' });
  });

  test('unknown attributes inside Event are dropped from the decoded Tevent', () => {
    const m = sendEvent();
    m.Event.Future = { deep: true };
    m.Event.ReferenceID = 99;
    m.Other = null;
    const decoded = okValue(decodeRequest(wire(m)));
    assert.deepEqual(decoded, {
      message: 'RequestSendEvent',
      ReferenceID: 10,
      ThisDN: '7001',
      Event: {
        message: 'EventUserEvent',
        ThisDN: '7001',
        ConnID: CONN,
        UserData: [['screen-capture', 'start']],
      },
    });
  });

  test('unknown attributes (even an invalid-looking ReferenceID) are dropped from a decoded event', () => {
    const decoded = okValue(
      decodeEvent(
        wire({
          message: 'EventUserEvent',
          ThisDN: '7001',
          ReferenceID: 'not checked',
          Extra: 1,
          EventSequenceNumber: 1,
          Time: TIME,
        }),
      ),
    );
    assert.deepEqual(decoded, {
      message: 'EventUserEvent',
      ThisDN: '7001',
      EventSequenceNumber: 1,
      Time: TIME,
    });
  });
});

describe('every required attribute is checked', () => {
  const seen = new Set<string>();
  for (const sample of [...REQUEST_SAMPLES, ...EVENT_SAMPLES]) {
    const optional = OPTIONAL[sample.message] ?? [];
    for (const name of Object.keys(sample).filter((k) => k !== 'message')) {
      if (seen.has(`${sample.message}.${name}`)) continue;
      seen.add(`${sample.message}.${name}`);
      const isOptional = optional.includes(name);
      test(`${sample.message} without ${name} is ${isOptional ? 'accepted' : 'rejected: 53 "missing"'}`, () => {
        const m = wire(sample);
        delete m[name];
        const decoded = decodeMessage(m);
        if (isOptional) {
          const value = okValue(decoded) as unknown as Record<string, unknown>;
          assert.equal(name in value, false);
        } else {
          assert.deepEqual(problemOf(decoded), {
            code: TErr.INVALID_ATTR,
            attribute: name,
            reason: 'missing',
          });
        }
      });
    }
  }
});

describe('ReferenceID', () => {
  test('missing ReferenceID is 53 naming ReferenceID', () => {
    assert.deepEqual(problemOf(decodeRequest({ message: 'RequestRegisterAddress', ThisDN: '7001' })), {
      code: 53,
      attribute: 'ReferenceID',
      reason: 'missing',
    });
  });

  for (const [value, shown] of [
    [0, '0'],
    [2 ** 31, '2147483648'],
    [1.5, '1.5'],
    ['1', '"1"'],
    [-1, '-1'],
    [null, 'null'],
  ] as const) {
    test(`ReferenceID ${shown} is 53 naming ReferenceID and quoting the value`, () => {
      const p = problemOf(
        decodeRequest({ message: 'RequestRegisterAddress', ReferenceID: value, ThisDN: '7001' }),
      );
      assert.deepEqual(p, {
        code: 53,
        attribute: 'ReferenceID',
        reason: `expected an integer from 1 to 2147483647, got ${shown}`,
      });
    });
  }

  test('ReferenceID 1 and 2^31-1 are the accepted bounds', () => {
    for (const id of [1, 2 ** 31 - 1]) {
      const d = okValue(
        decodeRequest({ message: 'RequestRegisterAddress', ReferenceID: id, ThisDN: '7001' }),
      );
      assert.equal((d as { ReferenceID: number }).ReferenceID, id);
    }
    assert.equal(MAX_REFERENCE_ID, 2 ** 31 - 1);
  });

  test('an invalid ReferenceID in a reply event is rejected too', () => {
    const p = problemOf(
      decodeEvent({ message: 'EventACK', ReferenceID: 0, EventSequenceNumber: 1, Time: TIME } as WireMessage),
    );
    assert.equal(p.code, 53);
    assert.equal(p.attribute, 'ReferenceID');
  });
});

describe('ThisDN', () => {
  for (const [label, value] of [
    ['""', ''],
    ['65 characters', 'x'.repeat(65)],
    ['a number', 7001],
    ['null', null],
  ] as const) {
    test(`ThisDN ${label} is 53 naming ThisDN`, () => {
      const p = problemOf(
        decodeRequest({ message: 'RequestRegisterAddress', ReferenceID: 1, ThisDN: value }),
      );
      assert.deepEqual(p, {
        code: 53,
        attribute: 'ThisDN',
        reason: `expected a DN (a non-empty string of at most 64 characters), got ${show(value)}`,
      });
    });
  }

  test('a ThisDN of exactly 64 characters is accepted', () => {
    const dn = 'd'.repeat(MAX_DN_LENGTH);
    assert.equal(MAX_DN_LENGTH, 64);
    const d = okValue(decodeRequest({ message: 'RequestUnregisterAddress', ReferenceID: 1, ThisDN: dn }));
    assert.equal((d as { ThisDN: string }).ThisDN, dn);
  });

  test('an invalid optional ThisDN of EventACK is still rejected (53 ThisDN)', () => {
    const p = problemOf(
      decodeEvent({ message: 'EventACK', ReferenceID: 1, ThisDN: '', EventSequenceNumber: 1, Time: TIME }),
    );
    assert.equal(p.code, 53);
    assert.equal(p.attribute, 'ThisDN');
  });

  test('Event.ThisDN is kept as given, whatever it is: a T-Server does not check the Tevent', () => {
    for (const value of ['y'.repeat(65), '7002', 5]) {
      const m = sendEvent();
      m.Event.ThisDN = value as string;
      const decoded = decodeRequest(wire(m));
      assert.ok(decoded.ok, JSON.stringify(decoded));
      assert.equal((decoded.value as { Event: { ThisDN: unknown } }).Event.ThisDN, value);
    }
    const m = sendEvent();
    delete m.Event.ThisDN;
    assert.ok(decodeRequest(wire(m)).ok, 'a Tevent without ThisDN is delivered without one');
  });

  test('strict mode (sim --strict): Event.ThisDN differing from ThisDN is 53 naming Event.ThisDN and both DNs', () => {
    const m = sendEvent();
    m.Event.ThisDN = '7002';
    assert.deepEqual(strictTeventProblem(m as never), {
      code: 53,
      attribute: 'Event.ThisDN',
      reason: `expected "7001" (the request's ThisDN), got "7002"`,
    });
    assert.equal(strictTeventProblem(sendEvent() as never), undefined, 'a conforming Tevent');
  });
});

describe('ConnID', () => {
  for (const [label, value] of [
    ['"xyz"', 'xyz'],
    ['upper-case hex', '006B02A6C5A1E001'],
    ['15 digits', '006b02a6c5a1e00'],
    ['17 digits', '006b02a6c5a1e0011'],
    ['non-hex letters', '006b02a6c5a1e00g'],
    ['a number', 1234567890123456],
    ['an empty string', ''],
  ] as const) {
    test(`Event.ConnID ${label} is 56 naming Event.ConnID`, () => {
      const m = sendEvent();
      m.Event.ConnID = value;
      assert.deepEqual(problemOf(decodeRequest(wire(m))), {
        code: TErr.INV_CONNID,
        attribute: 'Event.ConnID',
        reason: `expected 16 lower-case hex digits, got ${JSON.stringify(value)}`,
      });
    });
  }

  test('the ConnID reason reads exactly `expected 16 lower-case hex digits, got "xyz"`', () => {
    const m = sendEvent();
    m.Event.ConnID = 'xyz';
    const p = problemOf(decodeRequest(wire(m)));
    assert.equal(p.code, 56);
    assert.equal(p.reason, 'expected 16 lower-case hex digits, got "xyz"');
    assert.equal(problemText(p), 'Event.ConnID: expected 16 lower-case hex digits, got "xyz"');
  });

  test('PreviousConnID of EventPartyChanged is 56 naming it', () => {
    const p = problemOf(
      decodeEvent({
        message: 'EventPartyChanged',
        ThisDN: '7001',
        ConnID: '006b02a6c5a1e002',
        PreviousConnID: 'ABC',
        EventSequenceNumber: 1,
        Time: TIME,
      }),
    );
    assert.deepEqual(p, {
      code: 56,
      attribute: 'PreviousConnID',
      reason: 'expected 16 lower-case hex digits, got "ABC"',
    });
  });

  test('ConnID of EventUserEvent and of every call event is 56 naming ConnID', () => {
    for (const name of [
      'EventUserEvent',
      'EventEstablished',
      'EventHeld',
      'EventRetrieved',
      'EventReleased',
    ]) {
      const p = problemOf(
        decodeEvent({ message: name, ThisDN: '7001', ConnID: 'ABC', EventSequenceNumber: 1, Time: TIME }),
      );
      assert.deepEqual(p, {
        code: 56,
        attribute: 'ConnID',
        reason: 'expected 16 lower-case hex digits, got "ABC"',
      });
    }
  });

  test('a RequestSendEvent without Event.ConnID is valid and has none', () => {
    const m = sendEvent();
    delete m.Event.ConnID;
    const d = okValue(decodeRequest(wire(m))) as unknown as { Event: Record<string, unknown> };
    assert.equal('ConnID' in d.Event, false);
  });
});

describe('Event of RequestSendEvent', () => {
  test('missing Event is 53 naming Event', () => {
    const m = sendEvent();
    delete (m as Record<string, unknown>).Event;
    assert.deepEqual(problemOf(decodeRequest(wire(m))), { code: 53, attribute: 'Event', reason: 'missing' });
  });

  for (const [label, value] of [
    ['a string', 'EventUserEvent'],
    ['null', null],
    ['an array', [{ message: 'EventUserEvent', ThisDN: '7001' }]],
    ['a number', 1],
  ] as const) {
    test(`Event that is ${label} is 53 naming Event`, () => {
      assert.deepEqual(problemOf(decodeRequest(withEvent(value))), {
        code: 53,
        attribute: 'Event',
        reason: `expected a Tevent object, got ${show(value)}`,
      });
    });
  }

  for (const value of ['EventEstablished', 'RequestSendEvent']) {
    test(`Event.message ${show(value)} is kept as given; strict mode refuses it (53 naming Event.message)`, () => {
      const m = sendEvent();
      m.Event.message = value as 'EventUserEvent';
      assert.ok(decodeRequest(wire(m)).ok);
      assert.deepEqual(strictTeventProblem(m as never), {
        code: 53,
        attribute: 'Event.message',
        reason: `expected "EventUserEvent", got ${show(value)}`,
      });
    });
  }

  for (const value of [undefined, 5]) {
    test(`Event.message ${show(value)} (no name to deliver it under) is 53 naming Event.message`, () => {
      const m = sendEvent();
      if (value === undefined) delete (m.Event as { message?: unknown }).message;
      else (m.Event as { message: unknown }).message = value;
      assert.deepEqual(problemOf(decodeRequest(wire(m))), {
        code: 53,
        attribute: 'Event.message',
        reason: `expected a string, got ${show(value)}`,
      });
    });
  }
});

describe('UserData', () => {
  test('UserData that is not an array is 53 naming Event.UserData', () => {
    for (const value of ['screen-capture=start', { 'screen-capture': 'start' }, 5, null]) {
      assert.deepEqual(problemOf(decodeRequest(withUserData(value))), {
        code: 53,
        attribute: 'Event.UserData',
        reason: `expected a KV list (an array of [key, value] pairs), got ${show(value)}`,
      });
    }
  });

  test('a pair of the wrong length (or not an array) is 53 naming the pair', () => {
    for (const pair of [['only-key'], ['k', 'v', 'extra'], [], 'k=v', { k: 'v' }]) {
      assert.deepEqual(problemOf(decodeRequest(withUserData([['ok', 'v'], pair]))), {
        code: 53,
        attribute: 'Event.UserData[1]',
        reason: `expected a [key, value] pair, got ${show(pair)}`,
      });
    }
  });

  test('a non-string key is 53 naming the key', () => {
    for (const key of [1, null, ['k'], { k: 1 }]) {
      assert.deepEqual(problemOf(decodeRequest(withUserData([[key, 'v']]))), {
        code: 53,
        attribute: 'Event.UserData[0][0]',
        reason: `expected a string, got ${show(key)}`,
      });
    }
  });

  test('a float or out-of-int32 value is 53 naming the value', () => {
    for (const value of [1.5, 2 ** 31, -(2 ** 31) - 1, 1e300]) {
      assert.deepEqual(problemOf(decodeRequest(withUserData([['n', value]]))), {
        code: 53,
        attribute: 'Event.UserData[0][1]',
        reason: `expected a 32-bit integer, got ${show(value)}`,
      });
    }
  });

  test('a bad binary (non-base64, extra keys, not a string, empty object) is 53 naming the value', () => {
    for (const value of [
      { binary: 'abc' },
      { binary: '@@@@' },
      { binary: 'AAAA=' },
      { binary: 'AA==AA==' },
      { binary: 'AAEC\nAw==' },
      { binary: 'AAAA', extra: 1 },
      { binary: 5 },
      { bin: 'AAAA' },
      {},
    ]) {
      assert.deepEqual(
        problemOf(decodeRequest(withUserData([['b', value]]))),
        {
          code: 53,
          attribute: 'Event.UserData[0][1]',
          reason: `expected {"binary": "<base64>"}, got ${show(value)}`,
        },
        `binary ${JSON.stringify(value)}`,
      );
    }
  });

  test('a null or boolean value is 53 listing the allowed kinds', () => {
    for (const value of [null, true]) {
      assert.deepEqual(problemOf(decodeRequest(withUserData([['v', value]]))), {
        code: 53,
        attribute: 'Event.UserData[0][1]',
        reason: `expected a string, an integer, {"binary": "<base64>"} or a KV list, got ${show(value)}`,
      });
    }
  });

  test('a nested error names its full path, e.g. Event.UserData[0][1][1][1]', () => {
    const p = problemOf(
      decodeRequest(
        withUserData([
          [
            'outer',
            [
              ['ok', 'v'],
              ['bad', 1.5],
            ],
          ],
        ]),
      ),
    );
    assert.deepEqual(p, {
      code: 53,
      attribute: 'Event.UserData[0][1][1][1]',
      reason: 'expected a 32-bit integer, got 1.5',
    });
  });

  test('deeper nested errors name keys, pairs and binaries at their path', () => {
    const cases: [unknown, string][] = [
      [[['a', [['b', [['c', null]]]]]], 'Event.UserData[0][1][0][1][0][1]'],
      [[['a', [[7, 'x']]]], 'Event.UserData[0][1][0][0]'],
      [[['a', [['ok', 1], ['short']]]], 'Event.UserData[0][1][1]'],
      [
        [
          ['x', 'y'],
          ['a', [['b', { binary: '!' }]]],
        ],
        'Event.UserData[1][1][0][1]',
      ],
      [
        [
          ['a', 'not-a-list-but-fine'],
          ['b', 'x'],
        ],
        '',
      ],
    ];
    for (const [userData, attribute] of cases) {
      const decoded = decodeRequest(withUserData(userData));
      if (attribute === '') assert.ok(decoded.ok);
      else assert.equal(problemOf(decoded).attribute, attribute, JSON.stringify(userData));
    }
  });

  test('the first bad pair in order is the one reported', () => {
    const p = problemOf(
      decodeRequest(
        withUserData([
          ['a', 1],
          ['b', 1.5],
          [3, 'x'],
        ]),
      ),
    );
    assert.equal(p.attribute, 'Event.UserData[1][1]');
  });

  test('top-level UserData of an EventUserEvent names UserData[...] without an Event. prefix', () => {
    const p = problemOf(
      decodeEvent({
        message: 'EventUserEvent',
        ThisDN: '7001',
        UserData: [['k', 0.25]],
        EventSequenceNumber: 1,
        Time: TIME,
      }),
    );
    assert.deepEqual(p, {
      code: 53,
      attribute: 'UserData[0][1]',
      reason: 'expected a 32-bit integer, got 0.25',
    });
  });

  test('an empty UserData list is valid and kept', () => {
    const d = okValue(decodeRequest(withUserData([]))) as { Event: { UserData?: unknown } };
    assert.deepEqual(d.Event.UserData, []);
  });
});

describe('other attributes', () => {
  test('ApplicationName must be a string', () => {
    assert.deepEqual(
      problemOf(decodeRequest({ message: 'RequestRegisterClient', ReferenceID: 1, ApplicationName: 5 })),
      {
        code: 53,
        attribute: 'ApplicationName',
        reason: 'expected a string, got 5',
      },
    );
  });

  test('ErrorCode must be a non-negative integer', () => {
    for (const code of [-1, 1.5, '53']) {
      const p = problemOf(
        decodeEvent({
          message: 'EventError',
          ErrorCode: code,
          ErrorMessage: 'x',
          EventSequenceNumber: 1,
          Time: TIME,
        }),
      );
      assert.deepEqual(p, {
        code: 53,
        attribute: 'ErrorCode',
        reason: `expected a non-negative integer, got ${show(code)}`,
      });
    }
  });
});

describe('event stamp (decodeEvent)', () => {
  const base = {
    message: 'EventUserEvent',
    ThisDN: '7001',
    EventSequenceNumber: 3,
    Time: TIME,
  };

  test('a distributed event without EventSequenceNumber is 53 naming EventSequenceNumber', () => {
    const { EventSequenceNumber: _, ...rest } = base;
    assert.deepEqual(problemOf(decodeEvent(rest)), {
      code: 53,
      attribute: 'EventSequenceNumber',
      reason: 'missing',
    });
  });

  test('a reply without EventSequenceNumber is valid: the spec asks it of distributed events only', () => {
    assert.ok(decodeEvent({ message: 'EventACK', ReferenceID: 1, ThisDN: '7001', Time: TIME }).ok);
  });

  test('missing Time is 53 naming Time', () => {
    const { Time: _, ...rest } = base;
    assert.deepEqual(problemOf(decodeEvent(rest)), { code: 53, attribute: 'Time', reason: 'missing' });
  });

  test('EventSequenceNumber must be a non-negative safe integer', () => {
    for (const n of [-1, 0.5, '3', 2 ** 53]) {
      const p = problemOf(decodeEvent({ ...base, EventSequenceNumber: n }));
      assert.equal(p.code, 53);
      assert.equal(p.attribute, 'EventSequenceNumber');
      assert.equal(p.reason, `expected a non-negative integer, got ${show(n)}`);
    }
  });

  test('Time must be a parseable time string', () => {
    for (const t of ['not a time', 1700000000, '']) {
      assert.deepEqual(problemOf(decodeEvent({ ...base, Time: t })), {
        code: 53,
        attribute: 'Time',
        reason: `expected an ISO-8601 time, got ${show(t)}`,
      });
    }
  });

  test('decodeRequest does not require a stamp and decodeEvent does', () => {
    assert.ok(decodeRequest({ message: 'RequestRegisterAddress', ReferenceID: 1, ThisDN: '7001' }).ok);
    assert.equal(
      problemOf(decodeEvent({ message: 'EventRegistered', ReferenceID: 1, ThisDN: '7001' })).attribute,
      'Time',
    );
  });
});

describe('unknown messages', () => {
  test('an unknown request is 51 naming message', () => {
    assert.deepEqual(problemOf(decodeRequest({ message: 'RequestMakeCall', ReferenceID: 1 })), {
      code: TErr.UNSUP_OPER,
      attribute: 'message',
      reason: 'unknown request "RequestMakeCall"',
    });
  });

  test('an event name given to decodeRequest is 51', () => {
    const p = problemOf(decodeRequest(wire(EVENT_SAMPLES[1] as TEvent)));
    assert.equal(p.code, 51);
    assert.equal(p.reason, 'unknown request "EventRegistered"');
  });

  test('an unknown event, or a request given to decodeEvent, is 51 naming message', () => {
    assert.deepEqual(problemOf(decodeEvent({ message: 'EventRinging' })), {
      code: 51,
      attribute: 'message',
      reason: 'unknown event "EventRinging"',
    });
    assert.equal(problemOf(decodeEvent(wire(REQUEST_SAMPLES[0] as TRequest))).code, 51);
  });

  test('decodeMessage answers an unknown name with 51', () => {
    const p = problemOf(decodeMessage({ message: 'Nope' }));
    assert.equal(p.code, 51);
    assert.equal(p.attribute, 'message');
  });

  test('message names are matched exactly (case-sensitive, no prototype keys)', () => {
    for (const name of [
      'requestregisterclient',
      'RequestRegisterClient ',
      'toString',
      '__proto__',
      'constructor',
    ]) {
      assert.equal(problemOf(decodeMessage({ message: name })).code, 51, name);
    }
  });

  test('isRequestName and isEventName know exactly the names of messages.ts', () => {
    for (const n of REQUEST_NAMES) {
      assert.ok(isRequestName(n));
      assert.equal(isEventName(n), false);
    }
    for (const n of EVENT_NAMES) {
      assert.ok(isEventName(n));
      assert.equal(isRequestName(n), false);
    }
    assert.equal(isRequestName('EventUserEvent'), false);
    assert.equal(isEventName('RequestFoo'), false);
  });
});

describe('problem helpers', () => {
  test('problemText joins attribute and reason with ": "', () => {
    assert.equal(
      problemText({ code: 53, attribute: 'Event.ThisDN', reason: 'missing' }),
      'Event.ThisDN: missing',
    );
  });

  test('show renders JSON, "nothing" for undefined, and cuts long values to 80 characters', () => {
    assert.equal(show(undefined), 'nothing');
    assert.equal(show('xyz'), '"xyz"');
    assert.equal(show(null), 'null');
    assert.equal(show({ a: [1] }), '{"a":[1]}');
    const long = show('z'.repeat(200));
    assert.equal(long.length, 80);
    assert.ok(long.startsWith('"zzz'));
    assert.ok(long.endsWith('...'));
    assert.equal(show(10n), '10');
  });

  test('the exported value checks return undefined for valid values and a reason otherwise', () => {
    assert.equal(dnProblem('7001'), undefined);
    assert.match(dnProblem('') ?? '', /^expected a DN/);
    assert.equal(connIdProblem(CONN), undefined);
    assert.equal(connIdProblem('xyz'), 'expected 16 lower-case hex digits, got "xyz"');
    assert.equal(referenceIdProblem(7), undefined);
    assert.equal(referenceIdProblem(0), 'expected an integer from 1 to 2147483647, got 0');
  });
});

describe('errors.ts', () => {
  test('TErr holds the codes of the spec table', () => {
    assert.deepEqual(
      { ...TErr },
      {
        NOT_REGISTERED: 41,
        UNSUP_OPER: 51,
        INTERNAL: 52,
        INVALID_ATTR: 53,
        NO_SWITCH: 54,
        INV_CONNID: 56,
        NOT_CONFIGURED: 59,
        MSG_TYPE: 102,
        BAD_MSG_LENGTH: 107,
        MUST_REGISTER: 229,
      },
    );
  });

  test('TERR_NAMES maps each code to its tliberr.h name', () => {
    assert.equal(TERR_NAMES[53], 'TERR_INVALID_ATTR');
    assert.equal(TERR_NAMES[229], 'TERR_MUST_REGISTER');
    assert.equal(TERR_NAMES[107], 'TERR_BAD_MSG_LENGTH');
    assert.equal(Object.keys(TERR_NAMES).length, Object.keys(TErr).length);
  });

  test('describeErrorCode names known codes and leaves unknown ones bare', () => {
    assert.equal(describeErrorCode(53), '53 (TERR_INVALID_ATTR)');
    assert.equal(describeErrorCode(56), '56 (TERR_INV_CONNID)');
    assert.equal(describeErrorCode(999), '999');
  });
});

describe('kvGet (messages.ts)', () => {
  test('returns the first value of a repeated key, undefined when absent or without a list', () => {
    const list: KVList = [
      ['a', 1],
      ['b', 'x'],
      ['a', 2],
    ];
    assert.equal(kvGet(list, 'a'), 1);
    assert.equal(kvGet(list, 'b'), 'x');
    assert.equal(kvGet(list, 'c'), undefined);
    assert.equal(kvGet(undefined, 'a'), undefined);
  });
});
