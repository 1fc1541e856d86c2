/**
 * The simulator's admin API over real HTTP (global fetch) and its effect on tlib-json clients: call
 * events, every fault kind with `dn` scoping and `count`, fault validation, journal, health, routing.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DISCONNECTED, RESTARTED } from '../src/journal.ts';
import {
  assertNoUserEventsSince,
  assertOnlySentinelDelivered,
  Harness,
  ISO_MICROS,
  Lines,
  parseNdjson,
  type RawClient,
} from './helpers.ts';

const CONN_ID = /^[0-9a-f]{16}$/;

/** The `out` journal entry of the request with this ReferenceID, and the reply's `in` entry. */
function timing(client: RawClient, ref: number, after: number) {
  const sent = client.journal.find(
    (e) => e.party === client.party && e.direction === 'out' && e.message.ReferenceID === ref,
    after,
  );
  assert.ok(sent, `request ${ref} was sent`);
  return sent.micros;
}

describe('call events', () => {
  test('POST /calls {dn} -> 201 {connId}; registrants of the DN receive EventEstablished (ThisDN, ConnID), others nothing', async (t) => {
    const h = await Harness.start(t);
    const r1 = await h.client('recorder-1', '7001');
    const r2 = await h.client('recorder-2', '7001');
    const other = await h.client('other', '7002');
    const mark = h.journal.mark;
    const res = await h.api('POST', '/calls', { dn: '7001' });
    assert.equal(res.status, 201);
    assert.match(res.body.connId, CONN_ID);
    assert.equal(res.body.dn, '7001');
    for (const r of [r1, r2]) {
      const { message } = await r.next((m) => m.message === 'EventEstablished', 'EventEstablished', mark);
      assert.equal(message.ThisDN, '7001');
      assert.equal(message.ConnID, res.body.connId);
      assert.match(message.Time as string, ISO_MICROS);
      assert.ok(Number.isSafeInteger(message.EventSequenceNumber));
    }
    await other.ping();
    assert.deepEqual(
      other.received(mark).map((m) => m.message),
      ['EventClientRegistered'],
      'a registrant of another DN gets no call event',
    );
  });

  test('each call gets its own ConnID, listed by GET /calls until released', async (t) => {
    const h = await Harness.start(t);
    const a = await h.api('POST', '/calls', { dn: '7001' });
    const b = await h.api('POST', '/calls', { dn: '7001' });
    assert.notEqual(a.body.connId, b.body.connId);
    const list = await h.api('GET', '/calls');
    assert.equal(list.status, 200);
    assert.deepEqual(
      list.body.map((c: { connId: string }) => c.connId).sort(),
      [a.body.connId, b.body.connId].sort(),
    );
    await h.api('DELETE', `/calls/${a.body.connId}`);
    assert.deepEqual(
      (await h.api('GET', '/calls')).body.map((c: { connId: string }) => c.connId),
      [b.body.connId],
    );
  });

  test('DELETE /calls/<connId> -> 200; registrants receive EventReleased (ThisDN, ConnID); a second DELETE -> 404', async (t) => {
    const h = await Harness.start(t);
    const r = await h.client('recorder', '7001');
    const { body: call } = await h.api('POST', '/calls', { dn: '7001' });
    const mark = h.journal.mark;
    const res = await h.api('DELETE', `/calls/${call.connId}`);
    assert.equal(res.status, 200);
    assert.equal(res.body.connId, call.connId);
    const { message } = await r.next((m) => m.message === 'EventReleased', 'EventReleased', mark);
    assert.equal(message.ThisDN, '7001');
    assert.equal(message.ConnID, call.connId);
    assert.match(message.Time as string, ISO_MICROS);
    const again = await h.api('DELETE', `/calls/${call.connId}`);
    assert.equal(again.status, 404);
    assert.match(again.body.error, new RegExp(call.connId));
  });

  test('hold, consult, retrieve: EventHeld, EventEstablished of the consultation call, EventRetrieved; 409 for a call in the wrong state', async (t) => {
    const h = await Harness.start(t);
    const r = await h.client('recorder', '7001');
    const { body: call } = await h.api('POST', '/calls', { dn: '7001' });
    const mark = h.journal.mark;
    const consult = await h.api('POST', `/calls/${call.connId}/consult`);
    assert.equal(consult.status, 201);
    assert.match(consult.body.connId, CONN_ID);
    assert.notEqual(consult.body.connId, call.connId);
    assert.equal(consult.body.consultOf, call.connId);
    const held = await r.next((m) => m.message === 'EventHeld', 'EventHeld', mark);
    assert.deepEqual([held.message.ThisDN, held.message.ConnID], ['7001', call.connId]);
    const second = await r.next(
      (m) => m.message === 'EventEstablished' && m.ConnID === consult.body.connId,
      'EventEstablished',
      mark,
    );
    assert.equal(second.message.ConnID, consult.body.connId);
    assert.ok((held.message.EventSequenceNumber as number) < (second.message.EventSequenceNumber as number));
    const states = (await h.api('GET', '/calls')).body.map((c: { connId: string; state: string }) => [
      c.connId,
      c.state,
    ]);
    assert.deepEqual(states, [
      [call.connId, 'held'],
      [consult.body.connId, 'established'],
    ]);
    const holdAgain = await h.api('POST', `/calls/${call.connId}/hold`);
    assert.equal(holdAgain.status, 409);
    assert.match(holdAgain.body.error, new RegExp(`call ${call.connId} on DN 7001 is held, not established`));
    await h.api('DELETE', `/calls/${consult.body.connId}`);
    const retrieved = await h.api('POST', `/calls/${call.connId}/retrieve`);
    assert.equal(retrieved.status, 200);
    assert.equal(retrieved.body.state, 'established');
    const back = await r.next((m) => m.message === 'EventRetrieved', 'EventRetrieved', mark);
    assert.equal(back.message.ConnID, call.connId);
    assert.equal((await h.api('POST', `/calls/${call.connId}/retrieve`)).status, 409);
  });

  for (const change of ['transfer', 'conference']) {
    test(`POST /calls/<connId>/${change}: the call goes on under a new ConnID; registrants get EventPartyChanged (ConnID, PreviousConnID)`, async (t) => {
      const h = await Harness.start(t);
      const r = await h.client('recorder', '7001');
      const { body: call } = await h.api('POST', '/calls', { dn: '7001' });
      const mark = h.journal.mark;
      const res = await h.api('POST', `/calls/${call.connId}/${change}`);
      assert.equal(res.status, 200);
      assert.match(res.body.connId, CONN_ID);
      assert.notEqual(res.body.connId, call.connId);
      assert.equal(res.body.previousConnId, call.connId);
      const { message } = await r.next((m) => m.message === 'EventPartyChanged', 'EventPartyChanged', mark);
      assert.deepEqual(
        [message.ThisDN, message.ConnID, message.PreviousConnID],
        ['7001', res.body.connId, call.connId],
      );
      // The previous ConnID names no call any more; the new one does.
      assert.equal((await h.api('DELETE', `/calls/${call.connId}`)).status, 404);
      assert.equal((await h.api('POST', `/calls/00000000deadbeef/${change}`)).status, 404);
      assert.equal((await h.api('DELETE', `/calls/${res.body.connId}`)).status, 200);
    });
  }

  test('DELETE /calls/<unknown connId> -> 404 naming it, and nothing is sent', async (t) => {
    const h = await Harness.start(t);
    const r = await h.client('recorder', '7001');
    const mark = h.journal.mark;
    const res = await h.api('DELETE', '/calls/00000000deadbeef');
    assert.equal(res.status, 404);
    assert.match(res.body.error, /00000000deadbeef/);
    await r.ping();
    assert.deepEqual(
      r.received(mark).map((m) => m.message),
      ['EventClientRegistered'],
    );
  });

  test('a call ConnID travels in RequestSendEvent and is delivered with the EventUserEvent', async (t) => {
    const h = await Harness.start(t);
    const d = await h.client('desktop', '7001');
    const r = await h.client('recorder', '7001');
    const { body: call } = await h.api('POST', '/calls', { dn: '7001' });
    const mark = h.journal.mark;
    assert.equal((await d.sendEvent('7001', [['screen-capture', 'start']], call.connId)).message, 'EventACK');
    const { message } = await r.next((m) => m.message === 'EventUserEvent', 'the event', mark);
    assert.equal(message.ConnID, call.connId);
  });

  const badBodies: Array<[string, unknown]> = [
    ['an empty object', {}],
    ['a numeric dn', { dn: 7001 }],
    ['an empty dn', { dn: '' }],
    ['a 65-character dn', { dn: 'x'.repeat(65) }],
    ['JSON null', null],
    ['an array', [{ dn: '7001' }]],
  ];
  for (const [what, body] of badBodies) {
    test(`POST /calls with ${what} -> 400 naming dn; no call, no event`, async (t) => {
      const h = await Harness.start(t);
      const r = await h.client('recorder', '7001');
      const mark = h.journal.mark;
      const res = await h.api('POST', '/calls', body);
      assert.equal(res.status, 400);
      assert.match(res.body.error, /^dn: /);
      assert.deepEqual((await h.api('GET', '/calls')).body, []);
      await r.ping();
      assert.deepEqual(
        r.received(mark).map((m) => m.message),
        ['EventClientRegistered'],
      );
    });
  }

  test('POST /calls on a DN outside the configured list -> 400 naming dn; a configured DN works', async (t) => {
    const h = await Harness.start(t, { dns: ['7001', '7002'] });
    const res = await h.api('POST', '/calls', { dn: '7003' });
    assert.equal(res.status, 400);
    assert.match(res.body.error, /^dn: .*7003/);
    assert.equal((await h.api('POST', '/calls', { dn: '7002' })).status, 201);
  });
});

