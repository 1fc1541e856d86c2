import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { MAX_JSON_DEPTH, mayNestDeeperThan, nestsDeeperThan } from '../src/tlib/depth.ts';
import { TErr } from '../src/tlib/errors.ts';
import { type Frame, FrameReader, MAX_LINE_BYTES, parseLine } from '../src/tlib/framing.ts';
import type { WireMessage } from '../src/tlib/messages.ts';

const MiB = 1024 * 1024;

function bytes(text: string): Buffer {
  return Buffer.from(text, 'utf8');
}

function messagesOf(frames: Frame[]): WireMessage[] {
  return frames.map((f) => {
    if (!f.ok) assert.fail(`expected a message, got framing error ${f.code}: ${f.reason}`);
    return f.message;
  });
}

function errorOf(frame: Frame | undefined): { code: number; reason: string } {
  assert.ok(frame, 'expected a frame');
  if (frame.ok) assert.fail(`expected a framing error, got ${JSON.stringify(frame.message)}`);
  return { code: frame.code, reason: frame.reason };
}

/** A JSON object line (without its newline) of exactly `size` bytes. */
function lineOfSize(size: number): Buffer {
  const head = '{"message":"RequestRegisterClient","pad":"';
  const tail = '"}';
  const pad = size - head.length - tail.length;
  assert.ok(pad >= 0);
  const line = bytes(head + 'p'.repeat(pad) + tail);
  assert.equal(line.length, size);
  return line;
}

