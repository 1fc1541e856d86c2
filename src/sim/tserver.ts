/**
 * The T-Server simulator's protocol engine (spec/tlib-json.md): client sessions, DN registration,
 * RequestSendEvent validation, EventACK/EventError, and distribution of the Tevent, as given, to
 * every registrant of the request's DN. As a T-Server, it does not check what the Tevent says
 * (unless `strict`). One client's bad input or slowness never touches another client.
 */
import { createServer, type Server, type Socket } from 'node:net';
import {
  DISCONNECTED,
  type EntryNames,
  Journal,
  type NewEntry,
  type PseudoName,
  pseudoEntry,
  RESTARTED,
  UNREADABLE_LINE,
} from '../journal.ts';
import {
  decodeRequest,
  dnProblem,
  encodeStamped,
  problemText,
  referenceIdProblem,
  strictTeventProblem,
} from '../tlib/codec.ts';
import { describeErrorCode, TErr } from '../tlib/errors.ts';
import { FrameReader } from '../tlib/framing.ts';
import type {
  CallEvent,
  EventUserEvent,
  RequestSendEvent,
  TEvent,
  TRequest,
  WireMessage,
} from '../tlib/messages.ts';
import { isoMicros } from '../tlib/time.ts';
import { type Call, CallTable } from './calls.ts';
import { DEFAULT_FAULT_ERROR_CODE, type Fault, FaultTable } from './faults.ts';

export interface TServerOptions {
  serverName?: string;
  serverVersion?: string;
  /** The configured DN list; when given, any other DN gets EventError 59 (TERR_NOT_CONFIGURED). */
  dns?: readonly string[];
  /** The server's journal; `false` journals nothing (benchmarks). */
  journal?: Journal | false;
  /** One line per connect, disconnect and error. */
  log?: (line: string) => void;
  /** A client whose unread output exceeds this is disconnected, so it cannot exhaust memory. */
  maxBacklogBytes?: number;
  /** Connections served at once; more are refused (closed at once) until some leave. */
  maxConnections?: number;
  /**
   * A client that leaves a line unfinished, or has not sent RequestRegisterClient, for this long is
   * disconnected (a registered client may stay idle as long as it likes).
   */
  idleTimeoutMs?: number;
  /** Bytes of unfinished lines held for all clients together; the client that would exceed it is disconnected. */
  maxBufferedBytes?: number;
  /**
   * Also refuse (53) a Tevent that is not an EventUserEvent on the request's ThisDN, which a T-Server
   * would distribute as given (`sim --strict`, config `tserver.strict`).
   */
  strict?: boolean;
  /** The last EventSequenceNumber already used (a restarted simulator goes on counting, so its
   *  journal stays in one order). Default 0. */
  lastSequence?: number;
  /** The last client number already used (a restarted simulator goes on counting, so no two
   *  connections in its journal share a name). Default 0. */
  lastClientId?: number;
}

export const DEFAULT_SERVER_NAME = 'screencap-cert-sim';
export const DEFAULT_MAX_BACKLOG_BYTES = 64 * 1024 * 1024;
/** Far above a load run of 2,000 agents (one connection each). */
export const DEFAULT_MAX_CONNECTIONS = 10_000;
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;
/** 64 clients each one byte short of a full 1 MiB line; 2,000 clients mid-line hold a few hundred bytes each. */
export const DEFAULT_MAX_BUFFERED_BYTES = 64 * 1024 * 1024;

/** An event before the server stamps it with EventSequenceNumber and Time. */
export type Unstamped<E extends TEvent = TEvent> = E extends TEvent
  ? Omit<E, 'EventSequenceNumber' | 'Time'>
  : never;

const NO_SESSIONS: ReadonlySet<never> = new Set();

/** A connected client as the admin API shows it. */
export interface ClientView {
  /** The T-Server's number for the connection (`client 3` in the journal). */
  id: number;
  /** Its ApplicationName (RequestRegisterClient); null before it registered. */
  application: string | null;
  /** Its `host:port`. */
  address: string;
  /** The DNs it monitors. */
  dns: string[];
}

