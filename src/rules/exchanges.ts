/**
 * Facts the rules share, derived from the wire records: requests and their replies, who monitored
 * which DN when, and which delivered event belongs to which request (the calls: voice-calls.ts).
 */
import {
  CaptureStates,
  type Indication,
  isIndication,
  isOperation,
  screenCaptureValue,
} from '../domain/screencap.ts';
import { DISCONNECTED, isPseudo, RESTARTED } from '../journal.ts';
import { jsonOf, sameValue } from '../tlib/depth.ts';
import { REPLY_NAMES, type WireMessage } from '../tlib/messages.ts';
import type { WireRecord } from './observations.ts';

export interface SentRequest {
  record: WireRecord;
  referenceId: unknown;
  /** Every reply with its ReferenceID that reached the sender after it (before it reused the id). */
  replies: WireRecord[];
  /** The first reply, if it is an EventACK. */
  ack: WireRecord | undefined;
  error: WireRecord | undefined;
}

/** `a` happened before `b`: by the T-Server's EventSequenceNumber when both carry one, else by time. */
export function before(a: WireRecord, b: WireRecord): boolean {
  const sa = a.sent ? undefined : a.message.EventSequenceNumber;
  const sb = b.sent ? undefined : b.message.EventSequenceNumber;
  if (typeof sa === 'number' && typeof sb === 'number') return sa < sb;
  return a.entry.micros < b.entry.micros || (a.entry.micros === b.entry.micros && a.entry.seq < b.entry.seq);
}

const STATE_EVENTS = new Set(['EventRegistered', 'EventUnregistered']);

export function tevent(request: WireMessage): Record<string, unknown> | undefined {
  const e = request.Event;
  return e !== null && typeof e === 'object' && !Array.isArray(e)
    ? (e as Record<string, unknown>)
    : undefined;
}

/** The screen-capture value of a request's Tevent, or of an event. */
export function captureOf(message: WireMessage): unknown {
  return message.message === 'RequestSendEvent'
    ? screenCaptureValue(tevent(message)?.UserData)
    : screenCaptureValue(message.UserData);
}

export class Exchanges {
  readonly requests: SentRequest[] = [];
  /** Replies no request accounts for (a wrong or repeated ReferenceID). */
  readonly strayReplies: WireRecord[] = [];
  private readonly byClient = new Map<string, WireRecord[]>();
  /** Per client, the events that change what it monitors: few, where its records are many. */
  private readonly stateByClient = new Map<string, WireRecord[]>();

  constructor(readonly records: readonly WireRecord[]) {
    for (const r of records) {
      const list = this.byClient.get(r.client) ?? [];
      this.byClient.set(r.client, list);
      list.push(r);
    }
    for (const list of this.byClient.values()) this.pairReplies(list);
  }

  get clients(): string[] {
    return [...this.byClient.keys()];
  }

  recordsOf(client: string): readonly WireRecord[] {
    return this.byClient.get(client) ?? [];
  }

  /** The registration events `client` received, in its order. */
  private stateRecordsOf(client: string): readonly WireRecord[] {
    let list = this.stateByClient.get(client);
    if (!list) {
      list = this.recordsOf(client).filter(
        (r) => (!r.sent && STATE_EVENTS.has(r.message.message)) || isPseudo(r.entry, DISCONNECTED),
      );
      this.stateByClient.set(client, list);
    }
    return list;
  }

  roleOf(client: string): WireRecord['role'] | undefined {
    return this.byClient.get(client)?.[0]?.role;
  }

  sendEvents(filter: (r: SentRequest) => boolean = () => true): SentRequest[] {
    return this.requests.filter((r) => r.record.message.message === 'RequestSendEvent' && filter(r));
  }

  /**
   * Whether `client` had registered `dn` (EventRegistered received, not since unregistered, and
   * not disconnected since) before `at`.
   */
  monitoring(client: string, dn: unknown, at: WireRecord): boolean {
    let on = false;
    for (const r of this.stateRecordsOf(client)) {
      if (!before(r, at)) continue;
      if (isPseudo(r.entry, DISCONNECTED)) on = false;
      else if (r.message.ThisDN === dn) {
        if (r.message.message === 'EventRegistered') on = true;
        if (r.message.message === 'EventUnregistered') on = false;
      }
    }
    return on;
  }

