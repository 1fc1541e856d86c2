/**
 * verify-log's judgement of a SIP Server log: the rules of a live run, over every exchange in the
 * log, with what the log cannot show reported as not observable (never passed), and every failure
 * naming the rule, the field, expected and found, and the file and line of the offending message.
 * The log is the simulator's own, of a real exchange; each test then breaks it one way.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Journal } from '../src/journal.ts';
import { TlibLink } from '../src/link/tlib-link.ts';
import { MockDesktop } from '../src/parties/desktop.ts';
import { MockRecorder } from '../src/parties/recorder.ts';
import { RULE_IDS } from '../src/rules/catalog.ts';
import { DEFAULT_MAPPING, isIndication, type Operation, screenCaptureValue } from '../src/screencap.ts';
import { startSimulator } from '../src/sim/index.ts';
import type { RolePatterns } from '../src/sipserver-log/parties.ts';
import { type LogVerification, verifyLog } from '../src/sipserver-log/verify.ts';
import { SipServerLogWriter } from '../src/sipserver-log/writer.ts';

const dir = await mkdtemp(join(tmpdir(), 'sipserver-log-verify-'));
after(() => rm(dir, { recursive: true, force: true }));
const SETTINGS = {
  mapping: DEFAULT_MAPPING,
  initialState: 'disabled' as const,
  answerTimeoutMs: 2000,
  requestTimeoutMs: 2000,
};

/**
 * The simulator's log of one agent's session: the desktop and the recorder register DN 7001; during
 * a call start, query and stop, each answered; a pause the T-Server refuses (injected fault); after
 * the call, a query.
 */
async function sessionLog(): Promise<string> {
  let text = '';
  const journal = new Journal();
  const sim = await startSimulator({
    adminPort: false,
    journal,
    sipLog: new SipServerLogWriter({ write: (t: string) => (text += t) }),
  });
  const link = (name: string) =>
    TlibLink.connect({ host: sim.host, port: sim.port, applicationName: name, party: name, journal });
  try {
    const desktop = await MockDesktop.start({ link: await link('DesktopApp'), dn: '7001' });
    await MockRecorder.start({ link: await link('Recorder'), dns: ['7001'] });
    const answered = async (op: Operation) => {
      const mark = journal.mark;
      await desktop.send(op);
      await journal.waitFor(
        (e) => e.party === 'DesktopApp' && isIndication(screenCaptureValue(e.message.UserData)),
        { after: mark, timeoutMs: 3000, description: `the indication answering ${op}` },
      );
    };
    const call = sim.tserver.createCall('7001');
    await journal.waitFor((e) => e.party === 'DesktopApp' && e.message.message === 'EventEstablished', {
      timeoutMs: 3000,
      description: 'the call',
    });
    await answered('start');
    await answered('query');
    sim.tserver.faults.add({ kind: 'error', count: 1 });
    assert.equal((await desktop.send('pause'))?.message, 'EventError');
    await answered('stop');
    sim.tserver.releaseCall(call.connId);
    await journal.waitFor((e) => e.party === 'DesktopApp' && e.message.message === 'EventReleased', {
      timeoutMs: 3000,
      description: 'the release',
    });
    await answered('query');
  } finally {
    await sim.stop();
  }
  return text;
}

let fixture = '';
before(async () => {
  fixture = await sessionLog();
});

let files = 0;
async function verify(
  texts: string | string[],
  patterns?: RolePatterns,
): Promise<LogVerification & { paths: string[] }> {
  const paths: string[] = [];
  for (const text of [texts].flat()) {
    const path = join(dir, `v-${++files}.log`);
    await writeFile(path, text);
    paths.push(path);
  }
  return { ...(await verifyLog(paths, { settings: SETTINGS, ...(patterns ? { patterns } : {}) })), paths };
}

const outcomes = (r: LogVerification) => Object.fromEntries(r.rules.map((x) => [x.rule, x.outcome]));
const rule = (r: LogVerification, id: string) => r.rules.find((x) => x.rule === id);
const allPassedBut = (r: LogVerification, others: Record<string, string>) =>
  assert.deepEqual(outcomes(r), { ...Object.fromEntries(RULE_IDS.map((id) => [id, 'passed'])), ...others });

