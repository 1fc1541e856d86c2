/**
 * Shared test support for the integration tests (not a test file itself): a fresh embedded simulator
 * per test, a raw tlib-json client that parses lines on its own (independently of src/tlib), and small
 * wait helpers built on the journal's waitFor. Everything here uses real sockets on ephemeral ports.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, type TestContext } from 'node:test';
import { DEFAULT_MAPPING } from '../src/domain/screencap.ts';
import { Journal, type JournalEntry } from '../src/journal.ts';
import { TlibLink, type TlibLinkOptions } from '../src/link/tlib-link.ts';
import { createCheckContext } from '../src/rules/checkers.ts';
import type { WireRecord } from '../src/rules/observations.ts';
import { type Simulator, type SimulatorOptions, startSimulator } from '../src/sim/index.ts';
import { REPLY_NAMES, type WireMessage } from '../src/tlib/messages.ts';

/** How long anything that must arrive may take (generous: CI machines are slow, the loopback is not). */
export const WAIT_MS = 3000;

/** verify-log's settings for the logs tests write: the default mapping, 2 s to answer and reply. */
export const LOG_SETTINGS = {
  mapping: { start: 'enabled', stop: 'disabled', pause: 'paused', resume: 'enabled', query: 'current' },
  initialState: 'disabled',
  answerTimeoutMs: 2000,
  requestTimeoutMs: 2000,
} as const;

/**
 * A client's request and the reply sent to it, as a SIP Server log prints them at `stamp`
 * (`YYYY-MM-DDTHH:MM:SS.mmm`): `requestOnly` attribute lines are the request's, `attributes` both's.
 */
export function requestReplyLines(o: {
  stamp: string;
  client: string;
  request: string;
  reply: string;
  reference: number;
  requestOnly?: string[];
  attributes?: string[];
}): string[] {
  const time = o.stamp.slice(11);
  return [
    `${o.stamp} Trc 04541 ${o.request} received from ${o.client}`,
    `message ${o.request}`,
    `\tAttributeReferenceID\t${o.reference}`,
    ...(o.requestOnly ?? []),
    ...(o.attributes ?? []),
    `@${time}0 [0] 8.5.000.10 send_to_client: message ${o.reply}`,
    `\tAttributeReferenceID\t${o.reference}`,
    ...(o.attributes ?? []),
    `${time} Trc 04542 ${o.reply} sent to ${o.client}`,
  ];
}

/** `2026-11-23T10:15:00.123456Z`: ISO-8601 UTC with exactly six fractional digits. */
export const ISO_MICROS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/**
 * A tlib-json client with no protocol logic: it writes whatever it is given and journals every line
 * it receives (party = its name, direction `in`), so tests can send garbage and see exactly what the
 * server answers, in order.
 */
export class RawClient {
  readonly closed: Promise<void>;
  isClosed = false;
  private buffered = '';
  private nextRef = 1;

