/**
 * A Link over the Genesys Workspace API (GWS v3, spec/workspace-api.md): the agent desktop's side.
 * It signs in, opens CometD notifications, activates the agent's DN (or place) for registerDn, and
 * sends screen-capture operations as send-user-event with the active call's callUuid. Everything is
 * journaled in T-Lib terms, like a TlibLink: each request as the T-Lib request it stands for, its
 * HTTP reply as EventACK/EventError with the same ReferenceID, and each voice notification as the
 * T-Lib event it reports (workspace/notifications.ts), so the same rules judge it.
 *
 * The Workspace API lets a desktop choose only the user data and the call: GWS sets the Tevent's
 * DN (the activated one) and type itself. A request this API cannot express is refused here,
 * before anything is sent or journaled.
 */
import type { CometD, Message } from 'cometd';
import { Journal } from '../journal.ts';
import type { RequestBody, RequestSendEvent, TReply, WireMessage } from '../tlib/messages.ts';
import { initializeWorkspace, type WorkspaceAuth } from '../workspace/auth.ts';
import { connectNotifications, describeBayeuxFailure, subscribe, within } from '../workspace/cometd.ts';
import { accepted, describeReply, WorkspaceHttp, type WorkspaceReply } from '../workspace/http.ts';
import { toWorkspaceKv } from '../workspace/kv.ts';
import {
  type CallState,
  INITIALIZATION_CHANNEL,
  journalNotification,
  VOICE_CHANNEL,
  type WorkspaceCall,
} from '../workspace/notifications.ts';
import type { Link, ServerIdentity } from './link.ts';
import { LinkCore, notify } from './link-core.ts';

export interface WorkspaceLinkOptions {
  /** GWS base URL, e.g. `https://gws.example.com`. */
  url: string;
  /** The Authentication API's base URL (default: `url`). */
  authUrl?: string;
  auth: WorkspaceAuth;
  agentId: string;
  /** Activate this place instead of the DN given to registerDn (the place must hold that DN). */
  place?: string;
  party: string;
  journal?: Journal;
  /** Time allowed for each HTTP call and each awaited notification (default 5000 ms). */
  timeoutMs?: number;
}

/** How a request is made over HTTP, and the T-Lib reply its success stands for. */
interface Exchange {
  path: string;
  json: unknown;
  success: () => WireMessage | Promise<WireMessage>;
}

export class WorkspaceLink implements Link {
  readonly party: string;
  readonly journal: Journal;
  readonly server: ServerIdentity;
  private readonly http: WorkspaceHttp;
  /** No deadline of its own: each HTTP call, and each notification a reply waits for, has one. */
  private readonly core: LinkCore;
  /** Calls the notifications reported (on any DN of the agent's place), by ConnID: send-user-event names a call by its callUuid. */
  private readonly calls = new Map<string, { callUuid: string; state: CallState }>();
  private cometd: CometD | undefined;
  private dn: string | undefined;

  /** Signs in, opens the notifications and waits until the workspace is initialized. */
  static async connect(options: WorkspaceLinkOptions): Promise<WorkspaceLink> {
    const link = new WorkspaceLink(options);
    const timeoutMs = options.timeoutMs ?? 5000;
    const apiKey = options.auth.apiKey;
    await initializeWorkspace(
      link.http,
      options.auth,
      options.authUrl ? new WorkspaceHttp(options.authUrl, apiKey, timeoutMs) : link.http,
    );
    const url = new URL('workspace/v3/notifications', link.http.base).href;
    link.cometd = await connectNotifications({ url, cookies: link.http.cookies, apiKey, timeoutMs });
    try {
      await within(
        timeoutMs,
        `the workspace initialization (${INITIALIZATION_CHANNEL} state Complete)`,
        (resolve, reject) => {
          subscribe(
            link.cometd as CometD,
            INITIALIZATION_CHANNEL,
            (m) => {
              const state = (m.data as { state?: string } | undefined)?.state;
              if (state === 'Complete') resolve(undefined);
              if (state === 'Failed')
                reject(
                  new Error(
                    `the Workspace API reports the initialization of agent ${options.agentId} Failed`,
                  ),
                );
            },
            timeoutMs,
          ).catch(reject);
        },
      );
      await subscribe(link.cometd, VOICE_CHANNEL, (m) => link.receive(m), timeoutMs);
    } catch (e) {
      await link.close();
      throw e;
    }
    link.watchConnection();
    return link;
  }