  /** DNs `client` had registered before `at` (none after it disconnected). */
  monitoredDns(client: string, at: WireRecord): string[] {
    const dns = new Set<string>();
    for (const r of this.stateRecordsOf(client)) {
      if (!before(r, at)) continue;
      if (isPseudo(r.entry, DISCONNECTED)) dns.clear();
      if (r.sent || typeof r.message.ThisDN !== 'string') continue;
      if (r.message.message === 'EventRegistered') dns.add(r.message.ThisDN);
      if (r.message.message === 'EventUnregistered') dns.delete(r.message.ThisDN);
    }
    return [...dns];
  }

  private pairReplies(list: WireRecord[]): void {
    const open = new Map<unknown, SentRequest>();
    for (const r of list) {
      if (r.sent) {
        if (!r.message.message.startsWith('Request')) continue;
        const req: SentRequest = {
          record: r,
          referenceId: r.message.ReferenceID,
          replies: [],
          ack: undefined,
          error: undefined,
        };
        this.requests.push(req);
        open.set(req.referenceId, req);
      } else if (REPLY_NAMES.has(r.message.message) && r.message.ReferenceID !== undefined) {
        const req = open.get(r.message.ReferenceID);
        if (!req) {
          this.strayReplies.push(r);
          continue;
        }
        req.replies.push(r);
        if (req.replies.length === 1) {
          if (r.message.message === 'EventError') req.error = r;
          else req.ack = r;
        }
      }
    }
  }
}

export interface Delivery {
  request: SentRequest;
  recipient: string;
  /** The event the recipient received for it, when it did. */
  event: WireRecord | undefined;
}

export interface DeliveryAnalysis {
  /** For each acknowledged RequestSendEvent, each client that monitored its DN then. */
  expected: Delivery[];
  /** Events received that no acknowledged request accounts for, with the refused request they match, if any. */
  unexpected: Array<{ event: WireRecord; refused: SentRequest | undefined }>;
}

/** Events a client receives that are not deliveries of a Tevent (replies, calls). */
export const NOT_DELIVERIES: ReadonlySet<string> = new Set([
  ...REPLY_NAMES,
  'EventEstablished',
  'EventReleased',
]);

/**
 * What a delivery of `request` looks like to its recipient: the Tevent as given (a T-Server does
 * not check it), so its name and ThisDN are the Tevent's.
 */
function deliveryKey(request: WireMessage): string {
  const t = tevent(request);
  return jsonOf(t ? [t.message, t.ThisDN] : ['EventUserEvent', request.ThisDN]);
}

/** The same for a received event. */
function receivedKey(event: WireMessage): string {
  return jsonOf([event.message, event.ThisDN]);
}

/** What a delivery must carry unchanged: the Tevent's name, thisDN, connectionID and userData. */
function contentKey(m: Record<string, unknown>): string {
  return jsonOf([m.message, m.ThisDN, m.ConnID, m.UserData]);
}

function sameContent(request: WireMessage, event: WireMessage): boolean {
  const t = tevent(request);
  return (
    !!t && t.ThisDN === event.ThisDN && t.ConnID === event.ConnID && sameValue(t.UserData, event.UserData)
  );
}

/** Deliveries awaiting their event per recipient, in the T-Server's order per requester, taken first come first served. */
class DeliveryQueues {
  /** Recipient -> key -> deliveries (nested: a key joined to each recipient's name was made anew per delivery). */
  private readonly queues = new Map<string, Map<string, Delivery[]>>();

  add(recipient: string, key: string, d: Delivery): void {
    const byKey = this.queues.get(recipient) ?? new Map<string, Delivery[]>();
    this.queues.set(recipient, byKey);
    const q = byKey.get(key);
    if (q) q.push(d);
    else byKey.set(key, [d]);
  }

  /** The first delivery under `key` still without an event whose request was sent before `event`. */
  take(key: string, event: WireRecord, also: (d: Delivery) => boolean = () => true): Delivery | undefined {
    const q = this.queues.get(event.client)?.get(key);
    if (!q) return undefined;
    while (q[0]?.event) q.shift();
    const d = q.find((x) => !x.event && before(x.request.record, event) && also(x));
    if (d) d.event = event;
    return d;
  }
}

