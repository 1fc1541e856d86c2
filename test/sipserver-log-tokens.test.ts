/**
 * What the reading thread reads of a line (line-tokens.ts) is what the parser reads of its text
 * (lines.ts classify, attributes.ts): checked on lines made of the forms' pieces, well and badly made.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  CLIENT,
  DATE,
  MICROS,
  MILLIS,
  NAME,
  RECORD,
  TOKEN,
  TOKEN_ATTRIBUTE,
  TOKEN_MESSAGE,
  TOKEN_NONE,
  TOKEN_PRINTED,
  TOKEN_RECEIVED,
  TOKEN_SENT,
  VALUE,
} from '../src/sipserver-log/line-batch.ts';
import { LineTokenizer } from '../src/sipserver-log/line-tokens.ts';
import { canonicalName, classify, markerAt } from '../src/sipserver-log/lines.ts';

/** Tokenizes `line`: the token, and its fields with their texts. */
function tokenize(line: string) {
  const bytes = Buffer.from(line);
  const tokenizer = new LineTokenizer();
  const table = new Int32Array(RECORD);
  const c = bytes[0] as number;
  const marker = c >= 48 && c <= 57 ? markerAt(bytes, 0, bytes.length) : -2;
  tokenizer.read(bytes, 0, bytes.length, marker, table, 0, 0);
  const texts = new Map<number, string>();
  const fresh = tokenizer.texts.take();
  for (let i = 0; i < fresh.length; i += 3) texts.set(fresh[i + 1] as number, fresh[i + 2] as string);
  const text = (field: number) => texts.get(table[field] as number);
  const time = (table[MILLIS] as number) * 1000 + (table[MICROS] as number);
  return { bytes, table, token: table[TOKEN], text, time };
}

const digits = (n: number) => fc.stringMatching(new RegExp(`^[0-9]{${n}}$`));
const two = (max: number) => fc.integer({ min: 0, max }).map((n) => String(n).padStart(2, '0'));
/** Mostly valid clocks (as logs print them), some out of range, some malformed. */
const clock = fc
  .oneof(
    { weight: 4, arbitrary: fc.tuple(two(23), two(59), two(60), fc.oneof(digits(3), digits(4))) },
    { weight: 1, arbitrary: fc.tuple(digits(2), digits(2), digits(2), fc.oneof(digits(3), digits(4))) },
  )
  .map(([h, m, s, f]) => `${h}:${m}:${s}.${f}`);
const badClock = fc.constantFrom('10:15:00.12x', '25:00:00.000', '10:15:00,123', '10:15:0.123');
const stamp = fc.oneof(
  clock,
  badClock,
  fc
    .tuple(digits(4), two(12), two(31), fc.constantFrom('T', ' '), clock)
    .map(([y, m, d, sep, c]) => `${y}-${m}-${d}${sep}${c}`),
  clock.map((c) => `11/23/26 ${c}`),
  fc.constant('Mon Nov 23 10:15:00 2026.120'),
);
/** Text a hostile or unusual log may hold where a name, client or value stands: any Unicode, control characters, escapes. */
const odd = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.constantFrom('a\rb', 'a\tb', 'x\u2028y', 'é', '\\u0041', ' lead', 'trail ', '\u0000'),
);
const name = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'RequestSendEvent',
      'RequestDistributeEvent',
      'RequestDistributeUserEvent',
      'EventACK',
      'EventUserEvent',
    ),
  },
  { weight: 1, arbitrary: fc.string({ minLength: 0, maxLength: 12 }) },
  { weight: 1, arbitrary: odd },
);
const client = fc.oneof(
  fc.constantFrom(
    '[1] (00000001 App 10.0.0.1:1)',
    '[612] (0000000b Desk Top 10.0.0.7:51234)',
    '[1] (00000001 Äpp 10.0.0.1:1)',
  ),
  fc.string({ maxLength: 30 }),
  odd,
);
/** A Trc line's code and words: mostly as logs print them, sometimes mismatched. */
const trcKind = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(['04541', ' received from '], ['04542', ' sent to ']) },
  { weight: 1, arbitrary: fc.constantFrom(['04541', ' sent to '], ['04542', ' received from ']) },
);
const trcLine = fc
  .tuple(stamp, trcKind, name, client)
  .map(([s, [code, words], n, c]) => `${s} Trc ${code} ${n}${words}${c}`);
const printedLine = fc
  .tuple(
    clock,
    fc.constantFrom('[0]', '[12]', '[x]', ''),
    fc.constantFrom('8.1.103.95', ''),
    fc.constantFrom(
      'send_to_client',
      'distribute_event',
      'distribute call event',
      'distribute party event',
      'other',
    ),
    name,
  )
  .map(([c, thread, version, kind, n]) => `@${c} ${thread} ${version} ${kind}: message ${n}`);
const messageLine = name.map((n) => `message ${n}`);

/** Lines read per token kind in a property's runs: each kind must be read often enough to be tested. */
function tally(): { count(token: number): void; atLeast(floor: number, kinds: number[]): void } {
  const counts = new Map<number, number>();
  return {
    count: (token) => counts.set(token, (counts.get(token) ?? 0) + 1),
    atLeast: (floor, kinds) => {
      for (const kind of kinds)
        assert.ok((counts.get(kind) ?? 0) >= floor, `token ${kind} read ${counts.get(kind) ?? 0} times`);
    },
  };
}

