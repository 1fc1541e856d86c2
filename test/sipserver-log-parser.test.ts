/**
 * spec/sipserver-log.md, as read by the parser: each line form, attribute values and KV lists, times
 * without a date, noise, split files, and every way a log can be broken (cut off, bad bytes, lines
 * out of place): each is a skip naming file and line, never a crash and never a message made up.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import fc from 'fast-check';
import type { SourceRef } from '../src/journal.ts';
import { LogClock, parseClock } from '../src/sipserver-log/lines.ts';
import { type LogMessage, parseLogFiles, type Skip } from '../src/sipserver-log/parser.ts';

const dir = await mkdtemp(join(tmpdir(), 'sipserver-log-parser-'));
after(() => rm(dir, { recursive: true, force: true }));
let files = 0;

interface Parsed {
  messages: LogMessage[];
  skips: Skip[];
  starts: SourceRef[];
}

/** Parses `contents` as consecutive files of one log (strings are written as UTF-8, Buffers as they are). */
async function parse(...contents: Array<string | Buffer>): Promise<Parsed & { paths: string[] }> {
  const paths: string[] = [];
  for (const content of contents) {
    const path = join(dir, `log-${++files}.log`);
    await writeFile(path, content);
    paths.push(path);
  }
  const out: Parsed = { messages: [], skips: [], starts: [] };
  await parseLogFiles(paths, {
    message: (m) => out.messages.push(m),
    skip: (s) => out.skips.push(s),
    started: (s) => out.starts.push(s),
  });
  return { ...out, paths };
}

const lines = (...l: string[]) => `${l.join('\n')}\n`;
const DAY = Date.UTC(2026, 10, 23) * 1000;
const at = (h: number, m: number, s: number, micros = 0) =>
  DAY + ((h * 60 + m) * 60 + s) * 1_000_000 + micros;

/** The spec's request example, then the spec's reply example. */
const REQUEST = [
  '2026-11-23T10:15:00.120 Trc 04541 RequestSendEvent received from [612] (0000000b DesktopApp 10.0.0.7:51234)',
  'message RequestSendEvent',
  '\tAttributeReferenceID\t12',
  "\tAttributeThisDN\t'7001'",
  '\tAttributeUserEvent\tEventUserEvent',
  "\tAttributeThisDN\t'7001'",
  '\tAttributeConnID\t006b02a6c5a1e001',
  '\tAttributeUserData\t[27] 00 01 00 00..',
  "\t\t'screen-capture'\t'start'",
];
const REPLY = [
  '@10:15:00.1231 [0] 8.5.000.10 send_to_client: message EventACK',
  '\tAttributeReferenceID\t12',
  "\tAttributeThisDN\t'7001'",
  '10:15:00.123 Trc 04542 EventACK sent to [612] (0000000b DesktopApp 10.0.0.7:51234)',
];

describe('line forms (spec: "A request the T-Server received", "A message the T-Server sent")', () => {
  test('a request: the client from its `received from` line, the message from its `message` line and attributes', async () => {
    const { messages, skips, paths } = await parse(lines(...REQUEST));
    assert.deepEqual(skips, []);
    assert.equal(messages.length, 1);
    const [m] = messages as [LogMessage];
    assert.equal(m.direction, 'in');
    assert.deepEqual(m.client, {
      socket: 612,
      number: 11,
      application: 'DesktopApp',
      address: '10.0.0.7:51234',
    });
    assert.equal(m.micros, at(10, 15, 0, 120_000));
    assert.deepEqual(m.source, { file: paths[0], line: 1 });
    assert.deepEqual(m.message, {
      message: 'RequestSendEvent',
      ReferenceID: 12,
      ThisDN: '7001',
      Event: {
        message: 'EventUserEvent',
        ThisDN: '7001',
        ConnID: '006b02a6c5a1e001',
        UserData: [['screen-capture', 'start']],
      },
    });
    assert.deepEqual(m.unshown, []);
  });

  test('a reply: the `@` line prints it, each `sent to` line names a client it went to', async () => {
    const { messages, skips } = await parse(lines(...REQUEST, ...REPLY));
    assert.deepEqual(skips, []);
    const reply = messages[1] as LogMessage;
    assert.equal(reply.direction, 'out');
    assert.equal(reply.client.number, 11);
    assert.deepEqual(reply.message, { message: 'EventACK', ReferenceID: 12, ThisDN: '7001' });
    assert.equal(reply.source.line, 10, 'the message is where it is printed (its `@` line)');
  });

  test('distribute_event: one message, sent to every client its `sent to` lines name', async () => {
    const { messages } = await parse(
      lines(
        '2026-11-23T10:15:00.000 Std 05000 noise with a date',
        '@10:15:00.2000 [0] 8.5.000.10 distribute_event: message EventUserEvent',
        "\tAttributeThisDN\t'7001'",
        '\tAttributeEventSequenceNumber\t44',
        '\tAttributeUserData\t[27] 00 01 00 00..',
        "\t\t'screen-capture'\t'enabled'",
        '10:15:00.200 Trc 04542 EventUserEvent sent to [612] (0000000b DesktopApp 10.0.0.7:51234)',
        '10:15:00.201 Trc 04542 EventUserEvent sent to [700] (0000000c Recorder One 10.0.0.9:40000)',
      ),
    );
    assert.deepEqual(
      messages.map((m) => [m.client.number, m.client.application, m.message.EventSequenceNumber]),
      [
        [11, 'DesktopApp', 44],
        [12, 'Recorder One', 44],
      ],
    );
    assert.deepEqual(messages[0]?.message, messages[1]?.message);
  });

  test('a `T-Server started` line ends a T-Server run', async () => {
    const { starts, paths } = await parse(
      lines('2026-11-23T10:15:00.000 Std 00000 T-Server started: SIPServer 8.5.000.10', ...REQUEST),
    );
    assert.deepEqual(starts, [{ file: paths[0], line: 1 }]);
  });
});