/**
 * Attributes each received event to the acknowledged request it delivers. A request is owed to the
 * clients monitoring the DN it addressed (AttrThisDN), and reaches them as its Tevent says (name
 * and ThisDN as given). Arrival order across connections is not the T-Server's order, so an event
 * pairs by what it carries: first with a request whose Tevent it carries unchanged, then with the
 * request another recipient's event of the same EventSequenceNumber delivered (one distribution,
 * one number), and last, so that a changed event still pairs with its request, with the oldest
 * request of its name and DN still awaiting delivery.
 */
export function analyseDeliveries(ex: Exchanges): DeliveryAnalysis {
  const accepted = ex
    .sendEvents((r) => r.ack !== undefined)
    .sort((a, b) => (before(a.ack as WireRecord, b.ack as WireRecord) ? -1 : 1));
  const delivered = new Set(['EventUserEvent']);
  for (const r of accepted) {
    const name = tevent(r.record.message)?.message;
    if (typeof name === 'string' && !NOT_DELIVERIES.has(name)) delivered.add(name);
  }
  const expected: Delivery[] = [];
  const byContent = new DeliveryQueues();
  const byName = new DeliveryQueues();
  const events = new Map<string, WireRecord[]>();
  // Each request's keys, made once for all its recipients.
  const keys = accepted.map((request) => {
    const t = tevent(request.record.message);
    return { content: t && contentKey(t), name: deliveryKey(request.record.message) };
  });
  for (const client of ex.clients) {
    events.set(
      client,
      ex.recordsOf(client).filter((r) => !r.sent && delivered.has(r.message.message)),
    );
    for (const [i, request] of accepted.entries()) {
      if (!ex.monitoring(client, request.record.message.ThisDN, request.ack as WireRecord)) continue;
      const delivery: Delivery = { request, recipient: client, event: undefined };
      expected.push(delivery);
      const { content, name } = keys[i] as (typeof keys)[number];
      if (content !== undefined) byContent.add(client, content, delivery);
      byName.add(client, name, delivery);
    }
  }
  const paired = new Set<WireRecord>();
  const pair = (e: WireRecord, d: Delivery | undefined) => d && paired.add(e);
  const allEvents = [...events.values()].flat();
  for (const e of allEvents) pair(e, byContent.take(contentKey(e.message), e));
  const bySequence = new Map<unknown, SentRequest>();
  for (const d of expected) {
    const n = d.event?.message.EventSequenceNumber;
    if (typeof n === 'number') bySequence.set(n, d.request);
  }
  for (const e of allEvents) {
    if (paired.has(e)) continue;
    const request = bySequence.get(e.message.EventSequenceNumber);
    if (request)
      pair(
        e,
        byName.take(receivedKey(e.message), e, (d) => d.request === request),
      );
  }
  for (const e of allEvents) {
    if (!paired.has(e)) pair(e, byName.take(receivedKey(e.message), e));
  }
  const unexpected: DeliveryAnalysis['unexpected'] = [];
  const refused = ex.sendEvents((r) => r.error !== undefined);
  for (const list of events.values()) {
    const unmatchedRefused = [...refused];
    for (const e of list) {
      if (paired.has(e)) continue;
      const i = unmatchedRefused.findIndex(
        (q) => before(q.record, e) && sameContent(q.record.message, e.message),
      );
      unexpected.push({ event: e, refused: i === -1 ? undefined : unmatchedRefused.splice(i, 1)[0] });
    }
  }
  return { expected, unexpected };
}

/** An operation a recorder received and the indication it sent for it, if any. */
export interface Answer {
  recorder: string;
  dn: unknown;
  operation: string;
  /** Where the recorder got the operation (or, unseen, where the desktop sent it). */
  operationRecord: WireRecord;
  indication: WireRecord | undefined;
  /** The state before the operation: the recorder's last indication on the DN, or the initial state
   *  (at first, and after the recorder was restarted). */
  stateBefore: Indication;
}

/** An indication sent when every operation on its DN had been answered: one too many. */
export interface ExtraIndication {
  recorder: string;
  dn: unknown;
  indication: WireRecord;
  /** The operation last answered on the DN before it, if any. */
  previous: Answer | undefined;
}

export interface AnswerPairing {
  answers: Answer[];
  extras: ExtraIndication[];
}

/** How to read one client's records as operations and the indications answering them. */
interface AnswerView {
  client: string;
  /** Who answers, as reports name it. */
  recorder: string;
  isOperation(r: WireRecord, value: unknown): boolean;
  isIndication(r: WireRecord, value: unknown): boolean;
  /** An operation it received but does not owe an answer (one may still come, and is no extra). */
  mayAnswer?(r: WireRecord, value: unknown): boolean;
}

