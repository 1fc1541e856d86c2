/**
 * A scenario's evidence (DESIGN section 5): the message trace, the sequence diagram and the
 * findings text, with the offending message highlighted in each.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Envelope } from '@cucumber/messages';
import { XMLValidator } from 'fast-xml-parser';
import { DISCONNECTED, Journal, type JournalEntry, pseudoEntry } from '../src/journal.ts';
import { EvidenceFiles } from '../src/report/evidence-files.mjs';
import { BUNDLE_NAMES } from '../src/report/exchanges.ts';
import { describeNonPassing, offendingMessages } from '../src/report/findings.ts';
import { MessageJson } from '../src/report/message-json.ts';
import { rebuildEvidence } from '../src/report/partial.ts';
import { arrowLabel, sequenceDiagram } from '../src/report/sequence.ts';
import { parseTrace, traceLine, traceNdjson } from '../src/report/trace.ts';
import type { RuleOutcome } from '../src/result/outcomes.ts';
import { type Role, toRecords, type WireRecord } from '../src/rules/observations.ts';
import type { WireMessage } from '../src/tlib/messages.ts';

const CONNID = '006b02a6c5a1e001';
const indication = (connId?: string) => ({
  message: 'RequestSendEvent',
  ReferenceID: 3,
  ThisDN: '7001',
  Event: {
    message: 'EventUserEvent',
    ThisDN: '7001',
    ...(connId ? { ConnID: connId } : {}),
    UserData: [['screen-capture', 'enabled']],
  },
});

/** desktop starts capture during a call; the recorder answers without the ConnID; a bystander watches. */
function exchange() {
  const journal = new Journal();
  const roles = new Map<string, Role>([
    ['desktop', 'desktop'],
    ['recorder', 'recorder'],
    ['watcher <&>', 'bystander'],
  ]);
  const out = (party: string, message: Record<string, unknown>) =>
    journal.append({ party, direction: 'out', message: message as never });
  const into = (party: string, message: Record<string, unknown>) =>
    journal.append({ party, direction: 'in', message: message as never });
  out('desktop', { message: 'RequestRegisterClient', ReferenceID: 1, ApplicationName: 'AcmeDesktop' });
  into('desktop', { message: 'EventClientRegistered', ReferenceID: 1 });
  out('desktop', {
    ...indication(CONNID),
    Event: { ...indication(CONNID).Event, UserData: [['screen-capture', 'start']] },
  });
  // The T-Server's own view of the same message: one observer per client is drawn, not both.
  journal.append({
    party: 'tserver',
    direction: 'in',
    peer: 'client 1',
    message: { message: 'RequestSendEvent' },
  });
  into('desktop', { message: 'EventACK', ReferenceID: 3, ThisDN: '7001' });
  into('recorder', {
    message: 'EventUserEvent',
    ThisDN: '7001',
    ConnID: CONNID,
    UserData: [['screen-capture', 'start']],
  });
  into('watcher <&>', {
    message: 'EventUserEvent',
    ThisDN: '7001',
    ConnID: CONNID,
    UserData: [['screen-capture', 'start']],
  });
  const offending = out('recorder', indication());
  into('desktop', { message: 'EventUserEvent', ThisDN: '7001', UserData: [['screen-capture', 'enabled']] });
  const outcomes: RuleOutcome[] = [
    {
      rule: 'REC-CONNID',
      section: '1.3.1',
      outcome: 'failed',
      reason: 'x',
      checked: 1,
      findings: [
        {
          text: `Event.ConnID should be "${CONNID}", was absent in #${offending.seq} recorder -> ...`,
          journalSeq: offending.seq,
        },
      ],
    },
    { rule: 'REC-ANSWER', section: '1.3', outcome: 'passed', reason: '1 checked', checked: 1, findings: [] },
  ];
  return { journal, records: toRecords(journal.entries, { parties: roles }), outcomes, offending };
}

