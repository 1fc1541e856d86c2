/**
 * Keeps, of all the messages a log holds, the ones the rules look at, as journal entries: memory
 * grows with the screen-capture traffic, not with the size of the log. Kept: client and DN
 * registration, disconnection, RequestSendEvent and its replies, the events distributed (a Tevent
 * is delivered under whatever name it carries), and the calls a client knew of
 * when it sent a RequestSendEvent on the call's DN (DESK-CONNID). Other requests and the EventACK
 * or EventError answering them (by ReferenceID), other events, and calls no RequestSendEvent of
 * their client happened during, are dropped.
 */
import { DISCONNECTED, type JournalEntry } from '../journal.ts';
import { isoMicros } from '../tlib/time.ts';
import type { AttributeSelection, TeventField } from './attributes.ts';
import { clientId } from './lines.ts';
import type { LogMessage } from './parser.ts';

const REQUESTS = new Set([
  'RequestRegisterClient',
  'RequestRegisterAddress',
  'RequestUnregisterAddress',
  'RequestSendEvent',
]);
const CALL_EVENTS = new Set(['EventEstablished', 'EventReleased']);
const EVENTS = new Set([
  'EventClientRegistered',
  'EventRegistered',
  'EventUnregistered',
  'EventACK',
  'EventError',
  'EventUserEvent',
]);

const GENERIC_REPLIES = new Set(['EventACK', 'EventError']);
const REFERENCE_ONLY: ReadonlySet<string> = new Set(['ReferenceID']);
/** What the rules read of a call event (activeCall). */
const CALL_ATTRIBUTES: ReadonlySet<string> = new Set(['ThisDN', 'ConnID', 'EventSequenceNumber']);

/**
 * Which messages the rules may need, and what to read of each (the parser's `select`): what the
 * rules look at, and of other requests only their ReferenceID (to drop their replies). Other events
 * are passed over, but for the names that a RequestSendEvent's Tevent gave (AttributeUserEvent):
 * a T-Server delivers the Tevent under its own name, whatever it is.
 */
export class Selection {
  private readonly teventNames = new Set<string>();

  /** Whether the rules may need a message of this name. */
  retains(name: string): boolean {
    return REQUESTS.has(name) || EVENTS.has(name) || CALL_EVENTS.has(name) || this.teventNames.has(name);
  }

  select(name: string): AttributeSelection | 'none' {
    if (REQUESTS.has(name) || EVENTS.has(name) || this.teventNames.has(name)) return 'all';
    if (CALL_EVENTS.has(name)) return CALL_ATTRIBUTES;
    return name.startsWith('Request') ? REFERENCE_ONLY : 'none';
  }

  /** A RequestSendEvent's Tevent is named `name`: its deliveries are read from now on. */
  deliveredAs(name: unknown): void {
    if (typeof name === 'string' && !REQUESTS.has(name) && !EVENTS.has(name) && !CALL_EVENTS.has(name))
      this.teventNames.add(name);
  }
}

/** A client's names, made once: a log holds many messages per client. */
interface ClientNames {
  id: string;
  peer: string;
  application: string;
  address: string;
}

interface PendingCall {
  established: { m: LogMessage; seq: number };
  dn: unknown;
  kept: boolean;
}

export class Retainer {
  private readonly kept: JournalEntry[] = [];
  /** Tevent fields the log did not show, by entry seq (flat RequestSendEvent). */
  readonly unshown = new Map<number, readonly TeventField[]>();
  private readonly clients = new Map<number, ClientNames>();
  /** Per client: ReferenceIDs of dropped requests, so their replies are dropped too. */
  private readonly droppedRefs = new Map<string, Set<unknown>>();
  /** Per client: calls established and not yet released, by ConnID. */
  private readonly calls = new Map<string, Map<unknown, PendingCall>>();
  private seq = 0;
  private sorted = true;

  constructor(private readonly selection: Selection) {}

  /** Every message of the log, in order. */
  add(m: LogMessage): void {
    const seq = ++this.seq;
    const client = this.names(m).id;
    const name = m.message.message;
    const ref = m.message.ReferenceID;
    if (name === DISCONNECTED) {
      this.droppedRefs.delete(client);
      this.calls.delete(client);
      return this.keep(m, seq);
    }
    if (m.direction === 'in') {
      const dropped = this.droppedRefs.get(client) ?? new Set();
      this.droppedRefs.set(client, dropped);
      if (!REQUESTS.has(name)) {
        if (ref !== undefined) dropped.add(ref);
        return;
      }
      dropped.delete(ref);
      if (name === 'RequestSendEvent') {
        this.keepCallsOf(client, m.message.ThisDN);
        this.selection.deliveredAs((m.message.Event as { message?: unknown } | undefined)?.message);
      }
      if (m.unshown.length) this.unshown.set(seq, m.unshown);
      this.keep(m, seq);
      return;
    }
    // Only the generic replies: a call event answering a dropped request (RequestAnswerCall ->
    // EventEstablished) still tells which call the client knows of.
    if (GENERIC_REPLIES.has(name) && ref !== undefined && this.droppedRefs.get(client)?.delete(ref)) return;
    if (CALL_EVENTS.has(name)) this.call(client, m, seq);
    else if (this.selection.retains(name)) this.keep(m, seq);
  }

  /**
   * The kept entries, in log order, once the run's messages are all added: what was kept only to
   * decide what to keep (dropped requests, pending calls) is let go.
   */
  entries(): JournalEntry[] {
    this.droppedRefs.clear();
    this.calls.clear();
    if (!this.sorted) this.kept.sort((a, b) => a.seq - b.seq);
    this.sorted = true;
    return this.kept;
  }

  private names(m: LogMessage): ClientNames {
    const { number, application, address } = m.client;
    let names = this.clients.get(number);
    // RequestRegisterClient names (or renames) a client.
    if (names?.application !== application || names.address !== address) {
      const id = clientId(number);
      names = { id, peer: `${id} (${application} ${address})`, application, address };
      this.clients.set(number, names);
    }
    return names;
  }

  private keep(m: LogMessage, seq: number): void {
    const names = this.names(m);
    this.kept.push({
      seq,
      time: isoMicros(m.micros),
      micros: m.micros,
      party: 'tserver',
      direction: m.direction,
      peer: names.peer,
      peerId: names.id,
      ...(names.application ? { peerApplication: names.application } : {}),
      peerAddress: names.address,
      message: m.message,
      source: m.source,
      ...(m.problem ? { problem: m.problem } : {}),
    });
  }

  private call(client: string, m: LogMessage, seq: number): void {
    const calls = this.calls.get(client) ?? new Map<unknown, PendingCall>();
    this.calls.set(client, calls);
    const connId = m.message.ConnID;
    if (m.message.message === 'EventEstablished') {
      calls.set(connId, { established: { m, seq }, dn: m.message.ThisDN, kept: false });
      return;
    }
    const call = calls.get(connId);
    calls.delete(connId);
    if (call?.kept) this.keep(m, seq);
  }

  /** A RequestSendEvent on `dn`: the calls its client knows on `dn` now matter (kept, in log order). */
  private keepCallsOf(client: string, dn: unknown): void {
    for (const call of this.calls.get(client)?.values() ?? []) {
      if (call.kept || call.dn !== dn) continue;
      call.kept = true;
      this.keep(call.established.m, call.established.seq);
      this.sorted = false;
    }
  }
}
