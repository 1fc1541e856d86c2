/**
 * Parties written for the tests from spec/tlib-json.md and the seed alone, sharing no code with the
 * harness (not its codec, links, simulator or mocks), each timed differently from the harness's own:
 * a T-Server that writes EventACK and the event apart, Nagle left on; a desktop that learns its
 * calls only from call events and is driven over HTTP; a recorder. Each can carry one defect.
 */
import { once } from 'node:events';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

type Message = Record<string, unknown> & { message?: unknown };
type Pair = [string, unknown];

const MAX_LINE = 1024 * 1024;
const CONN_ID = /^[0-9a-f]{16}$/;
const OPERATIONS = new Set(['start', 'stop', 'pause', 'resume', 'query']);

/** ISO-8601 UTC with microseconds. */
function now(): string {
  return new Date().toISOString().replace('Z', '000Z');
}

function screenCapture(userData: unknown): unknown {
  return Array.isArray(userData)
    ? (userData.find((p) => Array.isArray(p) && p[0] === 'screen-capture') as Pair | undefined)?.[1]
    : undefined;
}

/** Splits a byte stream into lines; `onLine` gets each complete line's bytes. */
class Lines {
  private pending = Buffer.alloc(0);
  constructor(
    private readonly onLine: (line: Buffer) => void,
    private readonly onTooLong: () => void = () => {},
  ) {}
  push(chunk: Buffer): void {
    this.pending = Buffer.concat([this.pending, chunk]);
    for (let nl = this.pending.indexOf(10); nl !== -1; nl = this.pending.indexOf(10)) {
      const line = this.pending.subarray(0, nl);
      this.pending = this.pending.subarray(nl + 1);
      if (line.length > MAX_LINE) return this.onTooLong();
      this.onLine(line);
    }
    if (this.pending.length > MAX_LINE) this.onTooLong();
  }
}

// --- T-Server ----------------------------------------------------------------------------------

export interface TServerDefects {
  /** Acknowledges and delivers a RequestSendEvent on a DN its sender did not register. */
  acceptsUnregistered?: boolean;
}

interface Client {
  socket: Socket;
  registered: boolean;
  dns: Set<string>;
  closing: boolean;
}

export interface IndependentTServer {
  port: number;
  adminUrl: string;
  stop(): Promise<void>;
}

/**
 * A tlib-json T-Server: replies at once, delivers each accepted Tevent as given (it does not check
 * what the Tevent says) `deliveryDelayMs` later in a write of its own, sockets with Nagle's
 * algorithm on (Node's default). Its admin API has only the call routes a bridge needs: POST /calls,
 * DELETE /calls/<connId> and the call changes (hold, retrieve, consult, transfer, conference).
 */