/** Pairs operations with indications per DN, first in first out, tracking the state each left. */
function pairIn(ex: Exchanges, view: AnswerView, initialState: Indication, into: AnswerPairing): void {
  const pending = new Map<unknown, Answer[]>();
  const last = new Map<unknown, Answer>();
  const states = new CaptureStates<unknown>(initialState);
  let unowed = 0;
  for (const r of ex.recordsOf(view.client)) {
    // A restarted recorder starts afresh: in the initial state on every DN.
    if (isPseudo(r.entry, RESTARTED)) states.reset();
    const value = captureOf(r.message);
    const dn = r.message.ThisDN;
    if (view.mayAnswer?.(r, value)) unowed++;
    else if (view.isOperation(r, value)) {
      const answer: Answer = {
        recorder: view.recorder,
        dn,
        operation: value as string,
        operationRecord: r,
        indication: undefined,
        stateBefore: states.of(dn),
      };
      into.answers.push(answer);
      const queue = pending.get(dn) ?? [];
      pending.set(dn, queue);
      queue.push(answer);
    } else if (view.isIndication(r, value)) {
      const answer = pending.get(dn)?.shift();
      if (!answer) {
        if (unowed > 0) unowed--;
        else into.extras.push({ recorder: view.recorder, dn, indication: r, previous: last.get(dn) });
        continue;
      }
      answer.indication = r;
      last.set(dn, answer);
      // Judged against the state the recorder's previous indication left (operations still pending
      // when it came are answered after it).
      answer.stateBefore = states.of(dn);
      if (isIndication(value)) states.set(dn, value);
    }
  }
  for (const [dn, queue] of pending) for (const a of queue) a.stateBefore = states.of(dn);
}

/**
 * Pairs operations and indications per recorder and DN; an indication no operation awaits is an
 * extra. When the recorder's own traffic is not observed, operations are the desktop's
 * acknowledged requests and indications the ones the desktop received.
 */
export function pairAnswers(ex: Exchanges, initialState: Indication): AnswerPairing {
  const pairing: AnswerPairing = { answers: [], extras: [] };
  const recorders = ex.clients.filter((c) => ex.roleOf(c) === 'recorder');
  const received = (r: WireRecord, v: unknown) =>
    !r.sent && r.message.message === 'EventUserEvent' && isOperation(v);
  if (recorders.length > 0) {
    for (const recorder of recorders)
      pairIn(
        ex,
        {
          client: recorder,
          recorder,
          // An operation on a DN it does not monitor (a desktop's Tevent naming another DN) is not its to answer.
          isOperation: (r, v) => received(r, v) && ex.monitoring(recorder, r.message.ThisDN, r),
          mayAnswer: (r, v) => received(r, v) && !ex.monitoring(recorder, r.message.ThisDN, r),
          isIndication: (r, v) => r.sent && r.message.message === 'RequestSendEvent' && !isOperation(v),
        },
        initialState,
        pairing,
      );
    return pairing;
  }
  for (const desktop of ex.clients.filter((c) => ex.roleOf(c) === 'desktop')) {
    const accepted = new Set(
      ex.sendEvents((q) => q.ack !== undefined && q.record.client === desktop).map((q) => q.record),
    );
    pairIn(
      ex,
      {
        client: desktop,
        recorder: '(not observed)',
        isOperation: (r, v) => accepted.has(r) && isOperation(v),
        isIndication: (r, v) => !r.sent && r.message.message === 'EventUserEvent' && isIndication(v),
      },
      initialState,
      pairing,
    );
  }
  return pairing;
}

/**
 * The state `dn` is left in after `answers` (pairAnswers'), as the next operation's state before:
 * the last paired indication when it is one, else the state before it; `initialState` without any.
 */
export function stateAfter(answers: readonly Answer[], dn: unknown, initialState: Indication): Indication {
  let last: Answer | undefined;
  for (const a of answers) {
    if (a.dn !== dn || !a.indication) continue;
    if (!last || before(last.indication as WireRecord, a.indication)) last = a;
  }
  if (!last) return initialState;
  const value = captureOf((last.indication as WireRecord).message);
  return isIndication(value) ? value : last.stateBefore;
}
