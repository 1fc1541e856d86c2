/**
 * Each form of spec/sipserver-log.md in a small log of its own, written here by hand in the shapes
 * public Genesys log analysers accept: each is read (the exchange is found) and judged (a conforming
 * exchange passes, the same exchange with one defect fails the rule it breaks, naming file and line).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { DEFAULT_MAPPING } from '../src/domain/screencap.ts';
import { parseLogFiles } from '../src/sipserver-log/parser.ts';
import { type LogVerification, verifyLog } from '../src/verify-log/verify.ts';

const dir = await mkdtemp(join(tmpdir(), 'sipserver-log-forms-'));
after(() => rm(dir, { recursive: true, force: true }));
const SETTINGS = {
  mapping: DEFAULT_MAPPING,
  initialState: 'disabled' as const,
  answerTimeoutMs: 2000,
  requestTimeoutMs: 2000,
};

let files = 0;
async function verify(text: string): Promise<LogVerification & { path: string }> {
  const path = join(dir, `form-${++files}.log`);
  await writeFile(path, text);
  return { ...(await verifyLog([path], { settings: SETTINGS })), path };
}

const outcome = (r: LogVerification, id: string) => r.rules.find((x) => x.rule === id);
const failed = (r: LogVerification) => r.rules.filter((x) => x.outcome === 'failed').map((x) => x.rule);

const pad = (n: number, width = 2) => String(n).padStart(width, '0');
/** 2026-11-23 (a Monday), 10:15:00.000 plus `ms`. */
function clock(ms: number): { hms: string; millis: string; tenths: string } {
  const t = 10 * 3_600_000 + 15 * 60_000 + ms;
  const hms = `${pad(Math.floor(t / 3_600_000))}:${pad(Math.floor(t / 60_000) % 60)}:${pad(Math.floor(t / 1000) % 60)}`;
  return { hms, millis: pad(t % 1000, 3), tenths: `${pad(t % 1000, 3)}0` };
}

/** The timestamp forms of the spec, each as a Trc line prints it. */
const STAMPS: Record<string, (ms: number) => string> = {
  'YYYY-MM-DDTHH:MM:SS.mmm': (ms) => `2026-11-23T${clock(ms).hms}.${clock(ms).millis}`,
  'YYYY-MM-DD HH:MM:SS.mmm': (ms) => `2026-11-23 ${clock(ms).hms}.${clock(ms).millis}`,
  'MM/dd/yy HH:mm:ss.SSS': (ms) => `11/23/26 ${clock(ms).hms}.${clock(ms).millis}`,
  'MM/dd/yyyy HH:mm:ss.SSS': (ms) => `11/23/2026 ${clock(ms).hms}.${clock(ms).millis}`,
  'EEE MMM d HH:mm:ss yyyy.SSS': (ms) => `Mon Nov 23 ${clock(ms).hms} 2026.${clock(ms).millis}`,
  'HH:MM:SS.mmm': (ms) => `${clock(ms).hms}.${clock(ms).millis}`,
};

const DESKTOP = '[11] (0000000b DesktopApp 10.0.0.7:51234)';
const RECORDER = '[12] (0000000c Recorder One 10.0.0.9:40000)';

interface Shape {
  stamp?: (ms: number) => string;
  /** The name the request is printed under. */
  requestName?: string;
  /** `sent to` lines before the printed body. */
  sentFirst?: boolean;
  /** A distributed event printed once per recipient (same EventSequenceNumber). */
  perRecipient?: boolean;
  /** The recorder's answer to start (the defect: anything but enabled). */
  answer?: string;
  /** Extra KV pair lines of the operation's UserData (one tab deeper than the list), and of its delivery. */
  userData?: string[];
  deliveredUserData?: string[];
  /** Lines before the traffic. */
  preamble?: string[];
}

/**
 * A desktop and a recorder register DN 7001; the desktop sends start (its Tevent printed flat, with
 * one AttributeThisDN); the T-Server acknowledges and distributes it; the recorder answers.
 */
