/**
 * One Workspace API session of the front: a signed-in agent who, on activate-channels, becomes a
 * tlib-json client of the simulator registered on the agent's DN and the other DNs of its place
 * (where its calls may be). Their T-Lib events reach the session's CometD client as voice
 * notifications; its send-user-event becomes RequestSendEvent on the activated DN.
 */
import { randomUUID } from 'node:crypto';
import type { ServerSession } from 'cometd-nodejs-server';
import type { WorkspaceAgent } from '../../config/workspace-agents.ts';
import { Journal } from '../../journal.ts';
import { describeRefusal, LinkRequestError } from '../../link/link.ts';
import { TlibLink } from '../../link/tlib-link.ts';
import type { EventError, KVList, Tevent, WireMessage } from '../../tlib/messages.ts';
import {
  type CallState,
  notificationFor,
  VOICE_CHANNEL,
  type VoiceNotification,
  type WorkspaceCall,
} from '../../workspace/notifications.ts';
import { dnsOf, placeDnsOf } from './agents.ts';

/** A request the front refuses: its HTTP status and the Workspace API status code and message. */
export class FrontError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export interface SessionEnvironment {
  /** The simulator's tlib-json listener. */
  tserver: { host: string; port: number };
  requestTimeoutMs: number;
  log: (line: string) => void;
}

export class FrontSession {
  readonly id = randomUUID();
  dn: string | undefined;
  cometd: ServerSession | undefined;
  private link: TlibLink | undefined;
  /** The activated DN and the other DNs of its place, whose calls the session reports. */
  private placeDns: readonly string[] = [];
  /** Calls on the place's DNs by ConnID: the Workspace API names them by callUuid. */
  private readonly calls = new Map<string, WorkspaceCall>();
  private closed = false;
  /** The activation under way, if any. */
  private activating: { dn: string; promise: Promise<void> } | undefined;

  constructor(
    readonly agent: WorkspaceAgent,
    private readonly env: SessionEnvironment,
  ) {}

  get label(): string {
    return `session ${this.id.slice(0, 8)} (agent ${this.agent.agentId}${this.dn ? ` on ${this.dn}` : ''})`;
  }

  /** The DN that `dn` or `placeName` names for this agent; a FrontError saying why not. */
  resolveDn(data: { dn?: unknown; placeName?: unknown }): string {
    if (typeof data.dn === 'string') {
      if (!dnsOf(this.agent).includes(data.dn))
        throw new FrontError(
          400,
          400,
          `DN ${data.dn} is not in a place of agent ${this.agent.agentId} (places: ${JSON.stringify(this.agent.places)})`,
        );
      return data.dn;
    }
    if (typeof data.placeName === 'string') {
      const dns = this.agent.places[data.placeName];
      if (!dns)
        throw new FrontError(
          400,
          400,
          `place ${data.placeName} is not a place of agent ${this.agent.agentId} (places: ${Object.keys(this.agent.places).join(', ')})`,
        );
      return dns[0] as string;
    }
    throw new FrontError(400, 400, 'data: expected dn or placeName (a string)');
  }

  /** Logs the agent in on `dn`: a tlib-json client of the simulator registers it. */
  async activate(dn: string): Promise<void> {
    // Concurrent activations share one registration (each would otherwise register the DN again).
    if (this.activating) {
      const pending = this.activating;
      await pending.promise;
      if (pending.dn !== dn)
        throw new FrontError(400, 400, `${this.label} already activated DN ${pending.dn}`);
      return;
    }
    if (this.dn === dn) return;
    if (this.dn !== undefined)
      throw new FrontError(400, 400, `${this.label} already activated DN ${this.dn}`);
    const promise = this.register(dn);
    this.activating = { dn, promise };
    try {
      await promise;
    } finally {
      this.activating = undefined;
    }
  }