describe('parseLine', () => {
  test('parses a JSON object with a string message', () => {
    const frame = parseLine(bytes('{"message":"RequestRegisterClient","ReferenceID":1}'));
    assert.deepEqual(frame, {
      ok: true,
      message: { message: 'RequestRegisterClient', ReferenceID: 1 },
      bytes: 51,
      text: '{"message":"RequestRegisterClient","ReferenceID":1}',
    });
  });

  test('invalid UTF-8 is 102', () => {
    for (const raw of [
      [0xff],
      [0x7b, 0xc0, 0xaf, 0x7d],
      // A UTF-16 surrogate encoded in UTF-8 (CESU) is not valid UTF-8.
      [0x22, 0xed, 0xa0, 0x80, 0x22],
      // A truncated multi-byte sequence inside an otherwise valid message.
      [...bytes('{"message":"Caf'), 0xc3, ...bytes('"}')],
    ]) {
      assert.deepEqual(
        errorOf(parseLine(Buffer.from(raw))),
        { code: TErr.MSG_TYPE, reason: 'line is not valid UTF-8' },
        Buffer.from(raw).toString('hex'),
      );
    }
  });

  test('invalid JSON is 102', () => {
    for (const text of ['{message:"A"}', '{"message":"A",}', '', 'not json', '{"message":"A"} x']) {
      const e = errorOf(parseLine(bytes(text)));
      assert.equal(e.code, TErr.MSG_TYPE, text);
      assert.match(e.reason, /^line is not valid JSON \(/, text);
    }
  });

  test('a JSON value that is not an object (array, number, null, string, boolean) is 102', () => {
    for (const text of ['[{"message":"A"}]', '42', 'null', '"RequestRegisterClient"', 'true']) {
      assert.deepEqual(errorOf(parseLine(bytes(text))), {
        code: TErr.MSG_TYPE,
        reason: `line is not a JSON object: ${text}`,
      });
    }
  });

  test('an object without "message" is 102', () => {
    assert.deepEqual(errorOf(parseLine(bytes('{"ReferenceID":1}'))), {
      code: 102,
      reason: 'object has no "message"',
    });
  });

  test('a "message" that is not a string is 102', () => {
    for (const [text, shown] of [
      ['{"message":5}', '5'],
      ['{"message":null}', 'null'],
      ['{"message":["A"]}', '["A"]'],
    ]) {
      assert.deepEqual(errorOf(parseLine(bytes(text as string))), {
        code: 102,
        reason: `"message" is not a string: ${shown}`,
      });
    }
  });

  test('a line of MAX_LINE_BYTES is parsed and one byte more is 107', () => {
    assert.equal(MAX_LINE_BYTES, MiB);
    assert.ok(parseLine(lineOfSize(MiB)).ok);
    assert.equal(errorOf(parseLine(lineOfSize(MiB + 1))).code, TErr.BAD_MSG_LENGTH);
  });
});

/** Arrays and objects nested in `value`: 0 for a scalar, 1 for [] or {}, 2 for [[]]. */
function depthOf(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  let deepest = 0;
  for (const child of Object.values(value)) deepest = Math.max(deepest, depthOf(child));
  return deepest + 1;
}

/** Any JSON text, or a string holding what a depth count must skip: brackets, quotes, escapes. */
const jsonText = fc.oneof(
  fc.json(),
  fc.constantFrom('[', ']', '{"', '\\"[', '').map((t) => JSON.stringify(t)),
);

/**
 * JSON texts nested 0 to 24 deep by construction (fc.json() alone seldom nests past four, so the
 * bound's edge would seldom be tried): a leaf wrapped layer by layer, each in a list or an object
 * beside a sibling.
 */
const nestedJson = fc.integer({ min: 0, max: 24 }).chain((layers) =>
  fc
    .tuple(
      jsonText,
      fc.array(fc.tuple(fc.boolean(), jsonText, fc.string({ maxLength: 2 })), {
        minLength: layers,
        maxLength: layers,
      }),
    )
    .map(([leaf, wrappers]) =>
      wrappers.reduce(
        (inner, [inList, sibling, key]) =>
          inList ? `[${sibling},${inner}]` : `{"s":${sibling},${JSON.stringify(`k${key}`)}:${inner}}`,
        leaf,
      ),
    ),
);

describe('nesting depth', () => {
  test('nestsDeeperThan says whether valid JSON nests past a bound; JSON too short to nest past it never does (so parseLine need not scan it)', () => {
    const depths = new Set<number>();
    fc.assert(
      fc.property(fc.oneof(fc.json(), nestedJson), fc.integer({ min: 0, max: 12 }), (text, max) => {
        const line = bytes(text);
        const depth = depthOf(JSON.parse(text));
        depths.add(depth);
        assert.equal(nestsDeeperThan(line, max), depth > max, `${text} within ${max}`);
        if (!mayNestDeeperThan(line.length, max)) assert.ok(depth <= max, `${text} within ${max}`);
      }),
      { numRuns: 3000 },
    );
    // The generator reaches past every bound tried, not only the shallow end.
    assert.ok(
      [...depths].some((d) => d > 12),
      `depths generated: ${[...depths].sort((a, b) => a - b)}`,
    );
    assert.equal(nestsDeeperThan(bytes('[[]]'), 1), true);
    assert.equal(mayNestDeeperThan(4, 1), true);
    assert.equal(mayNestDeeperThan(3, 1), false);
  });

  test('a line nesting past 160 is refused for that, short or long, JSON or not', () => {
    const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
    const lines = [
      `{"message":"A","x":${deep(MAX_JSON_DEPTH)}}`, // 161 deep with its object, valid
      '['.repeat(MAX_JSON_DEPTH + 1), // 161 bytes, no JSON
      `{"message":"A","x":${'['.repeat(200)}`, // under twice the bound, no JSON
      `{"message":"A","x":${deep(400)}}`, // long, valid
      `{"message":"A","x":${'['.repeat(400)}`, // long, no JSON
    ];
    for (const text of lines) {
      assert.ok(nestsDeeperThan(bytes(text)), text);
      assert.deepEqual(errorOf(parseLine(bytes(text))), {
        code: 102,
        reason: 'line nests JSON more than 160 deep',
      });
    }
    const within = `{"message":"A","x":${deep(MAX_JSON_DEPTH - 1)}}`;
    assert.equal(parseLine(bytes(within)).ok, true);
    assert.match(errorOf(parseLine(bytes(`${within.slice(0, 100)}`))).reason, /^line is not valid JSON/);
  });
});

describe('FrameReader', () => {
  test('a line split across two chunks is yielded once complete', () => {
    const r = new FrameReader();
    assert.deepEqual(r.push(bytes('{"message":"Reque')), []);
    assert.equal(r.bufferedBytes, 17);
    assert.deepEqual(messagesOf(r.push(bytes('stRegisterClient","ReferenceID":1}\n'))), [
      { message: 'RequestRegisterClient', ReferenceID: 1 },
    ]);
    assert.equal(r.bufferedBytes, 0);
  });

  test('a line with multi-byte characters split at every byte position decodes the same', () => {
    const message = {
      message: 'EventUserEvent',
      ThisDN: '7001',
      UserData: [['k', 'caf\u00e9 \u2713 \ud83d\ude00']],
    };
    const whole = bytes(`${JSON.stringify(message)}\n`);
    for (let cut = 1; cut < whole.length; cut++) {
      const r = new FrameReader();
      const frames = [...r.push(whole.subarray(0, cut)), ...r.push(whole.subarray(cut))];
      assert.deepEqual(messagesOf(frames), [message], `cut at ${cut}`);
    }
  });

  test('a line fed one byte at a time is yielded exactly once, on its newline', () => {
    const whole = bytes('{"message":"A","x":"\u00e9"}\n');
    const r = new FrameReader();
    const frames: Frame[] = [];
    for (let i = 0; i < whole.length; i++) {
      const out = r.push(whole.subarray(i, i + 1));
      if (i < whole.length - 1) assert.deepEqual(out, []);
      frames.push(...out);
    }
    assert.deepEqual(messagesOf(frames), [{ message: 'A', x: '\u00e9' }]);
  });

  test('several lines in one chunk are yielded in order, a trailing partial line is kept', () => {
    const r = new FrameReader();
    const frames = r.push(bytes('{"message":"A"}\n{"message":"B","n":2}\n{"message":"C"}\n{"message":"D'));
    assert.deepEqual(messagesOf(frames), [{ message: 'A' }, { message: 'B', n: 2 }, { message: 'C' }]);
    assert.equal(r.bufferedBytes, '{"message":"D'.length);
    assert.deepEqual(messagesOf(r.push(bytes('"}\n'))), [{ message: 'D' }]);
  });

  test('lines cut into chunks anywhere, one after another, are yielded as they were written', () => {
    const message = fc.record({
      message: fc.string(),
      n: fc.integer(),
      text: fc.string({ unit: 'grapheme' }),
    });
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 6 }), fc.array(fc.nat()), (messages, cuts) => {
        const whole = bytes(messages.map((m) => `${JSON.stringify(m)}\n`).join(''));
        const at = [...new Set(cuts.map((c) => c % whole.length))].sort((a, b) => a - b);
        const r = new FrameReader();
        const frames = [0, ...at].flatMap((from, k) => r.push(whole.subarray(from, at[k] ?? whole.length)));
        assert.deepEqual(messagesOf(frames), JSON.parse(JSON.stringify(messages)));
        assert.equal(r.bufferedBytes, 0);
      }),
      { numRuns: 500 },
    );
  });

  test('a chunk that completes a pending line and carries more lines yields them all', () => {
    const r = new FrameReader();
    r.push(bytes('{"mess'));
    const frames = r.push(bytes('age":"A"}\n{"message":"B"}\n'));
    assert.deepEqual(messagesOf(frames), [{ message: 'A' }, { message: 'B' }]);
    assert.equal(r.bufferedBytes, 0);
  });

  test('CRLF-terminated lines are accepted', () => {
    const r = new FrameReader();
    const frames = r.push(bytes('{"message":"A","ThisDN":"7001"}\r\n{"message":"B"}\r\n'));
    assert.deepEqual(messagesOf(frames), [{ message: 'A', ThisDN: '7001' }, { message: 'B' }]);
  });

  test('a CRLF split between chunks is accepted', () => {
    const r = new FrameReader();
    assert.deepEqual(r.push(bytes('{"message":"A"}\r')), []);
    assert.deepEqual(messagesOf(r.push(bytes('\n'))), [{ message: 'A' }]);
  });

  test('invalid UTF-8 is a framing error 102', () => {
    const r = new FrameReader();
    const frames = r.push(Buffer.concat([bytes('{"message":"'), Buffer.from([0xff, 0xfe]), bytes('"}\n')]));
    assert.equal(frames.length, 1);
    assert.deepEqual(errorOf(frames[0]), { code: 102, reason: 'line is not valid UTF-8' });
  });

  test('invalid UTF-8 split across chunks is still a framing error 102', () => {
    const r = new FrameReader();
    assert.deepEqual(r.push(Buffer.concat([bytes('{"message":"'), Buffer.from([0xe2, 0x9c])])), []);
    const frames = r.push(bytes('"}\n'));
    assert.equal(errorOf(frames[0]).code, 102);
  });

  test('invalid JSON is a framing error 102', () => {
    const frames = new FrameReader().push(bytes('{"message":\n'));
    assert.equal(frames.length, 1);
    assert.equal(errorOf(frames[0]).code, 102);
    assert.match(errorOf(frames[0]).reason, /not valid JSON/);
  });

  test('an empty line is a framing error 102 (not a JSON object)', () => {
    const frames = new FrameReader().push(bytes('\n'));
    assert.equal(errorOf(frames[0]).code, 102);
  });

  for (const [label, text] of [
    ['a JSON array', '[]'],
    ['a JSON number', '42'],
    ['JSON null', 'null'],
    ['an object without message', '{"ReferenceID":1}'],
    ['an object whose message is a number', '{"message":1}'],
    ['an object whose message is an object', '{"message":{"name":"A"}}'],
  ]) {
    test(`${label} is a framing error 102`, () => {
      const frames = new FrameReader().push(bytes(`${text}\n`));
      assert.equal(frames.length, 1);
      assert.equal(errorOf(frames[0]).code, TErr.MSG_TYPE);
    });
  }

  test('a line of exactly 1 MiB (in one chunk) is accepted', () => {
    const line = lineOfSize(MiB);
    const frames = new FrameReader().push(Buffer.concat([line, bytes('\n')]));
    assert.equal(frames.length, 1);
    const [m] = messagesOf(frames);
    assert.ok(m);
    assert.equal(m.message, 'RequestRegisterClient');
    assert.equal((m.pad as string).length, MiB - '{"message":"RequestRegisterClient","pad":""}'.length);
  });

  test('a line of exactly 1 MiB buffered without its newline waits, then is accepted', () => {
    const r = new FrameReader();
    const line = lineOfSize(MiB);
    assert.deepEqual(r.push(line.subarray(0, MiB / 2)), []);
    assert.deepEqual(r.push(line.subarray(MiB / 2)), []);
    assert.equal(r.bufferedBytes, MiB);
    const frames = r.push(bytes('\n{"message":"next"}\n'));
    assert.equal(frames.length, 2);
    assert.ok(frames[0]?.ok);
    assert.deepEqual(frames[1], {
      ok: true,
      message: { message: 'next' },
      bytes: 18,
      text: '{"message":"next"}',
    });
  });

  test('a line of 1 MiB + 1 (in one chunk, with its newline) is 107', () => {
    const frames = new FrameReader().push(Buffer.concat([lineOfSize(MiB + 1), bytes('\n')]));
    assert.equal(frames.length, 1);
    const e = errorOf(frames[0]);
    assert.equal(e.code, TErr.BAD_MSG_LENGTH);
    assert.match(e.reason, /over 1048576 bytes/);
  });

  test('a 1 MiB pending line completed by one more byte and a newline is 107', () => {
    const r = new FrameReader();
    const line = lineOfSize(MiB + 1);
    assert.deepEqual(r.push(line.subarray(0, MiB)), []);
    const frames = r.push(Buffer.concat([line.subarray(MiB), bytes('\n')]));
    assert.equal(frames.length, 1);
    assert.equal(errorOf(frames[0]).code, 107);
  });

  test('an unterminated line growing over 1 MiB fails at once with 107, without a newline', () => {
    const r = new FrameReader();
    const big = lineOfSize(MiB + 1);
    assert.deepEqual(r.push(big.subarray(0, 512 * 1024)), []);
    assert.deepEqual(r.push(big.subarray(512 * 1024, MiB)), []);
    const frames = r.push(big.subarray(MiB, MiB + 1));
    assert.equal(frames.length, 1);
    const e = errorOf(frames[0]);
    assert.equal(e.code, 107);
    assert.match(e.reason, /1048577 so far/);
    assert.equal(r.bufferedBytes, 0, 'the buffer is released on failure');
  });

  test('a single chunk of over 1 MiB without a newline fails at once with 107', () => {
    const r = new FrameReader();
    const frames = r.push(Buffer.alloc(MiB + 1, 0x61));
    assert.equal(frames.length, 1);
    assert.equal(errorOf(frames[0]).code, 107);
  });

  test('valid lines before an oversized tail are yielded before its 107', () => {
    const r = new FrameReader();
    const frames = r.push(Buffer.concat([bytes('{"message":"A"}\n'), Buffer.alloc(MiB + 1, 0x61)]));
    assert.equal(frames.length, 2);
    assert.deepEqual(frames[0], { ok: true, message: { message: 'A' }, bytes: 15, text: '{"message":"A"}' });
    assert.equal(errorOf(frames[1]).code, 107);
  });

  test('nothing is yielded after a framing error, in the same chunk or later ones', () => {
    const r = new FrameReader();
    const frames = r.push(bytes('{"message":"A"}\nnot json\n{"message":"B"}\n{"message":"C'));
    assert.equal(frames.length, 2);
    assert.deepEqual(frames[0], { ok: true, message: { message: 'A' }, bytes: 15, text: '{"message":"A"}' });
    assert.equal(errorOf(frames[1]).code, 102);
    assert.equal(r.bufferedBytes, 0);
    assert.deepEqual(r.push(bytes('"}\n{"message":"D"}\n')), []);
    assert.deepEqual(r.push(bytes('{"message":"E"}\n')), []);
    assert.equal(r.bufferedBytes, 0);
  });

  test('nothing is yielded after a 107, even a valid line', () => {
    const r = new FrameReader();
    assert.equal(errorOf(r.push(Buffer.alloc(MiB + 1, 0x61))[0]).code, 107);
    assert.deepEqual(r.push(bytes('{"message":"A"}\n')), []);
  });

  test('bufferedBytes reports the bytes of a truncated last line', () => {
    const r = new FrameReader();
    assert.equal(r.bufferedBytes, 0);
    r.push(bytes('{"message":"A"}\n{"message":"B'));
    assert.equal(r.bufferedBytes, 13);
    r.push(bytes('\u00e9'));
    assert.equal(r.bufferedBytes, 15, 'counts bytes, not characters');
    r.push(bytes('"}\n'));
    assert.equal(r.bufferedBytes, 0);
  });

  test('a buffered partial line is copied: reusing the chunk memory does not corrupt it', () => {
    const r = new FrameReader();
    const chunk = bytes('{"message":"A"}\n{"message":"B"');
    assert.deepEqual(messagesOf(r.push(chunk)), [{ message: 'A' }]);
    chunk.fill(0x20);
    assert.deepEqual(messagesOf(r.push(bytes('}\n'))), [{ message: 'B' }]);
  });

  test('a custom maxLineBytes applies to complete and pending lines', () => {
    const small = new FrameReader(16);
    assert.deepEqual(messagesOf(small.push(bytes('{"message":"AB"}\n'))), [{ message: 'AB' }]); // 16 bytes
    const over = new FrameReader(16);
    assert.equal(errorOf(over.push(bytes('{"message":"ABC"}\n'))[0]).code, 107); // 17 bytes
    const pending = new FrameReader(16);
    assert.equal(errorOf(pending.push(bytes('{"message":"ABCD'.padEnd(17, 'x')))[0]).code, 107);
  });
});