function exchangeLog(shape: Shape = {}): string {
  const stamp = shape.stamp ?? (STAMPS['YYYY-MM-DDTHH:MM:SS.mmm'] as (ms: number) => string);
  const name = shape.requestName ?? 'RequestSendEvent';
  let ms = 0;
  let seq = 0x1a0;
  const out: string[] = [...(shape.preamble ?? [])];
  const trace = (kind: string, message: string) =>
    `@${clock(ms).hms}.${clock(ms).tenths} [0] 8.5.000.10 ${kind}: message ${message}`;
  const sent = (message: string, client: string) => `${stamp(ms)} Trc 04542 ${message} sent to ${client}`;
  const reply = (message: string, client: string, attributes: string[]) => {
    ms += 1;
    const body = [trace('send_to_client', message), ...attributes];
    out.push(...(shape.sentFirst ? [sent(message, client), ...body] : [...body, sent(message, client)]));
  };
  const request = (message: string, client: string, attributes: string[]) => {
    ms += 10;
    out.push(
      `${stamp(ms)} Trc 04541 ${message} received from ${client}`,
      `message ${message}`,
      ...attributes,
    );
  };
  const distribute = (attributes: string[], recipients: string[]) => {
    ms += 1;
    const body = [
      trace('distribute_event', 'EventUserEvent'),
      ...attributes,
      `\tAttributeEventSequenceNumber\t${(seq++).toString(16).padStart(16, '0')}`,
    ];
    if (shape.perRecipient) {
      for (const r of recipients)
        out.push(
          ...(shape.sentFirst ? [sent('EventUserEvent', r), ...body] : [...body, sent('EventUserEvent', r)]),
        );
    } else {
      const lines = recipients.map((r) => sent('EventUserEvent', r));
      out.push(...(shape.sentFirst ? [...lines, ...body] : [...body, ...lines]));
    }
  };
  let ref = 0;
  for (const [client, app] of [
    [DESKTOP, 'DesktopApp'],
    [RECORDER, 'Recorder One'],
  ] as const) {
    request('RequestRegisterClient', client, [
      `\tAttributeReferenceID\t${++ref}`,
      `\tAttributeApplicationName\t'${app}'`,
    ]);
    reply('EventClientRegistered', client, [`\tAttributeReferenceID\t${ref}`]);
    request('RequestRegisterAddress', client, [
      `\tAttributeReferenceID\t${++ref}`,
      "\tAttributeThisDN\t'7001'",
    ]);
    reply('EventRegistered', client, [`\tAttributeReferenceID\t${ref}`, "\tAttributeThisDN\t'7001'"]);
  }
  const both = [DESKTOP, RECORDER];
  const operation = ["\t\t'screen-capture'\t'start'", ...(shape.userData ?? [])];
  request(name, DESKTOP, [
    `\tAttributeReferenceID\t${++ref}`,
    "\tAttributeThisDN\t'7001'",
    '\tAttributeUserEvent\tEventUserEvent',
    '\tAttributeUserData\t[40] 00 02 00 00..',
    ...operation,
  ]);
  reply('EventACK', DESKTOP, [`\tAttributeReferenceID\t${ref}`, "\tAttributeThisDN\t'7001'"]);
  distribute(
    [
      "\tAttributeThisDN\t'7001'",
      '\tAttributeUserData\t[40] 00 02 00 00..',
      "\t\t'screen-capture'\t'start'",
      ...(shape.deliveredUserData ?? shape.userData ?? []),
    ],
    both,
  );
  const answer = shape.answer ?? 'enabled';
  request(name, RECORDER, [
    `\tAttributeReferenceID\t${++ref}`,
    "\tAttributeThisDN\t'7001'",
    '\tAttributeUserEvent\tEventUserEvent',
    '\tAttributeUserData\t[27] 00 01 00 00..',
    `\t\t'screen-capture'\t'${answer}'`,
  ]);
  reply('EventACK', RECORDER, [`\tAttributeReferenceID\t${ref}`, "\tAttributeThisDN\t'7001'"]);
  distribute(
    [
      "\tAttributeThisDN\t'7001'",
      '\tAttributeUserData\t[27] 00 01 00 00..',
      `\t\t'screen-capture'\t'${answer}'`,
    ],
    both,
  );
  return `${out.join('\n')}\n`;
}

/** The exchange was read whole: both requests, each answered and delivered to both clients. */
function assertRead(r: LogVerification): void {
  assert.deepEqual(
    r.exchanges.map((x) => [x.application, x.screenCapture, x.reply, x.deliveredTo.length]),
    [
      ['DesktopApp', 'start', 'EventACK', 2],
      ['Recorder One', 'enabled', 'EventACK', 2],
    ].map((x, i) => (i === 1 ? [x[0], r.exchanges[1]?.screenCapture, x[2], x[3]] : x)),
  );
  assert.equal(r.source.skipped.count, 0, JSON.stringify(r.source.skipped.first));
}

