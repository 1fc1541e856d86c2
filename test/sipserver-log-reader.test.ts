import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { MARKER_UNKNOWN, MAX_LINE_BYTES } from '../src/sipserver-log/line-batch.ts';
import { type LineHandler, readLines } from '../src/sipserver-log/reader.ts';

const dir = await mkdtemp(join(tmpdir(), 'screencap-reader-'));
after(() => rm(dir, { recursive: true, force: true }));

type Event =
  | [kind: 'line', line: number, text: string, truncated: boolean]
  | [kind: 'passed', line: number]
  | [kind: 'bad', line: number, reason: string]
  | [
      kind: 'received' | 'sent',
      line: number,
      name: string,
      client: string,
      date: string | undefined,
      time: number,
    ]
  | [kind: 'printed', line: number, name: string, time: number]
  | [kind: 'message', line: number, name: string]
  | [kind: 'attribute', line: number, name: string, value: string | undefined];

/** A handler that notes what it is handed. */
function noting(events: Event[]): LineHandler {
  return {
    line: (bytes, start, end, line, truncated) =>
      events.push(['line', line, bytes.toString('utf8', start, end), truncated]),
    traced: (received, name, client, date, time, line) =>
      events.push([received ? 'received' : 'sent', line, name, client, date, time]),
    printedLine: (name, time, line) => events.push(['printed', line, name, time]),
    messageLine: (name, line) => events.push(['message', line, name]),
    attribute: (name, bytes, value, end, line) =>
      events.push(['attribute', line, name, value === -1 ? undefined : bytes.toString('utf8', value, end)]),
    passedOver: (line) => events.push(['passed', line]),
    badLine: (line, reason) => events.push(['bad', line, reason]),
  };
}

/** What the reader hands a handler for a file of `content`, and the digest it gives. */
async function read(name: string, content: Buffer | string, threadFrom: number) {
  const path = join(dir, name);
  await writeFile(path, content);
  const events: Event[] = [];
  const digest = await readLines(path, noting(events), threadFrom);
  return { events, digest };
}

/** `HH:MM:SS.ffff` in µs. */
const clock = (h: number, m: number, s: number, micros: number) => ((h * 60 + m) * 60 + s) * 1e6 + micros;
const CLIENT = '[1] (00000001 App 10.0.0.1:1)';
const sha256 = (content: Buffer | string) => createHash('sha256').update(content).digest('hex');