export class ClientSession {
  applicationName: string | undefined;
  /** What the server wrote to it this tick, not yet handed to the socket (see TServer.write). */
  output = '';
  /** The journal's names for it under its current application name (see peer). */
  private peerFields: EntryNames | undefined;
  private peerFieldsOf: string | undefined;
  readonly dns = new Set<string>();
  readonly reader = new FrameReader();
  closing = false;
  /** Why the T-Server closed it, journaled as the DISCONNECTED's Cause. */
  closeCause = 'closed by the T-Server';
  /** When the client last sent a byte (ms since the epoch). */
  lastInput = Date.now();
  readonly connectedAt = Date.now();

  constructor(
    readonly id: number,
    readonly socket: Socket,
    readonly remote: string,
  ) {}

  get label(): string {
    return `client ${this.id} (${this.applicationName ?? 'unregistered'} ${this.remote})`;
  }

  /** The journal's fields naming this connection as `application`: made once per name it has. */
  peer(application: string | undefined): EntryNames {
    if (application !== this.applicationName) return this.fieldsAs(application);
    if (this.peerFields === undefined || this.peerFieldsOf !== application) {
      this.peerFields = this.fieldsAs(application);
      this.peerFieldsOf = application;
    }
    return this.peerFields;
  }

  private fieldsAs(application: string | undefined): EntryNames {
    const fields: EntryNames = {
      party: 'tserver',
      peer: this.label,
      peerId: `client ${this.id}`,
      peerAddress: this.remote,
    };
    if (application !== undefined) fields.peerApplication = application;
    return fields;
  }
}

/** What the T-Server refuses with an EventError: to whom, which request, the code and its text. */
export type RefusalArgs = [
  session: ClientSession,
  wire: WireMessage | TRequest,
  code: number,
  reason: string,
];

export class TServer {
  readonly serverName: string;
  readonly serverVersion: string;
  readonly journal: Journal | undefined;
  readonly calls = new CallTable();
  readonly faults = new FaultTable();
  private configuredDns: ReadonlySet<string> | undefined;
  private readonly registrants = new Map<string, Set<ClientSession>>();
  private readonly sessions = new Set<ClientSession>();
  private readonly log: (line: string) => void;
  private readonly maxBacklogBytes: number;
  private readonly idleTimeoutMs: number;
  private readonly maxBufferedBytes: number;
  /** Unfinished-line bytes held for all clients. */
  private bufferedBytes = 0;
  private readonly idleSweep: NodeJS.Timeout;
  /** See TServerOptions.strict; a scenario may turn it on for itself. */
  strict: boolean;
  private nextClientId: number;
  private sequence: number;
  /** Replies held back by delay faults. */
  private readonly delayed = new Set<NodeJS.Timeout>();
  /** Whose RequestRegisterAddress waits (see parkRegistrations), and the requests waiting. */
  private parking: ((application: string | undefined) => boolean) | undefined;
  private readonly parked: Array<{ session: ClientSession; request: TRequest }> = [];
  /** Sessions with output waiting for the end of this tick (see write). */
  private readonly unflushed: ClientSession[] = [];
  readonly net: Server;

  constructor(options: TServerOptions = {}) {
    this.serverName = options.serverName ?? DEFAULT_SERVER_NAME;
    this.serverVersion = options.serverVersion ?? '0.1.0';
    this.journal = options.journal === false ? undefined : (options.journal ?? new Journal());
    this.configuredDns = options.dns ? new Set(options.dns) : undefined;
    this.log = options.log ?? (() => {});
    this.maxBacklogBytes = options.maxBacklogBytes ?? DEFAULT_MAX_BACKLOG_BYTES;
    this.idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    this.maxBufferedBytes = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
    this.strict = options.strict ?? false;
    this.sequence = options.lastSequence ?? 0;
    this.nextClientId = (options.lastClientId ?? 0) + 1;
    this.net = createServer({ noDelay: true }, (socket) => this.accept(socket));
    this.net.maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    this.net.on('drop', (d) =>
      this.log(
        `refused ${d?.remoteAddress}:${d?.remotePort}: already ${this.net.maxConnections} connections (maxConnections)`,
      ),
    );
    this.idleSweep = setInterval(() => this.closeIdle(), Math.max(10, this.idleTimeoutMs / 4));
    this.idleSweep.unref();
  }

  /** Sets (or with undefined, lifts) the configured DN list; registrations already made stay. */
  configureDns(dns: readonly string[] | undefined): void {
    this.configuredDns = dns ? new Set(dns) : undefined;
  }