export async function startTServer(
  options: { deliveryDelayMs?: number; defects?: TServerDefects } = {},
): Promise<IndependentTServer> {
  const delay = options.deliveryDelayMs ?? 30;
  const clients = new Set<Client>();
  const calls = new Map<string, string>();
  const timers = new Set<NodeJS.Timeout>();
  let sequence = 0;

  const write = (c: Client, m: Message, done?: () => void) => {
    if (c.closing || c.socket.destroyed) return done?.();
    c.socket.write(`${JSON.stringify({ ...m, Time: now() })}\n`, () => done?.());
  };
  const distribute = (dn: string, event: Message): Promise<void> => {
    const stamped = { ...event, EventSequenceNumber: ++sequence };
    const to = [...clients].filter((c) => c.dns.has(dn));
    return Promise.all(to.map((c) => new Promise<void>((r) => write(c, stamped, r)))).then(() => {});
  };
  const refuse = (c: Client, m: Message, code: number, why: string) => {
    const ref = m.ReferenceID;
    const validRef = Number.isInteger(ref) && (ref as number) >= 1 && (ref as number) <= 2 ** 31 - 1;
    write(c, {
      message: 'EventError',
      ...(validRef ? { ReferenceID: ref } : {}),
      ...(typeof m.ThisDN === 'string' ? { ThisDN: m.ThisDN } : {}),
      ErrorCode: code,
      ErrorMessage: why,
    });
  };
  const framingError = (c: Client, code: number, why: string) => {
    write(c, { message: 'EventError', ErrorCode: code, ErrorMessage: why });
    c.closing = true;
    c.socket.end();
  };

  const handle = (c: Client, m: Message) => {
    const ref = m.ReferenceID;
    const name = m.message as string;
    const known = [
      'RequestRegisterClient',
      'RequestRegisterAddress',
      'RequestUnregisterAddress',
      'RequestSendEvent',
    ];
    if (!known.includes(name)) return refuse(c, m, 51, `message: unknown request ${name}`);
    if (!c.registered && name !== 'RequestRegisterClient')
      return refuse(c, m, 229, `${name} before RequestRegisterClient`);
    if (!Number.isInteger(ref) || (ref as number) < 1 || (ref as number) > 2 ** 31 - 1)
      return refuse(c, m, 53, 'ReferenceID: missing or invalid');
    if (name === 'RequestRegisterClient') {
      c.registered = true;
      return write(c, {
        message: 'EventClientRegistered',
        ReferenceID: ref,
        ServerName: 'independent-tserver',
        ServerVersion: '1',
      });
    }
    const dn = m.ThisDN;
    if (typeof dn !== 'string' || dn.length === 0 || dn.length > 64)
      return refuse(c, m, 53, 'ThisDN: missing or invalid');
    if (name === 'RequestRegisterAddress') {
      c.dns.add(dn);
      return write(c, { message: 'EventRegistered', ReferenceID: ref, ThisDN: dn });
    }
    if (name === 'RequestUnregisterAddress') {
      if (!c.dns.delete(dn)) return refuse(c, m, 41, `ThisDN: ${dn} not registered by this client`);
      return write(c, { message: 'EventUnregistered', ReferenceID: ref, ThisDN: dn });
    }
    const e = m.Event as Message | undefined;
    if (e === null || typeof e !== 'object' || Array.isArray(e) || typeof e.message !== 'string')
      return refuse(c, m, 53, 'Event: expected an object with a string message');
    if (e.ConnID !== undefined && (typeof e.ConnID !== 'string' || !CONN_ID.test(e.ConnID)))
      return refuse(c, m, 56, 'Event.ConnID: not 16 lower-case hex digits');
    if (e.UserData !== undefined && !Array.isArray(e.UserData))
      return refuse(c, m, 53, 'Event.UserData: not a KV list');
    if (!c.dns.has(dn) && !options.defects?.acceptsUnregistered)
      return refuse(c, m, 41, `ThisDN: ${dn} not registered by this client`);
    write(c, { message: 'EventACK', ReferenceID: ref, ThisDN: dn });
    const event: Message = { message: e.message, ThisDN: e.ThisDN };
    if (e.ConnID !== undefined) event.ConnID = e.ConnID;
    if (e.UserData !== undefined) event.UserData = e.UserData;
    const timer = setTimeout(() => {
      timers.delete(timer);
      void distribute(dn, event);
    }, delay);
    timers.add(timer);
  };

  const server: Server = createServer((socket) => {
    const c: Client = { socket, registered: false, dns: new Set(), closing: false };
    clients.add(c);
    const decoder = new TextDecoder('utf-8', { fatal: true });
    const lines = new Lines(
      (bytes) => {
        if (c.closing) return;
        let m: unknown;
        try {
          m = JSON.parse(decoder.decode(bytes));
        } catch {
          return framingError(c, 102, 'not UTF-8 JSON');
        }
        if (
          m === null ||
          typeof m !== 'object' ||
          Array.isArray(m) ||
          typeof (m as Message).message !== 'string'
        )
          return framingError(c, 102, 'not a JSON object with a string message');
        handle(c, m as Message);
      },
      () => framingError(c, 107, 'line over 1 MiB'),
    );
    socket.on('data', (chunk: Buffer) => lines.push(chunk));
    socket.on('error', () => {});
    socket.on('close', () => clients.delete(c));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');

  const admin: HttpServer = createHttpServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const answer = (status: number, out: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(out));
    const path = /^\/calls\/([0-9a-f]{16})(?:\/(\w+))?$/.exec(req.url ?? '');
    const newConnId = () =>
      Array.from({ length: 16 }, () => Math.floor(Math.random() * 16).toString(16)).join('');
    if (req.method === 'POST' && req.url === '/calls') {
      const dn = (JSON.parse(body || '{}') as { dn?: unknown }).dn;
      if (typeof dn !== 'string') return answer(400, { error: 'dn: expected a string' });
      const connId = newConnId();
      calls.set(connId, dn);
      await distribute(dn, { message: 'EventEstablished', ThisDN: dn, ConnID: connId });
      return answer(201, { connId });
    }
    const connId = path?.[1] as string;
    const dn = calls.get(connId);
    if (path && dn === undefined) return answer(404, { error: `no call ${connId}` });
    if (req.method === 'DELETE' && path && !path[2]) {
      calls.delete(connId);
      await distribute(dn as string, { message: 'EventReleased', ThisDN: dn, ConnID: connId });
      return answer(200, { connId, dn });
    }
    // The call changes of docs/call-events.md, as the agent's DN sees them.
    if (req.method === 'POST' && path?.[2]) {
      const change = path[2];
      if (change === 'hold' || change === 'retrieve') {
        const message = change === 'hold' ? 'EventHeld' : 'EventRetrieved';
        await distribute(dn as string, { message, ThisDN: dn, ConnID: connId });
        return answer(200, { connId, dn });
      }
      if (change === 'consult') {
        const consultation = newConnId();
        calls.set(consultation, dn as string);
        await distribute(dn as string, { message: 'EventHeld', ThisDN: dn, ConnID: connId });
        await distribute(dn as string, { message: 'EventEstablished', ThisDN: dn, ConnID: consultation });
        return answer(201, { connId: consultation, dn });
      }
      if (change === 'transfer' || change === 'conference') {
        const next = newConnId();
        calls.delete(connId);
        calls.set(next, dn as string);
        await distribute(dn as string, {
          message: 'EventPartyChanged',
          ThisDN: dn,
          ConnID: next,
          PreviousConnID: connId,
        });
        return answer(200, { connId: next, dn });
      }
    }
    answer(404, { error: 'POST /calls, DELETE /calls/<connId>, POST /calls/<connId>/<change>' });
  });
  admin.listen(0, '127.0.0.1');
  await once(admin, 'listening');

  return {
    port: (server.address() as { port: number }).port,
    adminUrl: `http://127.0.0.1:${(admin.address() as { port: number }).port}`,
    async stop() {
      for (const t of timers) clearTimeout(t);
      for (const c of clients) c.socket.destroy();
      admin.closeAllConnections();
      await Promise.all([new Promise((r) => server.close(r)), new Promise((r) => admin.close(r))]);
    },
  };
}

