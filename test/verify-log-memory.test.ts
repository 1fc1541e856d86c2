/**
 * verify-log's memory follows the log's screen-capture traffic, not its size (README; issue 13
 * item 6), and what its result repeats is capped. Logs are generated here at two sizes ten times
 * apart: what verify-log holds while reading must grow by a few bytes per client at most, and a
 * result must not grow with the number of exchanges it judged beyond what it lists.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parseLogFiles } from '../src/sipserver-log/parser.ts';
import { Retainer, Selection } from '../src/verify-log/retain.ts';
import { EXCHANGES_LISTED, verifyLog } from '../src/verify-log/verify.ts';
import { LOG_SETTINGS, requestReplyLines } from './helpers.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const dir = await mkdtemp(join(tmpdir(), 'verify-log-memory-'));
after(() => rm(dir, { recursive: true, force: true }));

const DESK = '[1] (00000001 Desk 127.0.0.1:1)';
const hex = (n: number) => n.toString(16).padStart(8, '0');
const clock = (ms: number) => new Date(Date.UTC(2026, 10, 23, 10, 16) + ms).toISOString().slice(11, 23);

/**
 * Client `n` (socket n) registers as a client and is answered; if `dn`, registers DN `n` (its own:
 * no screen-capture traffic goes over it); then, if `leaves`, disconnects.
 */
function registration(n: number, leaves: boolean, dn = false): string {
  const client = `[${n}] (${hex(n)} App${n} 10.0.${n % 250}.1:${n % 60000})`;
  const stamp = `2026-11-23T${clock(n)}`;
  return [
    ...requestReplyLines({
      stamp,
      client,
      request: 'RequestRegisterClient',
      reply: 'EventClientRegistered',
      reference: 1,
      requestOnly: [`\tAttributeApplicationName\t'App${n}'`],
    }),
    ...(dn
      ? requestReplyLines({
          stamp,
          client,
          request: 'RequestRegisterAddress',
          reply: 'EventRegistered',
          reference: 2,
          attributes: [`\tAttributeThisDN\t'${n}'`],
        })
      : []),
    ...(leaves ? [`${stamp} Std 04524 Client ${n} disconnected`] : []),
  ].join('\n');
}

/** The desktop (client 1) registers DN 7001, then sends `count` operations nobody answers. */
function unanswered(count: number): string {
  const lines = [
    `2026-11-23T10:15:00.001 Trc 04541 RequestRegisterClient received from ${DESK}`,
    'message RequestRegisterClient',
    '\tAttributeReferenceID\t1',
    "\tAttributeApplicationName\t'Desk'",
    `2026-11-23T10:15:00.002 Trc 04541 RequestRegisterAddress received from ${DESK}`,
    'message RequestRegisterAddress',
    '\tAttributeReferenceID\t2',
    "\tAttributeThisDN\t'7001'",
    '@10:15:00.0020 [0] 8.5.000.10 send_to_client: message EventRegistered',
    '\tAttributeReferenceID\t2',
    "\tAttributeThisDN\t'7001'",
    `10:15:00.002 Trc 04542 EventRegistered sent to ${DESK}`,
  ];
  for (let i = 0; i < count; i++) {
    lines.push(
      `2026-11-23T${clock(i * 10)} Trc 04541 RequestSendEvent received from ${DESK}`,
      'message RequestSendEvent',
      `\tAttributeReferenceID\t${i + 3}`,
      "\tAttributeThisDN\t'7001'",
      '\tAttributeUserEvent\tEventUserEvent',
      '\tAttributeUserData\t[27] 00 01 00 00..',
      "\t\t'screen-capture'\t'start'",
    );
  }
  return lines.join('\n');
}

let files = 0;
async function logFile(text: string): Promise<string> {
  const path = join(dir, `log-${++files}.log`);
  await writeFile(path, `${text}\n`);
  return path;
}

/**
 * What reading a log of `clients` registrations holds when its last message has been read and
 * retained: the heap in use then (after a full GC), less the heap in use once the parser and the
 * retainer are let go.
 */