describe('a conforming log', () => {
  test('passes every rule, and says where the verdict comes from', async () => {
    const r = await verify(fixture);
    assert.equal(r.verdict, 'passed', r.reasons.join('; '));
    allPassedBut(r, {});
    const [file] = r.source.files;
    assert.equal(file?.path, r.paths[0]);
    assert.equal(file?.bytes, Buffer.byteLength(fixture));
    assert.equal(file?.sha256, createHash('sha256').update(fixture).digest('hex'));
    assert.match(r.source.from ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$/);
    assert.ok((r.source.to ?? '') >= (r.source.from ?? ''));
    assert.deepEqual(
      r.parties.map((p) => [p.application, p.role, p.why]),
      [
        ['DesktopApp', 'desktop', 'it sends screen-capture operations (5)'],
        ['Recorder', 'recorder', 'it sends screen-capture indications (4)'],
      ],
    );
    assert.deepEqual(
      r.exchanges.map((x) => [x.role, x.screenCapture, x.reply, x.deliveredTo.length]),
      [
        ['desktop', 'start', 'EventACK', 2],
        ['recorder', 'enabled', 'EventACK', 2],
        ['desktop', 'query', 'EventACK', 2],
        ['recorder', 'enabled', 'EventACK', 2],
        ['desktop', 'pause', 'EventError 52', 0],
        ['desktop', 'stop', 'EventACK', 2],
        ['recorder', 'disabled', 'EventACK', 2],
        ['desktop', 'query', 'EventACK', 2],
        ['recorder', 'disabled', 'EventACK', 2],
      ],
    );
  });

  test('T-Server runs are judged apart: two simulators` logs with the same client numbers both pass', async () => {
    const r = await verify([fixture, fixture]);
    assert.equal(r.verdict, 'passed', r.reasons.join('; '));
    assert.deepEqual(
      r.scenarios.map((s) => s.name),
      ['T-Server run 1, DN 7001', 'T-Server run 2, DN 7001'],
    );
  });
});

describe('a failure names the rule, the field, expected and found, and the file and line', () => {
  test('a desktop that leaves the ConnID out during the call fails DESK-CONNID', async () => {
    const lines = fixture.split('\n');
    const header = lines.findIndex((l) => /RequestSendEvent received from .*DesktopApp/.test(l));
    const connId = lines.findIndex((l, i) => i > header && l.startsWith('\tAttributeConnID'));
    lines.splice(connId, 1);
    const r = await verify(lines.join('\n'));
    assert.equal(r.verdict, 'failed');
    assert.equal(rule(r, 'DESK-CONNID')?.outcome, 'failed');
    assert.match(
      rule(r, 'DESK-CONNID')?.reason ?? '',
      new RegExp(
        `Event\\.ConnID should be "[0-9a-f]{16}" \\(the established call\\), was absent in .*RequestSendEvent.* at ${r.paths[0]}:${header + 1}\\b`,
      ),
    );
  });
});

