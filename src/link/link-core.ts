/**
 * What every Link shares, whatever carries its messages: the ReferenceID counter, the requests
 * awaiting their reply (each with its deadline), the event and close listeners, and the one
 * shut-down that fails what is still pending and tells the listeners why. A transport keeps only
 * its own part: how a request goes out and how its reply and events come back.
 */
import type { EventError, RequestBody, TReply, WireMessage } from '../tlib/messages.ts';
import { describeRequest, LinkRequestError } from './link.ts';

/** A set of listeners; `add` returns the function that removes the listener again. */
export class Listeners<L extends (...args: never[]) => unknown> implements Iterable<L> {
  private readonly listeners = new Set<L>();

  add(listener: L): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  [Symbol.iterator](): Iterator<L> {
    return this.listeners.values();
  }
}

/** Calls every listener with `args`. */
export function notify<A extends unknown[]>(listeners: Listeners<(...args: A) => void>, ...args: A): void {
  for (const listener of listeners) listener(...args);
}

export interface LinkCoreOptions {
  /** Whom the link talks to, as its errors name it: `tserver 127.0.0.1:7000`. */
  peer: string;
  /** Time allowed for each reply; undefined when the transport bounds each exchange itself. */
  timeoutMs: number | undefined;
  /** Whether the transport can still send (checked with the link's own state before each request). */
  canSend?: () => boolean;
}

interface Pending {
  request: WireMessage;
  resolve: (reply: TReply) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout | undefined;
}

const MAX_REFERENCE_ID = 2 ** 31 - 1;

export class LinkCore {
  readonly events = new Listeners<(event: WireMessage) => void>();
  readonly closes = new Listeners<(reason: Error | undefined) => void>();
  private readonly pending = new Map<number, Pending>();
  private nextReferenceId = 1;
  private down = false;
  private downBy: Error | undefined;

  constructor(private readonly options: LinkCoreOptions) {}

  get peer(): string {
    return this.options.peer;
  }

  /** Down: closed by this side, or lost (`closedBy` says why). */
  get isClosed(): boolean {
    return this.down;
  }

  /** Why the link went down, when this side did not close it. */
  get closedBy(): Error | undefined {
    return this.downBy;
  }

  /**
   * Gives `body` the next ReferenceID, hands it to `transmit`, and resolves with the reply `settle`
   * delivers for it; rejects when none comes in time, when `fail` says why, or when the link goes
   * down first. A link already down refuses at once.
   */
  request(body: RequestBody, transmit: (request: WireMessage) => void): Promise<TReply> {
    const request = this.numbered(body);
    return new Promise<TReply>((resolve, reject) => {
      if (this.down || this.options.canSend?.() === false) {
        const why = this.downBy ? ` (${this.downBy.message})` : '';
        reject(
          new Error(`cannot send ${describeRequest(request)}: the link to ${this.peer} is closed${why}`),
        );
        return;
      }
      const ReferenceID = request.ReferenceID as number;
      const timeoutMs = this.options.timeoutMs;
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              this.pending.delete(ReferenceID);
              reject(
                new Error(
                  `${describeRequest(request)} got no reply from ${this.peer} within ${timeoutMs} ms`,
                ),
              );
            }, timeoutMs);
      this.pending.set(ReferenceID, { request, resolve, reject, timer });
      transmit(request);
    });
  }

  /** The request's reply, or LinkRequestError when it is an EventError. */
  async expectSuccess(body: RequestBody, transmit: (request: WireMessage) => void): Promise<TReply> {
    const reply = await this.request(body, transmit);
    if (reply.message === 'EventError')
      throw new LinkRequestError(body as unknown as WireMessage, reply as EventError);
    return reply;
  }

  /** Delivers `reply` to the request awaiting its ReferenceID; false when none awaits it. */
  settle(reply: WireMessage): boolean {
    const waiting = this.take(reply.ReferenceID);
    waiting?.resolve(reply as unknown as TReply);
    return waiting !== undefined;
  }

  /** Fails the request awaiting `referenceId` with `error` (its transport could not get a reply). */
  fail(referenceId: unknown, error: Error): void {
    this.take(referenceId)?.reject(error);
  }

  /**
   * Takes the link down, once: every request still pending fails, then the close listeners hear
   * `reason` (undefined: this side closed it).
   */
  shutDown(reason: Error | undefined): void {
    if (this.down) return;
    this.down = true;
    this.downBy = reason;
    for (const ref of [...this.pending.keys()]) {
      const p = this.take(ref) as Pending;
      p.reject(
        new Error(
          `${describeRequest(p.request)} got no reply: ${reason ? reason.message : `the link to ${this.peer} was closed`}`,
        ),
      );
    }
    notify(this.closes, reason);
  }

  /** `body` with the next ReferenceID: `message` first, then ReferenceID, then the rest, as people read the wire. */
  private numbered(body: RequestBody): WireMessage {
    const ReferenceID = this.nextReferenceId;
    this.nextReferenceId = (this.nextReferenceId % MAX_REFERENCE_ID) + 1;
    const { message, ...attributes } = body;
    return { message, ReferenceID, ...attributes } as unknown as WireMessage;
  }

  private take(referenceId: unknown): Pending | undefined {
    const waiting = typeof referenceId === 'number' ? this.pending.get(referenceId) : undefined;
    if (!waiting) return undefined;
    this.pending.delete(referenceId as number);
    clearTimeout(waiting.timer);
    return waiting;
  }
}
