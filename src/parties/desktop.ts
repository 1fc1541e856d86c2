/**
 * Mock agent desktop (seed 1.1): registers the DN it sends on and its agent's voice DNs, follows the
 * agent's calls there (established, held, retrieved, carried on under a new ConnID, released), sends
 * screen-capture operations as RequestSendEvent with the voice call's ConnID when there is one, and
 * records the indications the recorder sends back. A reference implementation a desktop vendor can read.
 */

import {
  type Indication,
  isIndication,
  type Operation,
  SCREEN_CAPTURE_KEY,
  screenCaptureValue,
} from '../domain/screencap.ts';
import type { Journal, JournalEntry } from '../journal.ts';
import type { Link } from '../link/link.ts';
import { type AgentCall, type VoiceCallReading, voiceCallConnIds } from '../rules/voice-calls.ts';
import { TErr } from '../tlib/errors.ts';
import type { RequestSendEvent, Tevent, TReply, WireMessage } from '../tlib/messages.ts';

/** A RequestSendEvent as a party builds it, before the link gives it a ReferenceID. */
export type SendEventBody = Omit<RequestSendEvent, 'ReferenceID'>;

/**
 * The RequestSendEvent that carries a screen-capture operation on `dn`: an EventUserEvent on the
 * same DN, with the voice call's ConnID when there is one (none when `connId` is empty).
 */
export function operationRequest(dn: string, operation: Operation | string, connId?: string): SendEventBody {
  const event: Tevent = { message: 'EventUserEvent', ThisDN: dn };
  if (connId) event.ConnID = connId;
  event.UserData = [[SCREEN_CAPTURE_KEY, operation]];
  return { message: 'RequestSendEvent', ThisDN: dn, Event: event };
}

/** Changes what a party sends (broken parties); `undefined` sends nothing. */
export type Tamper = (body: SendEventBody) => SendEventBody | undefined;

export interface MockDesktopOptions {
  link: Link;
  /** The DN it sends on. */
  dn: string;
  /** The DNs its agent's calls are on (default: `dn`); registered too, to follow the calls. */
  voiceDns?: readonly string[];
  /** With a held call and an established one, whose ConnID it sends (default: the established one's). */
  voiceCall?: VoiceCallReading;
  /** Register the voice DNs (default true; a link that reports the place's calls needs not). */
  registersVoiceDns?: boolean;
  /** Call events it does not follow (a broken desktop). */
  ignores?: readonly string[];
  /** Register the DN first (default true; a broken desktop skips it). */
  register?: boolean;
  tamper?: Tamper;
  /** Keep every indication in `indications` (default true); under load only `onIndication` listeners see them. */
  keepHistory?: boolean;
  /** Register the DN again after the link reconnects (default true; a broken desktop does not). */
  reregister?: boolean;
  /**
   * After reconnecting: forget its calls and learn again those the T-Server reports on
   * re-registering (default); or, broken, keep the calls it knew (`keeps-calls`: a call that did not
   * survive stays), or forget them and follow no call again (`forgets-calls`).
   */
  afterReconnect?: 'relearns-calls' | 'keeps-calls' | 'forgets-calls';
  /** Sends an operation refused with EventError 54 again before its next one (a broken desktop: it
   *  sends it twice when the next is the same). */
  replaysAfterLinkDown?: boolean;
}

export interface ReceivedIndication {
  indication: Indication;
  connId: string | undefined;
  event: WireMessage;
}

export class MockDesktop {
  readonly link: Link;
  readonly dn: string;
  readonly voiceDns: readonly string[];
  readonly indications: ReceivedIndication[] = [];
  /** The agent's calls by ConnID, in the order they were established. */
  private readonly calls = new Map<string, AgentCall>();
  /** Calls established so far: each call's `since`. */
  private established = 0;
  private readonly voiceCall: VoiceCallReading;
  private readonly ignores: ReadonlySet<string>;
  private readonly tamper: Tamper | undefined;
  private readonly keepHistory: boolean;
  private readonly indicationListeners = new Set<(received: ReceivedIndication) => void>();
  private readonly replaysAfterLinkDown: boolean;
  private readonly afterReconnect: NonNullable<MockDesktopOptions['afterReconnect']>;
  /** False once a desktop that forgets its calls has reconnected. */
  private followsCalls = true;
  /** The operation refused because the link to the switch was down, to replay (replaysAfterLinkDown). */
  private refused: Operation | string | undefined;

