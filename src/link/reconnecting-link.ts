/**
 * A link that survives its connection: when the T-Server drops it or restarts, it connects again
 * (and registers as a client again) with a bounded, logged backoff, then tells its party, which
 * re-registers its DNs. Requests made while it is away fail as on a closed link: nothing is queued
 * or replayed.
 */
import type { Journal } from '../journal.ts';
import type { RequestBody, TReply, WireMessage } from '../tlib/messages.ts';
import type { Link, ServerIdentity } from './link.ts';
import { Listeners, notify } from './link-core.ts';

export interface ReconnectOptions {
  /** Opens a new connection, registered as a client (the same party and journal each time). */
  connect: () => Promise<Link>;
  /** Wait before the first attempt; each failed attempt doubles it (default 50 ms). */
  initialBackoffMs?: number;
  /** The longest wait between attempts (default 1000 ms). */
  maxBackoffMs?: number;
  /** One line per drop, attempt and recovery. */
  log?: (line: string) => void;
}

export const DEFAULT_INITIAL_BACKOFF_MS = 50;
export const DEFAULT_MAX_BACKOFF_MS = 1000;

export class ReconnectingLink implements Link {
  private current: Link;
  private readonly events = new Listeners<(event: WireMessage) => void>();
  private readonly closes = new Listeners<(reason: Error | undefined) => void>();
  private readonly reconnects = new Listeners<() => Promise<void>>();
  private closing = false;
  private wake: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private recovering: Promise<void> | undefined;

  static async connect(options: ReconnectOptions): Promise<ReconnectingLink> {
    return ReconnectingLink.around(await options.connect(), options);
  }

  /** Takes over a link already open (connected its own way); `options.connect` opens the next ones. */
  static around(first: Link, options: ReconnectOptions): ReconnectingLink {
    return new ReconnectingLink(first, options);
  }

  private constructor(
    first: Link,
    private readonly options: ReconnectOptions,
  ) {
    this.current = first;
    this.attach(first);
  }

  get party(): string {
    return this.current.party;
  }

  get journal(): Journal {
    return this.current.journal;
  }

  get server(): ServerIdentity {
    return this.current.server;
  }

  request(body: RequestBody): Promise<TReply> {
    return this.current.request(body);
  }

  registerDn(dn: string): Promise<void> {
    return this.current.registerDn(dn);
  }

  unregisterDn(dn: string): Promise<void> {
    return this.current.unregisterDn(dn);
  }

  onEvent(listener: (event: WireMessage) => void): () => void {
    return this.events.add(listener);
  }

  /** Called once, after `close()`: a dropped connection is reconnected, not reported here. */
  onClose(listener: (reason: Error | undefined) => void): () => void {
    return this.closes.add(listener);
  }

  onReconnect(listener: () => Promise<void>): () => void {
    return this.reconnects.add(listener);
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    clearTimeout(this.timer);
    this.wake?.();
    await this.recovering;
    await this.current.close();
    notify(this.closes, undefined);
  }

  private attach(link: Link): void {
    link.onEvent((event) => notify(this.events, event));
    link.onClose((reason) => {
      if (reason && !this.closing) this.recovering = this.recover(reason);
    });
  }

  private log(line: string): void {
    this.options.log?.(`${this.party}: ${line}`);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.timer = setTimeout(resolve, ms);
    });
  }

  private async recover(reason: Error): Promise<void> {
    const started = Date.now();
    const max = this.options.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS;
    let wait = Math.min(this.options.initialBackoffMs ?? DEFAULT_INITIAL_BACKOFF_MS, max);
    let why = reason.message;
    for (let attempt = 1; !this.closing; attempt++) {
      this.log(`${why}; reconnecting in ${wait} ms (attempt ${attempt})`);
      await this.sleep(wait);
      if (this.closing) return;
      let link: Link;
      try {
        link = await this.options.connect();
      } catch (e) {
        why = (e as Error).message;
        wait = Math.min(wait * 2, max);
        continue;
      }
      if (this.closing) {
        await link.close();
        return;
      }
      this.current = link;
      this.attach(link);
      this.log(`reconnected after ${Date.now() - started} ms (attempt ${attempt})`);
      for (const listener of this.reconnects) {
        // A re-registration refused or cut short: the link drops again (and recovers) or the rules say what is missing.
        await listener().catch((e: Error) => this.log(`after reconnecting: ${e.message}`));
      }
      return;
    }
  }
}