  private constructor(
    readonly socket: Socket,
    readonly party: string,
    readonly journal: Journal,
  ) {
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => this.receive(text));
    socket.on('error', () => {});
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.isClosed = true;
        resolve();
      }),
    );
  }

  static async connect(port: number, party: string, journal: Journal): Promise<RawClient> {
    const socket = connect({ host: '127.0.0.1', port, noDelay: true });
    await once(socket, 'connect');
    return new RawClient(socket, party, journal);
  }

  /** A fresh ReferenceID for this client. */
  ref(): number {
    return this.nextRef++;
  }

  /** Writes one JSON line and journals it as `out`. */
  send(message: Record<string, unknown>): void {
    this.journal.append({ party: this.party, direction: 'out', message: message as WireMessage });
    this.socket.write(`${JSON.stringify(message)}\n`);
  }

  /** Writes raw bytes (journals nothing). */
  write(bytes: Buffer | string): void {
    this.socket.write(bytes);
  }

  /** Sends a request (with a fresh ReferenceID unless it has one) and resolves its reply. */
  async request(message: Record<string, unknown>): Promise<WireMessage> {
    const withRef = 'ReferenceID' in message ? message : { ...message, ReferenceID: this.ref() };
    const after = this.journal.mark;
    this.send(withRef);
    const entry = await this.next(
      (m) => REPLY_NAMES.has(m.message) && m.ReferenceID === withRef.ReferenceID,
      `reply to ${JSON.stringify(withRef).slice(0, 120)}`,
      after,
    );
    return entry.message;
  }

  /** RequestRegisterClient, asserting EventClientRegistered. */
  async registerClient(applicationName = this.party): Promise<WireMessage> {
    const reply = await this.request({ message: 'RequestRegisterClient', ApplicationName: applicationName });
    if (reply.message !== 'EventClientRegistered')
      throw new Error(`${this.party}: registration refused: ${JSON.stringify(reply)}`);
    return reply;
  }

  /** RequestRegisterAddress, asserting EventRegistered. */
  async registerDn(dn: string): Promise<void> {
    const reply = await this.request({ message: 'RequestRegisterAddress', ThisDN: dn });
    if (reply.message !== 'EventRegistered')
      throw new Error(`${this.party}: register ${dn} refused: ${JSON.stringify(reply)}`);
  }

  /** RequestSendEvent of a well-formed EventUserEvent. */
  sendEvent(dn: string, userData: unknown[] = [['screen-capture', 'start']], connId?: string) {
    return this.request({
      message: 'RequestSendEvent',
      ThisDN: dn,
      Event: {
        message: 'EventUserEvent',
        ThisDN: dn,
        ...(connId === undefined ? {} : { ConnID: connId }),
        UserData: userData,
      },
    });
  }

  /**
   * A round trip that proves the server has written everything it meant to write to this client so
   * far: a harmless re-registration (same ApplicationName), whose reply comes after all of it.
   */
  ping(): Promise<WireMessage> {
    return this.registerClient();
  }

  /** The first message this client receives after `after` that matches. */
  next(match: (m: WireMessage) => boolean, description: string, after = 0, timeoutMs = WAIT_MS) {
    return this.journal.waitFor((e) => e.party === this.party && e.direction === 'in' && match(e.message), {
      timeoutMs,
      description: `${this.party} to receive ${description}`,
      after,
    });
  }

  /** Messages this client received after `after`, in order. */
  received(after = 0, name?: string): WireMessage[] {
    return this.journal
      .filter((e) => e.party === this.party && e.direction === 'in', after)
      .map((e) => e.message)
      .filter((m) => name === undefined || m.message === name);
  }

  /** Resolves when the server closes the connection, or rejects after `timeoutMs`. */
  async waitClosed(timeoutMs = WAIT_MS): Promise<void> {
    await withTimeout(this.closed, timeoutMs, `${this.party}'s connection to close`);
  }

  close(): Promise<void> {
    this.socket.destroy();
    return this.closed;
  }

  private receive(text: string): void {
    this.buffered += text;
    for (let nl = this.buffered.indexOf('\n'); nl !== -1; nl = this.buffered.indexOf('\n')) {
      const line = this.buffered.slice(0, nl);
      this.buffered = this.buffered.slice(nl + 1);
      this.journal.append({ party: this.party, direction: 'in', message: JSON.parse(line) as WireMessage });
    }
  }
}

/** assert.rejects, bounded: a promise that never settles fails the test instead of hanging it. */
export function rejectsWithin(
  promise: Promise<unknown>,
  expected: RegExp | ((error: unknown) => boolean),
  timeoutMs = 2 * WAIT_MS,
): Promise<void> {
  return withTimeout(assert.rejects(promise, expected), timeoutMs, `a rejection matching ${expected}`);
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string | (() => string)): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    const describe = () => (typeof what === 'string' ? what : what());
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${describe()}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A fresh simulator for one test, with one shared journal for the test's clients; all stopped after. */
export class Harness {
  /** The clients' journal (the server keeps its own: `sim.journal`). */
  readonly journal = new Journal();
  private readonly raws: RawClient[] = [];
  private readonly links: TlibLink[] = [];

  private constructor(readonly sim: Simulator) {}

