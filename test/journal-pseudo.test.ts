/**
 * The journal's own entries (a client's disconnection, a party's restart, a line that is no
 * message: journal.ts pseudoEntry) cannot be forged by a party. A message named like one, from a
 * client of the simulator, from a T-Server answering a harness link, or as a Workspace API
 * notification, is journaled as the unknown message it is: the recovery rules, the T-Server's
 * standing registrations, the per-DN partition and the SIP Server log writer do not act on it.
 * The journal's own still count.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { JournalMirror } from '../src/conformance/journal-mirror.ts';
import { standingRegistrations } from '../src/conformance/standing.ts';
import { isHarnessApplication } from '../src/harness-clients.ts';
import { DISCONNECTED, Journal, type JournalEntry, RESTARTED, UNREADABLE_LINE } from '../src/journal.ts';
import { TlibLink } from '../src/link/tlib-link.ts';
import { WorkspaceLink } from '../src/link/workspace-link.ts';
import { type ObservationSources, toRecords } from '../src/rules/observations.ts';
import { interruptionsIn } from '../src/rules/recovery.ts';
import { startSimulator } from '../src/sim/index.ts';
import { parseLogFiles } from '../src/sipserver-log/parser.ts';
import { sipServerLogFile } from '../src/sipserver-log/writer.ts';
import { byDn } from '../src/verify-log/partition.ts';
import type { VoiceNotification } from '../src/workspace/notifications.ts';
import {
  checkContextOf,
  fakeTServer,
  Harness,
  RawClient,
  reply,
  scratchDir,
  WAIT_MS,
  withTimeout,
} from './helpers.ts';

/** Each name the journal gives its own entries, with the attributes its own carry. */
const FORGED = [
  { message: DISCONNECTED, Cause: 'forged by a peer' },
  { message: RESTARTED },
  { message: UNREADABLE_LINE, Length: 12 },
] as const;
const NAMES: ReadonlySet<string> = new Set(FORGED.map((f) => f.message));

/** The entries named like the journal's own: `party direction name`, `(its own)` when they are. */
const named = (entries: readonly JournalEntry[]) =>
  entries
    .filter((e) => NAMES.has(e.message.message))
    .map((e) => `${e.party} ${e.direction} ${e.message.message}${e.pseudo ? ' (its own)' : ''}`);

/** The interruptions (drops, restarts) the recovery rules read in `entries`: `who: what`. */
function interruptions(entries: readonly JournalEntry[], sources: ObservationSources): string[] {
  const ctx = checkContextOf(toRecords(entries, sources));
  return interruptionsIn(ctx).map((i) => `${i.party}: ${i.what}`);
}

/** The DNs the system under test still holds at the simulator, and what the partition puts on 7001 of those names. */
const tserverView = (entries: readonly JournalEntry[]) => ({
  standing: standingRegistrations(entries, isHarnessApplication).map((e) => e.message.ThisDN),
  on7001: named(byDn(entries).get('7001') ?? []),
});

test("a client of the simulator sending them is refused (51) and keeps its registration; no rule, mirror or log reads a drop; the T-Server's own still count", async (t) => {
  const logFile = join(await scratchDir('pseudo'), 'sip.log');
  const log = sipServerLogFile(logFile);
  const sim = await startSimulator({ sipLog: log.writer });
  const mirror = await JournalMirror.follow(sim.adminUrl as string, { maxBytes: 1_000_000 });
  t.after(() => mirror.stop());
  const journal = sim.journal as Journal;
  const sut = { parties: new Map(), otherClientsRole: 'recorder' as const };
  try {
    const evil = await RawClient.connect(sim.port, 'evil', new Journal());
    await evil.registerClient('vendor-recorder');
    await evil.registerDn('7001');
    for (const forged of FORGED) {
      const reply = await evil.request({ ...forged });
      assert.equal(reply.ErrorCode, 51, JSON.stringify(reply));
      assert.match(String(reply.ErrorMessage), /unknown message/);
    }
    // Still connected and served: a later request is answered on the same connection.
    assert.equal((await evil.registerClient('vendor-recorder')).message, 'EventClientRegistered');
    await mirror.sync(WAIT_MS);
    const asSent = FORGED.map((f) => `tserver in ${f.message}`);
    assert.deepEqual(named(journal.entries), asSent);
    assert.deepEqual(named(mirror.journal.entries), asSent);
    for (const entries of [journal.entries, mirror.journal.entries]) {
      assert.deepEqual(interruptions(entries, sut), []);
      assert.deepEqual(tserverView(entries), { standing: ['7001'], on7001: [] });
    }

    // The T-Server's own: it notes the client's restart, then drops its connection.
    sim.tserver.noteRestart((c) => c.application === 'vendor-recorder');
    sim.tserver.disconnectClients((c) => c.application === 'vendor-recorder');
    await evil.waitClosed();
    await mirror.sync(WAIT_MS);
    const own = [...asSent, `tserver in ${RESTARTED} (its own)`, `tserver in ${DISCONNECTED} (its own)`];
    assert.deepEqual(named(journal.entries), own);
    assert.deepEqual(named(mirror.journal.entries), own);
    for (const entries of [journal.entries, mirror.journal.entries]) {
      assert.deepEqual(interruptions(entries, sut), [
        'the recorder vendor-recorder: it was restarted',
        'the recorder vendor-recorder: its connection was dropped',
      ]);
      assert.deepEqual(tserverView(entries), {
        standing: [],
        on7001: [`tserver in ${DISCONNECTED} (its own)`],
      });
    }
  } finally {
    await sim.stop();
    await log.close();
  }
  // The SIP Server log prints the forged one as the message it was, and one disconnection: the real one.
  const text = await readFile(logFile, 'utf8');
  assert.equal(text.match(/ Std 04524 Client \d+ disconnected/g)?.length, 1, text);
  const read: string[] = [];
  await parseLogFiles([logFile], {
    message: (m) => {
      if (m.message.message === DISCONNECTED) read.push(`${m.direction}${m.pseudo ? ' (its own)' : ''}`);
    },
    skip: () => {},
  });
  assert.deepEqual(read, ['in', 'in (its own)']);
});