// Each file is read both ways: small logs on the calling thread, big ones on the reading thread.
for (const [how, threadFrom] of [
  ['on the calling thread', Number.POSITIVE_INFINITY],
  ['on the reading thread', 0],
] as const)
  describe(`read ${how}`, () => {
    test('lines a parser may read are handed over; a run of lines it cannot is one record; the digest is of every byte', async () => {
      const content = [
        '2026-11-23T10:15:00.120 Trc 04541 RequestRegisterClient received from [1] (00000001 App 10.0.0.1:1)',
        'message RequestRegisterClient',
        '\tAttributeReferenceID\t1',
        'INVITE sip:7001@10.0.0.1 SIP/2.0',
        'From: <sip:a@b>',
        '10:15:00.130: Sending  [0,UDP] 10 bytes to 10.0.0.2:5060 >>>>>',
        '@10:15:00.1401 [0] 8.1 send_to_client: message EventClientRegistered',
        '10:15:00.140 Trc 04542 EventClientRegistered sent to [1] (00000001 App 10.0.0.1:1)\r',
        'v=0',
        '',
      ].join('\n');
      const { events, digest } = await read('forms.log', content, threadFrom);
      assert.deepEqual(events, [
        ['received', 1, 'RequestRegisterClient', CLIENT, '2026-11-23', clock(10, 15, 0, 120_000)],
        ['message', 2, 'RequestRegisterClient'],
        ['attribute', 3, 'ReferenceID', '1'],
        ['passed', 4],
        ['printed', 7, 'EventClientRegistered', clock(10, 15, 0, 140_100)],
        ['sent', 8, 'EventClientRegistered', CLIENT, undefined, clock(10, 15, 0, 140_000)],
        ['passed', 9],
      ]);
      assert.deepEqual(digest, { bytes: Buffer.byteLength(content), sha256: sha256(content) });
    });

    test('a line passed over that starts with a new date is handed over (it dates the lines after it); with the same date, not', async () => {
      const content = [
        '2026-11-23 10:15:00.000 some line of no form',
        '2026-11-23 10:15:01.000 another, same date',
        '2026-11-24 00:00:01.000 the next day',
        '11/25/26 00:00:01.000 a locale date',
        '11/25/26 00:00:02.000 the same again',
      ].join('\n');
      const { events } = await read('dates.log', `${content}\n`, threadFrom);
      assert.deepEqual(
        events.map((e) => e.slice(0, 2)),
        [
          ['line', 1],
          ['passed', 2],
          ['line', 3],
          ['line', 4],
          ['passed', 5],
        ],
      );
    });

    test('lines across chunk boundaries, an over-long line, a line that is not UTF-8 and a last line cut off are each read or named', async () => {
      const long = 'x'.repeat(MAX_LINE_BYTES + 10);
      const spanning = `message ${'A'.repeat(MAX_LINE_BYTES - 100)}`;
      const content = Buffer.concat([
        Buffer.from(`message First\n${spanning}\n${long}\n`),
        Buffer.from([0x6d, 0x65, 0x73, 0x73, 0x61, 0x67, 0x65, 0x20, 0xff, 0xfe, 0x0a]),
        Buffer.from('message Last'),
      ]);
      const { events, digest } = await read('edges.log', content, threadFrom);
      assert.deepEqual(events, [
        ['message', 1, 'First'],
        ['message', 2, spanning.slice('message '.length)],
        ['bad', 3, `longer than ${MAX_LINE_BYTES} bytes`],
        ['bad', 4, 'not valid UTF-8'],
        ['line', 5, 'message Last', true],
      ]);
      assert.deepEqual(digest, { bytes: content.length, sha256: sha256(content) });
    });

    test('the digest is of every byte, however lines fall across chunks: over-long lines (one ending mid-chunk, one spanning chunks without a line end, one last), a line carried after one, CRLF', async () => {
      const chunk = MAX_LINE_BYTES;
      const cases: Array<[string, Buffer]> = [
        // An over-long line whose end falls in a later chunk, then a line carried over a chunk boundary.
        [
          'overlong-then-carried',
          Buffer.from(`${'x'.repeat(2 * chunk + 17)}\nmessage ${'B'.repeat(chunk - 5)}\nmessage C\n`),
        ],
        // An over-long line spanning whole chunks with no line end in them, ended right after.
        ['overlong-spanning', Buffer.from(`message A\n${'y'.repeat(3 * chunk + 3)}\r\nmessage D\r\n`)],
        // A file that ends inside an over-long line.
        ['overlong-last', Buffer.from(`message A\n${'z'.repeat(chunk + chunk / 2)}`)],
        // The tail of an over-long line, then a line begun and carried within one chunk.
        [
          'overlong-tail-carry',
          Buffer.from(`${'w'.repeat(chunk + 10)}\nmessage ${'E'.repeat(chunk - 200)}\nmessage F`),
        ],
      ];
      for (const [name, content] of cases) {
        const { digest } = await read(`${name}.log`, content, threadFrom);
        assert.deepEqual(digest, { bytes: content.length, sha256: sha256(content) }, name);
      }
    });

    test('a file that cannot be read fails as reading it does, naming it', async () => {
      await assert.rejects(readLines(join(dir, 'missing.log'), noting([]), threadFrom), {
        code: 'ENOENT',
      });
      await assert.rejects(readLines(dir, noting([]), threadFrom), {
        code: 'EISDIR',
      });
    });

    test('the parser is told where a line starting with a digit holds its first marker (-1: none), and that other lines were not looked at', async () => {
      const path = join(dir, 'markers.log');
      // Lines in forms the reading thread leaves to the parser: a locale timestamp, a Std line, a name after two spaces.
      await writeFile(
        path,
        `11/23/26 10:15:00.140 Trc 04542 EventACK sent to ${CLIENT}\n2026-11-23T10:15:00.120 Std 00000 T-Server started: X 1\n2026-11-24 00:00:01.000 a line of no form\nmessage  EventACK\n`,
      );
      const markers: number[] = [];
      await readLines(
        path,
        {
          ...noting([]),
          line: (_b, start, _e, _l, _t, marker) => markers.push(marker >= 0 ? marker - start : marker),
        },
        threadFrom,
      );
      assert.deepEqual(markers, [21, 23, -1, MARKER_UNKNOWN]);
    });

    test('the plain forms are read on the reading thread; any other form of a line is handed over as its bytes', async () => {
      const content = [
        // Read: the three timestamp forms most logs print, a name the parser canonicalizes later, an attribute with no value.
        `2026-11-23 10:15:00.005 Trc 04541 RequestDistributeEvent received from ${CLIENT}`,
        "\tAttributeThisDN\t'7001'",
        '\tAttributeUserData\t[24] 5b 5b 22 44..',
        "\t\t'screen-capture'\t'start'",
        '\tNoPrefix\tx\ty',
        '\tAttributeFlag',
        `10:15:00.0061 [0] 8.1 distribute_event: message EventUserEvent`,
        '@10:15:00.0061 [12] 8.1.103.95 distribute party event: message EventUserEvent',
        // Left to the parser: a locale timestamp, a client that is not ASCII, an escape or a space in a name,
        // a time that is no time, a version cut short.
        `11/23/26 10:15:00.005 Trc 04541 RequestSendEvent received from ${CLIENT}`,
        '10:15:00.006 Trc 04542 EventACK sent to [1] (00000001 Äpp 10.0.0.1:1)',
        '\tAttribute\\u0041\t1',
        '\tAttribute Spaced\t1',
        '@10:15:00.00x [0] 8.1 send_to_client: message EventACK',
        '@10:15:00.0061 [0] send_to_client: message EventACK',
        '',
      ].join('\n');
      const { events } = await read('tokens.log', content, threadFrom);
      const text = content.split('\n');
      assert.deepEqual(events, [
        ['received', 1, 'RequestDistributeEvent', CLIENT, '2026-11-23', clock(10, 15, 0, 5_000)],
        ['attribute', 2, 'ThisDN', "'7001'"],
        ['attribute', 3, 'UserData', '[24] 5b 5b 22 44..'],
        ['line', 4, text[3], false],
        ['attribute', 5, 'NoPrefix', 'x\ty'],
        ['attribute', 6, 'Flag', undefined],
        ['passed', 7],
        ['printed', 8, 'EventUserEvent', clock(10, 15, 0, 6_100)],
        ...[9, 10, 11, 12, 13, 14].map((n): Event => ['line', n, text[n - 1] as string, false]),
      ]);
    });

    test('a text the reading thread names by an id it then gives another (it holds 10,000) reaches the parser as it was', async () => {
      // Each line names a client of its own: ids are reused from the 10,001st, in the same batch as the first.
      const clients = Array.from(
        { length: 25_000 },
        (_, n) => `[${n}] (${n.toString(16).padStart(8, '0')} App${n} 10.0.0.1:1)`,
      );
      const content = clients
        .map((c, n) => `10:15:00.${String(n % 1000).padStart(3, '0')} Trc 04542 EventACK sent to ${c}\n`)
        .join('');
      const { events } = await read('clients.log', content, threadFrom);
      assert.equal(events.length, clients.length);
      for (const [n, e] of events.entries())
        assert.deepEqual(e.slice(0, 4), ['sent', n + 1, 'EventACK', clients[n]]);
    });
  });