describe('faults', () => {
  async function addFault(h: Harness, spec: Record<string, unknown>): Promise<{ id: number }> {
    const res = await h.api('POST', '/faults', spec);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.ok(Number.isSafeInteger(res.body.id));
    return res.body;
  }

  test('delay: EventACK and the delivery both arrive at least ms later; other DNs are not held up', async (t) => {
    const h = await Harness.start(t);
    const d = await h.client('desktop', '7001', '7002');
    const r = await h.client('recorder', '7001', '7002');
    const ms = 300;
    await addFault(h, { kind: 'delay', dn: '7001', ms, count: 1 });
    const mark = h.journal.mark;
    const delayed = d.request({
      message: 'RequestSendEvent',
      ReferenceID: 500,
      ThisDN: '7001',
      Event: { message: 'EventUserEvent', ThisDN: '7001', UserData: [['n', 'delayed']] },
    });
    // Meanwhile 7002 is answered at once.
    const quick = await d.sendEvent('7002', [['n', 'quick']]);
    assert.equal(quick.message, 'EventACK');
    const ack = await delayed;
    assert.equal(ack.message, 'EventACK');
    assert.equal(ack.ReferenceID, 500);
    const sentAt = timing(d, 500, mark);
    const ackEntry = h.journal.find(
      (e) => e.party === 'desktop' && e.message.message === 'EventACK' && e.message.ReferenceID === 500,
      mark,
    );
    const delivered = await r.next(
      (m) => m.message === 'EventUserEvent' && m.ThisDN === '7001',
      'the delayed event',
      mark,
    );
    const quickDelivered = r.journal.find(
      (e) => e.party === 'recorder' && e.message.message === 'EventUserEvent' && e.message.ThisDN === '7002',
      mark,
    );
    // Node timers have 1 ms granularity: allow for it, not more.
    const atLeast = (ms - 1) * 1000;
    assert.ok(
      (ackEntry?.micros ?? 0) - sentAt >= atLeast,
      `ACK after ${(ackEntry?.micros ?? 0) - sentAt} µs`,
    );
    assert.ok(delivered.micros - sentAt >= atLeast, `delivery after ${delivered.micros - sentAt} µs`);
    assert.ok(quickDelivered && quickDelivered.seq < delivered.seq, 'the 7002 event was not held up');
    assert.deepEqual(delivered.message.UserData, [['n', 'delayed']]);
    // The requester still sees its ACK before its own copy.
    const own = d.received(mark).filter((m) => m.ThisDN === '7001');
    assert.deepEqual(
      own.map((m) => m.message),
      ['EventACK', 'EventUserEvent'],
    );
  });

  test('error: EventError 52 (TERR_INTERNAL) by default, echoing ReferenceID and ThisDN; nothing delivered', async (t) => {
    const h = await Harness.start(t);
    const d = await h.client('desktop', '7001');
    const r = await h.client('recorder', '7001');
    await addFault(h, { kind: 'error' });
    const mark = h.journal.mark;
    const reply = await d.request({
      message: 'RequestSendEvent',
      ReferenceID: 52,
      ThisDN: '7001',
      Event: { message: 'EventUserEvent', ThisDN: '7001' },
    });
    assert.equal(reply.message, 'EventError');
    assert.equal(reply.ErrorCode, 52);
    assert.equal(reply.ReferenceID, 52);
    assert.equal(reply.ThisDN, '7001');
    assert.match(reply.ErrorMessage as string, /fault/);
    await assertNoUserEventsSince([d, r], mark);
  });

  test('error with a custom code: EventError with that ErrorCode; nothing delivered', async (t) => {
    const h = await Harness.start(t);
    const d = await h.client('desktop', '7001');
    const r = await h.client('recorder', '7001');
    await addFault(h, { kind: 'error', code: 1234 });
    const mark = h.journal.mark;
    const reply = await d.sendEvent('7001');
    assert.equal(reply.message, 'EventError');
    assert.equal(reply.ErrorCode, 1234);
    await assertNoUserEventsSince([d, r], mark);
  });

  test('drop: EventACK, but the event is delivered to no one', async (t) => {
    const h = await Harness.start(t);
    const d = await h.client('desktop', '7001');
    const r = await h.client('recorder', '7001');
    await addFault(h, { kind: 'drop', count: 1 });
    const mark = h.journal.mark;
    const ack = await d.request({
      message: 'RequestSendEvent',
      ReferenceID: 9,
      ThisDN: '7001',
      Event: { message: 'EventUserEvent', ThisDN: '7001' },
    });
    assert.equal(ack.message, 'EventACK');
    assert.equal(ack.ReferenceID, 9);
    assert.equal(ack.ThisDN, '7001');
    await assertNoUserEventsSince([d, r], mark);
  });

  test('disconnect: the requester connection is closed with no reply; the other clients are unaffected', async (t) => {
    const h = await Harness.start(t);
    const d = await h.client('desktop', '7001');
    const d2 = await h.client('desktop-2', '7001');
    const r = await h.client('recorder', '7001');
    await addFault(h, { kind: 'disconnect', count: 1 });
    const mark = h.journal.mark;
    d.send({
      message: 'RequestSendEvent',
      ReferenceID: 3,
      ThisDN: '7001',
      Event: { message: 'EventUserEvent', ThisDN: '7001' },
    });
    await d.waitClosed();
    assert.deepEqual(d.received(mark), [], 'no reply before the close');
    await assertOnlySentinelDelivered(d2, '7001', [r, d2], mark);
    const health = await h.api('GET', '/health');
    assert.equal(health.body.clients, 2);
    assert.deepEqual(health.body.registrations, { '7001': 2 });
  });

  test('link-down: EventError 54 (TERR_NO_SWITCH) echoing ReferenceID and ThisDN; nothing delivered', async (t) => {
    const h = await Harness.start(t);
    const d = await h.client('desktop', '7001');
    const r = await h.client('recorder', '7001');
    await addFault(h, { kind: 'link-down' });
    const mark = h.journal.mark;
    const reply = await d.request({
      message: 'RequestSendEvent',
      ReferenceID: 54,
      ThisDN: '7001',
      Event: { message: 'EventUserEvent', ThisDN: '7001' },
    });
    assert.equal(reply.message, 'EventError');
    assert.equal(reply.ErrorCode, 54);
    assert.equal(reply.ReferenceID, 54);
    assert.equal(reply.ThisDN, '7001');
    await assertNoUserEventsSince([d, r], mark);
  });

  test('dn scoping: a fault on one DN leaves the other DNs alone', async (t) => {
    const h = await Harness.start(t);
    const d = await h.client('desktop', '7001', '7002');
    const r = await h.client('recorder', '7001', '7002');
    await addFault(h, { kind: 'link-down', dn: '7002' });
    const mark = h.journal.mark;
    assert.equal((await d.sendEvent('7001')).message, 'EventACK');
    assert.equal((await d.sendEvent('7002')).ErrorCode, 54);
    assert.equal((await d.sendEvent('7001')).message, 'EventACK');
    assert.equal((await d.sendEvent('7002')).ErrorCode, 54, 'without count it keeps applying');
    await r.ping();
    assert.deepEqual(
      r.received(mark, 'EventUserEvent').map((m) => m.ThisDN),
      ['7001', '7001'],
    );
  });

  test('count: a fault applies to N requests, then stops and leaves GET /faults', async (t) => {
    const h = await Harness.start(t);
    const d = await h.client('desktop', '7001');
    await addFault(h, { kind: 'error', count: 2 });
    const listed = await h.api('GET', '/faults');
    assert.equal(listed.status, 200);
    assert.equal(listed.body.length, 1);
    assert.equal(listed.body[0].kind, 'error');
    assert.equal((await d.sendEvent('7001')).ErrorCode, 52);
    assert.equal((await d.sendEvent('7001')).ErrorCode, 52);
    assert.equal((await d.sendEvent('7001')).message, 'EventACK');
    assert.equal((await d.sendEvent('7001')).message, 'EventACK');
    assert.deepEqual((await h.api('GET', '/faults')).body, []);
  });

  test('faults apply in the order they were added', async (t) => {
    const h = await Harness.start(t);
    const d = await h.client('desktop', '7001');
    await addFault(h, { kind: 'error', code: 71, count: 1 });
    await addFault(h, { kind: 'link-down', count: 1 });
    assert.equal((await d.sendEvent('7001')).ErrorCode, 71);
    assert.equal((await d.sendEvent('7001')).ErrorCode, 54);
    assert.equal((await d.sendEvent('7001')).message, 'EventACK');
  });

  test('DELETE /faults clears every fault: requests succeed again', async (t) => {
    const h = await Harness.start(t);
    const d = await h.client('desktop', '7001');
    const r = await h.client('recorder', '7001');
    await addFault(h, { kind: 'error' });
    await addFault(h, { kind: 'drop', dn: '7001' });
    assert.equal((await d.sendEvent('7001')).ErrorCode, 52);
    assert.equal((await d.sendEvent('7001')).ErrorCode, 52);
    const cleared = await h.api('DELETE', '/faults');
    assert.equal(cleared.status, 200);
    assert.equal(cleared.body.cleared, 2);
    assert.deepEqual((await h.api('GET', '/faults')).body, []);
    await assertOnlySentinelDelivered(d, '7001', [r, d], h.journal.mark);
  });

  const invalid: Array<[string, unknown, string]> = [
    ['a body that is not an object', [{ kind: 'error' }], 'fault'],
    ['no kind', {}, 'kind'],
    ['an unknown kind', { kind: 'explode' }, 'kind'],
    ['an invalid dn', { kind: 'error', dn: '' }, 'dn'],
    ['a numeric dn', { kind: 'error', dn: 7001 }, 'dn'],
    ['count 0', { kind: 'error', count: 0 }, 'count'],
    ['a negative count', { kind: 'error', count: -1 }, 'count'],
    ['a fractional count', { kind: 'error', count: 1.5 }, 'count'],
    ['a delay without ms', { kind: 'delay' }, 'ms'],
    ['a delay with negative ms', { kind: 'delay', ms: -5 }, 'ms'],
    ['a delay with ms as a string', { kind: 'delay', ms: '100' }, 'ms'],
    ['a delay over 600000 ms', { kind: 'delay', ms: 600_001 }, 'ms'],
    ['ms on a non-delay fault', { kind: 'drop', ms: 10 }, 'ms'],
    ['code 0', { kind: 'error', code: 0 }, 'code'],
    ['a string code', { kind: 'error', code: '52' }, 'code'],
    ['code on a non-error fault', { kind: 'link-down', code: 52 }, 'code'],
  ];
  for (const [what, body, field] of invalid) {
    test(`POST /faults with ${what} -> 400 naming ${field}; no fault added`, async (t) => {
      const h = await Harness.start(t);
      const res = await h.api('POST', '/faults', body);
      assert.equal(res.status, 400);
      assert.match(res.body.error, new RegExp(`^${field}: `));
      assert.deepEqual((await h.api('GET', '/faults')).body, []);
    });
  }
});

