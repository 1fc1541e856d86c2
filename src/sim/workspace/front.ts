/**
 * The simulator's Workspace API front (GWS v3, spec/workspace-api.md): the subset of the API that
 * screen-capture control needs, served over HTTP with CometD notifications (cometd-nodejs-server),
 * in front of the tlib-json simulator. Each session is one more tlib-json client of the simulator,
 * so the simulator's journal shows what the Workspace API made of each request.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import cometdNodejsServer, { type CometDServer, type ServerSession } from 'cometd-nodejs-server';
import type { WorkspaceAgent } from '../../config/workspace-agents.ts';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../../tlib/depth.ts';
import { fromWorkspaceKv } from '../../workspace/kv.ts';
import { INITIALIZATION_CHANNEL, VOICE_CHANNEL } from '../../workspace/notifications.ts';
import { AgentDirectory, DEFAULT_TOKEN_TTL_MS } from './agents.ts';
import { bayeuxProblem } from './bayeux.ts';
import { FrontError, FrontSession, type SessionEnvironment } from './session.ts';

/**
 * How the front keeps a session (spec/workspace-api.md, "Session"): in the cookie a GWS sets, or as
 * Genesys's Agent API Simulator does (its `WWE_CODE` cookie, and 403 with status 603 for a session
 * that does not hold). Clients must take either.
 */
export const SESSION_STYLES = {
  gws: { cookie: 'WORKSPACE_SESSIONID', refusedHttp: 401, refusedCode: 401 },
  'agent-api-simulator': { cookie: 'WWE_CODE', refusedHttp: 403, refusedCode: 603 },
} as const;
export type SessionStyle = keyof typeof SESSION_STYLES;
const MAX_BODY_BYTES = 1024 * 1024;
/** How long a stopping front waits for the answers to requests in flight before cutting them. */
const STOP_GRACE_MS = 1000;
/** CometD holds a long poll this long (cometd-nodejs-server's default `timeout`). */
const LONG_POLL_MS = 30_000;
/** Channels a client may subscribe to: the notifications the front delivers. */
const CLIENT_CHANNELS = new Set([INITIALIZATION_CHANNEL, VOICE_CHANNEL]);
/** Open connections the front serves at once (each session holds one or two); more wait in the kernel's backlog. */
export const DEFAULT_FRONT_MAX_CONNECTIONS = 10_000;

export interface WorkspaceFrontOptions {
  /** The simulator's tlib-json listener the sessions connect to. */
  tserver: { host: string; port: number };
  agents: readonly WorkspaceAgent[];
  host?: string;
  /** Default 0: an ephemeral port. */
  port?: number;
  /**
   * A session whose CometD client stops polling (or never opens CometD) for this long ends, and its
   * DN is unregistered (default 10000).
   */
  sessionTimeoutMs?: number;
  /** Bearer tokens expire this long after they are issued (default 43,199 s, the `expires_in` announced). */
  tokenTtlMs?: number;
  /**
   * Where sign-in may redirect: each an exact URI or a prefix ending in `/`. Default: any http(s)
   * URI on the loopback interface (127.0.0.1, ::1, localhost), where a test desktop listens.
   */
  redirectUris?: readonly string[];
  /** Default DEFAULT_FRONT_MAX_CONNECTIONS. */
  maxConnections?: number;
  /** Time allowed for each T-Server reply (default 5000). */
  requestTimeoutMs?: number;
  /** How sessions are kept (default `gws`). */
  sessionStyle?: SessionStyle;
  log?: (line: string) => void;
}

export interface WorkspaceFront {
  /** The GWS base URL: `http://host:port`. */
  url: string;
  port: number;
  agents: readonly WorkspaceAgent[];
  /** Open sessions. */
  readonly sessions: ReadonlyMap<string, FrontSession>;
  stop(): Promise<void>;
}

type Handler = (req: IncomingMessage, url: URL) => Promise<Reply>;
interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

