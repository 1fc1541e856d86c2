/**
 * Keeps, of all the messages a log holds, the ones the rules look at, as journal entries: memory
 * grows with the screen-capture traffic, not with the size of the log. Kept: DN registration,
 * disconnection (of a client something was kept of), RequestSendEvent and its replies, the events
 * distributed (a Tevent is delivered under whatever name it carries), and the events of the calls
 * on the agent's voice DNs that were up when a RequestSendEvent was sent (DESK-CONNID). Other
 * requests and the EventACK or EventError answering them (by ReferenceID), other events, and calls
 * no RequestSendEvent of their agent happened during, are dropped.
 *
 * A client's registration (RequestRegisterClient, EventClientRegistered) is not kept as entries:
 * a log may hold a million clients that never take part in screen capture. What the parties need
 * of it (parties.ts: did it register, was it served, where was it first seen) is a few bits per
 * client, and a client that leaves with nothing kept is forgotten. Per client, only what is
 * outstanding is held (dropped requests' ReferenceIDs, bounded in all; calls up; DNs registered).
 */
import { DISCONNECTED, type JournalEntry, type SourceRef } from '../journal.ts';
import { type AgentModel, SAME_DN_AGENTS, withRegisteredDns } from '../rules/voice-calls.ts';
import type { AttributeSelection, TeventField } from '../sipserver-log/attributes.ts';
import { compact } from '../sipserver-log/compact.ts';
import { clientId } from '../sipserver-log/lines.ts';
import type { LogMessage } from '../sipserver-log/parser.ts';
import { CALL_EVENT_NAMES, type WireMessage } from '../tlib/messages.ts';
import { isoMicros } from '../tlib/time.ts';

/** Requests kept. */
const REQUESTS = new Set(['RequestRegisterAddress', 'RequestUnregisterAddress', 'RequestSendEvent']);
const CALL_EVENTS = CALL_EVENT_NAMES;
const EVENTS = new Set(['EventRegistered', 'EventUnregistered', 'EventACK', 'EventError', 'EventUserEvent']);
/** What a client's session says of it (see ClientSession): read for that, never kept. */
const REGISTER_CLIENT = 'RequestRegisterClient';
const CLIENT_REGISTERED = 'EventClientRegistered';