// --- clients -----------------------------------------------------------------------------------

/** A tlib-json client connection: requests by ReferenceID, events to `onEvent`. */
class Connection {
  private nextRef = 1;
  private readonly waiting = new Map<number, (reply: Message) => void>();
  onEvent: (event: Message) => void = () => {};
  readonly closed: Promise<void>;

  private constructor(private readonly socket: Socket) {
    const lines = new Lines((bytes) => this.receive(JSON.parse(bytes.toString('utf8')) as Message));
    socket.on('data', (chunk: Buffer) => lines.push(chunk));
    socket.on('error', () => {});
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        // A request the T-Server can no longer answer is answered here, so no caller waits forever.
        for (const answer of this.waiting.values())
          answer({ message: 'EventError', ErrorMessage: 'disconnected' });
        this.waiting.clear();
        resolve();
      }),
    );
  }

  /**
   * Connects (retrying until `deadline`: the T-Server may not listen yet, or until `signal` says
   * stop) and registers the client.
   */
  static async open(
    port: number,
    name: string,
    signal: AbortSignal,
    deadline = Date.now() + 30_000,
  ): Promise<Connection> {
    for (let wait = 50; ; wait = Math.min(wait * 2, 1000)) {
      const socket = connect({ host: '127.0.0.1', port });
      try {
        await once(socket, 'connect');
        const c = new Connection(socket);
        const reply = await c.request({ message: 'RequestRegisterClient', ApplicationName: name });
        if (reply.message !== 'EventClientRegistered') throw new Error(JSON.stringify(reply));
        return c;
      } catch (e) {
        socket.destroy();
        if (Date.now() > deadline) throw e;
        await sleep(wait, undefined, { signal });
      }
    }
  }

  request(m: Message): Promise<Message> {
    const ReferenceID = this.nextRef++;
    this.socket.write(`${JSON.stringify({ ...m, ReferenceID })}\n`);
    return new Promise((resolve) => this.waiting.set(ReferenceID, resolve));
  }

  close(): void {
    this.socket.destroy();
  }

  private receive(m: Message): void {
    const waiter = typeof m.ReferenceID === 'number' ? this.waiting.get(m.ReferenceID) : undefined;
    if (waiter && m.message !== 'EventUserEvent') {
      this.waiting.delete(m.ReferenceID as number);
      return waiter(m);
    }
    this.onEvent(m);
  }
}

/**
 * A client that stays connected, as a T-Lib client does: when its connection drops (or the T-Server
 * restarts) it connects again, with a backoff, and registers its DNs again.
 */
class ReconnectingClient {
  private connection: Promise<Connection>;
  /** Stops connecting again: the run is over, its T-Server gone. */
  private readonly stopping = new AbortController();

  constructor(
    private readonly port: number,
    private readonly name: string,
    private readonly dns: readonly string[],
    private readonly onEvent: (event: Message) => void,
    /** Called on each connection, before its DNs are registered (what the last one knew is gone). */
    private readonly onConnect: () => void = () => {},
  ) {
    this.connection = this.connect();
  }