const ok = (code = 0, data?: unknown): Reply => ({
  status: 200,
  body: { status: { code }, ...(data === undefined ? {} : { data }) },
});

export async function startWorkspaceFront(options: WorkspaceFrontOptions): Promise<WorkspaceFront> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? (() => {});
  const style = SESSION_STYLES[options.sessionStyle ?? 'gws'];
  const directory = new AgentDirectory(options.agents, options.tokenTtlMs);
  const sessions = new Map<string, FrontSession>();
  const sessionTimeoutMs = options.sessionTimeoutMs ?? 10_000;
  const env: SessionEnvironment = {
    tserver: options.tserver,
    requestTimeoutMs: options.requestTimeoutMs ?? 5000,
    log,
  };
  // A CommonJS module: its functions come through the default import.
  const cometd = cometdNodejsServer.createCometDServer({
    maxInterval: sessionTimeoutMs,
    timeout: LONG_POLL_MS,
  });
  bindCometD(cometd, sessions, style.cookie);

  const endSession = async (session: FrontSession, why: string) => {
    sessions.delete(session.id);
    await session.close(why);
  };
  /** A session that has no CometD client for the session timeout ends: it would keep its DN registered forever. */
  const expireWithoutCometD = (session: FrontSession) => {
    const timer = setTimeout(() => {
      if (!session.cometd && sessions.get(session.id) === session)
        void endSession(session, `no CometD client within ${sessionTimeoutMs} ms`);
    }, sessionTimeoutMs);
    timer.unref();
  };

  const sessionOf = (req: IncomingMessage): FrontSession => {
    const id = cookie(req, style.cookie);
    const session = id ? sessions.get(id) : undefined;
    if (!session)
      throw new FrontError(
        style.refusedHttp,
        style.refusedCode,
        id
          ? `${style.cookie} ${id.slice(0, 8)}… is not an open session (expired or logged out)`
          : `no ${style.cookie} cookie: call initialize-workspace first`,
      );
    return session;
  };

  const routes: Record<string, Handler> = {
    '/auth/v3/oauth/token': async (req) => {
      const form = await readForm(req);
      if (form.get('grant_type') !== 'password')
        return {
          status: 400,
          body: {
            error: 'unsupported_grant_type',
            error_description: `grant_type: expected password, got ${JSON.stringify(form.get('grant_type'))}`,
          },
        };
      const agent = directory.signIn(form.get('username'), form.get('password'));
      if (!agent)
        return {
          status: 401,
          body: { error: 'invalid_grant', error_description: 'wrong user name or password' },
        };
      return {
        status: 200,
        body: {
          access_token: directory.issueToken(agent),
          token_type: 'bearer',
          expires_in: Math.floor((options.tokenTtlMs ?? DEFAULT_TOKEN_TTL_MS) / 1000),
          scope: '*',
        },
      };
    },
    '/auth/v3/sign-in': async (req) => {
      const form = await readForm(req);
      const redirectUri = form.get('redirect_uri');
      if (!redirectUri)
        return {
          status: 400,
          body: { error: 'invalid_request', error_description: 'redirect_uri: missing' },
        };
      const refused = redirectProblem(redirectUri, options.redirectUris);
      if (refused) return { status: 400, body: { error: 'invalid_request', error_description: refused } };
      const agent = directory.signIn(form.get('username'), form.get('password'));
      if (!agent)
        return {
          status: 401,
          body: { error: 'access_denied', error_description: 'wrong user name or password' },
        };
      const location = new URL(redirectUri);
      location.searchParams.set('code', directory.issueCode(agent, redirectUri));
      return { status: 302, headers: { location: location.href } };
    },
    '/workspace/v3/initialize-workspace': async (req, url) => {
      const agent = authenticate(req, url, directory);
      const session = new FrontSession(agent, env);
      sessions.set(session.id, session);
      expireWithoutCometD(session);
      log(`${session.label} signed in`);
      return { ...ok(1), headers: { 'set-cookie': `${style.cookie}=${session.id}; Path=/; HttpOnly` } };
    },
    '/workspace/v3/activate-channels': async (req) => {
      const session = sessionOf(req);
      const data = await readData(req);
      if (data.agentId !== session.agent.agentId)
        throw new FrontError(
          400,
          400,
          `agentId ${JSON.stringify(data.agentId)} is not the signed-in agent ${session.agent.agentId}`,
        );
      await session.activate(session.resolveDn(data));
      log(`${session.label} activated`);
      return ok();
    },
    '/workspace/v3/voice/send-user-event': async (req) => {
      const session = sessionOf(req);
      const data = await readData(req);
      const userData = fromWorkspaceKv(data.userData, 'data.userData');
      if (!userData.ok) throw new FrontError(400, 400, userData.problem);
      if (data.callUuid !== undefined && data.callUuid !== null && typeof data.callUuid !== 'string')
        throw new FrontError(
          400,
          400,
          `data.callUuid: expected a string, got ${JSON.stringify(data.callUuid)}`,
        );
      await session.sendUserEvent(userData.list, data.callUuid ?? undefined);
      return ok();
    },
    '/workspace/v3/voice/logout': async (req) => {
      await sessionOf(req).logoutVoice();
      return ok();
    },
    '/workspace/v3/logout': async (req) => {
      await endSession(sessionOf(req), 'logout');
      return { ...ok(), headers: { 'set-cookie': `${style.cookie}=; Path=/; Max-Age=0` } };
    },
  };

  /** Requests not yet answered: a stopping front answers them before it closes their connections. */
  const inFlight = new Set<ServerResponse>();
  let stopping = false;
  const http = createServer((req, res) => {
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
    // While stopping, no connection is kept for a next request that would find it cut.
    if (stopping) res.shouldKeepAlive = false;
    const url = new URL(req.url ?? '/', 'http://front');
    if (url.pathname.startsWith('/workspace/v3/notifications')) return void handleCometD(cometd, req, res);
    const route = routes[url.pathname];
    const reply: Promise<Reply> = !route
      ? Promise.resolve({
          status: 404,
          body: {
            status: {
              code: 404,
              message: `${url.pathname} is not served by the simulator's Workspace API front`,
            },
          },
        })
      : req.method !== 'POST'
        ? Promise.resolve({
            status: 405,
            body: { status: { code: 405, message: `${req.method} ${url.pathname}: use POST` } },
          })
        : route(req, url).catch((e: unknown) => errorReply(e, url.pathname, log));
    void reply.then((r) => send(res, r));
  });
  // A request must arrive whole within these (a client that never finishes one is cut); a long
  // poll's *response* may take LONG_POLL_MS, which these do not limit.
  http.headersTimeout = 10_000;
  http.requestTimeout = LONG_POLL_MS + 10_000;
  http.maxConnections = options.maxConnections ?? DEFAULT_FRONT_MAX_CONNECTIONS;
  http.listen(options.port ?? 0, host);
  await once(http, 'listening').catch((e: Error) => {
    throw new Error(`Workspace API front cannot listen on ${host}:${options.port ?? 0}: ${e.message}`);
  });
  const port = (http.address() as AddressInfo).port;

  // A session whose CometD client went away (no poll within the session timeout) ends; one whose
  // client disconnected has the session timeout to open CometD again.
  cometd.addListener('sessionRemoved', (removed: ServerSession, timeout: boolean) => {
    const session = [...sessions.values()].find((s) => s.cometd === removed);
    if (!session) return;
    if (timeout) return void endSession(session, 'its CometD client stopped polling');
    session.cometd = undefined;
    expireWithoutCometD(session);
  });

  let stopped: Promise<void> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    agents: options.agents,
    sessions,
    stop() {
      stopped ??= (async () => {
        stopping = true;
        const closed = new Promise((resolve) => http.close(resolve));
        // Ending a session answers its suspended long poll (a /meta/disconnect); requests already
        // sent get their answers too, within a grace, so that a client is not cut mid-request.
        await Promise.allSettled([...sessions.values()].map((s) => endSession(s, 'the front stops')));
        const grace = Date.now() + STOP_GRACE_MS;
        while (inFlight.size > 0 && Date.now() < grace) await sleep(10);
        cometd.close();
        http.closeAllConnections();
        await closed;
      })();
      return stopped;
    },
  };
}