async function heldWhileReading(clients: number, leave: boolean, dn = false): Promise<number> {
  const parts: string[] = [];
  for (let n = 2; n < clients + 2; n++) parts.push(registration(n, leave, dn));
  const path = await logFile(parts.join('\n'));
  parts.length = 0;
  const selection = new Selection();
  let retainer: Retainer | undefined = new Retainer(selection);
  let read = 0;
  let during = 0;
  const last = clients * ((dn ? 4 : 2) + (leave ? 1 : 0));
  await parseLogFiles([path], {
    select: (name) => selection.select(name),
    message: (m) => {
      retainer?.add(m);
      if (++read < last) return;
      gc();
      during = process.memoryUsage().heapUsed;
    },
    skip: (s) => assert.fail(`unexpected skip: ${JSON.stringify(s)}`),
  });
  assert.equal(read, last);
  assert.equal(retainer.seen, clients);
  // Nothing of a client that took no part in screen capture is an entry.
  assert.deepEqual(retainer.entries(), []);
  retainer = undefined;
  gc();
  return during - process.memoryUsage().heapUsed;
}

describe('verify-log memory follows screen-capture traffic, not the log (issue 13 item 6)', () => {
  test('clients that register and stay: a few bytes each (not their messages)', async () => {
    const small = await heldWhileReading(10_000, false);
    const large = await heldWhileReading(100_000, false);
    const perClient = (large - small) / 90_000;
    // Before: every registration was kept as two journal entries (over 1.5 KB per client).
    assert.ok(perClient < 250, `${perClient.toFixed(0)} bytes held per client (${small} -> ${large})`);
  });

  test('clients that register a DN no screen-capture traffic goes over, and stay: no entries, a few hundred bytes each', async () => {
    const small = await heldWhileReading(10_000, false, true);
    const large = await heldWhileReading(100_000, false, true);
    const perClient = (large - small) / 90_000;
    process.stdout.write(`# ${perClient.toFixed(0)} bytes held per client with a DN of its own\n`);
    // Before: its RequestRegisterAddress and EventRegistered were kept as journal entries.
    assert.ok(perClient < 800, `${perClient.toFixed(0)} bytes held per client (${small} -> ${large})`);
  });

  test('clients that register a DN and leave: forgotten', async () => {
    const small = await heldWhileReading(10_000, true, true);
    const large = await heldWhileReading(100_000, true, true);
    const perClient = (large - small) / 90_000;
    assert.ok(
      perClient < 20,
      `${perClient.toFixed(1)} bytes held per client that left (${small} -> ${large})`,
    );
  });

  test('clients that register and leave: forgotten', async () => {
    const small = await heldWhileReading(10_000, true);
    const large = await heldWhileReading(100_000, true);
    const perClient = (large - small) / 90_000;
    assert.ok(
      perClient < 20,
      `${perClient.toFixed(1)} bytes held per client that left (${small} -> ${large})`,
    );
  });
});

describe('a result repeats at most so much, and says how much it left out', () => {
  test('unanswered operations: exchanges listed up to the cap and counted, findings capped per rule', async () => {
    const sizes: number[] = [];
    for (const count of [2 * EXCHANGES_LISTED, 4 * EXCHANGES_LISTED]) {
      const result = await verifyLog([await logFile(unanswered(count))], { settings: LOG_SETTINGS });
      assert.equal(result.source.exchanges, count);
      assert.equal(result.exchanges.length, EXCHANGES_LISTED);
      const reply = result.rules.find((r) => r.rule === 'TSRV-REPLY');
      assert.equal(reply?.outcome, 'failed', reply?.reason);
      const scenario = result.scenarios[0]?.rules.find((r) => r.rule === 'TSRV-REPLY');
      assert.equal(scenario?.findings.length, 100);
      assert.match(
        scenario?.reason ?? '',
        /… and \d+ more finding\(s\) of this rule, not repeated \(\d+ in all\)$/,
      );
      sizes.push(JSON.stringify(result).length);
    }
    const [twice, fourTimes] = sizes as [number, number];
    // Twice the operations: the result lists as many of them (the totals' digits aside).
    assert.ok(fourTimes < twice * 1.01, `result of ${twice} bytes grew to ${fourTimes}`);
  });
});
