/**
 * The simulator writes a SIP Server log (spec/sipserver-log.md): every message it receives and
 * sends, in the spec's line forms, and the parser reads back exactly what was on the wire.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import fc from 'fast-check';
import { screenCaptureValue } from '../src/domain/screencap.ts';
import {
  DISCONNECTED,
  isPseudo,
  Journal,
  type NewEntry,
  RESTARTED,
  UNREADABLE_LINE,
} from '../src/journal.ts';
import { TlibLink } from '../src/link/tlib-link.ts';
import { MockDesktop } from '../src/parties/desktop.ts';
import { MockRecorder } from '../src/parties/recorder.ts';
import { startSimulator } from '../src/sim/index.ts';
import { type LogMessage, parseLogFiles } from '../src/sipserver-log/parser.ts';
import { SipServerLogWriter, sipServerLogFile } from '../src/sipserver-log/writer.ts';
import type { KVList, WireMessage } from '../src/tlib/messages.ts';
import { RawClient } from './helpers.ts';

const dir = await mkdtemp(join(tmpdir(), 'sipserver-log-writer-'));
after(() => rm(dir, { recursive: true, force: true }));
let files = 0;

/** A writer on a string, attached to a fresh journal. */
function capture(): { journal: Journal; text: () => string; writer: SipServerLogWriter } {
  let text = '';
  const writer = new SipServerLogWriter({ write: (t: string) => (text += t) });
  const journal = new Journal();
  writer.attach(journal, { name: 'screencap-cert-sim', version: '0.1.0' });
  return { journal, text: () => text, writer };
}

async function parseText(text: string): Promise<LogMessage[]> {
  const path = join(dir, `w-${++files}.log`);
  await writeFile(path, text);
  const messages: LogMessage[] = [];
  await parseLogFiles([path], {
    message: (m) => messages.push(m),
    skip: (s) => assert.fail(`unexpected skip: ${JSON.stringify(s)}`),
  });
  return messages;
}

const DESKTOP = { peerId: 'client 1', peerApplication: 'DesktopApp', peerAddress: '10.0.0.7:51234' };
const RECORDER = { peerId: 'client 2', peerApplication: 'Recorder', peerAddress: '10.0.0.9:40000' };
const tserver = (direction: 'in' | 'out', peer: typeof DESKTOP, message: WireMessage): NewEntry => ({
  party: 'tserver',
  direction,
  peer: peer.peerId,
  ...peer,
  message,
});

describe('the writer prints the spec`s line forms', () => {
  test('a request received, its reply, and an event distributed to two clients', () => {
    const { journal, text } = capture();
    const event = {
      message: 'EventUserEvent',
      ThisDN: '7001',
      ConnID: '006b02a6c5a1e001',
      UserData: [['screen-capture', 'start']],
    };
    journal.append(
      tserver('in', DESKTOP, { message: 'RequestSendEvent', ReferenceID: 12, ThisDN: '7001', Event: event }),
    );
    journal.append(tserver('out', DESKTOP, { message: 'EventACK', ReferenceID: 12, ThisDN: '7001' }));
    const delivered = { ...event, EventSequenceNumber: 7 };
    journal.append(tserver('out', DESKTOP, delivered));
    journal.append(tserver('out', RECORDER, delivered));
    journal.append({ party: 'desktop', direction: 'out', message: { message: 'RequestSendEvent' } });
    const out = text()
      .replace(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}/gm, 'DATE')
      .replace(/^@?\d\d:\d\d:\d\d\.\d{3,4}/gm, (t) => (t.startsWith('@') ? '@TRACE' : 'TIME'));
    assert.equal(
      out,
      [
        'DATE Std 00000 T-Server started: screencap-cert-sim 0.1.0',
        'DATE Trc 04541 RequestSendEvent received from [1] (00000001 DesktopApp 10.0.0.7:51234)',
        'message RequestSendEvent',
        '\tAttributeReferenceID\t12',
        "\tAttributeThisDN\t'7001'",
        '\tAttributeUserEvent\tEventUserEvent',
        "\tAttributeThisDN\t'7001'",
        '\tAttributeConnID\t006b02a6c5a1e001',
        '\tAttributeUserData\t[28] 5b 5b 22 73..',
        "\t\t'screen-capture'\t'start'",
        '@TRACE [0] 0.1.0 send_to_client: message EventACK',
        '\tAttributeReferenceID\t12',
        "\tAttributeThisDN\t'7001'",
        'TIME Trc 04542 EventACK sent to [1] (00000001 DesktopApp 10.0.0.7:51234)',
        '@TRACE [0] 0.1.0 distribute_event: message EventUserEvent',
        "\tAttributeThisDN\t'7001'",
        '\tAttributeConnID\t006b02a6c5a1e001',
        '\tAttributeUserData\t[28] 5b 5b 22 73..',
        "\t\t'screen-capture'\t'start'",
        '\tAttributeEventSequenceNumber\t0000000000000007',
        'TIME Trc 04542 EventUserEvent sent to [1] (00000001 DesktopApp 10.0.0.7:51234)',
        'TIME Trc 04542 EventUserEvent sent to [2] (00000002 Recorder 10.0.0.9:40000)',
        '',
      ].join('\n'),
    );
  });

  test('client numbers are unique across every T-Server writing to one log', async () => {
    let text = '';
    const writer = new SipServerLogWriter({ write: (t: string) => (text += t) });
    for (const journal of [new Journal(), new Journal()]) {
      writer.attach(journal, { name: 'sim', version: '1' });
      journal.append(
        tserver('in', DESKTOP, {
          message: 'RequestRegisterClient',
          ReferenceID: 1,
          ApplicationName: 'DesktopApp',
        }),
      );
    }
    const messages = await parseText(text);
    assert.deepEqual(
      messages.map((m) => m.client.number),
      [1, 2],
    );
  });

  test('a value with a line end stays on its line (printed escaped) and reads back as sent', async () => {
    const { journal, text } = capture();
    journal.append(
      tserver('out', DESKTOP, { message: 'EventError', ErrorCode: 53, ErrorMessage: 'two\nlines\there' }),
    );
    assert.match(text(), /'two\\u000alines\\u0009here'/);
    const [m] = await parseText(text());
    assert.equal(m?.message.ErrorMessage, 'two\nlines\there');
  });
});