/** CometD: only a client with an open Workspace session may handshake; it gets the initialization on subscribing. */
function bindCometD(cometd: CometDServer, sessions: Map<string, FrontSession>, sessionCookie: string): void {
  const sessionOfRequest = () => {
    const id = cookie(cometd.context.request as IncomingMessage | undefined, sessionCookie);
    return id ? sessions.get(id) : undefined;
  };
  cometd.policy = {
    canHandshake(serverSession, _message, callback) {
      const session = sessionOfRequest();
      if (session) session.cometd = serverSession;
      callback(undefined, session !== undefined);
    },
    // Only the front speaks on its channels (it delivers to one session): a client publishing
    // there would reach every other agent subscribed to it.
    canPublish(_session, _message, _channel, callback) {
      callback(undefined, false);
    },
    canSubscribe(_session, _message, channel, callback) {
      callback(undefined, CLIENT_CHANNELS.has(channel.name));
    },
  };
  cometd.addListener('subscribed', (channel: { name: string }, serverSession: ServerSession) => {
    if (channel.name !== INITIALIZATION_CHANNEL) return;
    const session = [...sessions.values()].find((s) => s.cometd === serverSession);
    if (!session) return;
    const { agent } = session;
    serverSession.deliver(null, INITIALIZATION_CHANNEL, {
      messageType: 'WorkspaceInitializationComplete',
      state: 'Complete',
      data: {
        user: {
          userName: agent.username,
          agentLogin: agent.agentId,
          employeeId: agent.agentId,
          defaultPlace: Object.keys(agent.places)[0],
        },
        configuration: {},
      },
    });
  });
}