/** Three messages with fixed times: a desktop's request with a ConnID, its reply, a recorder's invalid answer. */
function fixedRecords(): WireRecord[] {
  const entry = (seq: number, micros: number, party: string, direction: 'in' | 'out', message: object) => ({
    seq,
    time: `2026-01-02T03:04:05.00${seq}000Z`,
    micros,
    party,
    direction,
    message: message as WireMessage,
  });
  const send = indication(CONNID);
  const ack = { message: 'EventACK', ReferenceID: 3, ThisDN: '7001' };
  const answer = {
    message: 'RequestSendEvent',
    ReferenceID: 9,
    ThisDN: '7001',
    Event: { message: 'EventUserEvent', ThisDN: '7001', UserData: [['screen-capture', "<on> & 'off'"]] },
  };
  return [
    {
      client: 'desktop',
      role: 'desktop',
      sent: true,
      message: send as WireMessage,
      entry: entry(1, 1000, 'desktop', 'out', send),
    },
    {
      client: 'desktop',
      role: 'desktop',
      sent: false,
      message: ack as WireMessage,
      entry: entry(2, 2500, 'desktop', 'in', ack),
    },
    {
      client: 'recorder',
      role: 'recorder',
      sent: true,
      message: answer as WireMessage,
      entry: { ...entry(3, 4000, 'recorder', 'out', answer), problem: 'bad' },
    },
  ];
}

/** What sequenceDiagram draws for fixedRecords, from the first message's row on, written out. */
const FIXED_ROWS = [
  `<g class="message" data-seq="1"><title>#1 2026-01-02T03:04:05.001000Z desktop sent
{"message":"RequestSendEvent","ReferenceID":3,"ThisDN":"7001","Event":{"message":"EventUserEvent","ThisDN":"7001","ConnID":"006b02a6c5a1e001","UserData":[["screen-capture","enabled"]]}}</title>` +
    '<text x="8" y="119" class="time">#1 +0.0 ms</text>' +
    '<line x1="230" y1="115" x2="690" y2="115" stroke="#1f2937" stroke-width="1.3" marker-end="url(#head)"/>' +
    '<text x="460" y="97" text-anchor="middle" class="label">RequestSendEvent ref=3 ThisDN=7001 screen-capture=enabled</text>' +
    '<text x="460" y="110" text-anchor="middle" class="label">ConnID=006b&#8230;e001</text></g>',
  `<g class="message" data-seq="2"><title>#2 2026-01-02T03:04:05.002000Z desktop received
{"message":"EventACK","ReferenceID":3,"ThisDN":"7001"}</title>` +
    '<text x="8" y="145" class="time">#2 +1.5 ms</text>' +
    '<line x1="690" y1="141" x2="230" y2="141" stroke="#1f2937" stroke-width="1.3" marker-end="url(#head)"/>' +
    '<text x="460" y="136" text-anchor="middle" class="label">EventACK ref=3 ThisDN=7001</text></g>',
  `<g class="message offending" data-seq="3"><title>#3 2026-01-02T03:04:05.003000Z recorder sent
REC-CONNID: Event.ConnID should be "006b02a6c5a1e001", was absent in #3 recorder -&gt; tserver
{"message":"RequestSendEvent","ReferenceID":9,"ThisDN":"7001","Event":{"message":"EventUserEvent","ThisDN":"7001","UserData":[["screen-capture","&lt;on&gt; &amp; 'off'"]]}}</title>` +
    '<rect x="0" y="151" width="100%" height="52" fill="#fdecea"/>' +
    '<text x="8" y="184" class="time">#3 +3.0 ms</text>' +
    '<line x1="1150" y1="180" x2="690" y2="180" stroke="#c62828" stroke-width="2.5" marker-end="url(#head-red)"/>' +
    `<text x="920" y="162" text-anchor="middle" class="label bad">RequestSendEvent ref=9 ThisDN=7001 screen-capture=&lt;on&gt; &amp; 'off'</text>` +
    '<text x="920" y="175" text-anchor="middle" class="label bad">[invalid]</text>' +
    '<text x="120" y="197" class="finding">&#10007; REC-CONNID: Event.ConnID should be "006b02a6c5a1e001", was absent</text></g>',
  '</svg>',
].join('\n');

