/**
 * The core every link shares, apart from any transport: ReferenceIDs, replies matched to their
 * request, deadlines, and the one shut-down (DESIGN section 2).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LinkCore } from '../src/link/link-core.ts';
import type { WireMessage } from '../src/tlib/messages.ts';

const REGISTER = { message: 'RequestRegisterAddress', ThisDN: '7001' } as const;

/** A core whose transport keeps what it is given. */
function core(timeoutMs: number | undefined = 1000) {
  const sent: WireMessage[] = [];
  const link = new LinkCore({ peer: 'tserver test', timeoutMs });
  return { link, sent, transmit: (r: WireMessage) => void sent.push(r) };
}

describe('LinkCore', () => {
  test('numbers each request (message first, then ReferenceID) and resolves it with the reply of that ReferenceID', async () => {
    const { link, sent, transmit } = core();
    const first = link.request(REGISTER, transmit);
    const second = link.request({ ...REGISTER, ThisDN: '7002' }, transmit);
    assert.deepEqual(
      sent.map((r) => Object.keys(r)),
      [
        ['message', 'ReferenceID', 'ThisDN'],
        ['message', 'ReferenceID', 'ThisDN'],
      ],
    );
    assert.deepEqual(
      sent.map((r) => r.ReferenceID),
      [1, 2],
    );
    assert.equal(link.settle({ message: 'EventRegistered', ReferenceID: 2, ThisDN: '7002' }), true);
    assert.equal(link.settle({ message: 'EventRegistered', ReferenceID: 2, ThisDN: '7002' }), false, 'once');
    assert.equal(link.settle({ message: 'EventRegistered', ReferenceID: 9 }), false, 'nobody waits for 9');
    assert.deepEqual(await second, { message: 'EventRegistered', ReferenceID: 2, ThisDN: '7002' });
    link.settle({ message: 'EventRegistered', ReferenceID: 1, ThisDN: '7001' });
    assert.deepEqual(await first, { message: 'EventRegistered', ReferenceID: 1, ThisDN: '7001' });
  });

  test('a reply that does not come in time fails its request, naming it, the peer and the deadline', async () => {
    const { link, transmit } = core(20);
    await assert.rejects(
      link.request(REGISTER, transmit),
      /^Error: RequestRegisterAddress \(ReferenceID 1, ThisDN 7001\) got no reply from tserver test within 20 ms$/,
    );
    assert.equal(
      link.settle({ message: 'EventRegistered', ReferenceID: 1 }),
      false,
      'a late reply waits for nobody',
    );
  });

  test('expectSuccess turns an EventError into an error naming the request and the code', async () => {
    const { link, transmit } = core();
    const refused = link.expectSuccess(REGISTER, transmit);
    link.settle({ message: 'EventError', ReferenceID: 1, ErrorCode: 41, ErrorMessage: 'no' });
    await assert.rejects(refused, /RequestRegisterAddress on 7001 refused: EventError 41/);
  });

  test("fail gives the transport's own reason", async () => {
    const { link, transmit } = core(undefined);
    const request = link.request(REGISTER, transmit);
    link.fail(1, new Error('HTTP 503'));
    await assert.rejects(request, /^Error: HTTP 503$/);
  });

  test('going down fails what is pending, tells the close listeners once, and refuses later requests with why', async () => {
    const { link, sent, transmit } = core();
    const reasons: Array<Error | undefined> = [];
    link.closes.add((r) => reasons.push(r));
    const removed = link.closes.add(() => assert.fail('a removed listener is not called'));
    removed();
    const pending = link.request(REGISTER, transmit);
    link.shutDown(new Error('T-Server closed the connection'));
    link.shutDown(undefined);
    await assert.rejects(
      pending,
      /^Error: RequestRegisterAddress \(ReferenceID 1, ThisDN 7001\) got no reply: T-Server closed the connection$/,
    );
    assert.deepEqual(
      reasons.map((r) => r?.message),
      ['T-Server closed the connection'],
    );
    assert.equal(link.isClosed, true);
    await assert.rejects(
      link.request(REGISTER, transmit),
      /^Error: cannot send RequestRegisterAddress \(ReferenceID 2, ThisDN 7001\): the link to tserver test is closed \(T-Server closed the connection\)$/,
    );
    assert.equal(sent.length, 1, 'nothing sent once down');
  });
});