  /** The last EventSequenceNumber it used. */
  get lastSequence(): number {
    return this.sequence;
  }

  /** The last client number it gave a connection. */
  get lastClientId(): number {
    return this.nextClientId - 1;
  }

  get clientCount(): number {
    return this.sessions.size;
  }

  /** Every client connected now, as the admin API lists them (GET /connections). */
  clients(): ClientView[] {
    return [...this.sessions]
      .filter((s) => !s.closing)
      .map((s) => ({ id: s.id, application: s.applicationName ?? null, address: s.remote, dns: [...s.dns] }));
  }

  /** DNs with at least one registrant, and how many. */
  registrations(): Record<string, number> {
    return Object.fromEntries([...this.registrants].map(([dn, set]) => [dn, set.size]));
  }

  /** The clients registered on `dn`: their application names (undefined before RequestRegisterClient). */
  registrantsOf(dn: string): Array<{ client: string; application: string | undefined }> {
    return [...(this.registrants.get(dn) ?? NO_SESSIONS)].map((s) => ({
      client: s.label,
      application: s.applicationName,
    }));
  }

  /** Establishes a call on `dn` and tells the DN's registrants (EventEstablished). */
  createCall(dn: string): Call {
    const problem = this.dnConfigProblem(dn);
    if (problem) throw new Error(problem);
    const call = this.calls.create(dn);
    this.distribute({ message: 'EventEstablished', ThisDN: dn, ConnID: call.connId });
    return call;
  }

  /** Releases a call and tells the DN's registrants (EventReleased); undefined if unknown. */
  releaseCall(connId: string): Call | undefined {
    const call = this.calls.release(connId);
    if (call) this.distribute({ message: 'EventReleased', ThisDN: call.dn, ConnID: call.connId });
    return call;
  }

  /** Puts an established call on hold (EventHeld); throws a CallError when it cannot. */
  holdCall(connId: string): Call {
    const call = this.calls.setState(connId, 'established', 'held');
    this.distribute({ message: 'EventHeld', ThisDN: call.dn, ConnID: call.connId });
    return call;
  }

  /** Takes a held call back (EventRetrieved). */
  retrieveCall(connId: string): Call {
    const call = this.calls.setState(connId, 'held', 'established');
    this.distribute({ message: 'EventRetrieved', ThisDN: call.dn, ConnID: call.connId });
    return call;
  }

  /** Holds the call and establishes a consultation call on its DN (EventHeld, then EventEstablished). */
  consultCall(connId: string): Call {
    const held = this.holdCall(connId);
    const consult = this.calls.create(held.dn, held.connId);
    this.distribute({ message: 'EventEstablished', ThisDN: consult.dn, ConnID: consult.connId });
    return consult;
  }

  /**
   * A transfer or conference completed elsewhere: the established call goes on under a new ConnID,
   * and its DN's registrants get EventPartyChanged with the new ConnID and the previous one.
   */
  changeParty(connId: string): Call {
    const call = this.calls.renumber(connId);
    this.distribute({
      message: 'EventPartyChanged',
      ThisDN: call.dn,
      ConnID: call.connId,
      PreviousConnID: call.previousConnId as string,
    });
    return call;
  }

  /**
   * Drops the connection of every client `match` selects, as a cable pull would (no reply, no
   * goodbye); returns how many. What they monitored is gone: they must register again.
   */
  disconnectClients(
    match: (client: { id: number; application: string | undefined; dns: ReadonlySet<string> }) => boolean,
  ): number {
    let n = 0;
    for (const session of [...this.sessions]) {
      if (
        session.closing ||
        !match({ id: session.id, application: session.applicationName, dns: session.dns })
      )
        continue;
      this.log(`disconnecting ${session.label} (a dropped connection)`);
      session.closing = true;
      session.socket.destroy();
      this.drop(session); // now: what it monitored is gone before anything else is processed
      n++;
    }
    return n;
  }

  /**
   * Journals, for each client `match` selects, that it is about to be restarted (RESTARTED), as
   * its peer: the rules read its recovery from there. Returns how many.
   */
  noteRestart(match: (client: { id: number; application: string | undefined }) => boolean): number {
    let n = 0;
    for (const session of this.sessions) {
      if (session.closing || !match({ id: session.id, application: session.applicationName })) continue;
      this.journal?.append(this.note(session, RESTARTED));
      n++;
    }
    return n;
  }

