/**
 * The journal of a simulator running elsewhere, followed through its admin API: an entry the
 * journal could not hold (a message whose name is no string) ends following it with why, and the
 * run's barrier says so, instead of failing inside the journal.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { JournalMirror } from '../src/conformance/journal-mirror.ts';
import { DISCONNECTED, JOURNAL_FORMAT } from '../src/journal.ts';
import { WAIT_MS } from './helpers.ts';

/** An admin API whose journal holds `lines` (NDJSON), and says it reached entry `seq`. */
async function admin(lines: readonly string[], seq: number, format: string | null = String(JOURNAL_FORMAT)) {
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/health')) return void res.end(JSON.stringify({ journalSeq: seq }));
    res.writeHead(200, format === null ? {} : { 'x-journal-format': format });
    res.write(lines.map((l) => `${l}\n`).join('')); // and keeps the stream open, as follow=1 does
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const entry = (seq: number, message: unknown) =>
  JSON.stringify({
    seq,
    time: 't',
    micros: seq,
    party: 'tserver',
    direction: 'in',
    peer: 'client 1',
    message,
  });

test("a followed journal's entries are copied; one whose message name is no string ends following it, naming it", async (t) => {
  const good = entry(1, { message: 'RequestRegisterClient', ReferenceID: { toString: 1 } });
  for (const [bad, why] of [
    [
      entry(2, { message: { toString: 1 }, ReferenceID: 1 }),
      'message.message: expected a string, got {"toString":1}',
    ],
    [entry(2, null), 'message: expected an object, got null'],
    [
      JSON.stringify({ seq: 2, party: { toString: 1 }, direction: 'in', message: { message: 'x' } }),
      'party: expected a string, got {"toString":1}',
    ],
    [
      JSON.stringify({ seq: 2, party: 'tserver', direction: 'in', message: { message: 'x' }, pseudo: 'yes' }),
      'pseudo: expected true, got "yes"',
    ],
    // The rules time replies by it: a time that is no number would let them pass unjudged.
    [
      JSON.stringify({
        seq: 2,
        time: 't',
        micros: 'x',
        party: 'tserver',
        direction: 'in',
        message: { message: 'x' },
      }),
      'micros: expected a number, got "x"',
    ],
    [
      JSON.stringify({ seq: 2, micros: 2, party: 'tserver', direction: 'in', message: { message: 'x' } }),
      'time: expected a string, got nothing',
    ],
    // Numbered behind the last: the barrier (sync) counts on entries coming in order.
    [entry(1, { message: 'EventACK' }), 'seq: expected more than 1, got 1'],
  ] as const) {
    const { url, server } = await admin([good, bad], 2);
    t.after(() => server.closeAllConnections());
    t.after(() => server.close());
    const mirror = await JournalMirror.follow(url, { maxBytes: 1_000_000 });
    await assert.rejects(
      mirror.sync(WAIT_MS),
      new RegExp(
        `no longer followed: the journal line after entry 1 is no journal entry: ${why.replace(/[{}()[\]]/g, '\\$&')}`,
      ),
    );
    assert.deepEqual(
      mirror.journal.entries.map((e) => e.message.message),
      ['RequestRegisterClient'],
    );
    await mirror.stop();
  }
});

test('a simulator whose journal is in another format (an older one marks no entry its own) is not followed: the error says to run this version', async () => {
  // As a simulator of before the format wrote a client's drop: no pseudo mark, no format header.
  const old = [entry(1, { message: DISCONNECTED, Cause: 'dropped by the T-Server' })];
  for (const format of [null, '1', '3']) {
    const { url, server } = await admin(old, 1, format);
    try {
      await assert.rejects(
        JournalMirror.follow(url, { maxBytes: 1 << 20 }),
        new RegExp(
          `the simulator at ${url.replace(/[.]/g, '\\.')} writes its journal in ${format === null ? 'an older format' : `format "${format}"`}, and this harness reads format ${JOURNAL_FORMAT}: run the simulator of this harness's version`,
        ),
      );
    } finally {
      server.closeAllConnections();
      server.close();
    }
  }
  // A header of garbage, as long as an HTTP header may be: refused, and named shortly.
  const { url, server } = await admin(old, 1, `2${'[{"\\'.repeat(2_000)}`);
  try {
    await assert.rejects(JournalMirror.follow(url, { maxBytes: 1 << 20 }), (e: Error) => {
      assert.match(e.message, /writes its journal in format "2.*\.\.\., and this harness reads format 2/);
      assert.ok(e.message.length < 500, `${e.message.length} characters`);
      return true;
    });
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
