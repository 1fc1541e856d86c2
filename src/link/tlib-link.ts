/** A Link over tlib-json TCP (spec/tlib-json.md). */
import { connect as netConnect, type Socket } from 'node:net';
import { DISCONNECTED, Journal, noteMessageBytes, UNREADABLE_LINE } from '../journal.ts';
import { decodeEvent, encode, problemText } from '../tlib/codec.ts';
import { FrameReader } from '../tlib/framing.ts';
import type {
  EventClientRegistered,
  EventError,
  RequestBody,
  TReply,
  WireMessage,
} from '../tlib/messages.ts';
import { describeRequest, type Link, LinkRequestError, type ServerIdentity } from './link.ts';

export interface TlibLinkOptions {
  host: string;
  port: number;
  applicationName: string;
  /** Name in the journal (default: the application name). */
  party?: string;
  /** Shared with other parties to get one ordered record of a scenario (default: a new one). */
  journal?: Journal;
  /** Time allowed for each reply (default 5000 ms). */
  timeoutMs?: number;
  /** Send RequestRegisterClient on connect (default true; false only to test what a T-Server does without it). */
  registerClient?: boolean;
}

const REPLIES = new Set([
  'EventClientRegistered',
  'EventRegistered',
  'EventUnregistered',
  'EventACK',
  'EventError',
]);

interface Pending {
  request: WireMessage;
  resolve: (reply: TReply) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

export class TlibLink implements Link {
  readonly party: string;
  readonly journal: Journal;
  readonly peer: string;
  readonly applicationName: string;
  /** This end's `address:port`, as the T-Server sees the connection. */
  readonly local: string;
  server: ServerIdentity = { name: '', version: '' };
  private readonly socket: Socket;
  private readonly reader = new FrameReader();
  private readonly pending = new Map<number, Pending>();
  private readonly eventListeners = new Set<(event: WireMessage) => void>();
  private readonly closeListeners = new Set<(reason: Error | undefined) => void>();
  private readonly timeoutMs: number;
  private nextReferenceId = 1;
  private closedBy: Error | undefined;
  private closed = false;
  private readonly closedPromise: Promise<void>;