  /**
   * Holds the DN registrations (RequestRegisterAddress) of the clients `match` selects by
   * application name, unanswered, until called again without it: meanwhile they monitor nothing,
   * so an event on their DNs reaches no one of them, whenever they reconnect. Releasing performs
   * the held requests in order (those of clients gone since are dropped with them); returns how
   * many were performed.
   */
  parkRegistrations(match: ((application: string | undefined) => boolean) | undefined): number {
    this.parking = match;
    if (match) return 0;
    let n = 0;
    for (const { session, request } of this.parked.splice(0))
      if (this.sessions.has(session) && !session.closing) {
        this.perform(session, request);
        n++;
      }
    return n;
  }

  /**
   * Resolves once what the server has written so far to `dn`'s registrants has left for their
   * sockets: a caller that then makes them act on it (a call just established) does not overtake it.
   */
  written(dn: string): Promise<void> {
    const flushed = [...this.recipients(dn)].map((s) => {
      this.flush(s);
      return new Promise<void>((resolve) =>
        s.socket.writable ? s.socket.write('', () => resolve()) : resolve(),
      );
    });
    return Promise.all(flushed).then(() => undefined);
  }

  /** Closes every connection (`cause`: why, for the journal); the listening socket is closed by the caller. */
  closeAll(cause?: string): void {
    clearInterval(this.idleSweep);
    this.parked.length = 0;
    for (const s of [...this.sessions]) {
      s.closing = true;
      if (cause) s.closeCause = cause;
      s.socket.destroy();
      this.drop(s); // now, not on its 'close' event: a stopped server journals (and logs) no more
    }
    // Delayed replies must not keep a stopped simulator's process alive.
    for (const timer of this.delayed) clearTimeout(timer);
    this.delayed.clear();
  }

  // --- connections ---------------------------------------------------------------------------------

  private accept(socket: Socket): void {
    const session = new ClientSession(
      this.nextClientId++,
      socket,
      `${socket.remoteAddress}:${socket.remotePort}`,
    );
    this.sessions.add(session);
    this.log(`connect ${session.label}`);
    socket.on('data', (chunk: Buffer) => this.receive(session, chunk));
    socket.on('error', (err) => this.log(`error ${session.label}: ${err.message}`));
    socket.on('close', () => this.drop(session));
  }

  private drop(session: ClientSession): void {
    if (!this.sessions.delete(session)) return;
    this.bufferedBytes -= session.reader.bufferedBytes;
    // A client that leaves monitors nothing any more: the journal (and a SIP Server log) says when.
    this.journal?.append(
      // Cause: the T-Server closed it (a fault, a bad client, a stop), which the party must recover from; a client leaving has none.
      this.note(session, DISCONNECTED, session.closing ? { Cause: session.closeCause } : {}),
    );
    for (const dn of session.dns) this.unregister(session, dn);
    this.log(`disconnect ${session.label}`);
  }

  /** Clients holding an unfinished line, or never registered, past the idle timeout. */
  private closeIdle(): void {
    const before = Date.now() - this.idleTimeoutMs;
    for (const session of this.sessions) {
      if (session.closing) continue;
      const unfinished = session.reader.bufferedBytes > 0 && session.lastInput < before;
      const unregistered = session.applicationName === undefined && session.connectedAt < before;
      if (!unfinished && !unregistered) continue;
      const why = unfinished
        ? `left a line of ${session.reader.bufferedBytes} bytes unfinished for ${this.idleTimeoutMs} ms`
        : `sent no RequestRegisterClient within ${this.idleTimeoutMs} ms`;
      this.log(`error ${session.label}: ${why}; closing`);
      this.close(session);
    }
  }

