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
const time = fc.oneof(
  fc.integer({ min: 0, max: 4_000_000_000_000_000 }).map((us) => isoMicros(us)),
  fc.string(),
);

test('an EventACK, exactly or nearly so (keys moved, added, of other types), encodes as JSON.stringify does', () => {
  const ack = fc.record({
    message: fc.constantFrom('EventACK', 'EventError'),
    ReferenceID: fc.oneof(fc.integer({ min: 1, max: 2 ** 31 - 1 }), value),
    ThisDN: fc.oneof(fc.string(), value),
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