describe('times', () => {
  test('`HH:MM:SS.mmm` and `@HH:MM:SS.ffff` take the date of the last full timestamp', async () => {
    const { messages } = await parse(lines(...REQUEST, ...REPLY));
    assert.equal(
      messages[1]?.micros,
      at(10, 15, 0, 123_100),
      'the `@` line (0.1 ms) is not later than its `sent to` line',
    );
  });

  test('a dateless time more than 12 hours before the last one is the next day (midnight)', async () => {
    const { messages } = await parse(
      lines(
        '2026-11-23T23:59:59.900 Trc 04541 RequestRegisterClient received from [1] (00000001 a 1.1.1.1:1)',
        'message RequestRegisterClient',
        '\tAttributeReferenceID\t1',
        '@00:00:00.0010 [0] 8.5 send_to_client: message EventClientRegistered',
        '\tAttributeReferenceID\t1',
        '00:00:00.001 Trc 04542 EventClientRegistered sent to [1] (00000001 a 1.1.1.1:1)',
      ),
    );
    assert.equal(messages[1]?.micros, at(24, 0, 0, 1_000));
  });

  test('times never step back: the log is in the T-Server order', () => {
    const clock = new LogClock();
    clock.setDate(DAY);
    assert.equal(clock.at(parseClock('10:00:00.1239') as number, false), at(10, 0, 0, 123_900));
    assert.equal(clock.at(parseClock('10:00:00.123') as number, true), at(10, 0, 0, 123_900));
    assert.equal(parseClock('25:00:00.000'), undefined);
  });
});

describe('attributes and KV lists (spec: "Attributes")', () => {
  const event = (...attributes: string[]) =>
    lines(
      '2026-11-23T10:15:00.000 Std 05000 date',
      '@10:15:00.2000 [0] 8.5.000.10 distribute_event: message EventUserEvent',
      ...attributes,
      '10:15:00.200 Trc 04542 EventUserEvent sent to [612] (0000000b DesktopApp 10.0.0.7:51234)',
    );

  test('nested lists (both forms), integer values, quotes inside strings, binary values', async () => {
    const { messages } = await parse(
      event(
        '\tAttributeUserData\t[99] 00 01 00 00..',
        "\t\t'screen-capture'\t'start'",
        "\t\t'AccountId'\t-42",
        "\t\t'Customer'\t'O'Brien's shop'",
        "\t\t'Routing'\t(list)",
        "\t\t\t'Queue'\t'8000'",
        "\t\t\t'Deeper'(list)",
        "\t\t\t\t'Level'\t3",
        "\t\t\t'After'\t'deep'",
        "\t\t'Blob'\t[3] 01 02 ff",
        "\t\t'Tail'\t'end'",
      ),
    );
    assert.deepEqual(messages[0]?.message.UserData, [
      ['screen-capture', 'start'],
      ['AccountId', -42],
      ['Customer', "O'Brien's shop"],
      [
        'Routing',
        [
          ['Queue', '8000'],
          ['Deeper', [['Level', 3]]],
          ['After', 'deep'],
        ],
      ],
      ['Blob', { binary: Buffer.from([1, 2, 255]).toString('base64') }],
      ['Tail', 'end'],
    ]);
  });

  test('a ConnID stays text even when all its digits are decimal; unknown attributes are kept', async () => {
    const { messages } = await parse(
      event(
        '\tAttributeConnID\t0060021534750001',
        '\tAttributeTimeinSecs\t1700000000',
        "\tAttributeOtherDN\t'7002'",
      ),
    );
    assert.deepEqual(messages[0]?.message, {
      message: 'EventUserEvent',
      ConnID: '0060021534750001',
      TimeinSecs: 1700000000,
      OtherDN: '7002',
    });
  });

  test('a KV pair outside any list is named in the message`s problem, the rest is read', async () => {
    const { messages } = await parse(event("\tAttributeThisDN\t'7001'", "\t\t'screen-capture'\t'start'"));
    assert.equal(messages[0]?.message.ThisDN, '7001');
    assert.match(messages[0]?.problem ?? '', /line 4: a KV pair outside a KV list/);
  });
});

