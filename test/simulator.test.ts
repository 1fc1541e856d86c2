/**
 * The T-Server simulator against spec/tlib-json.md over real sockets: session, registration,
 * RequestSendEvent delivery, every EventError code reachable without fault injection, framing, and
 * isolation between clients. (Faults, calls and the admin API: admin.test.ts.)
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { WireMessage } from '../src/tlib/messages.ts';
import { assertNoUserEventsSince, assertOnlySentinelDelivered, Harness, ISO_MICROS } from './helpers.ts';

const MiB = 1024 * 1024;

function userEvent(dn: string, extra: Record<string, unknown> = {}) {
  return { message: 'EventUserEvent', ThisDN: dn, UserData: [['screen-capture', 'start']], ...extra };
}

function assertStamped(m: WireMessage): void {
  assert.ok(
    Number.isSafeInteger(m.EventSequenceNumber) && (m.EventSequenceNumber as number) > 0,
    `EventSequenceNumber ${m.EventSequenceNumber}`,
  );
  assert.match(m.Time as string, ISO_MICROS);
  const skew = Math.abs(Date.parse(m.Time as string) - Date.now());
  assert.ok(skew < 60_000, `Time ${m.Time} is ${skew} ms away from now`);
}

function assertError(
  reply: WireMessage,
  expected: { code: number; ReferenceID?: number; ThisDN?: string; names?: string },
): void {
  assert.equal(reply.message, 'EventError', `expected EventError, got ${JSON.stringify(reply)}`);
  assert.equal(reply.ErrorCode, expected.code, `ErrorCode in ${JSON.stringify(reply)}`);
  assert.equal(reply.ReferenceID, expected.ReferenceID, `ReferenceID in ${JSON.stringify(reply)}`);
  assert.equal(reply.ThisDN, expected.ThisDN, `ThisDN in ${JSON.stringify(reply)}`);
  assert.equal(typeof reply.ErrorMessage, 'string');
  assert.notEqual(reply.ErrorMessage, '');
  if (expected.names) {
    assert.ok(
      (reply.ErrorMessage as string).includes(expected.names),
      `ErrorMessage ${JSON.stringify(reply.ErrorMessage)} should name ${expected.names}`,
    );
  }
  assertStamped(reply);
}

describe('session', () => {
  test('RequestRegisterClient -> EventClientRegistered with ServerName, ServerVersion and the same ReferenceID', async (t) => {
    const h = await Harness.start(t, { serverName: 'sim-under-test', serverVersion: '9.8.7' });
    const c = await h.raw('recorder-1');
    const reply = await c.request({
      message: 'RequestRegisterClient',
      ReferenceID: 4242,
      ApplicationName: 'recorder-1',
    });
    assert.equal(reply.message, 'EventClientRegistered');
    assert.equal(reply.ReferenceID, 4242);
    assert.equal(reply.ServerName, 'sim-under-test');
    assert.equal(reply.ServerVersion, '9.8.7');
    assertStamped(reply);
  });

  test('EventClientRegistered carries a non-empty default ServerName and ServerVersion', async (t) => {
    const h = await Harness.start(t);
    const reply = await (await h.raw('c')).registerClient();
    assert.equal(typeof reply.ServerName, 'string');
    assert.notEqual(reply.ServerName, '');
    assert.equal(typeof reply.ServerVersion, 'string');
    assert.notEqual(reply.ServerVersion, '');
  });

  const beforeRegistration: Array<[string, Record<string, unknown>]> = [
    ['RequestRegisterAddress', { message: 'RequestRegisterAddress', ReferenceID: 7, ThisDN: '7001' }],
    ['RequestUnregisterAddress', { message: 'RequestUnregisterAddress', ReferenceID: 7, ThisDN: '7001' }],
    [
      'RequestSendEvent',
      { message: 'RequestSendEvent', ReferenceID: 7, ThisDN: '7001', Event: userEvent('7001') },
    ],
  ];
  for (const [name, request] of beforeRegistration) {
    test(`${name} before RequestRegisterClient -> EventError 229 (TERR_MUST_REGISTER) echoing ReferenceID and ThisDN; nothing is performed and the connection stays open`, async (t) => {
      const h = await Harness.start(t);
      const watcher = await h.client('watcher', '7001');
      const c = await h.raw('early');
      const mark = h.journal.mark;
      const reply = await c.request(request);
      assertError(reply, { code: 229, ReferenceID: 7, ThisDN: '7001', names: 'RequestRegisterClient' });
      // The connection is still usable, and the refused request had no effect.
      await c.registerClient();
      const unregister = await c.request({ message: 'RequestUnregisterAddress', ThisDN: '7001' });
      assert.equal(unregister.ErrorCode, 41, 'the DN must not have been registered by the refused request');
      assert.equal(c.isClosed, false);
      await assertNoUserEventsSince([watcher, c], mark);
    });
  }
});

describe('DN registration', () => {
  test('RequestRegisterAddress -> EventRegistered (ReferenceID, ThisDN); the client then receives the DN events', async (t) => {
    const h = await Harness.start(t);
    const r = await h.client('recorder');
    const reply = await r.request({ message: 'RequestRegisterAddress', ReferenceID: 31, ThisDN: '7001' });
    assert.equal(reply.message, 'EventRegistered');
    assert.equal(reply.ReferenceID, 31);
    assert.equal(reply.ThisDN, '7001');
    assertStamped(reply);
    const d = await h.client('desktop', '7001');
    const mark = h.journal.mark;
    await assertOnlySentinelDelivered(d, '7001', [r], mark);
  });

  test('RequestUnregisterAddress -> EventUnregistered (ReferenceID, ThisDN); the client no longer receives the DN events', async (t) => {
    const h = await Harness.start(t);
    const r = await h.client('recorder', '7001', '7002');
    const d = await h.client('desktop', '7001', '7002');
    const reply = await r.request({ message: 'RequestUnregisterAddress', ReferenceID: 32, ThisDN: '7001' });
    assert.equal(reply.message, 'EventUnregistered');
    assert.equal(reply.ReferenceID, 32);
    assert.equal(reply.ThisDN, '7001');
    assertStamped(reply);
    const mark = h.journal.mark;
    assert.equal((await d.sendEvent('7001', [['n', '1']])).message, 'EventACK');
    await d.next((m) => m.message === 'EventUserEvent', 'its own event on 7001', mark);
    // Still registered on 7002: the 7002 sentinel arrives, and nothing from 7001 before it.
    await assertOnlySentinelDelivered(d, '7002', [r], mark);
  });

  test('RequestUnregisterAddress of a DN this client did not register -> EventError 41, even when another client registered it', async (t) => {
    const h = await Harness.start(t);
    const owner = await h.client('owner', '7001');
    const other = await h.client('other');
    assertError(
      await other.request({ message: 'RequestUnregisterAddress', ReferenceID: 5, ThisDN: '7001' }),
      {
        code: 41,
        ReferenceID: 5,
        ThisDN: '7001',
        names: '7001',
      },
    );
    assertError(
      await other.request({ message: 'RequestUnregisterAddress', ReferenceID: 6, ThisDN: '7999' }),
      {
        code: 41,
        ReferenceID: 6,
        ThisDN: '7999',
        names: '7999',
      },
    );
    // The owner's registration is untouched.
    await assertOnlySentinelDelivered(owner, '7001', [owner], h.journal.mark);
  });

  test('shared DN: two clients register one DN, both receive its events; one unregistering leaves the other registered', async (t) => {
    const h = await Harness.start(t);
    const a = await h.client('recorder-a', '7001');
    const b = await h.client('recorder-b', '7001');
    const d = await h.client('desktop', '7001');
    await assertOnlySentinelDelivered(d, '7001', [a, b, d], h.journal.mark);
    assert.equal(
      (await a.request({ message: 'RequestUnregisterAddress', ThisDN: '7001' })).message,
      'EventUnregistered',
    );
    const mark = h.journal.mark;
    await assertOnlySentinelDelivered(d, '7001', [b, d], mark);
    await assertNoUserEventsSince([a], mark);
  });

  test('a client that registers the same DN twice gets each event once', async (t) => {
    const h = await Harness.start(t);
    const r = await h.client('recorder', '7001');
    const again = await r.request({ message: 'RequestRegisterAddress', ThisDN: '7001' });
    assert.equal(again.message, 'EventRegistered');
    const d = await h.client('desktop', '7001');
    const mark = h.journal.mark;
    for (let i = 0; i < 3; i++) assert.equal((await d.sendEvent('7001', [['i', i]])).message, 'EventACK');
    await r.ping();
    assert.deepEqual(
      r.received(mark, 'EventUserEvent').map((m) => m.UserData),
      [[['i', 0]], [['i', 1]], [['i', 2]]],
    );
  });

  test('unknown attributes are ignored (forward compatible)', async (t) => {
    const h = await Harness.start(t);
    const r = await h.client('recorder', '7001');
    const d = await h.client('desktop');
    const reg = await d.request({ message: 'RequestRegisterAddress', ThisDN: '7001', FutureAttribute: [1] });
    assert.equal(reg.message, 'EventRegistered');
    const mark = h.journal.mark;
    const ack = await d.request({
      message: 'RequestSendEvent',
      ThisDN: '7001',
      Extension: { x: 1 },
      Event: userEvent('7001', { Reasons: [['k', 'v']] }),
    });
    assert.equal(ack.message, 'EventACK');
    const delivered = await r.next((m) => m.message === 'EventUserEvent', 'the event', mark);
    assert.deepEqual(delivered.message.UserData, [['screen-capture', 'start']]);
  });
});

describe('RequestSendEvent', () => {
  test('-> EventACK (ReferenceID, ThisDN), then EventUserEvent with ThisDN, ConnID, UserData, EventSequenceNumber and Time to every registrant, the requester included', async (t) => {
    const h = await Harness.start(t);
    const d = await h.client('desktop', '7001');
    const r1 = await h.client('recorder-1', '7001');
    const r2 = await h.client('recorder-2', '7001');
    const mark = h.journal.mark;
    const ack = await d.request({
      message: 'RequestSendEvent',
      ReferenceID: 99,
      ThisDN: '7001',
      Event: userEvent('7001', { ConnID: '006b02a6c5a1e001' }),
    });
    assert.equal(ack.message, 'EventACK');
    assert.equal(ack.ReferenceID, 99);
    assert.equal(ack.ThisDN, '7001');
    assertStamped(ack);
    for (const c of [d, r1, r2]) {
      const { message: m } = await c.next((m) => m.message === 'EventUserEvent', 'the event', mark);
      assert.deepEqual(Object.keys(m).sort(), [
        'ConnID',
        'EventSequenceNumber',
        'ThisDN',
        'Time',
        'UserData',
        'message',
      ]);
      assert.equal(m.ThisDN, '7001');
      assert.equal(m.ConnID, '006b02a6c5a1e001');
      assert.deepEqual(m.UserData, [['screen-capture', 'start']]);
      assertStamped(m);
    }
  });

  test('EventUserEvent has no ConnID when the request gave none', async (t) => {
    const h = await Harness.start(t);
    const d = await h.client('desktop', '7001');
    const mark = h.journal.mark;
    assert.equal((await d.sendEvent('7001')).message, 'EventACK');
    const { message } = await d.next((m) => m.message === 'EventUserEvent', 'the event', mark);
    assert.equal('ConnID' in message, false);
  });

  test('UserData is delivered as sent: order, repeated keys, integers, binary values and nested KV lists', async (t) => {
    const h = await Harness.start(t);
    const r = await h.client('recorder', '7001');
    const d = await h.client('desktop', '7001');
    const userData = [
      ['screen-capture', 'start'],
      ['agent', 'a1'],
      ['agent', 'a2'],
      ['count', -2147483648],
      ['blob', { binary: 'AAECAwQ=' }],
      [
        'nested',
        [
          ['x', 1],
          ['y', [['z', 'deep']]],
        ],
      ],
      ['', ''],
    ];
    const mark = h.journal.mark;
    assert.equal((await d.sendEvent('7001', userData)).message, 'EventACK');
    const { message } = await r.next((m) => m.message === 'EventUserEvent', 'the event', mark);
    assert.deepEqual(message.UserData, userData);
  });

  test('EventUserEvent is not delivered to non-registrants nor to registrants of other DNs', async (t) => {
    const h = await Harness.start(t);
    const d = await h.client('desktop', '7001');
    const r = await h.client('recorder', '7001');
    const otherDn = await h.client('other-dn', '7002');
    const none = await h.client('no-dn');
    const unregistered = await h.raw('not-registered-client');
    const mark = h.journal.mark;
    assert.equal((await d.sendEvent('7001')).message, 'EventACK');
    await r.next((m) => m.message === 'EventUserEvent', 'the event', mark);
    await assertNoUserEventsSince([otherDn, none], mark);
    await unregistered.ping();
    assert.deepEqual(
      unregistered.received(mark).map((m) => m.message),
      ['EventClientRegistered'],
    );
  });

  test('EventACK is written before the delivery: first on the requester own connection, and before any copy in the server journal', async (t) => {
    const h = await Harness.start(t);
    const d = await h.client('desktop', '7001');
    await h.client('recorder-1', '7001');
    await h.client('recorder-2', '7001');
    for (let i = 0; i < 5; i++) {
      const mark = h.journal.mark;
      const serverMark = h.sim.journal?.mark ?? 0;
      const ack = await d.sendEvent('7001', [['i', i]]);
      await d.next((m) => m.message === 'EventUserEvent', 'its own copy', mark);
      const seen = d.received(mark).map((m) => m.message);
      assert.deepEqual(seen, ['EventACK', 'EventUserEvent'], 'the requester sees EventACK first');
      const out = (h.sim.journal?.entries ?? []).filter((e) => e.seq > serverMark && e.direction === 'out');
      assert.deepEqual(
        out.map((e) => e.message.message),
        ['EventACK', 'EventUserEvent', 'EventUserEvent', 'EventUserEvent'],
      );
      const delivered = out.filter((e) => e.message.message === 'EventUserEvent');
      for (const e of delivered) {
        assert.ok(
          (e.message.EventSequenceNumber as number) > (ack.EventSequenceNumber as number),
          'the delivery is numbered after the ACK',
        );
      }
    }
  });

  test('EventSequenceNumber strictly increases across every event each client sees', async (t) => {
    const h = await Harness.start(t);
    const a = await h.client('desktop-a', '7001', '7002');
    const b = await h.client('desktop-b', '7001');
    const c = await h.client('recorder', '7001', '7002');
    const sends: Promise<WireMessage>[] = [];
    for (let i = 0; i < 20; i++) {
      sends.push(a.sendEvent(i % 2 ? '7001' : '7002', [['i', i]]));
      sends.push(b.sendEvent('7001', [['j', i]]));
      sends.push(b.sendEvent('7002', [['refused', i]])); // EventError 41 for b
      if (i % 5 === 0) h.sim.tserver.createCall('7001');
    }
    await Promise.all(sends);
    for (const client of [a, b, c]) {
      await client.ping();
      const numbers = client.received(0).map((m) => m.EventSequenceNumber as number);
      assert.ok(numbers.length > 20, `${client.party} saw ${numbers.length} events`);
      for (let i = 1; i < numbers.length; i++) {
        assert.ok(
          (numbers[i] as number) > (numbers[i - 1] as number),
          `${client.party}: EventSequenceNumber ${numbers[i]} follows ${numbers[i - 1]}`,
        );
      }
    }
  });
});

describe('EventError codes (without fault injection)', () => {
  test('41 TERR_NOT_REGISTERED: RequestSendEvent on a DN this client did not register; nothing is delivered', async (t) => {
    const h = await Harness.start(t);
    const r = await h.client('recorder', '7001');
    const d = await h.client('desktop', '7002');
    const mark = h.journal.mark;
    const reply = await d.request({
      message: 'RequestSendEvent',
      ReferenceID: 12,
      ThisDN: '7001',
      Event: userEvent('7001'),
    });
    assertError(reply, { code: 41, ReferenceID: 12, ThisDN: '7001', names: 'ThisDN' });
    await assertNoUserEventsSince([r, d], mark);
  });

  test('51 TERR_UNSUP_OPER: an unknown message, echoing ReferenceID and ThisDN; the connection stays open', async (t) => {
    const h = await Harness.start(t);
    const r = await h.client('recorder', '7001');
    const c = await h.client('client', '7001');
    const mark = h.journal.mark;
    assertError(await c.request({ message: 'RequestMakeCall', ReferenceID: 21, ThisDN: '7001' }), {
      code: 51,
      ReferenceID: 21,
      ThisDN: '7001',
      names: 'RequestMakeCall',
    });
    // An event name is not a request either.
    assertError(await c.request({ message: 'EventUserEvent', ReferenceID: 22, ThisDN: '7001' }), {
      code: 51,
      ReferenceID: 22,
      ThisDN: '7001',
      names: 'EventUserEvent',
    });
    assert.equal(c.isClosed, false);
    assert.equal((await c.sendEvent('7001')).message, 'EventACK', 'the connection still works');
    await r.next((m) => m.message === 'EventUserEvent', 'the later event', mark);
    assert.equal(r.received(mark, 'EventUserEvent').length, 1);
  });

  test('an unknown message before RequestRegisterClient gets EventError 51 or 229 (the spec does not rank them) and the connection stays open', async (t) => {
    const h = await Harness.start(t);
    const c = await h.raw('early');
    const reply = await c.request({ message: 'RequestQueryServer', ReferenceID: 3 });
    assert.equal(reply.message, 'EventError');
    assert.equal(reply.ReferenceID, 3);
    assert.ok([51, 229].includes(reply.ErrorCode as number), `ErrorCode ${reply.ErrorCode}`);
    await c.registerClient();
    assert.equal(c.isClosed, false);
  });

  type Case = {
    title: string;
    request: Record<string, unknown>;
    code?: number;
    names: string;
    ReferenceID?: number;
    ThisDN?: string;
    /** Only the simulator in strict mode (`sim --strict`) refuses it. */
    strict?: true;
  };
  const send = (event: unknown, extra: Record<string, unknown> = {}) => ({
    message: 'RequestSendEvent',
    ReferenceID: 40,
    ThisDN: '7001',
    Event: event,
    ...extra,
  });
  const long = 'd'.repeat(65);
  const invalid: Case[] = [
    {
      title: 'RequestRegisterAddress without ThisDN',
      request: { message: 'RequestRegisterAddress', ReferenceID: 40 },
      names: 'ThisDN',
      ReferenceID: 40,
    },
    {
      title: 'RequestRegisterAddress with an empty ThisDN (no ThisDN echoed)',
      request: { message: 'RequestRegisterAddress', ReferenceID: 40, ThisDN: '' },
      names: 'ThisDN',
      ReferenceID: 40,
    },
    {
      title: 'RequestRegisterAddress with a 65-character ThisDN (no ThisDN echoed)',
      request: { message: 'RequestRegisterAddress', ReferenceID: 40, ThisDN: long },
      names: 'ThisDN',
      ReferenceID: 40,
    },
    {
      title: 'RequestRegisterAddress with a numeric ThisDN',
      request: { message: 'RequestRegisterAddress', ReferenceID: 40, ThisDN: 7001 },
      names: 'ThisDN',
      ReferenceID: 40,
    },
    {
      title: 'RequestUnregisterAddress without ThisDN',
      request: { message: 'RequestUnregisterAddress', ReferenceID: 40 },
      names: 'ThisDN',
      ReferenceID: 40,
    },
    {
      title: 'RequestRegisterClient without ApplicationName',
      request: { message: 'RequestRegisterClient', ReferenceID: 40 },
      names: 'ApplicationName',
      ReferenceID: 40,
    },
    {
      title: 'a request without ReferenceID (no ReferenceID echoed)',
      request: { message: 'RequestRegisterAddress', ThisDN: '7001' },
      names: 'ReferenceID',
      ThisDN: '7001',
    },
    {
      title: 'ReferenceID 0',
      request: { message: 'RequestRegisterAddress', ReferenceID: 0, ThisDN: '7001' },
      names: 'ReferenceID',
      ThisDN: '7001',
    },
    {
      title: 'ReferenceID 2^31',
      request: { message: 'RequestRegisterAddress', ReferenceID: 2 ** 31, ThisDN: '7001' },
      names: 'ReferenceID',
      ThisDN: '7001',
    },
    {
      title: 'ReferenceID as a string',
      request: { message: 'RequestRegisterAddress', ReferenceID: '5', ThisDN: '7001' },
      names: 'ReferenceID',
      ThisDN: '7001',
    },
    {
      title: 'ReferenceID 1.5',
      request: { message: 'RequestRegisterAddress', ReferenceID: 1.5, ThisDN: '7001' },
      names: 'ReferenceID',
      ThisDN: '7001',
    },
    {
      title: 'RequestSendEvent without Event',
      request: { message: 'RequestSendEvent', ReferenceID: 40, ThisDN: '7001' },
      names: 'Event',
      ReferenceID: 40,
      ThisDN: '7001',
    },
    {
      title: 'RequestSendEvent whose Event is not an object',
      request: send('EventUserEvent'),
      names: 'Event',
      ReferenceID: 40,
      ThisDN: '7001',
    },
    {
      title: 'RequestSendEvent whose Event.message is not EventUserEvent',
      request: send({ ...userEvent('7001'), message: 'EventEstablished' }),
      names: 'Event.message',
      ReferenceID: 40,
      ThisDN: '7001',
      strict: true,
    },
    {
      title: 'RequestSendEvent whose Event has no message',
      request: send({ ThisDN: '7001', UserData: [] }),
      names: 'Event.message',
      ReferenceID: 40,
      ThisDN: '7001',
    },
    {
      title: 'RequestSendEvent whose Event.ThisDN differs from ThisDN',
      request: send(userEvent('7002')),
      names: 'Event.ThisDN',
      ReferenceID: 40,
      ThisDN: '7001',
      strict: true,
    },
    {
      title: 'RequestSendEvent whose Event has no ThisDN',
      request: send({ message: 'EventUserEvent', UserData: [] }),
      names: 'Event.ThisDN',
      ReferenceID: 40,
      ThisDN: '7001',
      strict: true,
    },
    {
      title: 'RequestSendEvent whose UserData is not a KV list',
      request: send({ ...userEvent('7001'), UserData: { 'screen-capture': 'start' } }),
      names: 'Event.UserData',
      ReferenceID: 40,
      ThisDN: '7001',
    },
    {
      title: 'RequestSendEvent whose UserData pair has three elements',
      request: send({ ...userEvent('7001'), UserData: [['a', 'b', 'c']] }),
      names: 'Event.UserData[0]',
      ReferenceID: 40,
      ThisDN: '7001',
    },
    {
      title: 'RequestSendEvent whose UserData key is not a string',
      request: send({
        ...userEvent('7001'),
        UserData: [
          ['ok', 'ok'],
          [5, 'x'],
        ],
      }),
      names: 'Event.UserData[1][0]',
      ReferenceID: 40,
      ThisDN: '7001',
    },
    {
      title: 'RequestSendEvent whose UserData value is a float',
      request: send({ ...userEvent('7001'), UserData: [['n', 1.5]] }),
      names: 'Event.UserData[0][1]',
      ReferenceID: 40,
      ThisDN: '7001',
    },
    {
      title: 'RequestSendEvent whose UserData binary is not base64',
      request: send({ ...userEvent('7001'), UserData: [['b', { binary: '***' }]] }),
      names: 'Event.UserData[0][1]',
      ReferenceID: 40,
      ThisDN: '7001',
    },
    {
      title: 'RequestSendEvent with a ConnID in upper case',
      request: send(userEvent('7001', { ConnID: '006B02A6C5A1E001' })),
      code: 56,
      names: 'Event.ConnID',
      ReferenceID: 40,
      ThisDN: '7001',
    },
    {
      title: 'RequestSendEvent with a 15-digit ConnID',
      request: send(userEvent('7001', { ConnID: '006b02a6c5a1e00' })),
      code: 56,
      names: 'Event.ConnID',
      ReferenceID: 40,
      ThisDN: '7001',
    },
    {
      title: 'RequestSendEvent with a numeric ConnID',
      request: send(userEvent('7001', { ConnID: 1234567890123456 })),
      code: 56,
      names: 'Event.ConnID',
      ReferenceID: 40,
      ThisDN: '7001',
    },
  ];
  for (const c of invalid) {
    const code = c.code ?? 53;
    const name = code === 56 ? 'TERR_INV_CONNID' : 'TERR_INVALID_ATTR';
    const mode = c.strict ? ' (strict mode)' : '';
    test(`${code} ${name}${mode}: ${c.title}; ErrorMessage names ${c.names}; nothing is delivered`, async (t) => {
      const h = await Harness.start(t, c.strict ? { strict: true } : {});
      const r = await h.client('recorder', '7001');
      const d = await h.client('desktop', '7001');
      const mark = h.journal.mark;
      d.send(c.request);
      const { message: reply } = await d.next((m) => m.message === 'EventError', 'EventError', mark);
      assertError(reply, {
        code,
        names: c.names,
        ...(c.ReferenceID === undefined ? {} : { ReferenceID: c.ReferenceID }),
        ...(c.ThisDN === undefined ? {} : { ThisDN: c.ThisDN }),
      });
      assert.deepEqual(
        d.received(mark).map((m) => m.message),
        ['EventError'],
      );
      await assertNoUserEventsSince([r, d], mark);
      assert.equal(d.isClosed, false, 'an invalid request is not a framing error: the connection stays');
    });
  }

  for (const c of invalid.filter((c) => c.strict)) {
    test(`without strict mode, a T-Server does not check the Tevent: ${c.title} is acknowledged and delivered as given to the request's DN`, async (t) => {
      const h = await Harness.start(t);
      const r = await h.client('recorder', '7001');
      const other = await h.client('other', '7002');
      const d = await h.client('desktop', '7001');
      const mark = h.journal.mark;
      const reply = await d.request(c.request);
      assert.equal(reply.message, 'EventACK', JSON.stringify(reply));
      const event = c.request.Event as Record<string, unknown>;
      const delivered = await r.next((m) => m.message === event.message, 'the Tevent as given', mark);
      const { EventSequenceNumber: _n, Time: _t, ...given } = delivered.message;
      assert.deepEqual(given, event, 'delivered as given: its name, ThisDN and UserData');
      await assertNoUserEventsSince([other], mark);
    });
  }

  describe('59 TERR_NOT_CONFIGURED (a configured DN list)', () => {
    const dns = ['7001', '7002'];
    for (const message of ['RequestRegisterAddress', 'RequestUnregisterAddress', 'RequestSendEvent']) {
      test(`${message} on a DN not in the configured list -> EventError 59 echoing ReferenceID and ThisDN`, async (t) => {
        const h = await Harness.start(t, { dns });
        const r = await h.client('recorder', '7001');
        const c = await h.client('client', '7001');
        const mark = h.journal.mark;
        const request: Record<string, unknown> = { message, ReferenceID: 59, ThisDN: '7003' };
        if (message === 'RequestSendEvent') request.Event = userEvent('7003');
        assertError(await c.request(request), { code: 59, ReferenceID: 59, ThisDN: '7003', names: '7003' });
        await assertNoUserEventsSince([r, c], mark);
      });
    }

    test('configured DNs work as usual', async (t) => {
      const h = await Harness.start(t, { dns });
      const r = await h.client('recorder', '7001', '7002');
      const d = await h.client('desktop', '7002');
      await assertOnlySentinelDelivered(d, '7002', [r, d], h.journal.mark);
      const unregister = await r.request({ message: 'RequestUnregisterAddress', ThisDN: '7001' });
      assert.equal(unregister.message, 'EventUnregistered');
    });

    test('the registration of a DN outside the list has no effect', async (t) => {
      const h = await Harness.start(t, { dns });
      const c = await h.client('client');
      assert.equal((await c.request({ message: 'RequestRegisterAddress', ThisDN: '7003' })).ErrorCode, 59);
      const health = await h.api('GET', '/health');
      assert.deepEqual(health.body.registrations, {});
    });
  });
});

