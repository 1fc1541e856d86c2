/** A Link over tlib-json TCP (spec/tlib-json.md). */
import { connect as netConnect, type Socket } from 'node:net';
import { DISCONNECTED, Journal, noteMessageBytes, pseudoEntry, UNREADABLE_LINE } from '../journal.ts';
import { decodeEvent, encode, problemText } from '../tlib/codec.ts';
import { FrameReader } from '../tlib/framing.ts';
import {
  type EventClientRegistered,
  REPLY_NAMES,
  type RequestBody,
  type TReply,
  type WireMessage,
} from '../tlib/messages.ts';
import type { Link, ServerIdentity } from './link.ts';
import { LinkCore, notify } from './link-core.ts';

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
  private readonly core: LinkCore;
  /** Why the connection failed, for the close listeners once the socket has closed. */
  private failedBy: Error | undefined;
  /** `close()` was called: nothing more is sent. */
  private closing = false;
  private readonly closedPromise: Promise<void>;
  private readonly transmit = (request: WireMessage) => this.sendRaw(request);

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
    this.peer = `tserver ${where}`;
    this.core = new LinkCore({
      peer: this.peer,
      timeoutMs: options.timeoutMs ?? 5000,
      canSend: () => !this.closing && !socket.destroyed,
    });
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (e) => {
      this.failedBy ??= new Error(`connection to T-Server at ${where} failed: ${e.message}`);
    });
    this.closedPromise = new Promise((resolve) => {
      socket.on('close', () => {
        this.shutDown(
          this.failedBy ??
            (this.closing ? undefined : new Error(`T-Server at ${where} closed the connection`)),
        );
        resolve();
      });
    });
  }

  request(body: RequestBody): Promise<TReply> {
    return this.core.request(body, this.transmit);
  }

  async registerDn(dn: string): Promise<void> {
    await this.core.expectSuccess({ message: 'RequestRegisterAddress', ThisDN: dn }, this.transmit);
  }

  async unregisterDn(dn: string): Promise<void> {
    await this.core.expectSuccess({ message: 'RequestUnregisterAddress', ThisDN: dn }, this.transmit);
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
        ...pseudoEntry(UNREADABLE_LINE, { Length: buffer.length }),
        problem: frame.reason,
      });
      break;
    }
    this.socket.write(buffer);
  }

  onEvent(listener: (event: WireMessage) => void): () => void {
    return this.core.events.add(listener);
  }

  onClose(listener: (reason: Error | undefined) => void): () => void {
    return this.core.closes.add(listener);
  }

  get isOpen(): boolean {
    return !this.closing && !this.core.isClosed && !this.socket.destroyed;
  }

  async close(): Promise<void> {
    if (!this.closing && !this.core.isClosed) {
      this.closing = true;
      this.socket.end();
      setTimeout(() => this.socket.destroy(), 1000).unref();
    }
    await this.closedPromise;
  }

  private receive(chunk: Buffer): void {
    for (const frame of this.reader.push(chunk)) {
      if (!frame.ok) {
        this.failedBy = new Error(`T-Server at ${this.peer} sent a malformed line: ${frame.reason}`);
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
    if (REPLY_NAMES.has(message.message) && this.core.settle(message)) return;
    notify(this.core.events, message);
  }

  private shutDown(reason: Error | undefined): void {
    // A connection lost (not closed by this side) ends what the party monitored: the rules see when.
    if (reason)
      this.journal.append({
        party: this.party,
        direction: 'in',
        peer: this.peer,
        ...pseudoEntry(DISCONNECTED, { Cause: reason.message }),
      });
    this.core.shutDown(reason);
  }
}
