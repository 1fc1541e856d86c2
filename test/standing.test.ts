import assert from 'node:assert/strict';
import { test } from 'node:test';
import { standingRegistrations } from '../src/conformance/standing.ts';
import { harnessApplicationName, isHarnessApplication } from '../src/harness-clients.ts';
import { DISCONNECTED, type JournalEntry } from '../src/journal.ts';

let seq = 0;
/** What the shared simulator journals for `client` (`application`): `message` on `dn`, in or out. */
const entry = (
  client: string,
  application: string,
  message: string,
  dn?: string,
  direction: 'in' | 'out' = 'out',
): JournalEntry => ({
  seq: ++seq,
  time: '',
  micros: seq,
  party: 'tserver',
  direction,
  peerId: client,
  peer: `${client} (${application})`,
  peerApplication: application,
  message: dn === undefined ? { message } : { message, ThisDN: dn },
});

test('a scenario starts from the registrations the system under test still holds, not from the run history', () => {
  const entries = [
    entry('client 1', 'vendor-recorder', 'EventRegistered', '7001'),
    entry('client 1', 'vendor-recorder', 'EventRegistered', '7002'),
    // Its connection was dropped in an earlier scenario: it is owed nothing any more.
    entry('client 1', 'vendor-recorder', DISCONNECTED, undefined, 'in'),
    entry('client 5', 'vendor-recorder', 'EventRegistered', '7001'),
    entry('client 5', 'vendor-recorder', 'EventRegistered', '7002'),
    entry('client 5', 'vendor-recorder', 'EventUnregistered', '7002'),
    // The harness's own clients are its scenarios' business.
    entry('client 6', harnessApplicationName('desktop'), 'EventRegistered', '7001'),
  ];
  const standing = standingRegistrations(entries, isHarnessApplication);
  assert.deepEqual(
    standing.map((e) => [e.peerId, e.message.message, e.message.ThisDN]),
    [['client 5', 'EventRegistered', '7001']],
  );
});

test('a registration after a reconnection stands, in journal order', () => {
  const entries = [
    entry('client 2', 'vendor-recorder', 'EventRegistered', '7002'),
    entry('client 1', 'vendor-recorder', 'EventRegistered', '7001'),
    entry('client 1', 'vendor-recorder', DISCONNECTED, undefined, 'in'),
    entry('client 3', 'vendor-recorder', 'EventRegistered', '7001'),
  ];
  assert.deepEqual(
    standingRegistrations(entries, isHarnessApplication).map((e) => [e.peerId, e.message.ThisDN]),
    [
      ['client 2', '7002'],
      ['client 3', '7001'],
    ],
  );
});