async function assertConformingAndDefect(shape: Shape): Promise<void> {
  const good = await verify(exchangeLog(shape));
  assertRead(good);
  assert.deepEqual(failed(good), [], good.reasons.join('; '));
  assert.equal(outcome(good, 'DESK-THISDN')?.outcome, 'passed', 'the Tevent`s thisDN, from its delivery');
  const bad = await verify(exchangeLog({ ...shape, answer: 'paused' }));
  assertRead(bad);
  assert.deepEqual(failed(bad), ['REC-MAPPING']);
  const header = exchangeLog({ ...shape, answer: 'paused' })
    .split('\n')
    .findIndex((l) => / received from \[12\]/.test(l) && /Request(Send|Distribute)/.test(l));
  assert.match(
    outcome(bad, 'REC-MAPPING')?.reason ?? '',
    new RegExp(`was "paused" .* at ${bad.path}:${header + 1}\\b`),
  );
}

describe('timestamp forms (spec: "Lines")', () => {
  for (const [form, stamp] of Object.entries(STAMPS)) {
    test(`${form}: read, a conforming exchange passes, a wrong answer fails REC-MAPPING`, async () => {
      await assertConformingAndDefect({ stamp });
    });
  }

  test('a date that is no date on a T-Lib line: counted and named, and its exchange not observable, never a failure', async () => {
    const lines = exchangeLog().split('\n');
    const at = lines.findIndex((l) => / received from \[12\]/.test(l) && l.includes('RequestSendEvent'));
    lines[at] = (lines[at] as string).replace('2026-11-23T', '2026-13-45T');
    const r = await verify(lines.join('\n'));
    assert.equal(r.source.unplaced, 1);
    assert.deepEqual(
      r.source.skipped.first.map((s) => [s.source.line, s.name, s.reason]),
      [[at + 1, 'RequestSendEvent', 'its date "2026-13-45" is not a date']],
    );
    assert.deepEqual(failed(r), []);
    assert.equal(r.verdict, 'incomplete');
    // Its reply is left without its request: not a T-Server's fault the log can show.
    assert.equal(outcome(r, 'TSRV-REPLY')?.outcome, 'not-observable');
    assert.match(
      outcome(r, 'TSRV-REPLY')?.reason ?? '',
      new RegExp(`could not be placed \\(${r.path}:${at + 1}: RequestSendEvent: its date`),
    );
  });

  test('a T-Lib line whose timestamp is in no known form: counted and named, never dropped in silence', async () => {
    const lines = exchangeLog().split('\n');
    const at = lines.findIndex((l) => / received from \[11\]/.test(l) && l.includes('RequestSendEvent'));
    lines[at] = (lines[at] as string).replace('2026-11-23T10:15:00', '23.11.2026 10.15.00');
    const r = await verify(lines.join('\n'));
    assert.match(r.source.skipped.first[0]?.reason ?? '', /timestamp is in no form this reader knows/);
    assert.equal(r.source.skipped.first[0]?.source.line, at + 1);
    assert.deepEqual(failed(r), []);
  });
});

describe('the request`s name (spec: "The request`s name, and the Tevent inside it")', () => {
  for (const requestName of ['RequestDistributeEvent', 'RequestDistributeUserEvent']) {
    test(`${requestName} reads as the screen-capture request`, async () => {
      await assertConformingAndDefect({ requestName });
    });
  }
});

describe('printed messages and their recipients (spec: "A message the T-Server sent")', () => {
  test('`sent to` lines before the body', async () => {
    await assertConformingAndDefect({ sentFirst: true });
  });

  test('an event printed once per recipient, one EventSequenceNumber (hex) per distribution', async () => {
    await assertConformingAndDefect({ perRecipient: true });
    await assertConformingAndDefect({ perRecipient: true, sentFirst: true });
    const seqs: unknown[] = [];
    const path = join(dir, 'hex.log');
    await writeFile(path, exchangeLog({ perRecipient: true }));
    await parseLogFiles([path], {
      message: (m) => {
        if (m.message.message === 'EventUserEvent') seqs.push(m.message.EventSequenceNumber);
      },
      skip: () => {},
    });
    assert.deepEqual(seqs, [0x1a0, 0x1a0, 0x1a1, 0x1a1]);
  });

  test('[BSYNC] copies to the backup are not traffic', async () => {
    const lines = exchangeLog().split('\n');
    const at = lines.findIndex((l) => l.includes('RequestSendEvent received from [12]'));
    lines.splice(
      at,
      0,
      '@10:15:00.0500 [BSYNC] Trace: Send to backup (SIPServer_backup) [564]:',
      'message RequestSendEvent',
      '\tAttributeReferenceID\t99',
      "\tAttributeThisDN\t'7001'",
      '\tAttributeUserData\t[27] 00 01 00 00..',
      "\t\t'screen-capture'\t'paused'",
    );
    const r = await verify(lines.join('\n'));
    assertRead(r);
    assert.deepEqual(failed(r), []);
  });
});