describe('journal and health', () => {
  test('GET /journal returns NDJSON of every message the server received and sent, in order', async (t) => {
    const h = await Harness.start(t);
    const d = await h.client('desktop', '7001');
    const r = await h.client('recorder', '7001');
    await d.sendEvent('7001', [['k', 'v']]);
    await r.next((m) => m.message === 'EventUserEvent', 'the event');
    await d.request({ message: 'RequestSendEvent', ThisDN: '7001', Event: { message: 5 } });
    const res = await fetch(`${h.admin}/journal`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/x-ndjson/);
    const text = await res.text();
    assert.ok(text.endsWith('\n'));
    const entries = parseNdjson(text);
    assert.deepEqual(
      entries.map((e) => e.seq),
      entries.map((_, i) => i + 1),
    );
    for (const e of entries) {
      assert.equal(e.party, 'tserver');
      assert.match(e.time, ISO_MICROS);
    }
    // What each client sent is what the server saw ('in'), and what it received is what the server sent ('out').
    for (const client of [d, r]) {
      const sent = h.journal
        .filter((e) => e.party === client.party && e.direction === 'out')
        .map((e) => e.message);
      const got = h.journal
        .filter((e) => e.party === client.party && e.direction === 'in')
        .map((e) => e.message);
      // The server names its peer by the client's address: `client 1 (desktop 127.0.0.1:51234)`.
      const mine = entries.filter((e) => e.peer?.endsWith(`:${client.socket.localPort})`));
      assert.deepEqual(
        mine.filter((e) => e.direction === 'in').map((e) => e.message),
        sent,
      );
      assert.deepEqual(
        mine.filter((e) => e.direction === 'out').map((e) => e.message),
        got,
      );
    }
    const invalid = entries.find((e) => e.direction === 'in' && e.problem);
    assert.ok(invalid, 'the invalid request is journaled with its problem');
    assert.match(invalid.problem ?? '', /Event\.message/);
  });

  test('GET /health returns ok:true with client counts and registrations that follow connects and disconnects', async (t) => {
    const log = new Lines();
    const h = await Harness.start(t, { log: (line) => log.push(line), serverName: 'health-sim' });
    const empty = await h.api('GET', '/health');
    assert.equal(empty.status, 200);
    assert.equal(empty.body.ok, true);
    assert.equal(empty.body.serverName, 'health-sim');
    assert.equal(empty.body.clients, 0);
    assert.deepEqual(empty.body.registrations, {});
    const a = await h.client('a', '7001');
    await h.client('b', '7001', '7002');
    await h.raw('c');
    const busy = await h.api('GET', '/health');
    assert.equal(busy.body.ok, true);
    assert.equal(busy.body.clients, 3);
    assert.deepEqual(busy.body.registrations, { '7001': 2, '7002': 1 });
    await a.close();
    await log.waitFor(/^disconnect client \d+ \(a /);
    const after = await h.api('GET', '/health');
    assert.equal(after.body.clients, 2);
    assert.deepEqual(after.body.registrations, { '7001': 1, '7002': 1 });
  });
});

describe('connections, held registrations and restarts', () => {
  test('GET /connections lists each client (id, application, address, DNs); POST /connections/<id>/drop closes that one alone, journaling why', async (t) => {
    const h = await Harness.start(t);
    const a = await h.client('a', '7001');
    const b = await h.client('b', '7001', '7002');
    const list = await h.api('GET', '/connections');
    assert.equal(list.status, 200);
    assert.deepEqual(
      list.body.map((c: { application: string; dns: string[] }) => [c.application, c.dns]),
      [
        ['a', ['7001']],
        ['b', ['7001', '7002']],
      ],
    );
    const target = list.body[0];
    assert.equal(target.address, `127.0.0.1:${a.socket.localPort}`);
    const res = await h.api('POST', `/connections/${target.id}/drop`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.dropped, target);
    await a.waitClosed();
    assert.deepEqual(a.received(0).at(-1)?.message, 'EventRegistered', 'no goodbye: the socket just closes');
    await b.ping();
    assert.deepEqual((await h.api('GET', '/health')).body.registrations, { '7001': 1, '7002': 1 });
    const loss = h.sim.journal?.entries.find((e) => e.message.message === DISCONNECTED);
    assert.equal(loss?.peerApplication, 'a');
    assert.equal(typeof loss?.message.Cause, 'string', 'a drop the T-Server imposed has a Cause');
    const again = await h.api('POST', `/connections/${target.id}/drop`);
    assert.equal(again.status, 404);
    assert.match(again.body.error, new RegExp(`no connection with id ${target.id} .*GET /connections`));
  });

  for (const [what, id] of [
    ['a name', 'recorder'],
    ['zero', '0'],
    ['a negative number', '-1'],
    ['a fraction', '1.5'],
  ] as const) {
    test(`POST /connections/<id>/drop with ${what} -> 400 naming the connection; nobody is dropped`, async (t) => {
      const h = await Harness.start(t);
      const a = await h.client('a', '7001');
      const res = await h.api('POST', `/connections/${id}/drop`);
      assert.equal(res.status, 400);
      assert.match(
        res.body.error,
        /^connection: expected a client id from GET \/connections \(a positive integer\), got /,
      );
      await a.ping();
      assert.equal((await h.api('GET', '/health')).body.clients, 1);
    });
  }

  test('POST /connections/<id>/restarting journals that the client is about to be restarted, as its peer', async (t) => {
    const h = await Harness.start(t);
    await h.client('a', '7001');
    const [c] = (await h.api('GET', '/connections')).body;
    const res = await h.api('POST', `/connections/${c.id}/restarting`);
    assert.equal(res.status, 200);
    const note = h.sim.journal?.entries.at(-1);
    assert.equal(note?.message.message, RESTARTED);
    assert.equal(note?.peerApplication, 'a');
    assert.equal((await h.api('POST', '/connections/99/restarting')).status, 404);
  });

  test('POST /registrations/hold {applications} holds their DN registrations, unanswered, until DELETE /registrations/hold', async (t) => {
    const h = await Harness.start(t);
    const held = await h.client('held');
    const free = await h.client('free');
    const res = await h.api('POST', '/registrations/hold', { applications: ['held'] });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { holding: ['held'] });
    const mark = h.journal.mark;
    held.send({ message: 'RequestRegisterAddress', ReferenceID: 50, ThisDN: '7001' });
    await free.registerDn('7001');
    await held.ping(); // answered: the held request came before it and is still unanswered
    assert.deepEqual(
      held.received(mark).map((m) => m.message),
      ['EventClientRegistered'],
    );
    assert.deepEqual((await h.api('GET', '/health')).body.registrations, { '7001': 1 });
    const released = await h.api('DELETE', '/registrations/hold');
    assert.deepEqual(released.body, { released: 1 });
    await held.next(
      (m) => m.message === 'EventRegistered' && m.ReferenceID === 50,
      'its held registration',
      mark,
    );
    assert.deepEqual((await h.api('GET', '/health')).body.registrations, { '7001': 2 });
  });

  for (const [what, body] of [
    ['no applications', {}],
    ['an empty list', { applications: [] }],
    ['a name that is not a string', { applications: [7] }],
    ['an empty name', { applications: [''] }],
    ['a list that is not one', { applications: 'held' }],
  ] as const) {
    test(`POST /registrations/hold with ${what} -> 400 naming applications; nothing is held`, async (t) => {
      const h = await Harness.start(t);
      const c = await h.client('held');
      const res = await h.api('POST', '/registrations/hold', body);
      assert.equal(res.status, 400);
      assert.match(res.body.error, /^applications: expected a non-empty array of ApplicationNames/);
      await c.registerDn('7001');
    });
  }

  test('POST /restart: the T-Server stops and starts on the same port, every connection and registration lost; the admin API and the journal go on', async (t) => {
    const h = await Harness.start(t);
    const a = await h.client('a', '7001');
    const { body: call } = await h.api('POST', '/calls', { dn: '7001' });
    const before = (await h.api('GET', '/health')).body;
    const res = await h.api('POST', '/restart');
    assert.equal(res.status, 200);
    assert.equal(res.body.restarted, true);
    assert.ok(res.body.lastSequence >= 2);
    await a.waitClosed();
    const after = (await h.api('GET', '/health')).body;
    assert.equal(after.clients, 0);
    assert.deepEqual(after.registrations, {});
    assert.deepEqual((await h.api('GET', '/calls')).body, [], `call ${call.connId} did not survive`);
    assert.ok(after.journalSeq > before.journalSeq, 'the same journal goes on');
    const b = await h.client('b', '7001');
    assert.deepEqual((await h.api('GET', '/health')).body.registrations, { '7001': 1 });
    await b.ping();
  });

  test('a restart asked for during one is refused (409 through the admin API), and the first completes', async (t) => {
    const h = await Harness.start(t);
    const first = h.sim.restart();
    await assert.rejects(h.sim.restart(), /restarting already/);
    await first;
    await h.client('a', '7001');
  });

  test('the connection, hold and journal routes refuse garbage with a 4xx naming it, and the simulator goes on', async (t) => {
    const h = await Harness.start(t);
    const a = await h.client('a', '7001');
    const nested = `{"applications":${'['.repeat(5_000)}"x"${']'.repeat(5_000)}}`;
    for (const [method, path, body] of [
      ['POST', '/connections/1%0A2/drop', undefined],
      ['POST', '/connections/%zz/drop', undefined],
      ['POST', `/connections/${'9'.repeat(40)}/drop`, undefined],
      ['POST', `/connections/${'1'.repeat(100_000)}/restarting`, undefined],
      ['POST', '/connections/-1/restarting', undefined],
      ['POST', '/connections/0/restarting', undefined],
      ['POST', '/registrations/hold', nested],
      ['POST', '/registrations/hold', `{"applications":${'['.repeat(50_000)}`],
      ['GET', `/journal?after=${'9'.repeat(40)}`, undefined],
      ['GET', '/journal?after=1%0A2', undefined],
    ] as const) {
      const res = await fetch(`${h.admin}${path}`, {
        method,
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      const text = await res.text();
      assert.ok(
        res.status >= 400 && res.status < 500,
        `${method} ${path.slice(0, 60)}: ${res.status} ${text.slice(0, 200)}`,
      );
      // 431: Node refuses a request line over its header limit before any route sees it.
      if (res.status !== 431)
        assert.match(JSON.parse(text).error, /\S/, `${method} ${path.slice(0, 60)} says why`);
    }
    // Nothing was held or dropped, and the client is still served.
    assert.equal((await h.api('GET', '/health')).status, 200);
    assert.deepEqual(
      (await h.api('GET', '/connections')).body.map((c: { application: string }) => c.application),
      ['a'],
    );
    await a.ping();
  });

  test('GET /journal?after=<seq>: only later entries; follow=1 keeps writing new ones as they come, across a restart', async (t) => {
    const h = await Harness.start(t);
    await h.client('a', '7001');
    const seq = (await h.api('GET', '/health')).body.journalSeq;
    const later = await h.client('b', '7002');
    const part = parseNdjson(await (await fetch(`${h.admin}/journal?after=${seq}`)).text());
    assert.ok(part.length > 0 && part.every((e) => e.seq > seq));
    assert.ok(part.every((e) => e.peerApplication === 'b' || e.peerApplication === undefined));
    const abort = new AbortController();
    t.after(() => abort.abort());
    const res = await fetch(`${h.admin}/journal?follow=1&after=${seq}`, { signal: abort.signal });
    assert.equal(res.status, 200);
    const lines: string[] = [];
    const reading = (async () => {
      let rest = '';
      for await (const chunk of res.body as ReadableStream<Uint8Array>) {
        const parts = (rest + Buffer.from(chunk).toString('utf8')).split('\n');
        rest = parts.pop() ?? '';
        lines.push(...parts);
      }
    })().catch(() => undefined);
    await h.api('POST', '/restart');
    await later.waitClosed();
    const c = await h.client('c', '7001');
    await c.ping();
    const last = (await h.api('GET', '/health')).body.journalSeq;
    const deadline = Date.now() + 5000;
    while (!lines.some((l) => JSON.parse(l).seq === last) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    const followed = lines.map((l) => JSON.parse(l));
    assert.deepEqual(
      followed.map((e) => e.seq),
      Array.from({ length: last - seq }, (_, i) => seq + 1 + i),
      'every entry after seq, once, in order',
    );
    assert.ok(followed.some((e) => e.message.Cause === 'the T-Server restarted'));
    abort.abort();
    await reading;
  });

  for (const after of ['-1', 'x', '1.5']) {
    test(`GET /journal?after=${after} -> 400 naming after`, async (t) => {
      const h = await Harness.start(t);
      const res = await h.api('GET', `/journal?after=${after}`);
      assert.equal(res.status, 400);
      assert.match(res.body.error, /^after: expected a journal seq \(a non-negative integer\), got /);
    });
  }
});

describe('routing', () => {
  for (const [method, path] of [
    ['GET', '/nope'],
    ['GET', '/'],
    ['POST', '/health/extra'],
    ['GET', '/calls/a/b'],
    ['POST', '/connections/1/unplug'],
  ] as const) {
    test(`unknown route ${method} ${path} -> 404 listing the routes`, async (t) => {
      const h = await Harness.start(t);
      const res = await h.api(method, path, method === 'POST' ? {} : undefined);
      assert.equal(res.status, 404);
      assert.match(res.body.error, /GET \/health/);
      assert.match(
        res.body.error,
        /POST \/connections\/<id>\/\{drop,restarting\}, POST\|DELETE \/registrations\/hold, POST \/restart/,
      );
    });
  }

  for (const [method, path, allowed] of [
    ['POST', '/health', 'GET'],
    ['PUT', '/faults', 'GET or POST or DELETE'],
    ['DELETE', '/calls', 'GET or POST'],
    ['GET', '/calls/0000000000000001', 'DELETE'],
    ['POST', '/journal', 'GET'],
    ['DELETE', '/journal', 'GET'],
    ['GET', '/restart', 'POST'],
    ['DELETE', '/connections/1/drop', 'POST'],
    ['GET', '/registrations/hold', 'POST or DELETE'],
  ] as const) {
    test(`wrong method ${method} ${path} -> 405 naming the allowed methods`, async (t) => {
      const h = await Harness.start(t);
      const res = await h.api(method, path, method === 'POST' || method === 'PUT' ? {} : undefined);
      assert.equal(res.status, 405, JSON.stringify(res.body));
      assert.ok(res.body.error.includes(`use ${allowed}`), res.body.error);
    });
  }

  for (const path of ['/calls', '/faults', '/registrations/hold']) {
    for (const [what, body] of [
      ['invalid JSON', '{"dn": '],
      ['an empty body', ''],
    ] as const) {
      test(`POST ${path} with ${what} -> 400 saying the body is not JSON`, async (t) => {
        const h = await Harness.start(t);
        const res = await h.api('POST', path, body);
        assert.equal(res.status, 400);
        assert.match(res.body.error, /not valid JSON/);
      });
    }
  }

  test('responses are JSON with a content-type saying so', async (t) => {
    const h = await Harness.start(t);
    const res = await fetch(`${h.admin}/health`);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    const notFound = await fetch(`${h.admin}/nope`);
    assert.match(notFound.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(typeof ((await notFound.json()) as { error: unknown }).error, 'string');
  });

  test('a body over 64 KiB -> 413', async (t) => {
    const h = await Harness.start(t);
    const res = await h.api('POST', '/faults', { kind: 'error', pad: 'x'.repeat(70_000) });
    assert.equal(res.status, 413);
    assert.deepEqual((await h.api('GET', '/faults')).body, []);
  });
});