describe('what the writer prints, the parser reads back as it was on the wire', () => {
  // Any text, line ends and backslashes included: the writer escapes them and the parser reads them back.
  const text = fc.string({ maxLength: 12, unit: 'binary' });
  const kvList: fc.Arbitrary<KVList> = fc.letrec((tie) => ({
    list: fc.array(fc.tuple(text, tie('value')), { maxLength: 4 }),
    value: fc.oneof(
      { depthSize: 'small' },
      text,
      fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
      fc.uint8Array({ maxLength: 6 }).map((b) => ({ binary: Buffer.from(b).toString('base64') })),
      tie('list'),
    ),
  })).list as fc.Arbitrary<KVList>;
  const connId = fc.stringMatching(/^[0-9a-f]{16}$/);
  const event = fc.record(
    { message: fc.constant('EventUserEvent'), ThisDN: text, ConnID: connId, UserData: kvList },
    { requiredKeys: ['message', 'ThisDN'], noNullPrototype: true },
  );
  const request = fc.record(
    {
      message: fc.constant('RequestSendEvent'),
      ReferenceID: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
      ThisDN: text,
      Event: event,
    },
    { noNullPrototype: true },
  );
  const delivered = event.map((e) => ({ ...e, EventSequenceNumber: 3 }));

  test('RequestSendEvent with any Tevent, and any EventUserEvent (nested KV lists, integers, binary)', async () => {
    await fc.assert(
      fc.asyncProperty(request, delivered, async (req, ev) => {
        const { journal, text: written } = capture();
        journal.append(tserver('in', DESKTOP, req));
        journal.append(tserver('out', RECORDER, ev));
        const messages = await parseText(written());
        assert.deepEqual(
          messages.map((m) => m.message),
          [req, ev],
        );
        assert.deepEqual(messages[0]?.unshown, []);
      }),
      { numRuns: 100 },
    );
  });
});