describe('the sequence diagram of a scenario', () => {
  test('draws each message as written out here: its arrow, label, tooltip (the whole message) and findings', () => {
    const marks = new Map([
      [3, [`REC-CONNID: Event.ConnID should be "${CONNID}", was absent in #3 recorder -> tserver`]],
    ]);
    const svg = sequenceDiagram(fixedRecords(), { marks, tserver: 'SIPServer 8.1' });
    assert.equal(svg.slice(svg.indexOf('<g class="message"')), FIXED_ROWS);
    assert.match(svg, /^<svg [^>]*height="243"/, 'as tall as its rows');
    assert.equal(XMLValidator.validate(svg), true);
  });

  test('is well-formed SVG with a lifeline per party: desktops, then the T-Server, recorders and bystanders', () => {
    const { records, outcomes } = exchange();
    const svg = sequenceDiagram(records, {
      marks: offendingMessages(outcomes),
      tserver: 'SIPServer 8.1.104',
    });
    assert.equal(XMLValidator.validate(svg), true);
    const lifelines = [...svg.matchAll(/class="lifeline" data-party="([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(lifelines, ['desktop', 'T-Server', 'recorder', 'watcher &lt;&amp;&gt;']);
    assert.match(svg, /SIPServer 8\.1\.104/, 'the T-Server lifeline names the T-Server');
    assert.doesNotMatch(svg, /<script|href=|xlink/, 'nothing to run or fetch');
  });

  test('draws one arrow per client message, labelled with its name and key fields', () => {
    const { records } = exchange();
    const svg = sequenceDiagram(records);
    assert.equal((svg.match(/<g class="message/g) ?? []).length, records.length);
    assert.equal(records.length, 8, "the T-Server's own copy of a client's message is not drawn twice");
    const labels = [...svg.matchAll(/class="label">([^<]*)</g)].map((m) => m[1]).join(' ');
    assert.match(labels, /RequestSendEvent ref=3 ThisDN=7001 screen-capture=start ConnID=006b&#8230;e001/);
  });

  test('keeps labels off the lifelines: ConnIDs abbreviated (whole in the tooltip), long labels wrapped in the gap beside the T-Server', () => {
    const { records } = exchange();
    const long = { ...records[2], message: { ...records[2]?.message, ApplicationName: 'x'.repeat(90) } };
    const svg = sequenceDiagram([...records, long as (typeof records)[number]]);
    assert.match(svg, new RegExp(`<title>[^<]*"ConnID":"${CONNID}"`), 'the full ConnID in the tooltip');
    const xs = [...svg.matchAll(/<line x1="(\d+(?:\.\d+)?)" y1="\d+" x2="\1"/g)].map((m) => Number(m[1]));
    const labels = [
      ...svg.matchAll(
        /<text x="([\d.]+)" y="[\d.]+" text-anchor="middle" class="label[^"]*">([^<]*)<\/text>/g,
      ),
    ];
    assert.ok(labels.length > records.length, 'the long label wraps onto a second line');
    for (const [, x, text] of labels) {
      // As drawn: a character reference (&#8230;) is one character.
      const half = ((text ?? '').replace(/&#\d+;/g, '.').length * 6.2) / 2;
      for (const lifeline of xs)
        assert.ok(
          Math.abs(Number(x) - lifeline) > half,
          `label "${text}" at ${x} crosses the lifeline at ${lifeline}`,
        );
    }
  });

  test('names each lifeline by the application name the party registered with, and its seat', () => {
    const svg = sequenceDiagram(exchange().records);
    const heads = [...svg.matchAll(/class="name">([^<]*)<\/text><text[^>]*class="sub">([^<]*)</g)].map(
      (m) => [m[1], m[2]],
    );
    assert.deepEqual(heads[0], ['AcmeDesktop', 'desktop seat']);
    assert.deepEqual(
      heads[2],
      ['recorder', 'recorder seat'],
      'no application name seen: the party and its seat',
    );
    assert.ok(!heads.some(([a, b]) => a === b), `no "desktop / desktop": ${JSON.stringify(heads)}`);
  });

  test('highlights the offending message in red, with what the rule found', () => {
    const { records, outcomes, offending } = exchange();
    const svg = sequenceDiagram(records, { marks: offendingMessages(outcomes) });
    const highlighted = [...svg.matchAll(/<g class="message offending" data-seq="(\d+)">/g)].map((m) =>
      Number(m[1]),
    );
    assert.deepEqual(highlighted, [offending.seq]);
    const row = svg.slice(
      svg.indexOf('class="message offending"'),
      svg.indexOf('</g>', svg.indexOf('class="message offending"')),
    );
    assert.match(row, /stroke="#c62828"/);
    assert.match(row, new RegExp(`&#10007; REC-CONNID: Event.ConnID should be "${CONNID}", was absent`));
    assert.equal(
      sequenceDiagram(records).includes('offending'),
      false,
      'nothing is highlighted when all rules pass',
    );
  });
});

describe('the message trace of a scenario', () => {
  test('holds every journal entry, the whole message, and marks the offending one with its findings', () => {
    const { journal, outcomes, offending } = exchange();
    const lines = parseTrace(traceNdjson(journal.entries, offendingMessages(outcomes)));
    assert.equal(lines.length, journal.entries.length);
    for (const [i, line] of lines.entries()) {
      const entry = journal.entries[i];
      assert.deepEqual(
        [line.seq, line.time, line.party, line.direction, line.message],
        [entry?.seq, entry?.time, entry?.party, entry?.direction, entry?.message],
      );
    }
    assert.deepEqual(
      lines.filter((l) => l.findings).map((l) => [l.seq, l.findings?.[0]?.split(',')[0]]),
      [[offending.seq, `REC-CONNID: Event.ConnID should be "${CONNID}"`]],
    );
  });
  test('writes each entry as JSON.stringify(traceLine) would, whichever optional fields and characters it has', () => {
    const [request, reply, answer] = fixedRecords().map((r) => r.entry) as [
      JournalEntry,
      JournalEntry,
      JournalEntry,
    ];
    const entries: JournalEntry[] = [
      request,
      { ...reply, peer: 'client 3 (desktop)', peerApplication: 'AcmeDesktop', peerId: 'client 3' },
      answer,
      { ...reply, seq: 4, peer: undefined, problem: 'not "valid" <json>' },
      // Strings JSON escapes: a quote, a backslash, a control character, a character beyond the BMP, a lone surrogate.
      { ...answer, seq: 5, party: 'desk "1"', peer: 'C:\\ctl\u0001', peerApplication: 'Désk 😀 \ud83d' },
      // The journal's own entry: the trace says so (a message a party named so is not one).
      { ...reply, seq: 6, ...pseudoEntry(DISCONNECTED, { Cause: 'lost' }) },
    ];
    const marks = new Map([[3, ['REC-CONNID: "x"', 'REC-ANSWER: y']]]);
    const made = new MessageJson(1);
    assert.equal(
      traceNdjson(entries, marks, made.of),
      entries.map((e) => `${JSON.stringify(traceLine(e, marks.get(e.seq)))}\n`).join(''),
    );
    assert.equal(traceNdjson(entries, marks), traceNdjson(entries, marks, made.of), 'the same made again');
    assert.deepEqual(
      parseTrace(traceNdjson(entries)).map((l) => l.pseudo),
      [undefined, undefined, undefined, undefined, undefined, true],
    );
    // Longer than the lines it joins at a time, and not a multiple of them.
    const many = Array.from({ length: 601 }, (_, i) => ({
      ...(entries[i % entries.length] as JournalEntry),
      seq: i + 1,
    }));
    assert.equal(
      traceNdjson(many, marks),
      many.map((e) => `${JSON.stringify(traceLine(e, marks.get(e.seq)))}\n`).join(''),
    );
  });
});

describe('the findings text of a scenario', () => {
  test('names each rule that did not pass, its seed section, what it requires and the expectation', () => {
    const text = describeNonPassing(exchange().outcomes);
    assert.match(text, /^REC-CONNID failed \(seed 1\.3\.1 Recording Vendor to T-Server\)$/m);
    assert.match(
      text,
      /requires: Tevent connectionID of an indication is the ConnID of the operation it answers/,
    );
    assert.match(text, new RegExp(`ConnID should be "${CONNID}", was absent`));
    assert.doesNotMatch(text, /REC-ANSWER/, 'passed rules are not listed');
  });
});

describe('the evidence files of a run under way', () => {
  /** An attachment of the scenario `started`, as Cucumber's messages carry it. */
  const attached = (started: string, fileName: string, body: string | Buffer): Envelope =>
    ({
      attachment: {
        testCaseStartedId: started,
        fileName,
        mediaType: 'text/plain',
        ...(typeof body === 'string'
          ? { body, contentEncoding: 'IDENTITY' }
          : { body: body.toString('base64'), contentEncoding: 'BASE64' }),
      },
    }) as Envelope;
  const folder = (started: string, at: string) => ({ evidence: { testCaseStartedId: started, folder: at } });
  /** Scenario a's trace (`trace`) and diagram, scenario b's findings, under their bundle names: nothing else. */
  const assertEvidenceLayout = async (dir: string, trace: string) => {
    assert.deepEqual(await readdir(join(dir, 'exchanges/f')), ['a', 'b']);
    assert.deepEqual(await readdir(join(dir, 'exchanges/f/a')), ['sequence.svg', 'trace.ndjson']);
    assert.equal(await readFile(join(dir, 'exchanges/f/a/trace.ndjson'), 'utf8'), trace);
    assert.equal(await readFile(join(dir, 'exchanges/f/a/sequence.svg'), 'utf8'), '<svg/>');
    assert.equal(await readFile(join(dir, 'exchanges/f/b/findings.txt'), 'utf8'), 'found');
  };

  test('are written under their bundle names, in the order attached, into their scenario folder; other attachments are not', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'screencap-exchanges-'));
    try {
      const files = new EvidenceFiles(dir, BUNDLE_NAMES);
      files.update(folder('a', 'exchanges/f/a'));
      files.update(folder('b', 'exchanges/f/b'));
      files.update(attached('a', 'message-trace.ndjson', 'first\n'));
      files.update(attached('a', 'sequence-diagram.svg', Buffer.from('<svg/>')));
      files.update(attached('a', 'message-trace.ndjson', 'second\n'));
      files.update(attached('a', 'rule-outcomes.json', '[]'));
      files.update(attached('b', 'rule-findings.txt', 'found'));
      // A scenario whose folder was never said (it was not the run's) has none.
      files.update(attached('c', 'rule-findings.txt', 'lost'));
      await files.end();
      await assertEvidenceLayout(dir, 'second\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('rebuilt by the harness from its kept messages are the same files, over what the child left', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'screencap-exchanges-'));
    try {
      await mkdir(join(dir, 'exchanges/f/a'), { recursive: true });
      await writeFile(join(dir, 'exchanges/f/a/trace.ndjson'), 'half');
      const folders: Record<string, string> = { a: 'exchanges/f/a', b: 'exchanges/f/b' };
      rebuildEvidence(
        dir,
        [
          attached('a', 'message-trace.ndjson', 'whole\n'),
          attached('a', 'sequence-diagram.svg', Buffer.from('<svg/>')),
          attached('a', 'rule-outcomes.json', '[]'),
          attached('b', 'rule-findings.txt', 'found'),
          attached('c', 'rule-findings.txt', 'lost'),
        ],
        (id) => folders[id],
      );
      await assertEvidenceLayout(dir, 'whole\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('one that could not be written is named once they are awaited', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'screencap-exchanges-'));
    try {
      await writeFile(join(dir, 'exchanges'), 'a file where the folder would be');
      const files = new EvidenceFiles(dir, BUNDLE_NAMES);
      files.update(folder('a', 'exchanges/f/a'));
      files.update(attached('a', 'message-trace.ndjson', 'x'));
      await assert.rejects(files.end(), /could not write the scenarios' evidence: .*exchanges/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

test("an arrow's label shows any value a client may send: strings and numbers as they are, anything else as short JSON (no throw on an object whose toString is no function, or one nested past JSON.stringify)", () => {
  const deep = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`) as unknown;
  assert.equal(
    arrowLabel({ message: 'RequestSendEvent', ReferenceID: 3, ThisDN: '7001', ConnID: '006b02a6c5a1e001' }),
    'RequestSendEvent ref=3 ThisDN=7001 ConnID=006b…e001',
  );
  assert.equal(
    arrowLabel({
      message: 'RequestJunk',
      ReferenceID: { toString: 1 },
      ThisDN: deep,
      ErrorCode: [1, 2],
      UserData: [['screen-capture', { valueOf: null }]],
    } as unknown as WireMessage),
    'RequestJunk ref={"toString":1} ThisDN=[...] screen-capture={"valueOf":null} error [1,2]',
  );
});
