import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { MARKER_UNKNOWN, MAX_LINE_BYTES } from '../src/sipserver-log/line-batch.ts';
import { readLines } from '../src/sipserver-log/reader.ts';

const dir = await mkdtemp(join(tmpdir(), 'screencap-reader-'));
after(() => rm(dir, { recursive: true, force: true }));

type Event =
  | [kind: 'line', line: number, text: string, truncated: boolean]
  | [kind: 'passed', line: number]
  | [kind: 'bad', line: number, reason: string];

/** What the reader hands a handler for a file of `content`, and the digest it gives. */
async function read(name: string, content: Buffer | string, threadFrom: number) {
  const path = join(dir, name);
  await writeFile(path, content);
  const events: Event[] = [];
  const digest = await readLines(
    path,
    {
      line: (bytes, start, end, line, truncated) =>
        events.push(['line', line, bytes.toString('utf8', start, end), truncated]),
      passedOver: (line) => events.push(['passed', line]),
      badLine: (line, reason) => events.push(['bad', line, reason]),
    },
    threadFrom,
  );
  return { events, digest };
}

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
        [
          'line',
          1,
          '2026-11-23T10:15:00.120 Trc 04541 RequestRegisterClient received from [1] (00000001 App 10.0.0.1:1)',
          false,
        ],
        ['line', 2, 'message RequestRegisterClient', false],
        ['line', 3, '\tAttributeReferenceID\t1', false],
        ['passed', 4],
        ['line', 7, '@10:15:00.1401 [0] 8.1 send_to_client: message EventClientRegistered', false],
        [
          'line',
          8,
          '10:15:00.140 Trc 04542 EventClientRegistered sent to [1] (00000001 App 10.0.0.1:1)',
          false,
        ],
        ['passed', 9],
      ]);
      assert.deepEqual(digest, {
        bytes: Buffer.byteLength(content),
        sha256: createHash('sha256').update(content).digest('hex'),
      });
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
        ['line', 1, 'message First', false],
        ['line', 2, spanning, false],
        ['bad', 3, `longer than ${MAX_LINE_BYTES} bytes`],
        ['bad', 4, 'not valid UTF-8'],
        ['line', 5, 'message Last', true],
      ]);
      assert.equal(digest.bytes, content.length);
    });

    test('a file that cannot be read fails as reading it does, naming it', async () => {
      await assert.rejects(
        readLines(join(dir, 'missing.log'), { line() {}, passedOver() {}, badLine() {} }, threadFrom),
        {
          code: 'ENOENT',
        },
      );
      await assert.rejects(readLines(dir, { line() {}, passedOver() {}, badLine() {} }, threadFrom), {
        code: 'EISDIR',
      });
    });

    test('the parser is told where a line starting with a digit holds its first marker (-1: none), and that other lines were not looked at', async () => {
      const path = join(dir, 'markers.log');
      await writeFile(
        path,
        '10:15:00.140 Trc 04542 EventACK sent to [1] (00000001 App 10.0.0.1:1)\n2026-11-24 00:00:01.000 a line of no form\nmessage EventACK\n',
      );
      const markers: number[] = [];
      await readLines(
        path,
        { line: (_b, _s, _e, _l, _t, marker) => markers.push(marker), passedOver() {}, badLine() {} },
        threadFrom,
      );
      assert.deepEqual(markers, [12, -1, MARKER_UNKNOWN]);
    });
  });
