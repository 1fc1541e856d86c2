/**
 * TlibLink over real sockets: replies matched by ReferenceID, LinkRequestError, timeouts, close and
 * connection loss, and the journal. Against the simulator, and against plain net.Servers that
 * misbehave on purpose (silent, hanging up, sending garbage).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { type AddressInfo, createServer } from 'node:net';
import { describe, type TestContext, test } from 'node:test';
import { DISCONNECTED } from '../src/journal.ts';
import { LinkRequestError } from '../src/link/link.ts';
import { TlibLink } from '../src/link/tlib-link.ts';
import type { Tevent, WireMessage } from '../src/tlib/messages.ts';
import {
  type Behaviour,
  fakeTServer,
  Harness,
  rejectsWithin,
  reply,
  WAIT_MS,
  withTimeout,
} from './helpers.ts';

const silent: Behaviour = () => {};

async function connectTo(t: TestContext, port: number, timeoutMs = WAIT_MS): Promise<TlibLink> {
  const link = await TlibLink.connect({ host: '127.0.0.1', port, applicationName: 'tester', timeoutMs });
  t.after(() => link.close());
  return link;
}

describe('TlibLink.connect', () => {
  test('registers the client and learns ServerName and ServerVersion from EventClientRegistered', async (t) => {
    const h = await Harness.start(t, { serverName: 'sim-x', serverVersion: '1.2.3' });
    const link = await h.link('desktop');
    assert.deepEqual(link.server, { name: 'sim-x', version: '1.2.3' });
    assert.equal(link.isOpen, true);
    const sent = h.journal.find((e) => e.party === 'desktop' && e.direction === 'out');
    assert.equal(sent?.message.message, 'RequestRegisterClient');
    assert.equal(sent?.message.ApplicationName, 'desktop');
  });

  test('rejects naming host:port when nothing listens there', async () => {
    // A port that was just free: listen on an ephemeral port, then close it.
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const freePort = (server.address() as AddressInfo).port;
    await new Promise((resolve) => server.close(resolve));
    await rejectsWithin(
      TlibLink.connect({ host: '127.0.0.1', port: freePort, applicationName: 'x' }),
      new RegExp(`cannot connect to T-Server at 127\\.0\\.0\\.1:${freePort}`),
    );
  });

  test('rejects when the server answers RequestRegisterClient with EventError, and closes the socket', async (t) => {
    const fake = await fakeTServer(t, silent, (socket, m) =>
      reply(socket, {
        message: 'EventError',
        ReferenceID: m.ReferenceID,
        ErrorCode: 52,
        ErrorMessage: 'go away',
        EventSequenceNumber: 1,
        Time: '2026-01-01T00:00:00.000000Z',
      }),
    );
    await rejectsWithin(
      TlibLink.connect({ host: '127.0.0.1', port: fake.port, applicationName: 'refused-app' }),
      /refused RequestRegisterClient for refused-app: .*go away/,
    );
    await withTimeout(fake.allClosed(), WAIT_MS, 'the refused link to close its socket');
  });

  test('rejects with a timeout naming RequestRegisterClient when the server never answers, and closes the socket', async (t) => {
    const fake = await fakeTServer(t, silent, silent);
    await rejectsWithin(
      TlibLink.connect({ host: '127.0.0.1', port: fake.port, applicationName: 'x', timeoutMs: 100 }),
      /RequestRegisterClient \(ReferenceID 1\) got no reply from tserver 127\.0\.0\.1:\d+ within 100 ms/,
    );
    await withTimeout(fake.allClosed(), WAIT_MS, 'the timed-out link to close its socket');
  });
});

describe('request()', () => {
  test('resolves each EventACK by its ReferenceID, even when replies arrive out of order', async (t) => {
    const h = await Harness.start(t);
    const link = await h.link('desktop');
    await link.registerDn('7001');
    const fault = await h.api('POST', '/faults', { kind: 'delay', dn: '7001', ms: 150, count: 1 });
    assert.equal(fault.status, 201);
    const order: string[] = [];
    const slow = link
      .request({
        message: 'RequestSendEvent',
        ThisDN: '7001',
        Event: { message: 'EventUserEvent', ThisDN: '7001' },
      })
      .then((r) => {
        order.push('slow');
        return r;
      });
    const fast = link.request({ message: 'RequestRegisterAddress', ThisDN: '7002' }).then((r) => {
      order.push('fast');
      return r;
    });
    const [slowReply, fastReply] = await Promise.all([slow, fast]);
    assert.deepEqual(order, ['fast', 'slow'], 'the second request was answered first');
    const sent = h.journal
      .filter((e) => e.party === 'desktop' && e.direction === 'out')
      .map((e) => e.message)
      .slice(-2);
    assert.equal(slowReply.message, 'EventACK');
    assert.equal(slowReply.ReferenceID, sent[0]?.ReferenceID);
    assert.equal(fastReply.message, 'EventRegistered');
    assert.equal(fastReply.ReferenceID, sent[1]?.ReferenceID);
    assert.notEqual(sent[0]?.ReferenceID, sent[1]?.ReferenceID);
  });

  test('resolves (does not reject) with the EventError that answers it', async (t) => {
    const h = await Harness.start(t);
    const link = await h.link('desktop');
    const reply = await link.request({
      message: 'RequestSendEvent',
      ThisDN: '7009',
      Event: { message: 'EventUserEvent', ThisDN: '7009' },
    });
    assert.equal(reply.message, 'EventError');
    assert.equal(reply.message === 'EventError' && reply.ErrorCode, 41);
    const sent = h.journal.filter((e) => e.party === 'desktop' && e.direction === 'out').at(-1);
    assert.equal(reply.ReferenceID, sent?.message.ReferenceID);
  });

  test('registerDn and unregisterDn reject with LinkRequestError carrying the EventError', async (t) => {
    const h = await Harness.start(t, { dns: ['7001'] });
    const link = await h.link('desktop');
    await rejectsWithin(link.registerDn('7003'), (e: unknown) => {
      assert.ok(e instanceof LinkRequestError);
      assert.equal(e.reply.ErrorCode, 59);
      assert.equal(e.request.message, 'RequestRegisterAddress');
      assert.match(
        e.message,
        /RequestRegisterAddress on 7003 refused: EventError 59 \(TERR_NOT_CONFIGURED\)/,
      );
      return true;
    });
    await rejectsWithin(link.unregisterDn('7001'), (e: unknown) => {
      assert.ok(e instanceof LinkRequestError);
      assert.equal(e.reply.ErrorCode, 41);
      return true;
    });
    await rejectsWithin(link.registerDn(''), (e: unknown) => {
      assert.ok(e instanceof LinkRequestError);
      assert.equal(e.reply.ErrorCode, 53);
      assert.match(e.message, /ThisDN/);
      return true;
    });
    await link.registerDn('7001');
    await link.unregisterDn('7001');
  });

  test("a third party's refusal whose ErrorCode and ErrorMessage are any JSON value rejects with LinkRequestError naming them", async (t) => {
    const server = await fakeTServer(t, (socket, m) =>
      socket.write(
        `{"message":"EventError","ReferenceID":${m.ReferenceID},"ErrorCode":{"toString":1,"valueOf":2},"ErrorMessage":{"toString":1},"EventSequenceNumber":2,"Time":"2026-01-01T00:00:00.000000Z"}\n`,
      ),
    );
    const link = await connectTo(t, server.port);
    await rejectsWithin(link.registerDn('7001'), (e: unknown) => {
      assert.ok(e instanceof LinkRequestError, String(e));
      assert.equal(
        e.message,
        'RequestRegisterAddress on 7001 refused: EventError {"toString":1,"valueOf":2}: {"toString":1}',
      );
      return true;
    });
  });

  test('a request with no reply times out with an error naming the request (silent server)', async (t) => {
    const fake = await fakeTServer(t, silent);
    // Long enough for the fake's reply to RequestRegisterClient on a loaded machine.
    const link = await connectTo(t, fake.port, 500);
    const started = performance.now();
    await rejectsWithin(
      link.registerDn('7001'),
      /RequestRegisterAddress \(ReferenceID 2, ThisDN 7001\) got no reply from tserver 127\.0\.0\.1:\d+ within 500 ms/,
    );
    assert.ok(performance.now() - started >= 499, 'it waited for the timeout');
    assert.equal(link.isOpen, true, 'a timeout does not close the link');
    // The request was sent: the fake reads it, though on a busy machine maybe after the link gave up.
    const deadline = performance.now() + 2000;
    while (fake.received.length < 2 && performance.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(
      fake.received.map((m) => m.message),
      ['RequestRegisterClient', 'RequestRegisterAddress'],
    );
  });

  test('a request answered after its timeout rejects; the late reply goes to onEvent (simulator delay fault)', async (t) => {
    const h = await Harness.start(t);
    // Its replies to connecting and registering must not miss the timeout on a loaded machine.
    const link = await h.link('desktop', { timeoutMs: 1000 });
    await link.registerDn('7001');
    await h.api('POST', '/faults', { kind: 'delay', ms: 1500, count: 1 });
    const events: WireMessage[] = [];
    link.onEvent((e) => events.push(e));
    const mark = h.journal.mark;
    await rejectsWithin(
      link.request({
        message: 'RequestSendEvent',
        ThisDN: '7001',
        Event: { message: 'EventUserEvent', ThisDN: '7001' },
      }),
      /RequestSendEvent \(ReferenceID \d+, ThisDN 7001\) got no reply .* within 1000 ms/,
    );
    const late = await h.journal.waitFor(
      (e) => e.party === 'desktop' && e.direction === 'in' && e.message.message === 'EventUserEvent',
      { timeoutMs: WAIT_MS, description: 'the late delivery', after: mark },
    );
    assert.ok(late);
    assert.deepEqual(
      events.map((e) => e.message),
      ['EventACK', 'EventUserEvent'],
    );
  });
});

describe('connection end', () => {
  test('close() rejects pending requests with a clear error, fires onClose without a reason, and refuses new requests', async (t) => {
    const fake = await fakeTServer(t, silent);
    const link = await connectTo(t, fake.port);
    const reasons: Array<Error | undefined> = [];
    link.onClose((r) => reasons.push(r));
    const pending = link.registerDn('7001');
    const rejected = rejectsWithin(
      pending,
      /RequestRegisterAddress \(ReferenceID 2, ThisDN 7001\) got no reply: the link to tserver 127\.0\.0\.1:\d+ was closed/,
    );
    await link.close();
    await rejected;
    assert.deepEqual(reasons, [undefined]);
    assert.equal(link.isOpen, false);
    await rejectsWithin(link.registerDn('7002'), /cannot send RequestRegisterAddress .* is closed/);
    await link.close(); // idempotent
    assert.equal(reasons.length, 1, 'onClose fires once');
  });

  test('the server closing the connection rejects pending requests and fires onClose with a reason', async (t) => {
    const fake = await fakeTServer(t, (socket, m) => {
      if (m.message === 'RequestUnregisterAddress') socket.destroy();
    });
    const link = await connectTo(t, fake.port);
    const closed = new Promise<Error | undefined>((resolve) => link.onClose(resolve));
    const a = link.registerDn('7001'); // never answered
    const b = link.unregisterDn('7001'); // makes the server hang up
    await rejectsWithin(
      a,
      /RequestRegisterAddress \(ReferenceID 2, ThisDN 7001\) got no reply: T-Server at .* closed the connection/,
    );
    await rejectsWithin(
      b,
      /RequestUnregisterAddress \(ReferenceID 3, ThisDN 7001\) got no reply: .*closed the connection/,
    );
    const reason = await withTimeout(closed, WAIT_MS, 'onClose');
    assert.ok(reason instanceof Error);
    assert.match(
      reason.message,
      new RegExp(`T-Server at 127\\.0\\.0\\.1:${fake.port} closed the connection`),
    );
    assert.equal(link.isOpen, false);
  });

  test('a simulator disconnect fault rejects the pending RequestSendEvent and fires onClose with a reason', async (t) => {
    const h = await Harness.start(t);
    const link = await h.link('desktop');
    await link.registerDn('7001');
    await h.api('POST', '/faults', { kind: 'disconnect' });
    const closed = new Promise<Error | undefined>((resolve) => link.onClose(resolve));
    await rejectsWithin(
      link.request({
        message: 'RequestSendEvent',
        ThisDN: '7001',
        Event: { message: 'EventUserEvent', ThisDN: '7001' },
      }),
      /RequestSendEvent \(ReferenceID 3, ThisDN 7001\) got no reply: T-Server at .* closed the connection/,
    );
    const reason = await withTimeout(closed, WAIT_MS, 'onClose');
    assert.match(reason?.message ?? '', /closed the connection/);
  });

  test('stopping the simulator fires onClose with a reason on every link', async (t) => {
    const h = await Harness.start(t);
    const a = await h.link('a');
    const b = await h.link('b');
    const reasons = [a, b].map((l) => new Promise<Error | undefined>((resolve) => l.onClose(resolve)));
    await h.sim.stop();
    for (const reason of await withTimeout(Promise.all(reasons), WAIT_MS, 'both onClose')) {
      assert.ok(reason instanceof Error);
      assert.match(reason.message, /closed the connection/);
    }
  });

  test('a malformed line from the server closes the link, rejecting pending requests with a reason naming it', async (t) => {
    const fake = await fakeTServer(t, (socket) => socket.write('this is not json\n'));
    const link = await connectTo(t, fake.port);
    const closed = new Promise<Error | undefined>((resolve) => link.onClose(resolve));
    await rejectsWithin(link.registerDn('7001'), /got no reply: .*malformed line/);
    const reason = await withTimeout(closed, WAIT_MS, 'onClose');
    assert.match(reason?.message ?? '', /malformed line: line is not valid JSON/);
  });

  test('sendBytes journals an unreadable line with its length; the simulator framing error closes the link, which journals the loss', async (t) => {
    const h = await Harness.start(t);
    const link = await h.link('vandal');
    const closed = new Promise<Error | undefined>((resolve) => link.onClose(resolve));
    const mark = h.journal.mark;
    link.sendBytes('not json\n');
    const reason = await withTimeout(closed, WAIT_MS, 'onClose');
    assert.match(reason?.message ?? '', /closed the connection/);
    const after = h.journal.filter((e) => e.party === 'vandal', mark);
    assert.deepEqual(
      after.map(
        (e) =>
          `${e.direction} ${e.message.message} ${e.message.ErrorCode ?? e.message.Length ?? e.message.Cause}`,
      ),
      ['out (unreadable line) 9', 'in EventError 102', `in ${DISCONNECTED} ${reason?.message}`],
    );
  });
});

describe('events and journal', () => {
  test('onEvent gets unsolicited events, not the replies being awaited; unsubscribing stops it', async (t) => {
    const h = await Harness.start(t);
    const desktop = await h.link('desktop');
    const recorder = await h.link('recorder');
    await desktop.registerDn('7001');
    await recorder.registerDn('7001');
    const seen: WireMessage[] = [];
    const unsubscribe = recorder.onEvent((e) => seen.push(e));
    const desktopSeen: WireMessage[] = [];
    desktop.onEvent((e) => desktopSeen.push(e));
    const event: Tevent = { message: 'EventUserEvent', ThisDN: '7001', UserData: [['n', 1]] };
    const ack = await desktop.request({ message: 'RequestSendEvent', ThisDN: '7001', Event: event });
    assert.equal(ack.message, 'EventACK');
    await h.journal.waitFor((e) => e.party === 'recorder' && e.message.message === 'EventUserEvent', {
      timeoutMs: WAIT_MS,
      description: 'recorder to receive the event',
    });
    await h.journal.waitFor((e) => e.party === 'desktop' && e.message.message === 'EventUserEvent', {
      timeoutMs: WAIT_MS,
      description: 'desktop to receive its own copy',
    });
    assert.deepEqual(
      seen.map((e) => [e.message, e.UserData]),
      [['EventUserEvent', [['n', 1]]]],
    );
    assert.deepEqual(
      desktopSeen.map((e) => e.message),
      ['EventUserEvent'],
      'the EventACK went to the awaiting request, not to onEvent',
    );
    unsubscribe();
    const mark = h.journal.mark;
    await desktop.request({ message: 'RequestSendEvent', ThisDN: '7001', Event: event });
    await h.journal.waitFor((e) => e.party === 'recorder' && e.message.message === 'EventUserEvent', {
      timeoutMs: WAIT_MS,
      description: 'the second event',
      after: mark,
    });
    assert.equal(seen.length, 1, 'no event after unsubscribing');
  });

  test('the journal records every message in and out, matching what the server saw and sent', async (t) => {
    const h = await Harness.start(t);
    const desktop = await h.link('desktop');
    const recorder = await h.link('recorder');
    await desktop.registerDn('7001');
    await recorder.registerDn('7001');
    await desktop.request({
      message: 'RequestSendEvent',
      ThisDN: '7001',
      Event: { message: 'EventUserEvent', ThisDN: '7001', UserData: [['screen-capture', 'start']] },
    });
    await desktop.request({
      message: 'RequestSendEvent',
      ThisDN: '7002',
      Event: { message: 'EventUserEvent', ThisDN: '7002' },
    });
    desktop.sendRaw({ message: 'RequestMakeCall', ReferenceID: 999 });
    await h.journal.waitFor(
      (e) => e.party === 'desktop' && e.message.ReferenceID === 999 && e.direction === 'in',
      {
        timeoutMs: WAIT_MS,
        description: 'the reply to the raw request',
      },
    );
    await h.journal.waitFor((e) => e.party === 'recorder' && e.message.message === 'EventUserEvent', {
      timeoutMs: WAIT_MS,
      description: 'the recorder event',
    });
    await recorder.unregisterDn('7001');
    await desktop.close();
    await recorder.close();

    const server = h.sim.journal?.entries ?? [];
    const clientMessages = (party: string, direction: 'in' | 'out') =>
      h.journal.filter((e) => e.party === party && e.direction === direction).map((e) => e.message);
    // Each link's `out` entries are exactly what the server received from it, and its `in` entries
    // exactly what the server sent it, in order. The server names its peer `client N (...)`.
    for (const party of ['desktop', 'recorder']) {
      const registration = server.find((e) => e.direction === 'in' && e.message.ApplicationName === party);
      const client = /^client \d+ \(/.exec(registration?.peer ?? '')?.[0];
      assert.ok(client, `the server journaled ${party}'s registration`);
      // Its disconnection (when closed) is the server's own note, not a message it received.
      const ofParty = server.filter((e) => e.peer?.startsWith(client) && e.message.message !== DISCONNECTED);
      const out = clientMessages(party, 'out');
      const got = clientMessages(party, 'in');
      assert.ok(out.length >= 3 && got.length >= 3, `${party} journaled ${out.length} out, ${got.length} in`);
      assert.deepEqual(
        ofParty.filter((e) => e.direction === 'in').map((e) => e.message),
        out,
      );
      assert.deepEqual(
        ofParty.filter((e) => e.direction === 'out').map((e) => e.message),
        got,
      );
    }
    for (const e of h.journal.entries) {
      assert.match(e.peer ?? '', /^tserver 127\.0\.0\.1:\d+$/);
      assert.ok(e.micros > 0);
    }
    const names = (party: string, direction: 'in' | 'out') =>
      clientMessages(party, direction).map((m) => m.message);
    assert.deepEqual(names('desktop', 'out'), [
      'RequestRegisterClient',
      'RequestRegisterAddress',
      'RequestSendEvent',
      'RequestSendEvent',
      'RequestMakeCall',
    ]);
    assert.deepEqual(names('desktop', 'in'), [
      'EventClientRegistered',
      'EventRegistered',
      'EventACK',
      'EventUserEvent',
      'EventError',
      'EventError',
    ]);
    assert.deepEqual(names('recorder', 'out'), [
      'RequestRegisterClient',
      'RequestRegisterAddress',
      'RequestUnregisterAddress',
    ]);
    assert.deepEqual(names('recorder', 'in'), [
      'EventClientRegistered',
      'EventRegistered',
      'EventUserEvent',
      'EventUnregistered',
    ]);
  });
});
