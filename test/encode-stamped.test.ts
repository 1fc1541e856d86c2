/** encodeStamped writes the very line JSON.stringify writes for the stamped event, without that object. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { encodeStamped } from '../src/tlib/codec.ts';
import { isoMicros } from '../src/tlib/time.ts';

const reference = (event: object, sequence: number, time: string) =>
  `${JSON.stringify(Object.assign({}, event, { EventSequenceNumber: sequence, Time: time }))}\n`;

const value = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.constant(undefined),
  fc.constant(null),
  fc.array(fc.tuple(fc.string(), fc.string())),
);
const sequence = fc.nat();
/** Any string, of characters that need escaping too (quotes, backslashes, controls, lone or paired surrogates). */
const anyString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({
    unit: fc.constantFrom('"', '\\', '\n', '\u0000', '\u001f', '\ud800', '\udfff', '\u2028', 'a'),
  }),
);
/** What the T-Server stamps events with: isoMicros() of any instant (even before 1970, after 9999). */
const time = fc
  .integer({ min: -62_000_000_000_000_000, max: 250_000_000_000_000_000 })
  .map((us) => isoMicros(us));

test('isoMicros writes nothing JSON escapes, so encodeStamped writes it as it is', () => {
  fc.assert(
    fc.property(time, (t) => {
      assert.equal(JSON.stringify(t), `"${t}"`);
    }),
    { numRuns: 5000 },
  );
});

test('an EventACK, exactly or nearly so (keys moved, added, of other types), encodes as JSON.stringify does', () => {
  const ack = fc.record({
    message: fc.constantFrom('EventACK', 'EventError'),
    ReferenceID: fc.oneof(fc.integer({ min: 1, max: 2 ** 31 - 1 }), value),
    ThisDN: fc.oneof(anyString, value),
  });
  const shuffled = fc
    .tuple(ack, fc.dictionary(fc.string(), value, { maxKeys: 2 }), fc.boolean())
    .map(([a, extra, first]) => (first ? { ...extra, ...a } : { ...a, ...extra }));
  fc.assert(
    fc.property(fc.oneof(ack, shuffled), sequence, time, (event, seq, t) => {
      assert.equal(encodeStamped(event, seq, t), reference(event, seq, t));
    }),
    { numRuns: 2000 },
  );
  for (const ReferenceID of [Number.NaN, Number.POSITIVE_INFINITY, -0, 1e21, 2 ** 53, 0.5]) {
    const event = { message: 'EventACK', ReferenceID, ThisDN: '7001' };
    assert.equal(encodeStamped(event, 1, 't'), reference(event, 1, 't'), String(ReferenceID));
  }
  for (const text of [
    '"',
    '\\',
    '\b\t\n\f\r',
    '\u0000\u001f\u007f',
    '\ud800',
    'x\udc00',
    '\ud83d\ude00',
    '\u2028',
  ])
    for (const event of [
      { message: 'EventACK', ReferenceID: 1, ThisDN: text },
      { message: 'EventUserEvent', ThisDN: text },
    ]) {
      assert.equal(encodeStamped(event, 1, 't'), reference(event, 1, 't'), JSON.stringify(text));
    }
  assert.equal(
    encodeStamped(
      { message: 'EventACK', ReferenceID: 7, ThisDN: 'a"b\u2028' },
      3,
      '2026-01-01T00:00:00.000001Z',
    ),
    '{"message":"EventACK","ReferenceID":7,"ThisDN":"a\\"b\u2028","EventSequenceNumber":3,"Time":"2026-01-01T00:00:00.000001Z"}\n',
  );
});

test('any other event, stamped already or not, with an own __proto__ or not, encodes as JSON.stringify does', () => {
  const event = fc.dictionary(
    fc.oneof(fc.string(), fc.constantFrom('message', 'EventSequenceNumber', 'Time', 'UserData')),
    value,
  );
  fc.assert(
    fc.property(event, sequence, time, (e, seq, t) => {
      assert.equal(encodeStamped(e, seq, t), reference(e, seq, t));
    }),
    { numRuns: 2000 },
  );
  // JSON.parse makes `__proto__` an own key; assigning does not copy it.
  const parsed = JSON.parse('{"message":"EventUserEvent","__proto__":{"ThisDN":"7001"}}') as object;
  assert.equal(
    encodeStamped(parsed, 1, 't'),
    '{"message":"EventUserEvent","EventSequenceNumber":1,"Time":"t"}\n',
  );
  assert.equal(encodeStamped(parsed, 1, 't'), reference(parsed, 1, 't'));
  assert.equal(encodeStamped({}, 1, 't'), '{"EventSequenceNumber":1,"Time":"t"}\n');
  assert.equal(encodeStamped({ a: undefined }, 1, 't'), '{"EventSequenceNumber":1,"Time":"t"}\n');
});
