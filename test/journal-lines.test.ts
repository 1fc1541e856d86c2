/**
 * The journal keeps a line's entry as columns and its line outside the JS heap until it is read
 * (src/journal.ts, EntryRing and LinePages): it must keep, drop and read back exactly what a
 * journal of the same entries as objects does.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Direction, type EntryNames, Journal, type JournalEntry } from '../src/journal.ts';
import { startSimulator } from '../src/sim/index.ts';
import type { WireMessage } from '../src/tlib/messages.ts';
import { RawClient } from './helpers.ts';

const NAMES: EntryNames = {
  party: 'tserver',
  peer: 'client 1 (desk 127.0.0.1:1)',
  peerId: 'client 1',
  peerAddress: '127.0.0.1:1',
  peerApplication: 'desk',
};

interface Step {
  direction: Direction;
  line: string;
  message: WireMessage;
}

/** Events, each line journaled twice (an event to two recipients), with junk and its refusal now and then. */
function traffic(count: number): Step[] {
  const steps: Step[] = [];
  const step = (direction: Direction, message: WireMessage) =>
    steps.push({ direction, line: JSON.stringify(message), message });
  for (let i = 1; i <= count; i++) {
    if (i % 97 === 0) {
      step('in', { message: 'RequestJunk', ReferenceID: i });
      step('out', { message: 'EventError', ReferenceID: i, ErrorCode: 51 });
    }
    // Non-ASCII text (2-, 3- and 4-byte UTF-8), and now and then a line too long for a page.
    const text = i % 501 === 0 ? 'x'.repeat(20_000) : `é€😀 ${i} ${'y'.repeat(i % 700)}`;
    const event = { message: 'EventUserEvent', ThisDN: '7001', UserData: [['n', text]] } as WireMessage;
    const line = JSON.stringify(event);
    steps.push({ direction: 'out', line, message: event }, { direction: 'out', line, message: event });
  }
  return steps;
}

const seen = (e: JournalEntry) => [e.seq, e.direction, e.peer, e.peerApplication, JSON.stringify(e.message)];

test('entries kept as lines are kept, dropped and read back as the same entries kept as objects', () => {
  const maxBytes = 300_000; // a page of lines or so, of some 3 MiB written: the oldest pages are let go of
  const lines = new Journal({ maxBytes });
  const objects = new Journal({ maxBytes });
  traffic(4000).forEach(({ direction, line, message }, i) => {
    lines.appendLine(NAMES, direction, line, Buffer.byteLength(line), JSON.parse(line) as WireMessage);
    objects.append({ ...NAMES, direction, message }, Buffer.byteLength(line));
    // Read midway too: entries read become objects, and the ring goes on around them.
    if (i % 2500 === 0) assert.deepEqual(lines.entries.map(seen), objects.entries.map(seen), `at ${i}`);
  });
  assert.ok(lines.dropped > 1000, `dropped ${lines.dropped}: the bound was reached`);
  assert.deepEqual(lines.entries.map(seen), objects.entries.map(seen));
  assert.deepEqual([...lines.droppedKinds], [...objects.droppedKinds]);
  assert.equal(lines.keptBytes, objects.keptBytes);
  assert.equal(lines.size, objects.entries.length);
  assert.equal(lines.toNdjson().split('\n').length, objects.entries.length + 1);
});

test('an entry kept as a line is one object on every read, after and find agree with entries', () => {
  const j = new Journal();
  for (let i = 1; i <= 3000; i++) {
    const message = { message: 'EventUserEvent', ThisDN: '7001', UserData: [['i', i]] } as WireMessage;
    const line = JSON.stringify(message);
    j.appendLine(NAMES, 'out', line, line.length, message);
  }
  const found = j.find((e) => JSON.stringify(e.message.UserData) === '[["i",2500]]', 2400);
  assert.equal(found?.seq, 2500);
  assert.equal(j.entries[2499], found, 'the same object');
  assert.equal(j.entries[0], j.entries[0]);
  assert.deepEqual(
    j.filter(() => true, 2990).map((e) => e.seq),
    [2991, 2992, 2993, 2994, 2995, 2996, 2997, 2998, 2999, 3000],
  );
  assert.equal(
    j.find(() => true, 3000),
    undefined,
  );
});

test("the simulator journals each message's size on the wire in UTF-8 bytes, without its line end, both ways", async () => {
  const sim = await startSimulator({ adminPort: false });
  const client = await RawClient.connect(sim.port, 'client', new Journal());
  const sizes: Array<[string, Direction, number]> = [];
  const stop = sim.journal?.subscribe((e, bytes) => sizes.push([e.message.message, e.direction, bytes]));
  try {
    await client.request({ message: 'RequestRegisterClient', ApplicationName: 'Ünïcode €😀' });
    const request = { message: 'RequestRegisterClient', ApplicationName: 'Ünïcode €😀', ReferenceID: 1 };
    const sent = sizes.find(([name, direction]) => name === 'RequestRegisterClient' && direction === 'in');
    assert.equal(sent?.[2], Buffer.byteLength(JSON.stringify(request)));
    const reply = sizes.find(([, direction]) => direction === 'out');
    const answer = client.journal.find((e) => e.direction === 'in');
    assert.ok(reply && answer, 'the reply is journaled and received');
    assert.equal(reply[2], Buffer.byteLength(JSON.stringify(answer.message)));
  } finally {
    stop?.();
    client.socket.destroy();
    await sim.stop();
  }
});