describe('framing errors', () => {
  const bad: Array<[string, Buffer | string]> = [
    ['a line that is not UTF-8', Buffer.from([0x7b, 0x22, 0x6d, 0xff, 0xfe, 0x22, 0x7d, 0x0a])],
    ['a line that is not JSON', '{"message":"RequestRegisterAddress",\n'],
    ['an empty line', '\n'],
    ['a JSON array', '[{"message":"RequestRegisterAddress","ReferenceID":1,"ThisDN":"7001"}]\n'],
    ['a JSON number', '42\n'],
    ['a JSON string', '"RequestRegisterAddress"\n'],
    ['JSON null', 'null\n'],
    ['an object without message (even with a valid ReferenceID)', '{"ReferenceID":5,"ThisDN":"7001"}\n'],
    ['an object whose message is not a string', '{"message":5,"ReferenceID":5,"ThisDN":"7001"}\n'],
  ];
  for (const [what, bytes] of bad) {
    test(`102 TERR_MSG_TYPE: ${what} -> EventError 102 without ReferenceID, then the server closes that connection; others unaffected`, async (t) => {
      const h = await Harness.start(t);
      const watcher = await h.client('watcher', '7001');
      const c = await h.client('bad', '7001');
      const mark = h.journal.mark;
      c.write(bytes);
      await c.waitClosed();
      const received = c.received(mark);
      assert.equal(received.length, 1, `exactly one reply: ${JSON.stringify(received)}`);
      assertError(received[0] as WireMessage, { code: 102 });
      await assertOnlySentinelDelivered(watcher, '7001', [watcher], mark);
      const health = await h.api('GET', '/health');
      assert.equal(health.body.clients, 1);
    });
  }

  test('102 TERR_MSG_TYPE: lines before the bad one are answered, nothing after it is performed', async (t) => {
    const h = await Harness.start(t);
    const watcher = await h.client('watcher', '7001');
    const c = await h.client('bad', '7001');
    const mark = h.journal.mark;
    c.write(
      `${JSON.stringify({ message: 'RequestSendEvent', ReferenceID: 1, ThisDN: '7001', Event: userEvent('7001', { UserData: [['n', 'before']] }) })}\n` +
        'garbage\n' +
        `${JSON.stringify({ message: 'RequestSendEvent', ReferenceID: 2, ThisDN: '7001', Event: userEvent('7001', { UserData: [['n', 'after']] }) })}\n`,
    );
    await c.waitClosed();
    const names = c.received(mark).map((m) => `${m.message}${m.ErrorCode ? ` ${m.ErrorCode}` : ''}`);
    assert.deepEqual(names, ['EventACK', 'EventUserEvent', 'EventError 102']);
    await watcher.ping();
    assert.deepEqual(
      watcher.received(mark, 'EventUserEvent').map((m) => m.UserData),
      [[['n', 'before']]],
    );
  });

  test('102 TERR_MSG_TYPE: garbage before RequestRegisterClient is a framing error too (not 229)', async (t) => {
    const h = await Harness.start(t);
    const c = await h.raw('early');
    c.write('hello\n');
    await c.waitClosed();
    const received = c.received();
    assert.equal(received.length, 1);
    assertError(received[0] as WireMessage, { code: 102 });
  });

  function padded(bytes: number, ref: number): string {
    const base = { message: 'RequestRegisterAddress', ReferenceID: ref, ThisDN: '7001', Pad: '' };
    const overhead = Buffer.byteLength(JSON.stringify(base));
    const line = JSON.stringify({ ...base, Pad: 'x'.repeat(bytes - overhead) });
    assert.equal(Buffer.byteLength(line), bytes);
    return `${line}\n`;
  }

  test('a line of exactly 1 MiB (without its newline) is accepted', async (t) => {
    const h = await Harness.start(t);
    const c = await h.client('big');
    const mark = h.journal.mark;
    c.write(padded(MiB, 77));
    const { message } = await c.next((m) => m.ReferenceID === 77, 'the reply', mark);
    assert.equal(message.message, 'EventRegistered');
    assert.equal(c.isClosed, false);
  });

  test('107 TERR_BAD_MSG_LENGTH: a line over 1 MiB -> EventError 107 without ReferenceID, then the server closes that connection; others unaffected', async (t) => {
    const h = await Harness.start(t);
    const watcher = await h.client('watcher', '7001');
    const c = await h.client('big');
    const mark = h.journal.mark;
    c.write(padded(MiB + 1, 78));
    await c.waitClosed();
    const received = c.received(mark);
    assert.equal(received.length, 1, JSON.stringify(received.map((m) => m.message)));
    assertError(received[0] as WireMessage, { code: 107 });
    await assertOnlySentinelDelivered(watcher, '7001', [watcher], mark);
  });

  test('107 TERR_BAD_MSG_LENGTH: over 1 MiB without any newline fails at once, without waiting for the end of the line', async (t) => {
    const h = await Harness.start(t);
    const c = await h.client('big');
    const mark = h.journal.mark;
    c.write(Buffer.alloc(MiB + 100, 0x20));
    await c.waitClosed();
    const received = c.received(mark);
    assert.equal(received.length, 1);
    assertError(received[0] as WireMessage, { code: 107 });
  });
});