  private receive(session: ClientSession, chunk: Buffer): void {
    session.lastInput = Date.now();
    const held = session.reader.bufferedBytes;
    const frames = session.reader.push(chunk);
    this.bufferedBytes += session.reader.bufferedBytes - held;
    if (this.bufferedBytes > this.maxBufferedBytes) {
      this.log(
        `error ${session.label}: unfinished lines of all clients over ${this.maxBufferedBytes} bytes; closing it`,
      );
      this.bufferedBytes -= session.reader.discard();
      this.close(session);
      return;
    }
    for (const frame of frames) {
      if (session.closing) return;
      if (!frame.ok) {
        // The journal shows everything the server saw, even a line it could not read.
        this.journal?.append({ ...this.note(session, UNREADABLE_LINE), problem: frame.reason });
        this.log(
          `error ${session.label}: framing error ${describeErrorCode(frame.code)}: ${frame.reason}; closing`,
        );
        this.send(session, { message: 'EventError', ErrorCode: frame.code, ErrorMessage: frame.reason });
        this.close(session);
        return;
      }
      this.handle(session, frame.message, frame.text, frame.bytes);
    }
  }

  private close(session: ClientSession): void {
    session.closing = true;
    this.flush(session); // what it was told before (the EventError saying why) goes out first
    session.socket.end();
    // A peer that never reads must not keep the socket open.
    setTimeout(() => session.socket.destroy(), 1000).unref();
  }

  // --- requests ------------------------------------------------------------------------------------

  /** `line`: the message as the client wrote it, `bytes` long. */
  private handle(session: ClientSession, wire: WireMessage, line: string, bytes: number): void {
    const decoded = decodeRequest(wire);
    if (this.journal) {
      const application =
        wire.message === 'RequestRegisterClient' ? wire.ApplicationName : session.applicationName;
      const names = session.peer(typeof application === 'string' ? application : undefined);
      const problem = decoded.ok ? undefined : problemText(decoded.problem);
      this.journal.appendLine(names, 'in', line, bytes, wire, problem);
    }
    if (!decoded.ok && decoded.problem.code === TErr.UNSUP_OPER) {
      return this.refuse(session, wire, TErr.UNSUP_OPER, `unknown message ${JSON.stringify(wire.message)}`);
    }
    if (session.applicationName === undefined && wire.message !== 'RequestRegisterClient') {
      return this.refuse(session, wire, TErr.MUST_REGISTER, `${wire.message} before RequestRegisterClient`);
    }
    if (!decoded.ok) return this.refuse(session, wire, decoded.problem.code, problemText(decoded.problem));
    this.perform(session, decoded.value);
  }

  private perform(session: ClientSession, request: TRequest): void {
    const ReferenceID = request.ReferenceID;
    switch (request.message) {
      case 'RequestRegisterClient':
        // Registering again renames the client; T-Lib clients re-register after a reconnect.
        session.applicationName = request.ApplicationName;
        this.send(session, {
          message: 'EventClientRegistered',
          ReferenceID,
          ServerName: this.serverName,
          ServerVersion: this.serverVersion,
        });
        return;
      case 'RequestRegisterAddress': {
        if (this.parking?.(session.applicationName)) {
          this.parked.push({ session, request });
          this.log(`holding ${session.label}'s registration of ${request.ThisDN} (parked registrations)`);
          return;
        }
        const ThisDN = request.ThisDN;
        const notConfigured = this.dnConfigProblem(ThisDN);
        if (notConfigured) return this.refuse(session, request, TErr.NOT_CONFIGURED, notConfigured);
        const already = session.dns.has(ThisDN);
        session.dns.add(ThisDN);
        const set = this.registrants.get(ThisDN) ?? new Set();
        this.registrants.set(ThisDN, set.add(session));
        this.send(session, { message: 'EventRegistered', ReferenceID, ThisDN });
        if (!already) this.tellCalls(session, ThisDN);
        return;
      }
      case 'RequestUnregisterAddress': {
        const ThisDN = request.ThisDN;
        const notConfigured = this.dnConfigProblem(ThisDN);
        if (notConfigured) return this.refuse(session, request, TErr.NOT_CONFIGURED, notConfigured);
        if (!session.dns.has(ThisDN)) return this.refuseUnregistered(session, request);
        this.unregister(session, ThisDN);
        this.send(session, { message: 'EventUnregistered', ReferenceID, ThisDN });
        return;
      }
      case 'RequestSendEvent':
        return this.sendEvent(session, request);
    }
  }