  private constructor(private readonly options: WorkspaceLinkOptions) {
    this.party = options.party;
    this.journal = options.journal ?? new Journal();
    this.http = new WorkspaceHttp(options.url, options.auth.apiKey, options.timeoutMs ?? 5000);
    this.server = { name: `Genesys Workspace API at ${this.http.base.origin}`, version: 'v3' };
    this.core = new LinkCore({ peer: `gws ${this.http.base.origin}`, timeoutMs: undefined });
  }

  private get peer(): string {
    return this.core.peer;
  }

  async request(body: RequestBody): Promise<TReply> {
    return this.core.request(body, this.transmitter(this.exchangeFor(body)));
  }

  /** What `body` is over HTTP; throws when the Workspace API cannot express it. */
  private exchangeFor(body: RequestBody): Exchange {
    switch (body.message) {
      case 'RequestRegisterAddress':
        return {
          path: 'workspace/v3/activate-channels',
          json: { data: { agentId: this.options.agentId, dn: body.ThisDN } },
          success: () => {
            this.dn = body.ThisDN;
            return { message: 'EventRegistered', ThisDN: body.ThisDN };
          },
        };
      case 'RequestUnregisterAddress':
        return {
          path: 'workspace/v3/voice/logout',
          json: {},
          success: () => {
            this.dn = undefined;
            this.calls.clear();
            return { message: 'EventUnregistered', ThisDN: body.ThisDN };
          },
        };
      case 'RequestSendEvent':
        return {
          path: 'workspace/v3/voice/send-user-event',
          json: { data: this.userEventData(body) },
          success: () => ({ message: 'EventACK', ThisDN: body.ThisDN }),
        };
      default:
        throw new Error(`the Workspace API has no counterpart of ${body.message}`);
    }
  }

  /** Activates `dn`, or the configured place, which must hold `dn`. */
  async registerDn(dn: string): Promise<void> {
    if (!this.options.place)
      return void (await this.expectSuccess({ message: 'RequestRegisterAddress', ThisDN: dn }));
    const activated = await this.activatePlace();
    if (activated !== dn)
      throw new Error(
        `place ${this.options.place} of agent ${this.options.agentId} holds DN ${activated}, not ${dn}`,
      );
  }

  /**
   * Activates the configured place; resolves with its DN, which the DnStateChanged notification names.
   * Journaled as RequestRegisterAddress with the place, answered by EventRegistered on that DN.
   */
  async activatePlace(): Promise<string> {
    const place = this.options.place;
    if (!place) throw new Error(`no place is configured for agent ${this.options.agentId}`);
    const mark = this.journal.mark;
    const request = { message: 'RequestRegisterAddress', Place: place } as unknown as RequestBody;
    await this.core.expectSuccess(
      request,
      this.transmitter({
        path: 'workspace/v3/activate-channels',
        json: { data: { agentId: this.options.agentId, placeName: place } },
        success: async () => {
          const entry = await this.journal.waitFor(
            (e) => e.party === this.party && e.direction === 'in' && e.message.message === 'DnStateChanged',
            {
              after: mark,
              timeoutMs: this.options.timeoutMs ?? 5000,
              description: `the DnStateChanged notification naming the DN of place ${place}`,
            },
          );
          this.dn = String((entry.message.dn as { number?: unknown } | undefined)?.number);
          return { message: 'EventRegistered', ThisDN: this.dn };
        },
      }),
    );
    return this.dn as string;
  }

  async unregisterDn(dn: string): Promise<void> {
    await this.expectSuccess({ message: 'RequestUnregisterAddress', ThisDN: dn });
  }

  onEvent(listener: (event: WireMessage) => void): () => void {
    return this.core.events.add(listener);
  }

  onClose(listener: (reason: Error | undefined) => void): () => void {
    return this.core.closes.add(listener);
  }

  /** Ends the session (logout), which releases the agent's DN. */
  async close(): Promise<void> {
    if (this.core.isClosed) return;
    this.core.shutDown(undefined);
    this.cometd?.disconnect();
    await this.http.post('workspace/v3/logout').catch(() => undefined);
  }

  private async expectSuccess(body: RequestBody): Promise<void> {
    await this.core.expectSuccess(body, this.transmitter(this.exchangeFor(body)));
  }

