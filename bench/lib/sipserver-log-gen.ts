/**
 * Generates a large SIP Server log, as a busy staging server writes one at `verbose = all`: agents
 * on calls (SIP traffic, call events with attached data, desktop requests), a recorder monitoring
 * every agent DN, and screen-capture sessions (start and stop, each answered) on some of the calls.
 * T-Lib messages go through the project's own log writer, so the format is the one verify-log reads.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { Journal } from '../../src/journal.ts';
import { shortTime } from '../../src/sipserver-log/lines.ts';
import { SipServerLogWriter } from '../../src/sipserver-log/writer.ts';
import type { WireMessage } from '../../src/tlib/messages.ts';
import { nowMicros } from '../../src/tlib/time.ts';

export interface GenerateOptions {
  /** Agent DNs (one desktop each). */
  agents?: number;
  /** One call in this many carries a screen-capture session. */
  sessionEvery?: number;
}

export interface GeneratedLog {
  bytes: number;
  calls: number;
  sessions: number;
  /** Screen-capture RequestSendEvents (operations and indications). */
  exchanges: number;
}

interface Client {
  id: string;
  application: string;
  address: string;
  nextRef: number;
}

/** Collects the writer's text and hands it to the file in large pieces, minding backpressure. */
class Sink {
  private parts: string[] = [];
  private size = 0;
  bytes = 0;
  constructor(private readonly stream: ReturnType<typeof createWriteStream>) {}
  write(text: string): void {
    this.parts.push(text);
    this.size += text.length;
  }
  async flush(force = false): Promise<void> {
    if (!force && this.size < 1 << 20) return;
    const chunk = this.parts.join('');
    this.parts = [];
    this.size = 0;
    this.bytes += Buffer.byteLength(chunk);
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
  }
}

function sipTraffic(dn: string, call: number): string {
  const t = shortTime(nowMicros());
  const branch = `z9hG4bK${call.toString(16)}`;
  const invite = [
    `${t}: Sending  [0,UDP] 1024 bytes to 10.0.1.20:5060 >>>>>`,
    `INVITE sip:${dn}@10.0.1.20:5060 SIP/2.0`,
    `From: <sip:+15551230${call % 1000}@10.0.0.1:5060>;tag=${call}-a`,
    `To: <sip:${dn}@10.0.1.20:5060>`,
    `Call-ID: ${call}-4711@10.0.0.1`,
    'CSeq: 1 INVITE',
    `Via: SIP/2.0/UDP 10.0.0.1:5060;branch=${branch}`,
    'Contact: <sip:sipserver@10.0.0.1:5060>',
    'Content-Type: application/sdp',
    'Content-Length: 212',
    '',
    'v=0',
    `o=- ${call} 1 IN IP4 10.0.0.5`,
    's=-',
    'c=IN IP4 10.0.0.5',
    't=0 0',
    'm=audio 31000 RTP/AVP 0 8 101',
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:8 PCMA/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=sendrecv',
  ];
  const ok = [
    `${t}: Received [0,UDP] 640 bytes from 10.0.1.20:5060 <<<<<`,
    'SIP/2.0 200 OK',
    `From: <sip:+15551230${call % 1000}@10.0.0.1:5060>;tag=${call}-a`,
    `To: <sip:${dn}@10.0.1.20:5060>;tag=${call}-b`,
    `Call-ID: ${call}-4711@10.0.0.1`,
    'CSeq: 1 INVITE',
    `Via: SIP/2.0/UDP 10.0.0.1:5060;branch=${branch}`,
    'Content-Length: 0',
    '',
    `${t}: $+TLIB:CTI:Unknown:0:0`,
    `${t} Int 04543 Interaction message "EventRouteRequest" received from 65200 ("URS@3020")`,
  ];
  return `${[...invite, ...ok].join('\n')}\n`;
}

