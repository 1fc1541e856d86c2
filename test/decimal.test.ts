/** decimal() writes any number as String() does; sixDigits() pads with zeros, as padStart does. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { decimal, sixDigits } from '../src/tlib/decimal.ts';

test('decimal(n) is the text String(n) makes, for integers on each side of every table boundary, and for any number', () => {
  for (let digits = 0; digits <= 16; digits++) {
    const p = 10 ** digits;
    for (const n of [p - 1, p, p + 1, 2 * p, 10 * p - 1]) {
      assert.equal(decimal(n), `${n}`, String(n));
      assert.equal(decimal(-n), `${-n}`, String(-n));
    }
  }
  for (const n of [-0, 0.5, 999.5, 1000.25, 1e21, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53])
    assert.equal(decimal(n), `${n}`, String(n));
  fc.assert(
    fc.property(fc.oneof(fc.nat(), fc.maxSafeNat(), fc.integer(), fc.double()), (n) => {
      assert.equal(decimal(n), `${n}`);
    }),
    { numRuns: 5000 },
  );
});

test('sixDigits(n) is n padded to six digits with zeros', () => {
  for (const n of [0, 7, 42, 999, 1000, 1001, 99_999, 100_000, 999_999])
    assert.equal(sixDigits(n), String(n).padStart(6, '0'));
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 999_999 }), (n) => {
      assert.equal(sixDigits(n), String(n).padStart(6, '0'));
    }),
  );
});