const GENERIC_REPLIES = new Set(['EventACK', 'EventError']);
const REFERENCE_ONLY: ReadonlySet<string> = new Set(['ReferenceID']);
/** What the rules read of a call event (voice-calls.ts). */
const CALL_ATTRIBUTES: ReadonlySet<string> = new Set([
  'ThisDN',
  'ConnID',
  'PreviousConnID',
  'EventSequenceNumber',
]);

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
    return (
      REQUESTS.has(name) ||
      EVENTS.has(name) ||
      CALL_EVENTS.has(name) ||
      this.teventNames.has(name) ||
      name === REGISTER_CLIENT ||
      name === CLIENT_REGISTERED
    );
  }

  select(name: string): AttributeSelection | 'none' {
    if (REQUESTS.has(name) || EVENTS.has(name) || this.teventNames.has(name)) return 'all';
    if (CALL_EVENTS.has(name)) return CALL_ATTRIBUTES;
    return name.startsWith('Request') || name === CLIENT_REGISTERED ? REFERENCE_ONLY : 'none';
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

/** What the log showed of a client's session, for parties.ts. */
export interface ClientSession {
  /** It sent RequestRegisterClient. */
  registered: boolean;
  /** The T-Server sent it something other than an EventError. */
  served: boolean;
  /** Where it was first seen, when that was not its RequestRegisterClient. */
  first?: SourceRef;
}

/** ClientSession's flags, as held for each client: a log may hold a million. */
const REGISTERED = 1;
const SERVED = 2;

/**
 * The ReferenceIDs of the requests dropped and not yet answered, by client, so that their replies
 * are dropped too. Bounded: a request unanswered after 1 to 2 x DROPPED_GENERATION later ones is let go (its
 * reply, if one ever comes, is kept as a reply to nothing the rules know of).
 */
const DROPPED_GENERATION = 50_000;

class DroppedRequests {
  private current = new Set<string>();
  private previous = new Set<string>();

  add(client: number, ref: unknown): void {
    if (this.current.size >= DROPPED_GENERATION) {
      this.previous = this.current;
      this.current = new Set();
    }
    this.current.add(`${client} ${String(ref)}`);
  }

  /** Whether it was dropped (it is answered now: let go). */
  answered(client: number, ref: unknown): boolean {
    const key = `${client} ${String(ref)}`;
    return this.current.delete(key) || this.previous.delete(key);
  }

  clear(): void {
    this.current = new Set();
    this.previous = new Set();
  }
}

/** A call one client was told of: its events so far, held back until an operation of its agent needs them. */
interface PendingCall {
  events: Array<{ m: LogMessage; seq: number }>;
  kept: boolean;
}

export class Retainer {
  private readonly kept: JournalEntry[] = [];
  /** Tevent fields the log did not show, by entry seq (flat RequestSendEvent). */
  readonly unshown = new Map<number, readonly TeventField[]>();
  /** The names of the clients something was kept of, by client number. */
  private readonly clients = new Map<number, ClientNames>();
  /** Every client of the run not yet forgotten: its session's flags (REGISTERED, SERVED). */
  private readonly sessions = new Map<number, number>();
  /** Where a client was first seen, when that was not its RequestRegisterClient. */
  private readonly firstSeen = new Map<number, SourceRef>();
  /** Clients seen in the run. */
  seen = 0;
  private readonly dropped = new DroppedRequests();
  /** Per DN: calls established and not yet released, by `client ConnID`. */
  private readonly calls = new Map<unknown, Map<string, PendingCall>>();
  /** Per client: the DNs it was told of calls on (to forget its calls when it disconnects). */
  private readonly callDns = new Map<number, Set<unknown>>();
  /** The DNs each client has registered (EventRegistered, not since unregistered or disconnected). */
  private readonly registered = new Map<number, Set<string>>();
  private seq = 0;
  private sorted = true;
  /** The message last kept, and its compact copy. */
  private compacted: { raw: WireMessage; own: WireMessage } | undefined;

  /** `agents`: where the calls of the agent sending on a DN are (default: on that DN). */
  constructor(
    private readonly selection: Selection,
    private readonly agents?: AgentModel,
  ) {}

  /** Every message of the log, in order. */
  add(m: LogMessage): void {
    const seq = ++this.seq;
    const client = m.client.number;
    const name = m.message.message;
    const ref = m.message.ReferenceID;
    this.noteSession(m);
    if (name === DISCONNECTED) {
      this.forget(client);
      // Of a client nothing was kept of, its leaving tells the rules nothing either.
      if (this.clients.has(client)) this.keep(m, seq);
      return;
    }
    if (m.direction === 'in') {
      if (!REQUESTS.has(name)) {
        if (ref !== undefined) this.dropped.add(client, ref);
        return;
      }
      if (ref !== undefined) this.dropped.answered(client, ref);
      if (name === 'RequestSendEvent') {
        this.keepCallsOf(m.message.ThisDN, client);
        this.selection.deliveredAs((m.message.Event as { message?: unknown } | undefined)?.message);
      }
      if (m.unshown.length) this.unshown.set(seq, m.unshown);
      this.keep(m, seq);
      return;
    }
    if (name === CLIENT_REGISTERED) {
      if (ref !== undefined) this.dropped.answered(client, ref);
      return;
    }
    const dn = m.message.ThisDN;
    if (typeof dn === 'string' && (name === 'EventRegistered' || name === 'EventUnregistered')) {
      const dns = this.registered.get(client) ?? new Set<string>();
      this.registered.set(client, dns);
      if (name === 'EventRegistered') dns.add(dn);
      else dns.delete(dn);
    }
    // Only the generic replies: a call event answering a dropped request (RequestAnswerCall ->
    // EventEstablished) still tells which call the client knows of.
    if (ref !== undefined && this.dropped.answered(client, ref) && GENERIC_REPLIES.has(name)) return;
    if (CALL_EVENTS.has(name)) this.call(client, m, seq);
    else if (this.selection.retains(name)) this.keep(m, seq);
  }

  /**
   * The kept entries, in log order, once the run's messages are all added: what was kept only to
   * decide what to keep (dropped requests, pending calls) is let go.
   */
  entries(): JournalEntry[] {
    this.dropped.clear();
    this.calls.clear();
    this.callDns.clear();
    if (!this.sorted) this.kept.sort((a, b) => a.seq - b.seq);
    this.sorted = true;
    return this.kept;
  }

  /** The sessions of the clients something was kept of, by their journal name (`client 0000000b`). */
  clientSessions(): Map<string, ClientSession> {
    const out = new Map<string, ClientSession>();
    for (const [number, names] of this.clients) {
      const flags = this.sessions.get(number) ?? 0;
      const first = this.firstSeen.get(number);
      out.set(names.id, {
        registered: (flags & REGISTERED) !== 0,
        served: (flags & SERVED) !== 0,
        ...(first ? { first } : {}),
      });
    }
    return out;
  }

  private noteSession(m: LogMessage): void {
    const client = m.client.number;
    const name = m.message.message;
    let flags = this.sessions.get(client);
    if (flags === undefined) {
      this.seen++;
      flags = 0;
      if (name !== REGISTER_CLIENT && name !== DISCONNECTED) this.firstSeen.set(client, m.source);
    }
    if (m.direction === 'in' && name === REGISTER_CLIENT) flags |= REGISTERED;
    if (m.direction === 'out' && name !== 'EventError') flags |= SERVED;
    this.sessions.set(client, flags);
  }

  /** A client left: what was held to judge its later messages goes; of a client nothing was kept of, all. */
  private forget(client: number): void {
    this.registered.delete(client);
    this.forgetCallsOf(client);
    if (this.clients.has(client)) return;
    this.sessions.delete(client);
    this.firstSeen.delete(client);
  }

  private names(m: LogMessage): ClientNames {
    const { number, application, address } = m.client;
    let names = this.clients.get(number);
    // RequestRegisterClient names (or renames) a client; a disconnection (by socket) names no one.
    if (m.message.message === DISCONNECTED && names) return names;
    if (names?.application !== application || names.address !== address) {
      const id = clientId(number);
      names = compact({ id, peer: `${id} (${application} ${address})`, application, address }) as ClientNames;
      this.clients.set(number, names);
    }
    return names;
  }

  private keep(m: LogMessage, seq: number): void {
    const names = this.names(m);
    // One printed message goes to each of its recipients: one copy of it.
    if (this.compacted?.raw !== m.message)
      this.compacted = { raw: m.message, own: compact(m.message) as WireMessage };
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
      message: this.compacted.own,
      source: m.source,
      ...(m.problem ? { problem: m.problem } : {}),
    });
  }

  private call(client: number, m: LogMessage, seq: number): void {
    const dn = m.message.ThisDN;
    const calls = this.calls.get(dn) ?? new Map<string, PendingCall>();
    const dns = this.callDns.get(client) ?? new Set();
    this.callDns.set(client, dns.add(dn));
    const key = `${client} ${m.message.ConnID}`;
    const name = m.message.message;
    const previous = name === 'EventPartyChanged' ? `${client} ${m.message.PreviousConnID}` : key;
    const call = calls.get(previous) ?? (name === 'EventReleased' ? undefined : { events: [], kept: false });
    calls.delete(previous);
    if (name !== 'EventReleased' && call) calls.set(key, call);
    // A DN with no call up holds nothing.
    if (calls.size) this.calls.set(dn, calls);
    else this.calls.delete(dn);
    if (!call) return;
    if (call.kept) this.keep(m, seq);
    else call.events.push({ m, seq });
  }

  private forgetCallsOf(client: number): void {
    for (const dn of this.callDns.get(client) ?? []) {
      const calls = this.calls.get(dn);
      for (const key of calls?.keys() ?? []) if (key.startsWith(`${client} `)) calls?.delete(key);
    }
    this.callDns.delete(client);
  }

  /**
   * A RequestSendEvent on `dn` by `client`: the calls on its agent's voice DNs now matter (kept, in
   * log order); unless configured, those are the DNs the client registered too (withRegisteredDns).
   */
  private keepCallsOf(dn: unknown, client: number): void {
    if (typeof dn !== 'string') return;
    const agents = withRegisteredDns(this.agents ?? SAME_DN_AGENTS, () => this.registered.get(client) ?? []);
    const voiceDns = agents.voiceDnsOf(dn);
    for (const voiceDn of voiceDns) {
      for (const call of this.calls.get(voiceDn)?.values() ?? []) {
        if (call.kept) continue;
        call.kept = true;
        for (const { m, seq } of call.events) this.keep(m, seq);
        call.events = [];
        this.sorted = false;
      }
    }
  }
}
