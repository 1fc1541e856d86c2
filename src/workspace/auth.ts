/**
 * Signing in to the Workspace API. Credentials come only from the environment and appear in no
 * message: GWS_API_KEY, then one of GWS_TOKEN; GWS_AUTH_CODE + GWS_REDIRECT_URI; or GWS_USERNAME +
 * GWS_PASSWORD (+ GWS_CLIENT_ID / GWS_CLIENT_SECRET) for the Authentication API's password grant.
 * A second agent's variables carry a suffix (GWS_USERNAME_2, ...); the API key, client and redirect
 * URI are shared.
 */
import { describeReply, type WorkspaceHttp } from './http.ts';

export type WorkspaceCredentials =
  | { kind: 'token'; token: string }
  | { kind: 'code'; code: string; redirectUri: string }
  | { kind: 'password'; username: string; password: string; clientId?: string; clientSecret?: string };

export interface WorkspaceAuth {
  apiKey?: string;
  credentials: WorkspaceCredentials;
}

/** The sign-in of the agent whose variables end with `suffix` (`''` for the first, `_2` for the second). */
export function authFromEnv(env: NodeJS.ProcessEnv = process.env, suffix = ''): WorkspaceAuth {
  const get = (name: string) => env[name] || undefined;
  const apiKey = get('GWS_API_KEY');
  const withKey = (credentials: WorkspaceCredentials): WorkspaceAuth => ({
    ...(apiKey ? { apiKey } : {}),
    credentials,
  });
  const token = get(`GWS_TOKEN${suffix}`);
  if (token) return withKey({ kind: 'token', token });
  const code = get(`GWS_AUTH_CODE${suffix}`);
  if (code) {
    const redirectUri = get('GWS_REDIRECT_URI');
    if (!redirectUri)
      throw new Error(
        `GWS_AUTH_CODE${suffix} is set but GWS_REDIRECT_URI is not: the authorization code flow needs both`,
      );
    return withKey({ kind: 'code', code, redirectUri });
  }
  const username = get(`GWS_USERNAME${suffix}`);
  const password = get(`GWS_PASSWORD${suffix}`);
  if (username && password) {
    const clientId = get('GWS_CLIENT_ID');
    const clientSecret = get('GWS_CLIENT_SECRET');
    return withKey({
      kind: 'password',
      username,
      password,
      ...(clientId ? { clientId } : {}),
      ...(clientSecret ? { clientSecret } : {}),
    });
  }
  throw new Error(
    `no Workspace API credentials in the environment: set GWS_TOKEN${suffix}, or GWS_AUTH_CODE${suffix} with GWS_REDIRECT_URI, or GWS_USERNAME${suffix} with GWS_PASSWORD${suffix}` +
      (username || password
        ? ` (only ${username ? `GWS_USERNAME${suffix}` : `GWS_PASSWORD${suffix}`} is set)`
        : ''),
  );
}

/** The Authentication API's password grant: a bearer token for the user. */
export async function passwordGrant(
  auth: WorkspaceHttp,
  credentials: Extract<WorkspaceCredentials, { kind: 'password' }>,
): Promise<string> {
  const form = new URLSearchParams({
    grant_type: 'password',
    username: credentials.username,
    password: credentials.password,
    scope: '*',
  });
  if (credentials.clientId) form.set('client_id', credentials.clientId);
  const basic = credentials.clientId
    ? Buffer.from(`${credentials.clientId}:${credentials.clientSecret ?? ''}`).toString('base64')
    : undefined;
  const reply = await auth.post('/auth/v3/oauth/token', {
    form,
    ...(basic ? { headers: { authorization: `Basic ${basic}` } } : {}),
  });
  const token = reply.body?.access_token;
  if (reply.httpStatus !== 200 || typeof token !== 'string') {
    const oauth = reply.body?.error
      ? `: ${reply.body.error}${reply.body.error_description ? ` (${reply.body.error_description})` : ''}`
      : '';
    throw new Error(
      `sign-in of ${credentials.username} failed: HTTP ${reply.httpStatus} ${reply.call}${oauth || (reply.body?.status ? `: ${describeReply(reply)}` : '')}`,
    );
  }
  return token;
}

/**
 * initialize-workspace: starts the session (the server sets its session cookie in `gws`'s cookies).
 * `auth` is the Authentication API (the GWS base URL unless told otherwise), used by the password grant.
 */
export async function initializeWorkspace(
  gws: WorkspaceHttp,
  sign: WorkspaceAuth,
  auth: WorkspaceHttp = gws,
): Promise<void> {
  const c = sign.credentials;
  const token =
    c.kind === 'token' ? c.token : c.kind === 'password' ? await passwordGrant(auth, c) : undefined;
  const reply = await gws.post('/workspace/v3/initialize-workspace', {
    ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
    ...(c.kind === 'code' ? { query: { code: c.code, redirect_uri: c.redirectUri } } : {}),
  });
  const code = reply.body?.status?.code;
  if (reply.httpStatus >= 300 || (code !== 0 && code !== 1))
    throw new Error(
      `Workspace API sign-in (${c.kind === 'code' ? 'authorization code' : 'bearer token'}) refused: ${describeReply(reply)}`,
    );
  // The session is whatever cookies the server set (WORKSPACE_SESSIONID for a GWS, WWE_CODE for
  // Genesys's Agent API Simulator): all are sent back, none is required by name; one that does not
  // hold shows as the 401/403 of the next call.
}