  private sendEvent(session: ClientSession, request: RequestSendEvent): void {
    const strict = this.strict ? strictTeventProblem(request) : undefined;
    if (strict) return this.refuse(session, request, strict.code, `${problemText(strict)} (strict mode)`);
    const ThisDN = request.ThisDN;
    const notConfigured = this.dnConfigProblem(ThisDN);
    if (notConfigured) return this.refuse(session, request, TErr.NOT_CONFIGURED, notConfigured);
    if (!session.dns.has(ThisDN))
      return this.refuseUnregistered(
        session,
        request,
        ' (RequestSendEvent requires RequestRegisterAddress first)',
      );
    const fault = this.faults.take(ThisDN);
    if (fault) return this.injectFault(session, request, fault);
    this.acknowledgeAndDeliver(session, request, true);
  }

  /** EventACK to the requester, then the Tevent to every registrant of its DN. */
  private acknowledgeAndDeliver(session: ClientSession, request: RequestSendEvent, deliver: boolean): void {
    this.send(session, { message: 'EventACK', ReferenceID: request.ReferenceID, ThisDN: request.ThisDN });
    if (!deliver) return;
    // The Tevent as given, to the registrants of the DN the request addressed.
    const { message, ThisDN, ConnID, UserData } = request.Event;
    // Assigned, not spread from conditional literals: this runs for every event relayed.
    const event: Record<string, unknown> = { message };
    if (ThisDN !== undefined) event.ThisDN = ThisDN;
    if (ConnID !== undefined) event.ConnID = ConnID;
    if (UserData !== undefined) event.UserData = UserData;
    this.distribute(event as Unstamped<EventUserEvent>, request.ThisDN);
  }

  private injectFault(session: ClientSession, request: RequestSendEvent, fault: Fault): void {
    const why = `fault #${fault.id} (${fault.kind})`;
    switch (fault.kind) {
      case 'delay': {
        const timer = setTimeout(() => {
          this.delayed.delete(timer);
          this.acknowledgeAndDeliver(session, request, true);
        }, fault.ms ?? 0);
        this.delayed.add(timer);
        return;
      }
      case 'error':
        return this.refuse(
          session,
          request,
          fault.code ?? DEFAULT_FAULT_ERROR_CODE,
          `request rejected by fault injection: ${why}`,
        );
      case 'drop':
        this.log(
          `fault ${session.label}: ${why} acknowledges ReferenceID ${request.ReferenceID} and drops its event`,
        );
        return this.acknowledgeAndDeliver(session, request, false);
      case 'disconnect':
        this.log(`fault ${session.label}: ${why} closes the connection`);
        this.flush(session); // replies to earlier requests still go out before the cut
        session.closing = true;
        session.socket.destroy();
        return;
      case 'link-down':
        return this.refuse(session, request, TErr.NO_SWITCH, `link to the switch is down: ${why}`);
    }
  }

  /**
   * Tells a client that just registered `dn` of the calls already there, as if they were
   * established now (and held, if they are): what a T-Lib client otherwise asks with
   * RequestQueryAddress, and how a party that reconnects learns which of its calls survived.
   */
  private tellCalls(session: ClientSession, dn: string): void {
    for (const call of this.calls.list()) {
      if (call.dn !== dn) continue;
      this.send(session, { message: 'EventEstablished', ThisDN: dn, ConnID: call.connId });
      if (call.state === 'held')
        this.send(session, { message: 'EventHeld', ThisDN: dn, ConnID: call.connId });
    }
  }

  private unregister(session: ClientSession, dn: string): void {
    session.dns.delete(dn);
    const set = this.registrants.get(dn);
    set?.delete(session);
    if (set?.size === 0) this.registrants.delete(dn);
  }

  private dnConfigProblem(dn: string): string | undefined {
    if (this.configuredDns && !this.configuredDns.has(dn)) return `ThisDN: ${dn} is not a configured DN`;
    return dnProblem(dn) && `ThisDN: ${dnProblem(dn)}`;
  }

  /** EventError 41: the request's ThisDN is not one `session` registered. */
  private refuseUnregistered(session: ClientSession, request: TRequest & { ThisDN: string }, why = ''): void {
    this.refuse(
      session,
      request,
      TErr.NOT_REGISTERED,
      `ThisDN: ${request.ThisDN} is not registered by this client${why}`,
    );
  }

