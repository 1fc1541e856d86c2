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
 *
 * Nor are DN registrations kept while no screen-capture traffic concerns them: a log may hold a
 * million clients each on a DN of its own. Of each client and DN, the last message of each kind
 * (RequestRegisterAddress, EventRegistered, and their Unregister pair) is held in brief (Held): that
 * is what says, at any later time, whether the client monitors the DN and which DNs it registered.
 * They become entries (in log order) when a RequestSendEvent is sent on the DN or by the client;
 * from then on, that DN's and that client's registrations are kept as they come.
 */
import { DISCONNECTED, isPseudo, type JournalEntry, type SourceRef } from '../journal.ts';
import { type AgentModel, SAME_DN_AGENTS, withRegisteredDns } from '../rules/voice-calls.ts';
import { type AttributeSelection, NOTHING_UNSHOWN, type TeventField } from '../sipserver-log/attributes.ts';
import { compact } from '../sipserver-log/compact.ts';
import { clientId } from '../sipserver-log/lines.ts';
import type { LogMessage } from '../sipserver-log/parser.ts';
import { CALL_EVENT_NAMES, type WireMessage } from '../tlib/messages.ts';
import { isoMicros } from '../tlib/time.ts';

/** Requests kept. */
const REQUESTS = new Set(['RequestRegisterAddress', 'RequestUnregisterAddress', 'RequestSendEvent']);
/** The messages of a DN's registration, held in brief until screen-capture traffic concerns it (Held). */
const REGISTRATION = [
  'RequestRegisterAddress',
  'EventRegistered',
  'RequestUnregisterAddress',
  'EventUnregistered',
];
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
  /** `select`'s answers so far, by name: asked once per message of a log (until a new Tevent name). */
  private readonly selected = new Map<string, AttributeSelection | 'none'>();

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
    let selection = this.selected.get(name);
    if (selection === undefined) {
      selection = this.selectionOf(name);
      // Names are few, but a log may make up any: the answers kept are bounded.
      if (this.selected.size >= SELECTIONS_KEPT) this.selected.clear();
      this.selected.set(name, selection);
    }
    return selection;
  }

  private selectionOf(name: string): AttributeSelection | 'none' {
    if (REQUESTS.has(name) || EVENTS.has(name) || this.teventNames.has(name)) return 'all';
    if (CALL_EVENTS.has(name)) return CALL_ATTRIBUTES;
    return name.startsWith('Request') || name === CLIENT_REGISTERED ? REFERENCE_ONLY : 'none';
  }

  /** A RequestSendEvent's Tevent is named `name`: its deliveries are read from now on. */
  deliveredAs(name: unknown): void {
    if (
      typeof name === 'string' &&
      !REQUESTS.has(name) &&
      !EVENTS.has(name) &&
      !CALL_EVENTS.has(name) &&
      !this.teventNames.has(name)
    ) {
      this.teventNames.add(name);
      this.selected.delete(name);
    }
  }
}

/** Selection's answers kept at most. */
const SELECTIONS_KEPT = 1000;

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

/**
 * A request's key, as its client and ReferenceID's text say it: of the usual ReferenceID (an
 * integer below 2^32) by a client numbered below 2^20, one number (no string made and hashed per
 * request); of another, text.
 */
function requestKey(client: number, ref: unknown): number | string {
  const n = typeof ref === 'string' && String(Number(ref)) === ref ? Number(ref) : ref;
  return Number.isInteger(n) &&
    (n as number) >= 0 &&
    (n as number) < 2 ** 32 &&
    client >= 0 &&
    client < 2 ** 20
    ? client * 2 ** 32 + (n as number)
    : `${client} ${String(ref)}`;
}

class DroppedRequests {
  private current = new Set<number | string>();
  private previous = new Set<number | string>();

  add(client: number, ref: unknown): void {
    if (this.current.size >= DROPPED_GENERATION) {
      this.previous = this.current;
      this.current = new Set();
    }
    this.current.add(requestKey(client, ref));
  }

  /** Whether it was dropped (it is answered now: let go). */
  answered(client: number, ref: unknown): boolean {
    const key = requestKey(client, ref);
    return this.current.delete(key) || this.previous.delete(key);
  }

  clear(): void {
    this.current = new Set();
    this.previous = new Set();
  }
}

/**
 * A client's registration messages on a DN, in brief: what their entries need should the DN come
 * to be judged, for the last message of each kind (index in REGISTRATION): its seq, time and line.
 * The message is rebuilt with its name, ReferenceID and DN (attributes no rule reads are not held).
 */