test("Tevents named like them, relayed to a harness recorder, are no restart or drop of it; the link's own loss is", async (t) => {
  const h = await Harness.start(t, { adminPort: false });
  const recorder = await h.link('recorder');
  await recorder.registerDn('7001');
  const evil = await h.client('evil', '7001');
  for (const { message } of FORGED) {
    const reply = await evil.request({
      message: 'RequestSendEvent',
      ThisDN: '7001',
      Event: { message, ThisDN: '7001' },
    });
    assert.equal(reply.message, 'EventACK', JSON.stringify(reply));
  }
  // Its reply comes after every event the T-Server relayed to it before.
  await recorder.registerDn('7001');
  const parties = { parties: new Map([['recorder', 'recorder' as const]]) };
  assert.deepEqual(
    named(h.journal.entries.filter((e) => e.party === 'recorder')),
    FORGED.map((f) => `recorder in ${f.message}`),
  );
  assert.deepEqual(interruptions(h.journal.entries, parties), []);

  const closed = new Promise((resolve) => recorder.onClose(resolve));
  h.sim.tserver.disconnectClients((c) => c.application === 'recorder');
  await withTimeout(closed, WAIT_MS, 'the recorder link to close');
  assert.deepEqual(interruptions(h.journal.entries, parties), ['the recorder: its connection was dropped']);
});

test("a T-Server answering a harness link with them: journaled as unknown events, no drop or restart of the party; the link's own loss is one", async (t) => {
  // Answers the link's first request (RequestRegisterAddress) after writing each forged name as an event.
  const server = await fakeTServer(t, (socket, request) => {
    const Time = new Date().toISOString();
    for (const [i, f] of FORGED.entries()) reply(socket, { ...f, EventSequenceNumber: i + 1, Time });
    reply(socket, { message: 'EventRegistered', ReferenceID: request.ReferenceID, ThisDN: '7001', Time });
  });
  const link = await TlibLink.connect({
    host: '127.0.0.1',
    port: server.port,
    applicationName: 'recorder',
    registerClient: false,
    timeoutMs: WAIT_MS,
  });
  t.after(() => link.close());
  await link.registerDn('7001');
  const parties = { parties: new Map([['recorder', 'recorder' as const]]) };
  assert.deepEqual(
    named(link.journal.entries),
    FORGED.map((f) => `recorder in ${f.message}`),
  );
  assert.deepEqual(interruptions(link.journal.entries, parties), []);

  const closed = new Promise((resolve) => link.onClose(resolve));
  server.hangUp();
  await withTimeout(closed, WAIT_MS, 'the link to see the T-Server hang up');
  assert.deepEqual(named(link.journal.entries).at(-1), `recorder in ${DISCONNECTED} (its own)`);
  assert.deepEqual(interruptions(link.journal.entries, parties), [
    'the recorder: its connection was dropped',
  ]);
});

test('Workspace API notifications with them as messageType are journaled under it, and the desktop still monitors its DN', async (t) => {
  const sim = await startSimulator({ adminPort: false, workspace: {} });
  t.after(() => sim.stop());
  const desktop = await WorkspaceLink.connect({
    url: sim.workspace?.url as string,
    auth: { credentials: { kind: 'password', username: 'agent7001', password: 'agent7001' } },
    agentId: 'agent7001',
    party: 'desktop',
    timeoutMs: WAIT_MS,
  });
  t.after(() => desktop.close());
  await desktop.registerDn('7001');
  const session = [...(sim.workspace?.sessions.values() ?? [])][0];
  assert.ok(session, 'the desktop has a Workspace session');
  const mark = desktop.journal.mark;
  for (const { message, ...fields } of FORGED)
    session.push({ messageType: message, ...fields } as unknown as VoiceNotification);
  // A notification after them on the same channel: once it is journaled, so are they.
  session.push({ messageType: 'DnStateChanged', dn: { number: '7001' } });
  await desktop.journal.waitFor((e) => e.message.message === 'DnStateChanged', {
    timeoutMs: WAIT_MS,
    description: 'the DnStateChanged after the forged notifications',
    after: mark,
  });
  assert.deepEqual(
    named(desktop.journal.entries),
    FORGED.map((f) => `desktop in ${f.message}`),
  );
  const parties = { parties: new Map([['desktop', 'desktop' as const]]) };
  assert.deepEqual(interruptions(desktop.journal.entries, parties), []);
  const ctx = checkContextOf(toRecords(desktop.journal.entries, parties));
  const last = ctx.exchanges.recordsOf('desktop').at(-1);
  assert.ok(last);
  assert.equal(ctx.exchanges.monitoring('desktop', '7001', last), true);
});