  /** EventError echoing the request's ReferenceID and ThisDN when they are valid. */
  protected refuse(...[session, wire, code, reason]: RefusalArgs): void {
    const error: Unstamped = { message: 'EventError', ErrorCode: code, ErrorMessage: reason };
    if (referenceIdProblem(wire.ReferenceID) === undefined) error.ReferenceID = wire.ReferenceID as number;
    if ('ThisDN' in wire && dnProblem(wire.ThisDN) === undefined) error.ThisDN = wire.ThisDN as string;
    this.send(session, error);
  }

  /** The T-Server's own journal entry `name` (pseudoEntry) about `session`, under its current name. */
  private note(session: ClientSession, name: PseudoName, attributes: { Cause?: string } = {}): NewEntry {
    const p = session.peer(session.applicationName);
    const entry: NewEntry = {
      party: 'tserver',
      direction: 'in',
      peer: p.peer,
      peerId: p.peerId,
      peerAddress: p.peerAddress,
      ...pseudoEntry(name, attributes),
    };
    if (p.peerApplication !== undefined) entry.peerApplication = p.peerApplication;
    return entry;
  }

  // --- output --------------------------------------------------------------------------------------

  /**
   * The event as stamped, for the journal (its line is encodeStamped's, made without it).
   * Not `{ ...event, ... }`: V8's object spread measured 3-5x slower here.
   */
  private stamped(event: Unstamped, sequence: number, time: string): TEvent {
    return Object.assign({}, event, { EventSequenceNumber: sequence, Time: time }) as TEvent;
  }

  protected send(session: ClientSession, event: Unstamped): void {
    const sequence = ++this.sequence;
    const time = isoMicros();
    const line = encodeStamped(event, sequence, time);
    this.write(session, line, this.journal && this.stamped(event, sequence, time));
  }

  /** One event (one sequence number, one encoding) to every registrant of `dn` (default: its own DN). */
  protected distribute(event: Unstamped<EventUserEvent | CallEvent>, dn: string = event.ThisDN): void {
    const sequence = ++this.sequence;
    const time = isoMicros();
    const recipients = this.recipients(dn);
    if (recipients.size === 0) return;
    const line = encodeStamped(event, sequence, time);
    const stamped = this.journal && this.stamped(event, sequence, time);
    for (const session of recipients) this.write(session, line, stamped);
  }

  /** The clients an event on `dn` goes to: its registrants. */
  protected recipients(dn: string): ReadonlySet<ClientSession> {
    return this.registrants.get(dn) ?? NO_SESSIONS;
  }

  /** Every connected client. */
  protected get allSessions(): ReadonlySet<ClientSession> {
    return this.sessions;
  }

  /** `line`: the event's encoding, made once for all its recipients; `stamped`: the event, when journaled. */
  private write(session: ClientSession, line: string, stamped: TEvent | undefined): void {
    if (session.closing || session.socket.destroyed) return;
    if (this.journal && stamped)
      this.journal.appendLine(
        session.peer(session.applicationName),
        'out',
        line,
        // Its UTF-8 bytes, without the line end it is written with.
        Buffer.byteLength(line) - 1,
        stamped as unknown as WireMessage,
      );
    // What one tick produces for a client (replies to pipelined requests, events) leaves in one
    // write of one string at the end of the tick, not one per line (per-line writes were 70% of the
    // relay's CPU), nor one writev of many (a corked socket's: twice the cost of one string).
    if (session.output === '') {
      if (this.unflushed.length === 0) process.nextTick(this.flushAll);
      this.unflushed.push(session);
    }
    session.output += line;
    if (session.socket.writableLength + session.output.length > this.maxBacklogBytes) {
      this.log(`error ${session.label}: over ${this.maxBacklogBytes} bytes unread; disconnecting it`);
      session.closing = true;
      session.output = '';
      session.socket.destroy();
    }
  }

  /** Hands every session's output of this tick to its socket. */
  private readonly flushAll = (): void => {
    for (const session of this.unflushed) this.flush(session);
    this.unflushed.length = 0;
  };

  /** Hands what the server wrote to `session` so far to its socket, in order. */
  private flush(session: ClientSession): void {
    if (session.output === '') return;
    const text = session.output;
    session.output = '';
    if (!session.socket.destroyed) session.socket.write(text);
  }
}