  private async register(dn: string): Promise<void> {
    const link = await TlibLink.connect({
      ...this.env.tserver,
      // Not a harness name: to the simulator this is the desktop itself (the system under test in the desktop profile).
      applicationName: `workspace-${this.agent.agentId}`,
      journal: new Journal({ limit: 100 }),
      timeoutMs: this.env.requestTimeoutMs,
    }).catch((e: Error) => {
      throw new FrontError(503, 503, `the T-Server behind the Workspace API cannot be reached: ${e.message}`);
    });
    const placeDns = placeDnsOf(this.agent, dn);
    try {
      for (const d of placeDns) await link.registerDn(d);
    } catch (e) {
      await link.close();
      throw refusal(e);
    }
    if (this.closed) return void (await link.close());
    this.link = link;
    this.dn = dn;
    this.placeDns = placeDns;
    link.onEvent((event) => this.relay(event));
    link.onClose((reason) => {
      if (reason && !this.closed) this.env.log(`${this.label}: ${reason.message}`);
    });
    this.push({
      messageType: 'DnStateChanged',
      dn: { number: dn, agentId: this.agent.agentId, agentState: 'Ready' },
    });
  }

  /** send-user-event: RequestSendEvent on the activated DN, with the ConnID of the call `callUuid` names. */
  async sendUserEvent(userData: KVList, callUuid: string | undefined): Promise<void> {
    const { link, dn } = this;
    if (!link || dn === undefined)
      throw new FrontError(400, 400, `${this.label} has activated no DN: send activate-channels first`);
    const event: Tevent = { message: 'EventUserEvent', ThisDN: dn };
    if (callUuid !== undefined) {
      const call = [...this.calls.values()].find((c) => c.callUuid === callUuid);
      if (!call)
        throw new FrontError(
          400,
          400,
          `callUuid ${callUuid} is not a call on DN ${this.placeDns.join(', ')}`,
        );
      event.ConnID = call.connId;
    }
    event.UserData = userData;
    const reply = await link
      .request({ message: 'RequestSendEvent', ThisDN: dn, Event: event })
      .catch((e: Error) => {
        throw new FrontError(504, 504, `the T-Server did not answer RequestSendEvent: ${e.message}`);
      });
    if (reply.message === 'EventError')
      throw refusal(new LinkRequestError({ message: 'RequestSendEvent', ThisDN: dn }, reply as EventError));
  }

  /** Voice logout: the DN is unregistered; the session stays. */
  async logoutVoice(): Promise<void> {
    const { link, dn } = this;
    this.link = undefined;
    this.dn = undefined;
    this.placeDns = [];
    this.calls.clear();
    if (link && dn !== undefined) await link.close();
  }

  /** Delivers a notification to the session's CometD client, if it has one. */
  push(notification: VoiceNotification): void {
    this.cometd?.deliver(null, VOICE_CHANNEL, notification);
  }

  /** Ends the session: its DN is unregistered (the simulator drops the closed client's registrations). */
  async close(why: string): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.env.log(`${this.label} ends: ${why}`);
    const cometd = this.cometd;
    this.cometd = undefined;
    cometd?.disconnect();
    await this.logoutVoice();
  }

  private relay(event: WireMessage): void {
    if (!this.placeDns.includes(event.ThisDN as string)) return;
    const notification = notificationFor(event, (connId, state, previousConnId) =>
      this.call(event.ThisDN as string, connId, state, previousConnId),
    );
    if (notification) this.push(notification);
  }

  /**
   * The Workspace view of the call with `connId` on `dn`, now in `state` (a released call is
   * forgotten); with `previousConnId`, the call known under that ConnID, which goes on as `connId`.
   */
  private call(dn: string, connId: string, state: CallState, previousConnId?: string): WorkspaceCall {
    const known = this.calls.get(previousConnId ?? connId);
    if (previousConnId) this.calls.delete(previousConnId);
    const call: WorkspaceCall = known
      ? { ...known, connId, id: connId, state, ...(previousConnId ? { previousConnId } : {}) }
      : {
          id: connId,
          connId,
          callUuid: randomUUID(),
          dn,
          state,
          callType: 'Inbound',
          participants: [],
          ...(previousConnId ? { previousConnId } : {}),
        };
    if (state === 'Released') this.calls.delete(connId);
    else this.calls.set(connId, call);
    return call;
  }
}

/** A T-Server refusal as the front's error: the T-Lib code is the status code, and the message names it. */
function refusal(e: unknown): FrontError {
  if (e instanceof LinkRequestError) {
    return new FrontError(
      400,
      e.reply.ErrorCode,
      `T-Server refused ${e.request.message}: ${describeRefusal(e.reply)}`,
    );
  }
  return new FrontError(504, 504, `the T-Server did not answer: ${(e as Error).message}`);
}