describe('what the log cannot show is not observable, with the reason, never passed', () => {
  test('RequestSendEvent printed with one AttributeThisDN: DESK-THISDN and REC-THISDN', async () => {
    const lines = fixture.split('\n');
    const single = lines.filter(
      (l, i) => !(l === "\tAttributeThisDN\t'7001'" && lines[i - 1]?.startsWith('\tAttributeUserEvent')),
    );
    assert.ok(single.length < lines.length);
    const r = await verify(single.join('\n'));
    allPassedBut(r, { 'DESK-THISDN': 'not-observable', 'REC-THISDN': 'not-observable' });
    assert.match(
      rule(r, 'DESK-THISDN')?.reason ?? '',
      /one AttributeThisDN, so the Tevent’s thisDN cannot be told from AttrThisDN/,
    );
    assert.equal(r.verdict, 'incomplete');
    assert.deepEqual(r.reasons, ['DESK-THISDN not observable', 'REC-THISDN not observable']);
  });

  test('a log that begins after the clients registered: rules needing their whole session', async () => {
    const lines = fixture.split('\n');
    const firstSend = lines.findIndex((l) => l.includes('RequestSendEvent received from'));
    const r = await verify(lines.slice(firstSend).join('\n'));
    const content = [
      'DESK-THISDN',
      'DESK-MSGTYPE',
      'DESK-OPERATION',
      'REC-THISDN',
      'REC-MSGTYPE',
      'REC-INDICATION',
    ];
    for (const x of r.rules) {
      assert.equal(
        x.outcome,
        content.includes(x.rule) ? 'passed' : 'not-observable',
        `${x.rule}: ${x.reason}`,
      );
    }
    assert.match(
      rule(r, 'DESK-REGISTERED')?.reason ?? '',
      new RegExp(
        `the log begins after client 00000001 \\(DesktopApp, first seen at ${r.paths[0]}:1\\).* registered`,
      ),
    );
  });

  test('a log that ends before the reply to its last request', async () => {
    const lines = fixture.split('\n');
    const last = lines.findLastIndex((l) => /RequestSendEvent received from .*DesktopApp/.test(l));
    const r = await verify(`${lines.slice(0, last + 9).join('\n')}\n`);
    assert.equal(rule(r, 'TSRV-REPLY')?.outcome, 'not-observable');
    assert.match(
      rule(r, 'TSRV-REPLY')?.reason ?? '',
      /the log ends \d+ ms after it \(within the 2000 ms allowed\)/,
    );
  });

  test('a log with no screen-capture exchange fails, saying so', async () => {
    const lines = fixture.split('\n');
    const r = await verify(
      lines
        .slice(
          0,
          lines.findIndex((l) => l.includes('RequestSendEvent')),
        )
        .join('\n'),
    );
    assert.equal(r.verdict, 'failed');
    assert.match(r.reasons[0] ?? '', /the log holds no screen-capture exchange/);
  });

  test('a message the rules need that cannot be read (bad bytes) fails the verdict, naming file and line', async () => {
    const lines = fixture.split('\n');
    const header = lines.findIndex((l) => /RequestSendEvent received from .*Recorder/.test(l));
    const bytes = Buffer.concat([
      Buffer.from(`${lines.slice(0, header + 3).join('\n')}\n`),
      Buffer.from([0x09, 0xff, 0x0a]),
      Buffer.from(lines.slice(header + 3).join('\n')),
    ]);
    const path = join(dir, 'bad-bytes.log');
    await writeFile(path, bytes);
    const r = await verifyLog([path], { settings: SETTINGS });
    assert.equal(r.verdict, 'failed');
    assert.ok(
      r.reasons.includes(
        `1 T-Lib message(s) the rules need could not be read (first: RequestSendEvent at ${path}:${header + 1}: not read: line ${header + 4} is not valid UTF-8)`,
      ),
      r.reasons.join('\n'),
    );
  });
});

describe('the parties', () => {
  test('application-name patterns decide the seat they name; a client matching none is judged only as a T-Server client', async () => {
    const r = await verify(fixture, { desktop: [/^WDE/], recorder: [/^Rec/] });
    assert.deepEqual(
      r.parties.map((p) => [p.application, p.role, p.why]),
      [
        [
          'DesktopApp',
          'client',
          'it sends no screen-capture operation or indication, and its application name matches no seat pattern',
        ],
        ['Recorder', 'recorder', 'its application name matches the recorder pattern /^Rec/'],
      ],
    );
    assert.equal(rule(r, 'DESK-THISDN')?.outcome, 'not-observable');
    assert.equal(rule(r, 'REC-THISDN')?.outcome, 'passed');
  });

  test('the log file is read as it is: an unreadable file rejects, naming it', async () => {
    await assert.rejects(verifyLog([join(dir, 'missing.log')], { settings: SETTINGS }), /missing\.log/);
  });
});

test('the fixture is what the simulator wrote (guards the tests above)', async () => {
  assert.match(fixture, /T-Server started: screencap-cert-sim/);
  assert.equal((fixture.match(/RequestSendEvent received from/g) ?? []).length, 9);
});