export async function generateSipServerLog(
  path: string,
  targetBytes: number,
  options: GenerateOptions = {},
): Promise<GeneratedLog> {
  const agents = options.agents ?? 200;
  const sessionEvery = options.sessionEvery ?? 100;
  const stream = createWriteStream(path);
  const sink = new Sink(stream);
  const journal = new Journal({ limit: 0 });
  new SipServerLogWriter(sink).attach(journal, { name: 'SIPServer', version: '8.1.103.95' });
  const client = (n: number, application: string): Client => ({
    id: `client ${n}`,
    application,
    address: `10.0.2.${n % 250}:${40000 + n}`,
    nextRef: 1,
  });
  const log = (c: Client, direction: 'in' | 'out', message: WireMessage) =>
    journal.append({
      party: 'tserver',
      direction,
      peerId: c.id,
      peerApplication: c.application,
      peerAddress: c.address,
      peer: c.id,
      message,
    });
  const request = (c: Client, message: WireMessage, reply: WireMessage) => {
    const ReferenceID = c.nextRef++;
    log(c, 'in', { ...message, ReferenceID });
    log(c, 'out', { ...reply, ReferenceID });
  };
  /** One event, printed once, sent to each of `to`. */
  const distribute = (to: Client[], message: WireMessage) => {
    for (const c of to) log(c, 'out', message);
  };

  const recorder = client(1, 'Recorder_Vendor');
  const desktops = Array.from({ length: agents }, (_, i) => client(i + 2, `WDE_agent${i}`));
  const dnOf = (i: number) => String(70000 + i);
  for (const c of [recorder, ...desktops]) {
    request(
      c,
      { message: 'RequestRegisterClient', ApplicationName: c.application },
      { message: 'EventClientRegistered' },
    );
  }
  desktops.forEach((c, i) => {
    request(
      c,
      { message: 'RequestRegisterAddress', ThisDN: dnOf(i) },
      { message: 'EventRegistered', ThisDN: dnOf(i) },
    );
    request(
      recorder,
      { message: 'RequestRegisterAddress', ThisDN: dnOf(i) },
      { message: 'EventRegistered', ThisDN: dnOf(i) },
    );
  });

  let calls = 0;
  let sessions = 0;
  let exchanges = 0;
  let seq = 0;
  const sendEvent = (c: Client, dn: string, connId: string, value: string, monitors: Client[]) => {
    const Event = {
      message: 'EventUserEvent',
      ThisDN: dn,
      ConnID: connId,
      UserData: [['screen-capture', value]],
    };
    request(c, { message: 'RequestSendEvent', ThisDN: dn, Event }, { message: 'EventACK', ThisDN: dn });
    distribute(monitors, { ...Event, EventSequenceNumber: ++seq });
    exchanges++;
  };
  /** An operation and the recorder's indication answering it. */
  const operate = (desktop: Client, dn: string, connId: string, operation: string, indication: string) => {
    sendEvent(desktop, dn, connId, operation, [desktop, recorder]);
    sendEvent(recorder, dn, connId, indication, [desktop, recorder]);
  };
  while (sink.bytes < targetBytes) {
    const i = calls % agents;
    const dn = dnOf(i);
    const desktop = desktops[i] as Client;
    const monitors = [desktop, recorder];
    const connId = (0x006b02a6c5a10000 + calls).toString(16).padStart(16, '0');
    const userData = [
      ['CustomerSegment', 'Gold'],
      ['AccountId', 100000 + calls],
      ['RTargetAgentSelected', `agent${i}`],
      ['IW_CaseUid', `c0ffee${calls.toString(16)}`],
      ['GSIP_REC_FN', `${connId}_${dn}`],
      [
        'Routing',
        [
          ['Strategy', 'Default'],
          ['Queue', '8000'],
        ],
      ],
    ];
    sink.write(sipTraffic(dn, calls));
    distribute([desktop], {
      message: 'EventRinging',
      ThisDN: dn,
      ConnID: connId,
      CallType: 2,
      OtherDN: '+15551230000',
      UserData: userData,
      Extensions: [['BusinessCall', 1]],
      EventSequenceNumber: ++seq,
    });
    const answer = desktop.nextRef++;
    log(desktop, 'in', { message: 'RequestAnswerCall', ReferenceID: answer, ThisDN: dn, ConnID: connId });
    distribute(monitors, {
      message: 'EventEstablished',
      ReferenceID: answer,
      ThisDN: dn,
      ConnID: connId,
      UserData: userData,
      EventSequenceNumber: ++seq,
    });
    // Sessions move round the agents: every agent has some.
    const session = (calls + Math.floor(calls / agents)) % sessionEvery === 0;
    if (session) {
      sessions++;
      operate(desktop, dn, connId, 'start', 'enabled');
      operate(desktop, dn, connId, 'query', 'enabled');
    }
    request(
      desktop,
      { message: 'RequestUpdateUserData', ThisDN: dn, ConnID: connId, UserData: [['Disposition', 'Sale']] },
      { message: 'EventACK' },
    );
    distribute([desktop], {
      message: 'EventAttachedDataChanged',
      ThisDN: dn,
      ConnID: connId,
      UserData: userData,
      EventSequenceNumber: ++seq,
    });
    if (session) {
      operate(desktop, dn, connId, 'stop', 'disabled');
      // A query the switch link cannot carry: refused, and delivered to no one.
      const Event = {
        message: 'EventUserEvent',
        ThisDN: dn,
        ConnID: connId,
        UserData: [['screen-capture', 'query']],
      };
      request(
        desktop,
        { message: 'RequestSendEvent', ThisDN: dn, Event },
        { message: 'EventError', ThisDN: dn, ErrorCode: 54, ErrorMessage: 'link to the switch is down' },
      );
      exchanges++;
    }
    sink.write(sipTraffic(dn, calls));
    distribute(monitors, {
      message: 'EventReleased',
      ThisDN: dn,
      ConnID: connId,
      EventSequenceNumber: ++seq,
    });
    calls++;
    await sink.flush();
  }
  await sink.flush(true);
  stream.end();
  await once(stream, 'close');
  return { bytes: sink.bytes, calls, sessions, exchanges };
}