/**
 * Reads the Bayeux messages itself (bounded, and a malformed body is a 400 naming what is wrong:
 * cometd-nodejs-server assumes well-formed ones), then lets CometD handle them.
 */
async function handleCometD(cometd: CometDServer, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'POST')
    return send(res, { status: 405, body: { status: { code: 405, message: `${req.method}: use POST` } } });
  let body: unknown;
  try {
    body = JSON.parse(await readBody(req));
  } catch (e) {
    return send(res, {
      status: e instanceof FrontError ? e.httpStatus : 400,
      body: { status: { code: 400, message: `Bayeux messages: ${(e as Error).message}` } },
    });
  }
  const problem = bayeuxProblem(body);
  if (problem)
    return send(res, {
      status: 400,
      body: { status: { code: 400, message: `Bayeux messages: ${problem}` } },
    });
  const messages = body as Array<{ channel: string; clientId?: string }>;
  (req as IncomingMessage & { body?: unknown }).body = messages;
  cometd.handle(req, res);
  const connect = messages.find((m) => m.channel === '/meta/connect');
  if (connect?.clientId !== undefined) keepEventsOfCutPoll(cometd, connect.clientId, res);
}

/** The parts of cometd-nodejs-server's session that a cut long poll needs (not in its typings). */
interface PollingSession {
  _scheduler: { cancel(): void } | null;
  _scheduleExpiration(interval: number, maxInterval: number): void;
}

/**
 * A long poll whose client is cut before it is answered: cometd-nodejs-server would drain the
 * session's queue into the dead response when the next event comes (losing it), and would not
 * start the session's expiry until its poll timed out (30 s on top of the session timeout).
 * Cancelling the poll keeps the queue for the client's next poll and starts the expiry now.
 */
