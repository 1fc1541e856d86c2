/**
 * The Workspace API's data as the harness reads it: KV pairs <-> T-Lib KV lists, notifications ->
 * the T-Lib events the journal records, and the configuration of a Workspace API desktop.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig } from '../src/config/load.ts';
import type { KVList } from '../src/tlib/messages.ts';
import { fromWorkspaceKv, toWorkspaceKv } from '../src/workspace/kv.ts';
import { journalNotification } from '../src/workspace/notifications.ts';

describe('Workspace API KV pairs, notifications and configuration', () => {
  test('KV lists round-trip through Workspace KV pairs, keeping order, repeats and nesting', () => {
    const list: KVList = [
      ['screen-capture', 'start'],
      ['n', 3],
      ['screen-capture', 'again'],
      ['nested', [['a', 'b']]],
    ];
    const pairs = toWorkspaceKv(list);
    assert.deepEqual(pairs[3], {
      key: 'nested',
      type: 'kvlist',
      value: [{ key: 'a', type: 'str', value: 'b' }],
    });
    assert.deepEqual(fromWorkspaceKv(pairs), { ok: true, list });
    assert.throws(
      () => toWorkspaceKv([['blob', { binary: 'AA==' }]]),
      /UserData key "blob": the Workspace API carries no binary values/,
    );
    assert.deepEqual(fromWorkspaceKv([{ key: 'n', type: 'int', value: 'x' }]), {
      ok: false,
      problem: 'userData[0].value: expected an integer, got "x"',
    });
  });

  test('notifications become the T-Lib events they report, on the activated DN', () => {
    const call = { id: 'c1', connId: '006b02a6c5a1e001', callUuid: 'u1', state: 'Established' };
    assert.deepEqual(
      journalNotification(
        {
          messageType: 'EventUserEvent',
          userData: [{ key: 'screen-capture', type: 'str', value: 'enabled' }],
          call,
        },
        '7001',
      ),
      {
        message: {
          message: 'EventUserEvent',
          ThisDN: '7001',
          ConnID: '006b02a6c5a1e001',
          UserData: [['screen-capture', 'enabled']],
        },
      },
    );
    assert.deepEqual(
      journalNotification(
        {
          messageType: 'CallStateChanged',
          notificationType: 'StateChange',
          call: { ...call, state: 'Released' },
        },
        '7001',
      ).message,
      {
        message: 'EventReleased',
        ThisDN: '7001',
        ConnID: '006b02a6c5a1e001',
      },
    );
    assert.deepEqual(
      journalNotification(
        { messageType: 'EventError', error: { errorCode: 415, errorMessage: 'Invalid Destination DN' } },
        '7001',
      ).message,
      {
        message: 'EventError',
        ThisDN: '7001',
        ErrorCode: 415,
        ErrorMessage: 'Invalid Destination DN',
      },
    );
    assert.equal(
      journalNotification({ messageType: 'EventUserEvent', userData: 'start' }, '7001').problem,
      'userData: expected an array of {key, type, value}, got "start"',
    );
    assert.equal(
      journalNotification({ messageType: 'DnStateChanged', dn: { number: '7001' } }, undefined).message
        .message,
      'DnStateChanged',
    );
  });

  test("a notification's values may be any JSON: journaled under a string name, without throwing", () => {
    const h = () => JSON.parse('{"toString":1,"valueOf":2}');
    const deep = JSON.parse(
      `${'[{"key":"k","type":"kvlist","value":'.repeat(20_000)}[]${'}]'.repeat(20_000)}`,
    );
    assert.match(
      journalNotification({ messageType: 'EventUserEvent', userData: deep }, '7001').problem ?? '',
      /^userData\[0\]\.value(\[0\]\.value){63}: KV lists nested more than 64 deep$/,
    );
    for (const state of ['toString', 'constructor', '__proto__', 'hasOwnProperty'])
      assert.equal(
        journalNotification({ messageType: 'CallStateChanged', call: { connId: 'c', state } }, '7001').message
          .message,
        'CallStateChanged',
        state,
      );
    assert.deepEqual(
      journalNotification(
        { messageType: 'EventError', error: { errorCode: h(), errorMessage: h() } },
        '7001',
      ),
      {
        message: {
          message: 'EventError',
          ThisDN: '7001',
          ErrorCode: Number.NaN,
          ErrorMessage: '{"toString":1,"valueOf":2}',
        },
        problem: 'error.errorCode: expected a number',
      },
    );
    assert.deepEqual(
      journalNotification({ messageType: 'DnStateChanged', message: h(), ReferenceID: 3 }, '7001').message,
      { message: 'DnStateChanged', ThisDN: '7001', ReferenceID: 3, Message: h() },
    );
    // Both a `message` and a `Message`: neither is lost.
    assert.deepEqual(
      journalNotification({ messageType: 'DnStateChanged', message: 'a', Message: 'b' }, '7001').message,
      { message: 'DnStateChanged', ThisDN: '7001', Message: 'b', NotificationMessage: 'a' },
    );
    // Those two as well: the next free name.
    assert.deepEqual(
      journalNotification(
        { messageType: 'DnStateChanged', message: 'a', Message: 'b', NotificationMessage: 'c' },
        '7001',
      ).message,
      {
        message: 'DnStateChanged',
        ThisDN: '7001',
        Message: 'b',
        NotificationMessage: 'c',
        NotificationMessage2: 'a',
      },
    );
  });

  test('a Workspace API desktop: from the environment; a GWS URL needs an agent per agent DN; never in the tserver profile', () => {
    const config = loadConfig(undefined, { SCREENCAP_DESKTOP_LINK_TYPE: 'workspace' });
    assert.deepEqual(config.desktop.link, { type: 'workspace' });
    assert.deepEqual(loadConfig(undefined, {}).desktop.link, { type: 'tlib-json' });
    assert.throws(
      () =>
        loadConfig(undefined, {
          SCREENCAP_PROFILE: 'recorder',
          SCREENCAP_DESKTOP_LINK_TYPE: 'workspace',
          SCREENCAP_DESKTOP_LINK_URL: 'https://gws.example.com',
          SCREENCAP_DESKTOP_LINK_AGENTS: '[{"agentId":"a1"}]',
        }),
      /desktop\.link\.agents: a Workspace API desktop needs an agent \(agentId\) for each agent DN \(7001, 7002\)/,
    );
    assert.throws(
      () =>
        loadConfig(undefined, {
          SCREENCAP_PROFILE: 'tserver',
          SCREENCAP_TSERVER_MODE: 'tcp',
          SCREENCAP_TSERVER_PORT: '7000',
          SCREENCAP_DESKTOP_LINK_TYPE: 'workspace',
        }),
      /desktop\.link\.url: the tserver profile needs the tlib-json desktop/,
    );
  });
});