describe('the simulator writes its log', () => {
  test('startSimulator({ sipLog }): every message of an exchange, with each client', async () => {
    const path = join(dir, 'sim.log');
    const log = sipServerLogFile(path);
    const journal = new Journal();
    const sim = await startSimulator({ adminPort: false, journal, sipLog: log.writer });
    const link = (name: string) =>
      TlibLink.connect({ host: sim.host, port: sim.port, applicationName: name, party: name, journal });
    try {
      const desktop = await MockDesktop.start({ link: await link('DesktopApp'), dn: '7001' });
      await MockRecorder.start({ link: await link('Recorder'), dns: ['7001'] });
      await desktop.send('start');
      await journal.waitFor(
        (e) => e.party === 'DesktopApp' && screenCaptureValue(e.message.UserData) === 'enabled',
        {
          timeoutMs: 3000,
          description: 'the indication',
        },
      );
    } finally {
      await sim.stop();
      await log.close();
    }
    const text = await readFile(path, 'utf8');
    assert.match(text.split('\n')[0] as string, /Std 00000 T-Server started: screencap-cert-sim/);
    const seen = (await parseText(text)).map(
      (m) => `${m.client.application} ${m.direction} ${m.message.message}`,
    );
    const tserverView = journal.entries
      .filter((e) => e.party === 'tserver')
      .map((e) => `${e.peerApplication} ${e.direction} ${e.message.message}`);
    assert.deepEqual(seen, tserverView, 'the log shows exactly what the simulator journaled');
    assert.ok(
      seen.includes('DesktopApp in RequestSendEvent') && seen.includes('Recorder out EventUserEvent'),
    );
    assert.match(
      text,
      /\n\S+ Std 04524 Client \d+ disconnected\n/,
      "a client's disconnection, as T-Server logs it",
    );
  });

  test("the journal's notes are no messages: a line that is no message shows as its EventError and the disconnection, a restart not at all", async () => {
    const path = join(dir, 'sim-notes.log');
    const log = sipServerLogFile(path);
    const journal = new Journal();
    const sim = await startSimulator({ adminPort: false, journal, sipLog: log.writer });
    try {
      const restarted = await TlibLink.connect({
        host: sim.host,
        port: sim.port,
        applicationName: 'Recorder',
        party: 'Recorder',
      });
      assert.equal(
        sim.tserver.noteRestart((c) => c.application === 'Recorder'),
        1,
      );
      await restarted.close();
      const disconnected = (application: string) =>
        journal.waitFor(
          (e) => e.party === 'tserver' && e.peerApplication === application && isPseudo(e, DISCONNECTED),
          { timeoutMs: 3000, description: `${application}'s disconnection` },
        );
      await disconnected('Recorder');
      const desk = await RawClient.connect(sim.port, 'Desk', new Journal());
      await desk.registerClient();
      desk.write('this is not json\n');
      await desk.waitClosed();
      await disconnected('Desk');
    } finally {
      await sim.stop();
      await log.close();
    }
    const notes = journal.entries.filter((e) => e.party === 'tserver' && e.pseudo);
    assert.deepEqual(
      notes.map((e) => `${e.peerApplication} ${e.message.message}`),
      [
        `Recorder ${RESTARTED}`,
        `Recorder ${DISCONNECTED}`,
        `Desk ${UNREADABLE_LINE}`,
        `Desk ${DISCONNECTED}`,
      ],
      'the simulator journaled both notes',
    );
    const text = await readFile(path, 'utf8');
    assert.doesNotMatch(text, /restarted|unreadable/i);
    const seen = (await parseText(text)).map(
      (m) => `${m.client.application} ${m.direction} ${m.message.message}`,
    );
    assert.deepEqual(seen, [
      'Recorder in RequestRegisterClient',
      'Recorder out EventClientRegistered',
      `Recorder in ${DISCONNECTED}`,
      'Desk in RequestRegisterClient',
      'Desk out EventClientRegistered',
      'Desk out EventError',
      `Desk in ${DISCONNECTED}`,
    ]);
  });

  test('`screencap-cert sim --log FILE` writes it, and flushes it when stopped', async () => {
    const path = join(dir, 'cli-sim.log');
    const child = spawn(
      process.execPath,
      ['bin/screencap-cert.js', 'sim', '--port', '0', '--no-admin', '--log', path],
      {
        cwd: new URL('..', import.meta.url).pathname,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    try {
      let out = '';
      const port = await new Promise<number>((resolve, reject) => {
        child.stdout.on('data', (d) => {
          out += d;
          const m = /listening on [^:]+:(\d+)/.exec(out);
          if (m) resolve(Number(m[1]));
        });
        child.once('exit', () => reject(new Error(`sim exited: ${out}`)));
      });
      const link = await TlibLink.connect({ host: '127.0.0.1', port, applicationName: 'WDE' });
      await link.registerDn('7001');
      await link.close();
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
    const messages = await parseText(await readFile(path, 'utf8'));
    assert.deepEqual(
      messages.map((m) => `${m.client.application} ${m.direction} ${m.message.message}`),
      [
        'WDE in RequestRegisterClient',
        'WDE out EventClientRegistered',
        'WDE in RequestRegisterAddress',
        'WDE out EventRegistered',
        'WDE in (disconnected)',
      ],
    );
  });
});
