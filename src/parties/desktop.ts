/**
 * Mock agent desktop (seed 1.1): registers its agent DN, sends screen-capture operations as
 * RequestSendEvent with the active call's ConnID when there is one, and records the indications the
 * recorder sends back. A reference implementation a desktop vendor can read.
 */
import type { Journal, JournalEntry } from '../journal.ts';
import type { Link } from '../link/link.ts';
import {
  type Indication,
  isIndication,
  type Operation,
  SCREEN_CAPTURE_KEY,
  screenCaptureValue,
} from '../screencap.ts';
import type { RequestSendEvent, Tevent, TReply, WireMessage } from '../tlib/messages.ts';

/** A RequestSendEvent as a party builds it, before the link gives it a ReferenceID. */
export type SendEventBody = Omit<RequestSendEvent, 'ReferenceID'>;

/** Changes what a party sends (broken parties); `undefined` sends nothing. */
export type Tamper = (body: SendEventBody) => SendEventBody | undefined;

export interface MockDesktopOptions {
  link: Link;
  dn: string;
  /** Register the DN first (default true; a broken desktop skips it). */
  register?: boolean;
  tamper?: Tamper;
  /** Keep every indication in `indications` (default true); under load only `onIndication` listeners see them. */
  keepHistory?: boolean;
}

export interface ReceivedIndication {
  indication: Indication;
  connId: string | undefined;
  event: WireMessage;
}

export class MockDesktop {
  readonly link: Link;
  readonly dn: string;
  readonly indications: ReceivedIndication[] = [];
  private readonly calls: string[] = [];
  private readonly tamper: Tamper | undefined;
  private readonly keepHistory: boolean;
  private readonly indicationListeners = new Set<(received: ReceivedIndication) => void>();

  static async start(options: MockDesktopOptions): Promise<MockDesktop> {
    const desktop = new MockDesktop(options);
    if (options.register !== false) await options.link.registerDn(options.dn);
    return desktop;
  }

  private constructor(options: MockDesktopOptions) {
    this.link = options.link;
    this.dn = options.dn;
    this.tamper = options.tamper;
    this.keepHistory = options.keepHistory ?? true;
    options.link.onEvent((event) => this.observe(event));
  }

  /** ConnID of the most recent call established on the DN and not yet released. */
  get activeConnId(): string | undefined {
    return this.calls.at(-1);
  }

  /** The RequestSendEvent for an operation, as this desktop would send it. */
  requestFor(operation: Operation | string): SendEventBody {
    const event: Tevent = { message: 'EventUserEvent', ThisDN: this.dn };
    const connId = this.activeConnId;
    if (connId !== undefined) event.ConnID = connId;
    event.UserData = [[SCREEN_CAPTURE_KEY, operation]];
    return { message: 'RequestSendEvent', ThisDN: this.dn, Event: event };
  }

  /** Sends an operation; resolves to its EventACK or EventError (undefined if a tamper suppressed it). */
  async send(operation: Operation | string): Promise<TReply | undefined> {
    const body = this.tamper ? this.tamper(this.requestFor(operation)) : this.requestFor(operation);
    return body && this.link.request(body);
  }

  /** Calls `listener` with every indication received from now on; returns the unsubscribe function. */
  onIndication(listener: (received: ReceivedIndication) => void): () => void {
    this.indicationListeners.add(listener);
    return () => this.indicationListeners.delete(listener);
  }

  private observe(event: WireMessage): void {
    if (event.ThisDN !== this.dn) return;
    if (event.message === 'EventEstablished' && typeof event.ConnID === 'string')
      this.calls.push(event.ConnID);
    if (event.message === 'EventReleased') {
      const i = this.calls.indexOf(event.ConnID as string);
      if (i !== -1) this.calls.splice(i, 1);
    }
    if (event.message === 'EventUserEvent') {
      const value = screenCaptureValue(event.UserData);
      if (isIndication(value)) {
        const received = { indication: value, connId: event.ConnID as string | undefined, event };
        if (this.keepHistory) this.indications.push(received);
        for (const listener of this.indicationListeners) listener(received);
      }
    }
  }
}

/** The first indication (EventUserEvent screen-capture=enabled|disabled|paused) a link receives on `dn` after `after`. */
export function awaitIndication(
  journal: Journal,
  dn: string,
  options: { after: number; timeoutMs: number; description?: string },
): Promise<JournalEntry> {
  return journal.waitFor(
    (e) =>
      e.direction === 'in' &&
      e.message.message === 'EventUserEvent' &&
      e.message.ThisDN === dn &&
      isIndication(screenCaptureValue(e.message.UserData)),
    {
      after: options.after,
      timeoutMs: options.timeoutMs,
      description: options.description ?? `an indication on ${dn}`,
    },
  );
}