describe('RequestSendEvent printed flat (spec: "The Tevent inside RequestSendEvent")', () => {
  const send = (...attributes: string[]) =>
    lines(
      '2026-11-23T10:15:00.120 Trc 04541 RequestSendEvent received from [612] (0000000b DesktopApp 10.0.0.7:51234)',
      'message RequestSendEvent',
      ...attributes,
    );

  test('with one AttributeThisDN it is both, and the log says the Tevent`s was not shown', async () => {
    const { messages } = await parse(
      send("\tAttributeThisDN\t'7001'", '\tAttributeUserEvent\tEventUserEvent'),
    );
    assert.deepEqual(messages[0]?.message.Event, { message: 'EventUserEvent', ThisDN: '7001' });
    assert.deepEqual(messages[0]?.unshown, ['Event.ThisDN']);
  });

  test('a second AttributeThisDN is the Tevent`s', async () => {
    const { messages } = await parse(
      send("\tAttributeThisDN\t'7001'", '\tAttributeUserEvent\tEventUserEvent', "\tAttributeThisDN\t'70019'"),
    );
    assert.deepEqual(messages[0]?.message.ThisDN, '7001');
    assert.deepEqual(messages[0]?.message.Event, { message: 'EventUserEvent', ThisDN: '70019' });
    assert.deepEqual(messages[0]?.unshown, []);
  });

  test('without AttributeUserEvent the messageType is not shown (not made up)', async () => {
    const { messages } = await parse(send("\tAttributeThisDN\t'7001'", "\tAttributeThisDN\t'7001'"));
    assert.deepEqual(messages[0]?.message.Event, { ThisDN: '7001' });
    assert.deepEqual(messages[0]?.unshown, ['Event.message']);
  });
});

describe('what a log holds besides messages', () => {
  test('unrelated lines between messages are ignored', async () => {
    const { messages, skips } = await parse(
      lines(
        '10:14:59.000: Sending  [0,UDP] 1024 bytes to 10.0.1.20:5060 >>>>>',
        'INVITE sip:7001@10.0.1.20:5060 SIP/2.0',
        'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1',
        '',
        '2026-11-23T10:15:00.000 Int 04543 Interaction message "EventRouteRequest" received from 65200 ("URS@3020")',
        '@10:15:00.0001 [BSYNC] Trace: Send to backup (SIPS_B) [20]:',
        'message RequestSetCallInfo',
        "\tAttributeThisDN\t'7001'",
        ...REQUEST,
        '10:15:00.121 some trace of the T-Server',
        ...REPLY,
      ),
    );
    assert.deepEqual(skips, []);
    assert.deepEqual(
      messages.map((m) => m.message.message),
      ['RequestSendEvent', 'EventACK'],
    );
  });

  test('CRLF line ends read as LF', async () => {
    const lf = await parse(lines(...REQUEST, ...REPLY));
    const crlf = await parse(lines(...REQUEST, ...REPLY).replaceAll('\n', '\r\n'));
    assert.deepEqual(
      crlf.messages.map((m) => m.message),
      lf.messages.map((m) => m.message),
    );
  });

  test('a log split over files is read in order, each message named by its own file and line', async () => {
    const { messages, skips, paths } = await parse(lines(...REQUEST), lines('noise', ...REPLY));
    assert.deepEqual(skips, []);
    assert.deepEqual(
      messages.map((m) => [m.message.message, m.source]),
      [
        ['RequestSendEvent', { file: paths[0], line: 1 }],
        ['EventACK', { file: paths[1], line: 2 }],
      ],
    );
    assert.equal(messages[1]?.micros, at(10, 15, 0, 123_100), 'the date carries over to the next file');
  });
});

