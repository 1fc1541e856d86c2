import assert from 'node:assert/strict';
import { test } from 'node:test';
import { standingRegistrations } from '../src/conformance/standing.ts';
import { harnessApplicationName, isHarnessApplication } from '../src/harness-clients.ts';
import { DISCONNECTED, type JournalEntry, pseudoEntry } from '../src/journal.ts';

const VENDOR = 'vendor-recorder';
let seq = 0;
/** What the shared simulator journals for `client` (`application`): `message` on `dn`, in or out. */
const entry = (client: string, message: string, dn?: string, application = VENDOR): JournalEntry => ({
  seq: ++seq,
  time: '',
  micros: seq,
  party: 'tserver',
  direction: message === DISCONNECTED ? 'in' : 'out',
  peerId: client,
  peer: `${client} (${application})`,
  peerApplication: application,
  message: dn === undefined ? { message } : { message, ThisDN: dn },
});
const registered = (client: string, dn: string, application?: string) =>
  entry(client, 'EventRegistered', dn, application);
const left = (client: string): JournalEntry => ({
  ...entry(client, DISCONNECTED),
  ...pseudoEntry(DISCONNECTED),
});

/** Which client still holds which DN. */
const standing = (entries: JournalEntry[]) =>
  standingRegistrations(entries, isHarnessApplication).map((e) => [e.peerId, e.message.ThisDN]);

test('a scenario starts from the registrations the system under test still holds, not from the run history', () => {
  assert.deepEqual(
    standing([
      registered('client 1', '7001'),
      registered('client 1', '7002'),
      // Its connection was dropped in an earlier scenario: it is owed nothing any more.
      left('client 1'),
      registered('client 5', '7001'),
      registered('client 5', '7002'),
      entry('client 5', 'EventUnregistered', '7002'),
      // The harness's own clients are its scenarios' business.
      registered('client 6', '7001', harnessApplicationName('desktop')),
    ]),
    [['client 5', '7001']],
  );
});

test('a registration after a reconnection stands, in journal order', () => {
  assert.deepEqual(
    standing([
      registered('client 2', '7002'),
      registered('client 1', '7001'),
      left('client 1'),
      // Its new connection (a T-Server numbers each connection anew), then the other client again.
      registered('client 3', '7001'),
      registered('client 2', '7003'),
    ]),
    [
      ['client 2', '7002'],
      ['client 3', '7001'],
      ['client 2', '7003'],
    ],
  );
});