describe('attributes (spec: "Attributes")', () => {
  test('a nested KV list whose first pair stands on its `(list)` line', async () => {
    const nested = [
      "\t\t'GCTI_Context'(list) 'agent-id'\t'JohnSmith'",
      "\t\t\t'place'\t'Place_1'",
      "\t\t'empty'(list) ",
    ];
    await assertConformingAndDefect({ userData: nested });
    const path = join(dir, 'nested.log');
    await writeFile(path, exchangeLog({ userData: nested }));
    const data: unknown[] = [];
    await parseLogFiles([path], {
      message: (m) => {
        if (m.message.message === 'EventUserEvent') data.push(m.message.UserData);
      },
      skip: () => {},
    });
    assert.deepEqual(data[0], [
      ['screen-capture', 'start'],
      [
        'GCTI_Context',
        [
          ['agent-id', 'JohnSmith'],
          ['place', 'Place_1'],
        ],
      ],
      ['empty', []],
    ]);
    // The T-Server delivers the nested list changed: TSRV-PRESERVE fails.
    const changed = [nested[0], "\t\t\t'place'\t'Place_2'", nested[2]] as string[];
    const r = await verify(exchangeLog({ userData: nested, deliveredUserData: changed }));
    assert.ok(failed(r).includes('TSRV-PRESERVE'), failed(r).join());
  });

  test('an error`s text on its own indented line: a refused request, judged', async () => {
    const refused = (delivered: boolean) => {
      const lines = exchangeLog().trimEnd().split('\n');
      lines.push(
        '2026-11-23T10:15:01.000 Trc 04541 RequestSendEvent received from [11] (0000000b DesktopApp 10.0.0.7:51234)',
        'message RequestSendEvent',
        '\tAttributeReferenceID\t9',
        "\tAttributeThisDN\t'7001'",
        '\tAttributeUserEvent\tEventUserEvent',
        '\tAttributeUserData\t[27] 00 01 00 00..',
        "\t\t'screen-capture'\t'stop'",
        '@10:15:01.0010 [0] 8.5.000.10 send_to_client: message EventError',
        '\tAttributeReferenceID\t9',
        '\tAttributeErrorCode\t52',
        '\t\t(Internal error)',
        '10:15:01.001 Trc 04542 EventError sent to [11] (0000000b DesktopApp 10.0.0.7:51234)',
      );
      if (delivered)
        lines.push(
          '@10:15:01.0020 [0] 8.5.000.10 distribute_event: message EventUserEvent',
          "\tAttributeThisDN\t'7001'",
          '\tAttributeUserData\t[27] 00 01 00 00..',
          "\t\t'screen-capture'\t'stop'",
          '10:15:01.002 Trc 04542 EventUserEvent sent to [12] (0000000c Recorder One 10.0.0.9:40000)',
        );
      return `${lines.join('\n')}\n`;
    };
    const good = await verify(refused(false));
    assert.deepEqual(failed(good), []);
    assert.equal(outcome(good, 'TSRV-REFUSED-NOT-DELIVERED')?.outcome, 'passed');
    assert.equal(good.exchanges.at(-1)?.reply, 'EventError 52');
    const bad = await verify(refused(true));
    assert.ok(failed(bad).includes('TSRV-REFUSED-NOT-DELIVERED'), failed(bad).join());
  });
});

describe('the file header (spec: "Lines")', () => {
  test('names the server and its version, and is not traffic', async () => {
    const preamble = [
      'Application name: SIPServer_01',
      'Application type: TServer',
      'Application version: 8.5.000.10',
      'Host name: sip01',
      'Local time: 2026-11-23T10:14:59.000',
      'File: (0000000001) SIPServer_01.20261123_101459_000.log',
    ];
    const r = await verify(exchangeLog({ preamble }));
    assertRead(r);
    assert.deepEqual(r.source.server, { name: 'SIPServer_01', type: 'TServer', version: '8.5.000.10' });
    assert.deepEqual(failed(r), []);
  });
});