describe('isolation', () => {
  test('one bad client never disturbs another: while clients send garbage and are closed, a desktop/recorder pair keeps exchanging', async (t) => {
    const h = await Harness.start(t);
    const desktop = await h.client('desktop', '7001');
    const recorder = await h.client('recorder', '7001');
    const mark = h.journal.mark;
    const N = 60;
    const exchange = (async () => {
      for (let i = 0; i < N; i++) {
        const ack = await desktop.sendEvent('7001', [['i', i]]);
        assert.equal(ack.message, 'EventACK', `event ${i}`);
      }
    })();
    const garbage: Array<Buffer | string> = [
      'not json\n',
      Buffer.from([0xc3, 0x28, 0x0a]),
      '[]\n',
      '{"ReferenceID":1}\n',
      Buffer.alloc(MiB + 10, 0x61),
    ];
    const vandals = await Promise.all(
      garbage.map(async (bytes, i) => {
        const v = await h.client(`vandal-${i}`, '7001');
        // Half the vandals send a good half-line first, so the garbage lands mid-stream.
        if (i % 2) v.write('{"message":"RequestSendEvent",');
        v.write(bytes);
        return v;
      }),
    );
    // One more leaves abruptly in the middle of a line.
    const quitter = await h.client('quitter', '7001');
    quitter.write('{"message":"RequestRegister');
    quitter.socket.destroy();
    await Promise.all(vandals.map((v) => v.waitClosed()));
    for (const v of vandals) {
      const errors = v.received(mark, 'EventError');
      assert.equal(errors.length, 1, `${v.party}: ${JSON.stringify(errors)}`);
      assert.ok([102, 107].includes(errors[0]?.ErrorCode as number));
    }
    await exchange;
    await recorder.next(
      (m) => m.message === 'EventUserEvent' && JSON.stringify(m.UserData) === JSON.stringify([['i', N - 1]]),
      'the last event',
      mark,
    );
    assert.deepEqual(
      recorder.received(mark, 'EventUserEvent').map((m) => m.UserData),
      Array.from({ length: N }, (_, i) => [['i', i]]),
    );
    assert.equal(recorder.received(mark, 'EventError').length, 0);
    const health = await h.api('GET', '/health');
    assert.equal(health.body.clients, 2);
    assert.deepEqual(health.body.registrations, { '7001': 2 });
  });
});