  static async start(t: TestContext, options: SimulatorOptions = {}): Promise<Harness> {
    const h = new Harness(await startSimulator({ port: 0, ...options }));
    t.after(() => h.stop());
    return h;
  }

  get port(): number {
    return this.sim.port;
  }

  get admin(): string {
    if (!this.sim.adminUrl) throw new Error('this simulator runs without the admin API');
    return this.sim.adminUrl;
  }

  /** A raw connection, not registered. */
  async raw(party: string): Promise<RawClient> {
    const client = await RawClient.connect(this.sim.port, party, this.journal);
    this.raws.push(client);
    return client;
  }

  /** A raw connection after RequestRegisterClient, registered on `dns`. */
  async client(party: string, ...dns: string[]): Promise<RawClient> {
    const client = await this.raw(party);
    await client.registerClient();
    for (const dn of dns) await client.registerDn(dn);
    return client;
  }

  /** A TlibLink on the shared journal. */
  async link(party: string, options: Partial<TlibLinkOptions> = {}): Promise<TlibLink> {
    const link = await TlibLink.connect({
      host: this.sim.host,
      port: this.sim.port,
      applicationName: party,
      journal: this.journal,
      timeoutMs: WAIT_MS,
      ...options,
    });
    this.links.push(link);
    return link;
  }

  /** An admin API call; the JSON body is parsed when there is one. */
  // biome-ignore lint/suspicious/noExplicitAny: tests read response fields freely and assert on them
  async api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const res = await fetch(`${this.admin}${path}`, {
      method,
      ...(body === undefined
        ? {}
        : {
            body: typeof body === 'string' ? body : JSON.stringify(body),
            headers: { 'content-type': 'application/json' },
          }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  async stop(): Promise<void> {
    for (const r of this.raws) r.socket.destroy();
    await Promise.all(this.links.map((l) => l.close()));
    await this.sim.stop();
  }
}

/**
 * "Nothing was delivered" without sleeping: each client pings after the request in question was
 * answered; a delivery (written synchronously while the server handled that request) would have
 * reached the client before the ping's reply. Returns nothing; throws naming what was delivered.
 */
export async function assertNoUserEventsSince(clients: RawClient[], mark: number): Promise<void> {
  for (const c of clients) {
    await c.ping();
    const delivered = c.received(mark, 'EventUserEvent');
    if (delivered.length) {
      throw new Error(`${c.party} was delivered ${JSON.stringify(delivered)}`);
    }
  }
}

/**
 * The same with a sentinel: `sender` sends a sentinel event on `dn`; once every receiver has it,
 * whatever the server delivered before it (on the same DN, after `mark`) would have arrived first, so
 * each receiver's EventUserEvents after `mark` must be exactly the sentinel.
 */
export async function assertOnlySentinelDelivered(
  sender: RawClient,
  dn: string,
  receivers: RawClient[],
  mark: number,
): Promise<void> {
  const userData = [['sentinel', `after-${mark}`]];
  const ack = await sender.sendEvent(dn, userData);
  if (ack.message !== 'EventACK') throw new Error(`sentinel refused: ${JSON.stringify(ack)}`);
  for (const r of receivers) {
    await r.next((m) => m.message === 'EventUserEvent' && isSentinel(m, userData), 'the sentinel', mark);
    const delivered = r.received(mark, 'EventUserEvent');
    if (delivered.length !== 1 || !isSentinel(delivered[0] as WireMessage, userData)) {
      throw new Error(
        `${r.party} received events other than the sentinel: ${JSON.stringify(delivered.map((m) => m.UserData))}`,
      );
    }
  }
}

function isSentinel(m: WireMessage, userData: unknown): boolean {
  return JSON.stringify(m.UserData) === JSON.stringify(userData);
}

/** Entries of a journal as parsed NDJSON. */
export function parseNdjson(text: string): JournalEntry[] {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as JournalEntry);
}

/** Lines of text (a log, a child's stdout) that tests can wait on. */
export class Lines {
  readonly all: string[] = [];
  private readonly waiters = new Set<() => void>();

  /** Adds text that may hold several lines (a trailing partial line is kept until completed). */
  private partial = '';
  feed(text: string): void {
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) this.push(line);
  }

  push(line: string): void {
    this.all.push(line);
    for (const w of this.waiters) w();
  }

  matching(pattern: RegExp): string[] {
    return this.all.filter((l) => pattern.test(l));
  }

  /** Resolves once at least `count` lines match `pattern` (default 1), with the matching lines. */
  waitFor(pattern: RegExp, count = 1, timeoutMs = WAIT_MS): Promise<string[]> {
    const done = () => this.matching(pattern).length >= count;
    if (done()) return Promise.resolve(this.matching(pattern));
    let check: () => void = () => {};
    const reached = new Promise<string[]>((resolve) => {
      check = () => {
        if (done()) resolve(this.matching(pattern));
      };
      this.waiters.add(check);
    });
    return withTimeout(
      reached,
      timeoutMs,
      () => `${count} line(s) matching ${pattern}; got:\n${this.all.join('\n')}`,
    ).finally(() => this.waiters.delete(check));
  }
}

/** A new temporary folder, removed after the file's tests (`prefix`: what it is for). */
export async function scratchDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `screencap-${prefix}-`));
  after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** The rules' context for `records`, with the default mapping and initial state (`timeouts`: WAIT_MS unless given). */
