/**
 * Keeps, of all the messages a log holds, the ones the rules look at, as journal entries: memory
 * grows with the screen-capture traffic, not with the size of the log. Kept: client and DN
 * registration, disconnection, RequestSendEvent and its replies, the events distributed (a Tevent
 * is delivered under whatever name it carries), and the events of the calls on the agent's voice
 * DNs that were up when a RequestSendEvent was sent (DESK-CONNID). Other requests and the EventACK
 * or EventError answering them (by ReferenceID), other events, and calls no RequestSendEvent of
 * their agent happened during, are dropped.
 */
import { DISCONNECTED, type JournalEntry } from '../journal.ts';
import { type AgentModel, SAME_DN_AGENTS, withRegisteredDns } from '../rules/voice-calls.ts';
import type { AttributeSelection, TeventField } from '../sipserver-log/attributes.ts';
import { compact } from '../sipserver-log/compact.ts';
import { clientId } from '../sipserver-log/lines.ts';
import type { LogMessage } from '../sipserver-log/parser.ts';
import { CALL_EVENT_NAMES, type WireMessage } from '../tlib/messages.ts';
import { isoMicros } from '../tlib/time.ts';

const REQUESTS = new Set([
  'RequestRegisterClient',
  'RequestRegisterAddress',
  'RequestUnregisterAddress',
  'RequestSendEvent',
]);
const CALL_EVENTS = CALL_EVENT_NAMES;
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

/** A call one client was told of: its events so far, held back until an operation of its agent needs them. */
interface PendingCall {
  events: Array<{ m: LogMessage; seq: number }>;
  kept: boolean;
}

export class Retainer {
  private readonly kept: JournalEntry[] = [];
  /** Tevent fields the log did not show, by entry seq (flat RequestSendEvent). */
  readonly unshown = new Map<number, readonly TeventField[]>();
  private readonly clients = new Map<number, ClientNames>();
  /** Per client: ReferenceIDs of dropped requests, so their replies are dropped too. */
  private readonly droppedRefs = new Map<string, Set<unknown>>();
  /** Per DN: calls established and not yet released, by `client ConnID`. */
  private readonly calls = new Map<unknown, Map<string, PendingCall>>();
  /** Per client: the DNs it was told of calls on (to forget its calls when it disconnects). */
  private readonly callDns = new Map<string, Set<unknown>>();
  /** The DNs each client has registered (EventRegistered, not since unregistered or disconnected). */
  private readonly registered = new Map<string, Set<string>>();
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
    const client = this.names(m).id;
    const name = m.message.message;
    const ref = m.message.ReferenceID;
    if (name === DISCONNECTED) {
      this.registered.delete(client);
      this.droppedRefs.delete(client);
      this.forgetCallsOf(client);
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
        this.keepCallsOf(m.message.ThisDN, client);
        this.selection.deliveredAs((m.message.Event as { message?: unknown } | undefined)?.message);
      }
      if (m.unshown.length) this.unshown.set(seq, m.unshown);
      this.keep(m, seq);
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
    this.callDns.clear();
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

  private call(client: string, m: LogMessage, seq: number): void {
    const dn = m.message.ThisDN;
    const calls = this.calls.get(dn) ?? new Map<string, PendingCall>();
    this.calls.set(dn, calls);
    const dns = this.callDns.get(client) ?? new Set();
    this.callDns.set(client, dns.add(dn));
    const key = `${client} ${m.message.ConnID}`;
    const name = m.message.message;
    const previous = name === 'EventPartyChanged' ? `${client} ${m.message.PreviousConnID}` : key;
    const call = calls.get(previous) ?? (name === 'EventReleased' ? undefined : { events: [], kept: false });
    calls.delete(previous);
    if (!call) return;
    if (call.kept) this.keep(m, seq);
    else call.events.push({ m, seq });
    if (name !== 'EventReleased') calls.set(key, call);
  }

  private forgetCallsOf(client: string): void {
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
  private keepCallsOf(dn: unknown, client: string): void {
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