describe('broken logs: a documented skip naming file and line, never a made-up message', () => {
  test('a message cut off at the end of a file', async () => {
    const text = lines(...REQUEST, ...REPLY.slice(0, 2)).slice(0, -5);
    const { messages, skips, paths } = await parse(text);
    assert.deepEqual(
      messages.map((m) => m.message.message),
      ['RequestSendEvent'],
    );
    assert.deepEqual(skips, [
      {
        source: { file: paths[0], line: 10 },
        name: 'EventACK',
        reason: `not read: it is cut off at the end of ${paths[0]} (line 11)`,
        endOfFile: paths[0],
        micros: at(10, 15, 0, 123_100),
      },
    ]);
  });

  test('a request cut off inside its attributes is not read at all', async () => {
    const { messages, skips, paths } = await parse(lines(...REQUEST).slice(0, -12));
    assert.deepEqual(messages, []);
    assert.equal(skips[0]?.name, 'RequestSendEvent');
    assert.deepEqual(skips[0]?.source, { file: paths[0], line: 1 });
  });

  test('the log ends before a printed message names its recipients', async () => {
    const { skips } = await parse(lines(...REQUEST, ...REPLY.slice(0, 3)));
    assert.match(skips[0]?.reason ?? '', /ends before any "sent to" line/);
    assert.equal(skips[0]?.source.line, 10);
  });

  test('bytes that are not UTF-8 inside a message: the message is skipped, naming its line and the bad one', async () => {
    const bad = Buffer.concat([
      Buffer.from(lines(...REQUEST.slice(0, 4))),
      Buffer.from([0x09, 0x41, 0xff, 0xfe, 0x0a]),
      Buffer.from(lines(...REQUEST.slice(4), ...REPLY)),
    ]);
    const { messages, skips, paths } = await parse(bad);
    assert.deepEqual(
      messages.map((m) => m.message.message),
      ['EventACK'],
    );
    assert.deepEqual(skips[0], {
      source: { file: paths[0], line: 1 },
      name: 'RequestSendEvent',
      reason: 'not read: line 5 is not valid UTF-8',
      micros: at(10, 15, 0, 120_000),
      client: 'client 0000000b',
    });
  });

  test('bytes that are not UTF-8 outside any message: that line is skipped, the rest is read', async () => {
    const bad = Buffer.concat([Buffer.from([0xc3, 0x28, 0x0a]), Buffer.from(lines(...REQUEST, ...REPLY))]);
    const { messages, skips, paths } = await parse(bad);
    assert.equal(messages.length, 2);
    assert.deepEqual(skips, [
      { source: { file: paths[0], line: 1 }, reason: 'the line is not valid UTF-8; it is not read' },
    ]);
  });

  test('a `received from` line not followed by its `message` line', async () => {
    const { messages, skips } = await parse(lines(REQUEST[0] as string, 'noise', ...REQUEST.slice(1)));
    assert.deepEqual(messages, []);
    assert.deepEqual(
      skips.map((s) => [s.source.line, s.name, s.reason]),
      [[1, 'RequestSendEvent', 'no "message" line follows it']],
    );
  });

  test('a `sent to` line whose message is not printed before it', async () => {
    const { messages, skips } = await parse(lines(...REQUEST, REPLY[3] as string));
    assert.equal(messages.length, 1);
    assert.deepEqual(
      skips.map((s) => [s.source.line, s.name]),
      [[10, 'EventACK']],
    );
  });

  test('any bytes at all: the parser never throws, and every message it reports was printed whole', async () => {
    const fragment = fc.oneof(
      fc.constantFrom(...REQUEST, ...REPLY, '', '\t', '\t\t', 'message ', '@', '2026-11-23T'),
      fc.string(),
      fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b).toString('latin1')),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fragment, { maxLength: 30 }), fc.boolean(), async (parts, crlf) => {
        const text = parts.join(crlf ? '\r\n' : '\n');
        const { messages } = await parse(Buffer.from(text, 'latin1'));
        for (const m of messages) assert.equal(typeof m.message.message, 'string');
      }),
      { numRuns: 150 },
    );
  });
});