function keepEventsOfCutPoll(cometd: CometDServer, clientId: string, res: ServerResponse): void {
  res.once('close', () => {
    if (res.writableFinished) return;
    const session = cometd.getServerSession(clientId) as unknown as PollingSession | undefined;
    if (!session?._scheduler) return;
    session._scheduler.cancel();
    session._scheduleExpiration(0, cometd.options.maxInterval ?? 10_000);
  });
}

/** Why sign-in must not redirect to `uri` (an open redirect), or undefined when it may. */
function redirectProblem(uri: string, allowed: readonly string[] | undefined): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return `redirect_uri: not a URL: ${JSON.stringify(uri.slice(0, 80))}`;
  }
  if (allowed)
    return allowed.some((a) => uri === a || (a.endsWith('/') && uri.startsWith(a)))
      ? undefined
      : `redirect_uri: ${url.origin}${url.pathname} is not a configured redirect URI`;
  const loopback = ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname);
  return (url.protocol === 'http:' || url.protocol === 'https:') && loopback
    ? undefined
    : `redirect_uri: ${url.origin} is not on this machine's loopback interface (configure the allowed redirect URIs)`;
}

/** The agent an initialize-workspace request authenticates: by bearer token, or by authorization code. */
function authenticate(req: IncomingMessage, url: URL, directory: AgentDirectory): WorkspaceAgent {
  const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
  if (bearer) {
    const agent = directory.byToken(bearer);
    if (!agent) throw new FrontError(401, 401, 'the bearer token is not valid (unknown or expired)');
    return agent;
  }
  const code = url.searchParams.get('code');
  if (code) {
    const agent = directory.redeemCode(code, url.searchParams.get('redirect_uri'));
    if (typeof agent === 'string') throw new FrontError(401, 401, agent);
    return agent;
  }
  throw new FrontError(
    401,
    401,
    'no credentials: send Authorization: Bearer <token>, or code and redirect_uri',
  );
}

function errorReply(e: unknown, path: string, log: (line: string) => void): Reply {
  if (e instanceof FrontError)
    return { status: e.httpStatus, body: { status: { code: e.code, message: e.message } } };
  log(`error in ${path}: ${(e as Error).stack ?? e}`);
  return { status: 500, body: { status: { code: 500, message: `${path}: ${(e as Error).message}` } } };
}

function send(res: ServerResponse, reply: Reply): void {
  if (res.headersSent) return;
  const body = reply.body === undefined ? '' : JSON.stringify(reply.body);
  res
    .writeHead(reply.status, { ...(body ? { 'content-type': 'application/json' } : {}), ...reply.headers })
    .end(body);
}

function cookie(req: IncomingMessage | undefined, name: string): string | undefined {
  for (const part of (req?.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

/** The body as text: bounded in size, and in nesting (whatever reads it next may recurse). */
async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new FrontError(413, 413, `body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  const body = Buffer.concat(chunks);
  if (nestsDeeperThan(body))
    throw new FrontError(400, 400, `body nests JSON more than ${MAX_JSON_DEPTH} deep`);
  return body.toString('utf8');
}

/** The `data` object of a JSON body (`{"data": {...}}`). */
async function readData(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = await readBody(req);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new FrontError(400, 400, `body is not JSON: ${JSON.stringify(text.slice(0, 80))}`);
  }
  const data = (body as { data?: unknown } | null)?.data;
  if (data === null || typeof data !== 'object' || Array.isArray(data))
    throw new FrontError(400, 400, `body: expected {"data": {...}}, got ${text.slice(0, 80)}`);
  return data as Record<string, unknown>;
}

/** A form-encoded (or JSON) body, as the Authentication API takes it. */
async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const text = await readBody(req);
  if (!(req.headers['content-type'] ?? '').includes('json')) return new URLSearchParams(text);
  try {
    return new URLSearchParams(
      Object.entries(JSON.parse(text) as Record<string, unknown>).map(
        ([k, v]) => [k, String(v)] as [string, string],
      ),
    );
  } catch {
    throw new FrontError(400, 400, `body is not JSON: ${JSON.stringify(text.slice(0, 80))}`);
  }
}