  /** Resolves once connected and registered (the first time, or again after a drop). */
  get ready(): Promise<Connection> {
    return this.connection;
  }

  async request(m: Message): Promise<Message> {
    return (await this.connection).request(m);
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    (await this.connection.catch(() => undefined))?.close();
  }

  private async connect(): Promise<Connection> {
    const c = await Connection.open(this.port, this.name, this.stopping.signal);
    c.onEvent = this.onEvent;
    this.onConnect();
    for (const dn of this.dns) await c.request({ message: 'RequestRegisterAddress', ThisDN: dn });
    void c.closed.then(() => {
      if (!this.stopping.signal.aborted) this.connection = this.connect();
    });
    return c;
  }
}

export interface RecorderDefects {
  /** Sends every indication twice. */
  answersTwice?: boolean;
}

/**
 * A recorder: monitors the agent DNs and answers each operation on a DN with an indication on it,
 * with the operation's ConnID (start -> enabled, stop -> disabled, pause -> paused, resume ->
 * enabled, query -> the state, which it leaves as it is; initially disabled).
 */
export async function startRecorder(
  port: number,
  dns: readonly string[],
  defects: RecorderDefects = {},
): Promise<{ stop(): Promise<void> }> {
  const state = new Map<string, string>();
  const answers: Record<string, string> = {
    start: 'enabled',
    stop: 'disabled',
    pause: 'paused',
    resume: 'enabled',
  };
  const client: ReconnectingClient = new ReconnectingClient(port, 'independent-recorder', dns, (e) => {
    const op = screenCapture(e.UserData);
    const dn = e.ThisDN;
    if (
      e.message !== 'EventUserEvent' ||
      typeof dn !== 'string' ||
      typeof op !== 'string' ||
      !OPERATIONS.has(op)
    )
      return;
    if (!dns.includes(dn)) return; // an operation naming a DN it does not monitor is not its to answer
    const indication = answers[op] ?? state.get(dn) ?? 'disabled';
    state.set(dn, indication);
    const event: Message = { message: 'EventUserEvent', ThisDN: dn };
    if (e.ConnID !== undefined) event.ConnID = e.ConnID;
    event.UserData = [['screen-capture', indication]];
    for (let i = defects.answersTwice ? 2 : 1; i > 0; i--)
      void client.request({ message: 'RequestSendEvent', ThisDN: dn, Event: event });
  });
  await client.ready;
  return { stop: () => client.stop() };
}

/**
 * An agent desktop driven over HTTP (`POST /press?dn=7001&op=start`), which knows a call only from
 * EventEstablished and EventReleased on its DN (after reconnecting, only those it is told again); it
 * answers the HTTP request once the T-Server replied.
 * It serves HTTP at once and connects to the T-Server in the background (it may start first).
 */
export async function startDesktop(
  port: number,
  dns: readonly string[],
): Promise<{ url: string; stop(): Promise<void> }> {
  const calls = new Map<string, string[]>();
  const client = new ReconnectingClient(
    port,
    'independent-desktop',
    dns,
    (e) => {
      if (typeof e.ThisDN !== 'string' || typeof e.ConnID !== 'string') return;
      const list = calls.get(e.ThisDN) ?? [];
      calls.set(e.ThisDN, list);
      if (e.message === 'EventEstablished') list.push(e.ConnID);
      if (e.message === 'EventReleased' && list.includes(e.ConnID)) list.splice(list.indexOf(e.ConnID), 1);
      if (e.message === 'EventPartyChanged' && list.includes(e.PreviousConnID as string))
        list.splice(list.indexOf(e.PreviousConnID as string), 1, e.ConnID);
    },
    // Registering its DNs again, it is told the calls still there.
    () => calls.clear(),
  );
  const http = createHttpServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://desktop');
    const dn = url.searchParams.get('dn') ?? '';
    const op = url.searchParams.get('op') ?? '';
    if (req.method !== 'POST' || url.pathname !== '/press' || !dns.includes(dn) || !OPERATIONS.has(op))
      return res.writeHead(400).end('POST /press?dn=<agent DN>&op=<operation>');
    const event: Message = { message: 'EventUserEvent', ThisDN: dn };
    const connId = calls.get(dn)?.at(-1);
    if (connId !== undefined) event.ConnID = connId;
    event.UserData = [['screen-capture', op]];
    const reply = await client.request({ message: 'RequestSendEvent', ThisDN: dn, Event: event });
    res.writeHead(reply.message === 'EventACK' ? 200 : 409).end(JSON.stringify(reply));
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  return {
    url: `http://127.0.0.1:${(http.address() as { port: number }).port}`,
    async stop() {
      await client.stop();
      http.closeAllConnections();
      await new Promise((r) => http.close(r));
    },
  };
}