interface Held {
  client: LogMessage['client'];
  file: string;
  /** Per kind (at 4 x its index): seq, micros, line, ReferenceID; an absent kind's seq is undefined. */
  kinds: unknown[];
}

/** One, or several: most DNs are registered by one or two clients, most clients register one DN. */
type OneOrMore<T> = T | T[];

function* each<T>(held: OneOrMore<T> | undefined): Generator<T> {
  if (held === undefined) return;
  if (Array.isArray(held)) yield* held;
  else yield held;
}

/** `held` without what `drop` picks (an array is changed in place). */
function without<T>(held: OneOrMore<T> | undefined, drop: (t: T) => boolean): OneOrMore<T> | undefined {
  if (!Array.isArray(held)) return held === undefined || drop(held) ? undefined : held;
  const at = held.findIndex(drop);
  if (at !== -1) held.splice(at, 1);
  return held.length > 1 ? held : held[0];
}

/** `held` with `add` (an array is changed in place). */
function withOne<T>(held: OneOrMore<T> | undefined, add: T): OneOrMore<T> {
  if (held === undefined) return add;
  if (!Array.isArray(held)) return [held, add];
  held.push(add);
  return held;
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
  private readonly registered = new Map<number, OneOrMore<string>>();
  /** Registrations held in brief, by DN (see Held); and the DNs each client has some held on. */
  private readonly held = new Map<string, OneOrMore<Held>>();
  private readonly heldBy = new Map<number, OneOrMore<string>>();
  /** DNs, and clients, that screen-capture traffic concerned: their registrations are kept as they come. */
  private readonly liveDns = new Set<string>();
  private readonly liveClients = new Set<number>();
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
    if (isPseudo(m, DISCONNECTED)) {
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
        const event = m.message.Event as { message?: unknown; ThisDN?: unknown } | undefined;
        this.goLive(client, [m.message.ThisDN, event?.ThisDN]);
        this.keepCallsOf(m.message.ThisDN, client);
        this.selection.deliveredAs(event?.message);
      } else if (this.hold(m, seq)) return;
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
      const dns = without(this.registered.get(client), (d) => d === dn);
      const now = name === 'EventRegistered' ? withOne(dns, dn) : dns;
      if (now === undefined) this.registered.delete(client);
      else this.registered.set(client, now);
    }
    // Only the generic replies: a call event answering a dropped request (RequestAnswerCall ->
    // EventEstablished) still tells which call the client knows of.
    if (ref !== undefined && this.dropped.answered(client, ref) && GENERIC_REPLIES.has(name)) return;
    if (CALL_EVENTS.has(name)) this.call(client, m, seq);
    else if (this.selection.retains(name) && !this.hold(m, seq)) this.keep(m, seq);
  }

  /**
   * A registration message on a DN and by a client no screen-capture traffic has concerned yet: held
   * in brief (true), not kept.
   */
  private hold(m: LogMessage, seq: number): boolean {
    const kind = REGISTRATION.indexOf(m.message.message);
    const dn = m.message.ThisDN;
    const client = m.client.number;
    if (kind === -1 || typeof dn !== 'string' || this.liveDns.has(dn) || this.liveClients.has(client))
      return false;
    const onDn = this.held.get(dn);
    let held = [...each(onDn)].find((h) => h.client.number === client);
    if (!held) {
      held = { client: m.client, file: m.source.file, kinds: [] };
      this.held.set(dn, withOne(onDn, held));
      this.heldBy.set(client, withOne(this.heldBy.get(client), dn));
    }
    held.kinds.length = Math.max(held.kinds.length, 4 * kind + 4);
    held.kinds.splice(4 * kind, 4, seq, m.micros, m.source.line, m.message.ReferenceID);
    return true;
  }

  /**
   * Screen-capture traffic by `client` on `dns`: the registrations held on those DNs (by any client)
   * and by that client (on any DN) become entries, and later ones are kept as they come.
   */
  private goLive(client: number, dns: readonly unknown[]): void {
    for (const dn of dns) {
      if (typeof dn !== 'string' || this.liveDns.has(dn)) continue;
      this.liveDns.add(dn);
      for (const held of [...each(this.held.get(dn))]) this.release(held.client.number, dn);
    }
    if (this.liveClients.has(client)) return;
    this.liveClients.add(client);
    for (const dn of [...each(this.heldBy.get(client))]) this.release(client, dn);
  }

  /** The registrations held of `client` on `dn`, kept as entries (in log order). */
  private release(client: number, dn: string): void {
    const held = [...each(this.held.get(dn))].find((h) => h.client.number === client);
    this.unhold(client, dn);
    const kinds = held?.kinds ?? [];
    for (let kind = 0; held && 4 * kind < kinds.length; kind++) {
      const [seq, micros, line, reference] = kinds.slice(4 * kind, 4 * kind + 4) as [
        number,
        number,
        number,
        unknown,
      ];
      if (seq === undefined) continue;
      const name = REGISTRATION[kind] as string;
      const message: WireMessage = {
        message: name,
        ...(reference === undefined ? {} : { ReferenceID: reference }),
        ThisDN: dn,
      };
      const direction = name.startsWith('Request') ? 'in' : 'out';
      const source = { file: held.file, line };
      this.keep({ direction, client: held.client, micros, message, source, unshown: NOTHING_UNSHOWN }, seq);
      this.sorted = false;
    }
  }

  /** Lets go of what is held of `client` on `dn`. */
  private unhold(client: number, dn: string): void {
    const onDn = without(this.held.get(dn), (h) => h.client.number === client);
    if (onDn === undefined) this.held.delete(dn);
    else this.held.set(dn, onDn);
    const dns = without(this.heldBy.get(client), (d) => d === dn);
    if (dns === undefined) this.heldBy.delete(client);
    else this.heldBy.set(client, dns);
  }

  /**
   * The kept entries, in log order, once the run's messages are all added: what was kept only to
   * decide what to keep (dropped requests, pending calls) is let go.
   */
  entries(): JournalEntry[] {
    this.dropped.clear();
    this.held.clear();
    this.heldBy.clear();
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
    const known = this.sessions.get(client);
    if (known === undefined) {
      this.seen++;
      if (name !== REGISTER_CLIENT && !isPseudo(m, DISCONNECTED)) this.firstSeen.set(client, m.source);
    }
    let flags = known ?? 0;
    if (m.direction === 'in' && name === REGISTER_CLIENT) flags |= REGISTERED;
    if (m.direction === 'out' && name !== 'EventError') flags |= SERVED;
    // Set once per client and change: a client sends and receives many messages.
    if (flags !== known) this.sessions.set(client, flags);
  }

  /** A client left: what was held to judge its later messages goes; of a client nothing was kept of, all. */
  private forget(client: number): void {
    this.registered.delete(client);
    this.forgetCallsOf(client);
    // Its registrations held in brief end with it: no DN it leaves monitored unless it registers again.
    for (const dn of [...each(this.heldBy.get(client))]) this.unhold(client, dn);
    this.liveClients.delete(client);
    if (this.clients.has(client)) return;
    this.sessions.delete(client);
    this.firstSeen.delete(client);
  }

  private names(m: LogMessage): ClientNames {
    const { number, application, address } = m.client;
    let names = this.clients.get(number);
    // RequestRegisterClient names (or renames) a client; a disconnection (by socket) names no one.
    if (isPseudo(m, DISCONNECTED) && names) return names;
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
      ...(m.pseudo ? { pseudo: m.pseudo } : {}),
    });
  }

  private call(client: number, m: LogMessage, seq: number): void {
    const dn = m.message.ThisDN;
    const dns = this.callDns.get(client);
    if (!dns) this.callDns.set(client, new Set([dn]));
    else if (!dns.has(dn)) dns.add(dn);
    const key = `${client} ${m.message.ConnID}`;
    const name = m.message.message;
    const released = name === 'EventReleased';
    const previous = name === 'EventPartyChanged' ? `${client} ${m.message.PreviousConnID}` : key;
    let calls = this.calls.get(dn);
    let call = calls?.get(previous);
    // The call goes on under its (new) ConnID, or ends; a DN with no call up holds nothing.
    if (call && (released || previous !== key)) calls?.delete(previous);
    if (!call && !released) call = { events: [], kept: false };
    if (call && !released && (previous !== key || !calls?.has(key))) {
      if (!calls) {
        calls = new Map();
        this.calls.set(dn, calls);
      }
      calls.set(key, call);
    }
    if (calls?.size === 0) this.calls.delete(dn);
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
    const agents = withRegisteredDns(this.agents ?? SAME_DN_AGENTS, () => each(this.registered.get(client)));
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