export function checkContextOf(
  records: readonly WireRecord[],
  timeouts: { answerTimeoutMs?: number; requestTimeoutMs?: number } = {},
): ReturnType<typeof createCheckContext> {
  return createCheckContext(records, {
    mapping: DEFAULT_MAPPING,
    initialState: 'disabled',
    answerTimeoutMs: WAIT_MS,
    ...timeouts,
  });
}

/** The fast-check seed of a property test: FUZZ_SEED, or a new one, told so that a failure can be replayed. */
export function fuzzSeed(t: TestContext): number {
  const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Date.now() ^ (Math.random() * 2 ** 31);
  t.diagnostic(`fast-check seed ${seed} (replay with FUZZ_SEED=${seed})`);
  return seed;
}

/** Sets an own, enumerable property, as JSON.parse makes one: `__proto__` too. */
export function setOwn(obj: object, key: string | number, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

export type Behaviour = (socket: Socket, message: WireMessage) => void;

/**
 * A plain TCP server speaking just enough tlib-json: it answers RequestRegisterClient (unless
 * `onRegister` says otherwise) and hands every other message to `behaviour`.
 */
export async function fakeTServer(
  t: TestContext,
  behaviour: Behaviour,
  onRegister: Behaviour = (socket, m) =>
    reply(socket, {
      message: 'EventClientRegistered',
      ReferenceID: m.ReferenceID,
      ServerName: 'fake',
      ServerVersion: '0',
      EventSequenceNumber: 1,
      Time: '2026-01-01T00:00:00.000000Z',
    }),
) {
  const sockets = new Set<Socket>();
  const received: WireMessage[] = [];
  const closed: Promise<void>[] = [];
  const server = createServer((socket) => {
    sockets.add(socket);
    closed.push(once(socket, 'close').then(() => undefined));
    socket.on('error', () => {});
    let buffered = '';
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      buffered += text;
      for (let nl = buffered.indexOf('\n'); nl !== -1; nl = buffered.indexOf('\n')) {
        const m = JSON.parse(buffered.slice(0, nl)) as WireMessage;
        buffered = buffered.slice(nl + 1);
        received.push(m);
        if (m.message === 'RequestRegisterClient') onRegister(socket, m);
        else behaviour(socket, m);
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return {
    port: (server.address() as AddressInfo).port,
    received,
    /** Resolves when every connection made so far has closed. */
    allClosed: () => Promise.all(closed),
    /** Closes every connection, as a T-Server that goes away does. */
    hangUp: () => {
      for (const s of sockets) s.destroy();
    },
  };
}

export function reply(socket: Socket, message: Record<string, unknown>): void {
  socket.write(`${JSON.stringify(message)}\n`);
}
