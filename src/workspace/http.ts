/**
 * HTTP to the Workspace API as its clients do it: JSON bodies, the API key on every request, and
 * every cookie the server sets (the session's, whatever its name) sent back on every later request.
 * Failures name the method, path and HTTP status, never a credential.
 */

export interface WorkspaceReply {
  httpStatus: number;
  /** The parsed JSON body (`{status: {code, message}, data?}`), or undefined when there is none. */
  body: WorkspaceBody | undefined;
  /** `POST /workspace/v3/activate-channels`: what was called, for messages. */
  call: string;
}

export interface WorkspaceBody {
  status?: { code?: number; message?: string };
  [field: string]: unknown;
}

/** A call that got no HTTP answer, or an answer that is not JSON. */
export class WorkspaceHttpError extends Error {
  override name = 'WorkspaceHttpError';
}

export class WorkspaceHttp {
  /** Cookie name -> value, as the server set them. */
  readonly cookies = new Map<string, string>();
  readonly base: URL;

  constructor(
    baseUrl: string,
    private readonly apiKey: string | undefined,
    private readonly timeoutMs: number,
  ) {
    this.base = new URL(baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  }

  /** `POST path` with an optional JSON body; resolves with any HTTP status, rejects only when nothing usable came back. */
  async post(
    path: string,
    options: {
      json?: unknown;
      form?: URLSearchParams;
      query?: Record<string, string>;
      headers?: Record<string, string>;
    } = {},
  ): Promise<WorkspaceReply> {
    const url = new URL(path.replace(/^\//, ''), this.base);
    for (const [k, v] of Object.entries(options.query ?? {})) url.searchParams.set(k, v);
    const call = `POST ${url.pathname}`;
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (this.apiKey) headers['x-api-key'] = this.apiKey;
    if (this.cookies.size) headers.cookie = this.cookieHeader();
    let body: string | undefined;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = options.form.toString();
    }
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers,
        ...(body === undefined ? {} : { body }),
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      const cause = (e as Error & { cause?: Error }).cause?.message ?? (e as Error).message;
      throw new WorkspaceHttpError(`${call} to ${this.base.origin} failed: ${cause}`);
    }
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq > 0) this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    const text = await res.text();
    if (text === '') return { httpStatus: res.status, body: undefined, call };
    try {
      return { httpStatus: res.status, body: JSON.parse(text) as WorkspaceBody, call };
    } catch {
      throw new WorkspaceHttpError(
        `${call} answered HTTP ${res.status} with a body that is not JSON: ${JSON.stringify(text.slice(0, 120))}`,
      );
    }
  }

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

/** The operation succeeded: HTTP 2xx and status code 0 (synchronous) or 1 (asynchronous). */
export function accepted(reply: WorkspaceReply): boolean {
  const code = reply.body?.status?.code;
  return reply.httpStatus >= 200 && reply.httpStatus < 300 && (code === 0 || code === 1);
}

/** `HTTP 400 POST /workspace/v3/activate-channels: status 400: DN 7009 is not in a place of agent a1` */
export function describeReply(reply: WorkspaceReply): string {
  const status = reply.body?.status;
  const detail = status
    ? `status ${status.code}${status.message ? `: ${status.message}` : ''}`
    : 'no status in the body';
  return `HTTP ${reply.httpStatus} ${reply.call}: ${detail}`;
}