  /** send-user-event's data for a RequestSendEvent; throws when the Workspace API cannot express it. */
  private userEventData(body: Omit<RequestSendEvent, 'ReferenceID'>): {
    userData: unknown;
    callUuid?: string;
  } {
    const event = body.Event as unknown as WireMessage;
    const cannot = (why: string) => new Error(`the Workspace API cannot send this RequestSendEvent: ${why}`);
    if (event.message !== 'EventUserEvent')
      throw cannot(`GWS always sends EventUserEvent, the Tevent says ${JSON.stringify(event.message)}`);
    if (event.ThisDN !== body.ThisDN)
      throw cannot(
        `GWS sets the Tevent's ThisDN to the agent's DN ${body.ThisDN}, the Tevent says ${JSON.stringify(event.ThisDN)}`,
      );
    if (this.dn !== undefined && body.ThisDN !== this.dn)
      throw cannot(`the session activated DN ${this.dn}, not ${body.ThisDN}`);
    const connId = body.Event.ConnID;
    const callUuid = connId === undefined ? undefined : this.calls.get(connId)?.callUuid;
    if (connId !== undefined && callUuid === undefined)
      throw cannot(`ConnID ${connId} is not a call the Workspace API reported on DN ${body.ThisDN}`);
    return { userData: toWorkspaceKv(body.Event.UserData ?? []), ...(callUuid ? { callUuid } : {}) };
  }

  /** Sends a numbered request by `exchange`; its reply (or why there is none) goes to the core. */
  private transmitter(exchange: Exchange): (request: WireMessage) => void {
    return (request) =>
      void this.perform(request, exchange).then(
        (answer) => this.core.settle(answer),
        (e: Error) => this.core.fail(request.ReferenceID, e),
      );
  }

  /** Journals the request, makes the HTTP call, and journals its reply as the T-Lib reply it stands for. */
  private async perform(request: WireMessage, { path, json, success }: Exchange): Promise<WireMessage> {
    this.journal.append({
      party: this.party,
      direction: 'out',
      peer: `${this.peer} POST /${path}`,
      message: request,
    });
    const reply = await this.http.post(path, { json });
    if (reply.httpStatus === 401 || reply.httpStatus === 403) {
      const error = new Error(
        `the Workspace session of agent ${this.options.agentId} does not hold (expired, logged out, or its cookies refused): ${describeReply(reply)}`,
      );
      this.core.fail(request.ReferenceID, error);
      this.core.shutDown(error);
      throw error;
    }
    const tlib = accepted(reply) ? await success() : this.errorFor(request, reply);
    const { message: name, ...rest } = tlib;
    const answer = { message: name, ReferenceID: request.ReferenceID, ...rest } as WireMessage;
    this.journal.append({
      party: this.party,
      direction: 'in',
      peer: `${this.peer} ${reply.call} HTTP ${reply.httpStatus}`,
      message: answer,
    });
    return answer;
  }

  /** An HTTP failure as EventError: the T-Lib code the body names (the status code), else the HTTP status. */
  private errorFor(request: WireMessage, reply: WorkspaceReply): WireMessage {
    const code = reply.body?.status?.code;
    return {
      message: 'EventError',
      ReferenceID: request.ReferenceID,
      ...(request.ThisDN === undefined ? {} : { ThisDN: request.ThisDN }),
      ErrorCode: typeof code === 'number' && code > 2 ? code : reply.httpStatus,
      ErrorMessage: describeReply(reply),
    };
  }

  private receive(m: Message): void {
    if (this.core.isClosed) return;
    const { message, problem } = journalNotification(m.data, this.dn, (c) => this.calls.get(c)?.state);
    this.trackCall(m.data);
    this.journal.append({
      party: this.party,
      direction: 'in',
      peer: `${this.peer} ${VOICE_CHANNEL}`,
      message,
      ...(problem ? { problem } : {}),
    });
    notify(this.core.events, message);
  }

  /** Keeps the calls the notifications report, by their current ConnID, until released. */
  private trackCall(data: unknown): void {
    const call = (data as { call?: Partial<Record<keyof WorkspaceCall, unknown>> } | undefined)?.call;
    if (typeof call?.connId !== 'string' || typeof call.callUuid !== 'string') return;
    if (typeof call.previousConnId === 'string') this.calls.delete(call.previousConnId);
    if (call.state === 'Released' || call.state === 'Completed') this.calls.delete(call.connId);
    else this.calls.set(call.connId, { callUuid: call.callUuid, state: call.state as CallState });
  }

  /** A lost CometD connection (or a session the server ended) closes the link with the reason. */
  private watchConnection(): void {
    const lost = (what: string) => (m: Message) => {
      if (!m.successful && !this.core.isClosed) {
        this.core.shutDown(
          new Error(
            `CometD ${what} for agent ${this.options.agentId} at ${this.http.base.origin} failed: ${describeBayeuxFailure(m)}`,
          ),
        );
        this.cometd?.disconnect();
      }
    };
    this.cometd?.addListener('/meta/connect', lost('connection'));
    this.cometd?.addListener('/meta/handshake', lost('re-handshake'));
  }
}