test('a Trc, @ or message line read on the reading thread says what the parser reads in its text; one it does not read is left to the parser', () => {
  const read = tally();
  fc.assert(
    fc.property(fc.oneof(trcLine, printedLine, messageLine), (line) => {
      if (line.includes('\n')) return;
      const { token, text, time } = tokenize(line);
      read.count(token as number);
      if (token === TOKEN_NONE) return;
      const form = classify(line);
      switch (token) {
        case TOKEN_RECEIVED:
        case TOKEN_SENT:
          assert.equal(form.form, token === TOKEN_RECEIVED ? 'received' : 'sent', line);
          if (form.form !== 'received' && form.form !== 'sent') return;
          assert.deepEqual(
            [canonicalName(text(NAME) as string), text(CLIENT), text(DATE), time],
            [form.name, form.client, form.stamp.date, form.stamp.timeOfDay],
            line,
          );
          return;
        case TOKEN_PRINTED:
          assert.equal(form.form, 'printed', line);
          if (form.form !== 'printed') return;
          assert.deepEqual(
            [canonicalName(text(NAME) as string), time],
            [form.name, form.stamp.timeOfDay],
            line,
          );
          return;
        case TOKEN_MESSAGE:
          assert.deepEqual(form, { form: 'message', name: canonicalName(text(NAME) as string) }, line);
          return;
        default:
          assert.fail(`token ${token} for ${line}`);
      }
    }),
    { numRuns: 8000 },
  );
  read.atLeast(100, [TOKEN_RECEIVED, TOKEN_SENT, TOKEN_PRINTED, TOKEN_MESSAGE, TOKEN_NONE]);
});

test('an attribute line read on the reading thread gives the name and value the parser reads in its text', () => {
  const attribute = fc
    .tuple(
      fc.constantFrom('Attribute', ''),
      fc.oneof(fc.constantFrom('ThisDN', 'ConnID', 'UserData'), fc.string({ maxLength: 10 }), odd),
      fc.option(fc.oneof(fc.string({ maxLength: 12 }), odd)),
    )
    .map(([prefix, n, value]) => `\t${prefix}${n}${value === null ? '' : `\t${value}`}`);
  const read = tally();
  fc.assert(
    fc.property(attribute, (line) => {
      if (line.includes('\n') || line.startsWith('\t\t')) return;
      const { token, text, table, bytes } = tokenize(line);
      read.count(token as number);
      if (token === TOKEN_NONE) return;
      assert.equal(token, TOKEN_ATTRIBUTE);
      // The parser's reading of the text (attributes.ts): the name up to the first tab, without `Attribute`.
      const content = line.slice(1);
      const tab = content.indexOf('\t');
      const raw = tab === -1 ? content : content.slice(0, tab);
      const value = table[VALUE] as number;
      assert.deepEqual(
        [text(NAME), value === -1 ? '' : bytes.toString('utf8', value)],
        [
          raw.startsWith('Attribute') ? raw.slice('Attribute'.length) : raw,
          tab === -1 ? '' : content.slice(tab + 1),
        ],
        line,
      );
    }),
    { numRuns: 3000 },
  );
  read.atLeast(100, [TOKEN_ATTRIBUTE, TOKEN_NONE]);
});

test('a text is one known already only if every byte is the same: names alike but for one byte each get their own', () => {
  // Printable ASCII but the space and the escape: what an attribute name read on the thread may hold.
  const nameByte = fc
    .integer({ min: 33, max: 126 })
    .filter((c) => c !== 0x5c)
    .map((c) => String.fromCharCode(c));
  fc.assert(
    fc.property(
      fc.array(nameByte, { minLength: 1, maxLength: 40 }),
      fc.nat(),
      nameByte,
      (bytes, at, other) => {
        const i = at % bytes.length;
        fc.pre(bytes[i] !== other);
        const first = bytes.join('');
        const second = bytes.with(i, other).join('');
        // One tokenizer reads both, so the second is looked for among the texts the first left.
        const tokenizer = new LineTokenizer();
        const texts = new Map<number, string>();
        const nameOf = (name: string) => {
          const line = Buffer.from(`\tAttribute${name}\tvalue`);
          const table = new Int32Array(RECORD);
          tokenizer.read(line, 0, line.length, -2, table, 0, 0);
          const fresh = tokenizer.texts.take();
          for (let f = 0; f < fresh.length; f += 3) texts.set(fresh[f + 1] as number, fresh[f + 2] as string);
          return texts.get(table[NAME] as number);
        };
        assert.deepEqual([nameOf(first), nameOf(second), nameOf(first)], [first, second, first]);
      },
    ),
    { numRuns: 2000 },
  );
});

test('markerAt finds the first marker in a line`s first 64 bytes, as a search for each marker finds it', () => {
  const markers = [' Trc 0454', ' Std 0', '[BSYNC] Trace:'];
  /** The first place within 64 bytes where a whole marker stands, or -1. */
  const reference = (text: string) => {
    const at = Math.min(
      ...markers.map((m) => text.indexOf(m)).filter((i) => i !== -1 && i < 64),
      Number.POSITIVE_INFINITY,
    );
    return at === Number.POSITIVE_INFINITY ? -1 : at;
  };
  // Lines of marker pieces, their first two bytes and look-alikes, between ASCII runs of any length.
  const piece = fc.oneof(
    fc.constantFrom(...markers, ' T', ' S', '[B', 'T', 'S', 'B', ' ', '[', ' Trc 045', ' St', '[BSYNC]'),
    fc.string({ unit: fc.constantFrom('a', '1', ':', '.', ' ', 'T', 'S', 'B', '['), maxLength: 40 }),
  );
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
      const text = pieces.join('');
      // As the cutter calls it: the line inside a larger buffer, bytes after it that a marker may not use.
      const bytes = Buffer.from(`xx${text} Trc 04541`);
      assert.equal(
        markerAt(bytes, 2, 2 + text.length),
        reference(text) === -1 ? -1 : reference(text) + 2,
        text,
      );
    }),
    { numRuns: 3000 },
  );
});
