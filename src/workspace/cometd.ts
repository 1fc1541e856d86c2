/**
 * The Workspace API's notifications over CometD (Bayeux long-polling), with the CometD project's
 * JavaScript client (`cometd`) running on Node through its adapter (`cometd-nodejs-client`). Each
 * connection carries its own session's cookies, so several sessions can share one process.
 */
import { CometD, type CometD as CometDClient, type Message } from 'cometd';
import { adapt } from 'cometd-nodejs-client';

/** Each request's cookie jar: the one of the session that sent it (its transport's context). */
const jars = new WeakMap<object, Map<string, string>>();
let adapted = false;

/**
 * Gives the browser library what it needs on Node (XMLHttpRequest, timers), once per process, with
 * cookies kept per session: a request reads its session's jar, and what the server sets (e.g. the
 * CometD server's browser cookie, which it needs back) goes into the jar of the request that got it.
 */
function adaptOnce(): void {
  if (adapted) return;
  adapted = true;
  adapt({
    cookies: {
      retrieveCookies(context, request, callback) {
        const jar = (context as { jar?: Map<string, string> } | undefined)?.jar;
        if (jar) jars.set(request, jar);
        callback(null, jar ? [...jar].map(([k, v]) => `${k}=${v}`) : []);
      },
      storeCookie(request, header, callback) {
        const [pair = ''] = header.split(';');
        const eq = pair.indexOf('=');
        if (eq > 0) jars.get(request)?.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
        callback(null, undefined);
      },
    },
  });
}

/** `403::handshake_denied (HTTP 403)`, or the transport failure. */
export function describeBayeuxFailure(
  m: Message & { failure?: { reason?: string; httpCode?: number; exception?: unknown } },
): string {
  const parts = [m.error, m.failure?.reason, m.failure?.httpCode ? `HTTP ${m.failure.httpCode}` : undefined];
  const exception = m.failure?.exception;
  if (exception) parts.push(exception instanceof Error ? exception.message : String(exception));
  return parts.filter(Boolean).join(', ') || 'no reason given';
}

export interface NotificationsOptions {
  /** `{base}/workspace/v3/notifications` */
  url: string;
  /** The session's cookies (WORKSPACE_SESSIONID, ...), name -> value: shared with its HTTP calls, and kept up to date. */
  cookies: Map<string, string>;
  apiKey: string | undefined;
  timeoutMs: number;
}

/** A handshaken CometD client for one Workspace session; rejects naming the handshake's failure. */
export async function connectNotifications(options: NotificationsOptions): Promise<CometDClient> {
  adaptOnce();
  const cometd = new CometD();
  cometd.unregisterTransport('websocket');
  cometd.configure({
    url: options.url,
    logLevel: 'warn',
    ...(options.apiKey ? { requestHeaders: { 'x-api-key': options.apiKey } } : {}),
  });
  (cometd.findTransport('long-polling') as unknown as { context: unknown }).context = {
    jar: options.cookies,
  };
  await within(options.timeoutMs, `CometD handshake with ${options.url}`, (resolve, reject) => {
    cometd.handshake((reply) => {
      if (reply.successful) return resolve(undefined);
      cometd.disconnect();
      reject(new Error(`CometD handshake with ${options.url} failed: ${describeBayeuxFailure(reply)}`));
    });
  }).catch((e: Error) => {
    cometd.disconnect();
    throw e;
  });
  return cometd;
}

/** Subscribes `channel`; resolves once the server confirmed it, rejects naming why it did not. */
export function subscribe(
  cometd: CometDClient,
  channel: string,
  listener: (m: Message) => void,
  timeoutMs: number,
): Promise<void> {
  return within(timeoutMs, `the subscription to ${channel}`, (resolve, reject) => {
    cometd.subscribe(channel, listener, (reply) => {
      if (reply.successful) resolve(undefined);
      else reject(new Error(`CometD subscription to ${channel} failed: ${describeBayeuxFailure(reply)}`));
    });
  });
}

/** A promise settled by `start`, or rejected after `ms` saying what did not happen. */
export function within<T>(
  ms: number,
  what: string,
  start: (resolve: (v: T) => void, reject: (e: Error) => void) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer for ${what} within ${ms} ms`)), ms);
    start(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