  static async start(options: MockDesktopOptions): Promise<MockDesktop> {
    const desktop = new MockDesktop(options);
    if (options.register !== false) await options.link.registerDn(options.dn);
    if (options.registersVoiceDns !== false)
      for (const dn of desktop.voiceDns) if (dn !== options.dn) await options.link.registerDn(dn);
    return desktop;
  }

  private constructor(options: MockDesktopOptions) {
    this.link = options.link;
    this.dn = options.dn;
    this.voiceDns = options.voiceDns ?? [options.dn];
    this.voiceCall = options.voiceCall ?? 'established';
    this.ignores = new Set(options.ignores ?? []);
    this.tamper = options.tamper;
    this.keepHistory = options.keepHistory ?? true;
    this.replaysAfterLinkDown = options.replaysAfterLinkDown ?? false;
    options.link.onEvent((event) => this.observe(event));
    const registersVoiceDns = options.registersVoiceDns !== false;
    this.afterReconnect = options.afterReconnect ?? 'relearns-calls';
    if (options.reregister !== false)
      options.link.onReconnect?.(async () => {
        // What it knew of calls went with the connection: the T-Server tells it again which survived.
        if (this.afterReconnect !== 'keeps-calls') this.calls.clear();
        if (this.afterReconnect === 'forgets-calls') this.followsCalls = false;
        await options.link.registerDn(this.dn);
        if (registersVoiceDns)
          for (const dn of this.voiceDns) if (dn !== this.dn) await options.link.registerDn(dn);
      });
  }

  /** ConnID of the agent's voice call (by its reading), if it has a call. */
  get activeConnId(): string | undefined {
    // Either call would do for `either`: it sends the established one's.
    const reading = this.voiceCall === 'either' ? 'established' : this.voiceCall;
    return voiceCallConnIds([...this.calls.values()], reading)[0];
  }

  /**
   * Sends an operation with the ConnID of the call it knows of, or `connId` when given (empty: no
   * call); resolves to its EventACK or EventError (undefined if a tamper suppressed it).
   */
  async send(operation: Operation | string, connId?: string): Promise<TReply | undefined> {
    const replay = this.refused;
    this.refused = undefined;
    if (replay !== undefined) await this.sendOnce(replay, connId);
    const reply = await this.sendOnce(operation, connId);
    if (this.replaysAfterLinkDown && reply?.message === 'EventError' && reply.ErrorCode === TErr.NO_SWITCH)
      this.refused = operation;
    return reply;
  }

  private sendOnce(operation: Operation | string, connId: string | undefined): Promise<TReply | undefined> {
    const request = operationRequest(this.dn, operation, connId ?? this.activeConnId);
    const body = this.tamper ? this.tamper(request) : request;
    return body ? this.link.request(body) : Promise.resolve(undefined);
  }

  /** Calls `listener` with every indication received from now on; returns the unsubscribe function. */
  onIndication(listener: (received: ReceivedIndication) => void): () => void {
    this.indicationListeners.add(listener);
    return () => this.indicationListeners.delete(listener);
  }

  /** Follows the agent's calls on its voice DNs. */
  private followCall(event: WireMessage): void {
    const connId = event.ConnID;
    if (typeof connId !== 'string' || this.ignores.has(event.message) || !this.followsCalls) return;
    const dn = event.ThisDN as string;
    const call = this.calls.get(connId);
    switch (event.message) {
      case 'EventEstablished':
        this.calls.set(connId, { connId, dn, state: 'established', since: ++this.established });
        break;
      case 'EventHeld':
      case 'EventRetrieved':
        if (call) call.state = event.message === 'EventHeld' ? 'held' : 'established';
        break;
      case 'EventPartyChanged': {
        const previous = this.calls.get(event.PreviousConnID as string);
        if (!previous) break;
        // Keeps its place among the calls: the same call, under a new ConnID.
        const order = [...this.calls.values()].map((c) => (c === previous ? { ...c, connId } : c));
        this.calls.clear();
        for (const c of order) this.calls.set(c.connId, c);
        break;
      }
      case 'EventReleased':
        this.calls.delete(connId);
    }
  }

  private observe(event: WireMessage): void {
    if (this.voiceDns.includes(event.ThisDN as string)) this.followCall(event);
    if (event.ThisDN !== this.dn) return;
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