  /** Connects and registers the client (RequestRegisterClient) unless told not to. */
  static async connect(options: TlibLinkOptions): Promise<TlibLink> {
    const where = `${options.host}:${options.port}`;
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = netConnect({ host: options.host, port: options.port, noDelay: true });
      s.once('connect', () => {
        s.removeListener('error', reject);
        resolve(s);
      });
      s.once('error', (e) => reject(new Error(`cannot connect to T-Server at ${where}: ${e.message}`)));
    });
    const link = new TlibLink(socket, options, where);
    if (options.registerClient === false) return link;
    let reply: TReply;
    try {
      reply = await link.request({
        message: 'RequestRegisterClient',
        ApplicationName: options.applicationName,
      });
    } catch (e) {
      // No reply in time, or the connection failed: nobody else can close this link, so close it here.
      socket.destroy();
      throw e;
    }
    if (reply.message !== 'EventClientRegistered') {
      await link.close();
      throw new Error(
        `T-Server at ${where} refused RequestRegisterClient for ${options.applicationName}: ${JSON.stringify(reply)}`,
      );
    }
    const registered = reply as EventClientRegistered;
    link.server = { name: registered.ServerName, version: registered.ServerVersion };
    return link;
  }

  private constructor(socket: Socket, options: TlibLinkOptions, where: string) {
    this.socket = socket;
    this.party = options.party ?? options.applicationName;
    this.applicationName = options.applicationName;
    this.local = `${socket.localAddress}:${socket.localPort}`;
    this.journal = options.journal ?? new Journal();
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.peer = `tserver ${where}`;
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (e) => {
      this.closedBy ??= new Error(`connection to T-Server at ${where} failed: ${e.message}`);
    });
    this.closedPromise = new Promise((resolve) => {
      socket.on('close', () => {
        this.shutDown(
          this.closedBy ??
            (this.closed ? undefined : new Error(`T-Server at ${where} closed the connection`)),
        );
        resolve();
      });
    });
  }

  request(body: RequestBody): Promise<TReply> {
    const ReferenceID = this.nextReferenceId;
    this.nextReferenceId = (this.nextReferenceId % (2 ** 31 - 1)) + 1;
    // `message` first, then ReferenceID, then the rest: the order people read on the wire.
    const { message, ...attributes } = body;
    const request = { message, ReferenceID, ...attributes } as unknown as WireMessage;
    return new Promise<TReply>((resolve, reject) => {
      if (this.closed || this.socket.destroyed) {
        reject(new Error(`cannot send ${describeRequest(request)}: the link to ${this.peer} is closed`));
        return;
      }
      const timer = setTimeout(() => {
        this.pending.delete(ReferenceID);
        reject(
          new Error(`${describeRequest(request)} got no reply from ${this.peer} within ${this.timeoutMs} ms`),
        );
      }, this.timeoutMs);
      this.pending.set(ReferenceID, { request, resolve, reject, timer });
      this.sendRaw(request);
    });
  }

  async registerDn(dn: string): Promise<void> {
    await this.expectSuccess({ message: 'RequestRegisterAddress', ThisDN: dn });
  }

  async unregisterDn(dn: string): Promise<void> {
    await this.expectSuccess({ message: 'RequestUnregisterAddress', ThisDN: dn });
  }

  private async expectSuccess(body: RequestBody): Promise<TReply> {
    const reply = await this.request(body);
    if (reply.message === 'EventError')
      throw new LinkRequestError(body as unknown as WireMessage, reply as EventError);
    return reply;
  }

  /** Writes any object as one line, valid or not (broken parties and fuzzing use this). */
  sendRaw(message: WireMessage): void {
    this.journal.append({ party: this.party, direction: 'out', peer: this.peer, message });
    this.socket.write(encode(message));
  }

  /**
   * Writes raw bytes (framing tests). A line that is not a message is journaled as
   * `(unreadable line)` with its length, so the rules can judge the T-Server's answer to it.
   */
  sendBytes(bytes: Buffer | string): void {
    const buffer = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
    for (const frame of new FrameReader().push(buffer)) {
      if (frame.ok) continue;
      this.journal.append({
        party: this.party,
        direction: 'out',
        peer: this.peer,
        message: { message: UNREADABLE_LINE, Length: buffer.length },
        problem: frame.reason,
      });
      break;
    }
    this.socket.write(buffer);
  }

  onEvent(listener: (event: WireMessage) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  onClose(listener: (reason: Error | undefined) => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  get isOpen(): boolean {
    return !this.closed && !this.socket.destroyed;
  }

  async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.socket.end();
      setTimeout(() => this.socket.destroy(), 1000).unref();
    }
    await this.closedPromise;
  }

  private receive(chunk: Buffer): void {
    for (const frame of this.reader.push(chunk)) {
      if (!frame.ok) {
        this.closedBy = new Error(`T-Server at ${this.peer} sent a malformed line: ${frame.reason}`);
        this.socket.destroy();
        return;
      }
      noteMessageBytes(frame.message, frame.bytes);
      this.dispatch(frame.message);
    }
  }

  private dispatch(message: WireMessage): void {
    const decoded = decodeEvent(message);
    this.journal.append({
      party: this.party,
      direction: 'in',
      peer: this.peer,
      message,
      ...(decoded.ok ? {} : { problem: problemText(decoded.problem) }),
    });
    const ref = message.ReferenceID;
    const waiting =
      typeof ref === 'number' && REPLIES.has(message.message) ? this.pending.get(ref) : undefined;
    if (waiting) {
      this.pending.delete(ref as number);
      clearTimeout(waiting.timer);
      waiting.resolve(message as unknown as TReply);
      return;
    }
    for (const listener of this.eventListeners) listener(message);
  }

  private shutDown(reason: Error | undefined): void {
    this.closed = true;
    // A connection lost (not closed by this side) ends what the party monitored: the rules see when.
    if (reason)
      this.journal.append({
        party: this.party,
        direction: 'in',
        peer: this.peer,
        message: { message: DISCONNECTED, Cause: reason.message },
      });
    for (const [ref, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(
        new Error(
          `${describeRequest(p.request)} got no reply: ${reason ? reason.message : `the link to ${this.peer} was closed`}`,
        ),
      );
      this.pending.delete(ref);
    }
    for (const listener of this.closeListeners) listener(reason);
  }
}
