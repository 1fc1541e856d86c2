/**
 * The test agents of the simulator's Workspace API front: who can sign in (password grant or
 * authorization code), as which agent, and which places (and their DNs) the agent may activate.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { agentsSchema, type WorkspaceAgent } from '../../config/workspace-agents.ts';
import { parseYaml } from '../../config/yaml.ts';

/**
 * One agent per DN: agent, user name and password `agent<DN>`, place `place<DN>` holding the DN
 * and the agent's voice DNs (`voiceDnsOf`, default none but the DN).
 */
export function defaultAgents(
  dns: readonly string[],
  voiceDnsOf: (dn: string) => readonly string[] = (d) => [d],
): WorkspaceAgent[] {
  return dns.map((d) => ({
    agentId: `agent${d}`,
    username: `agent${d}`,
    password: `agent${d}`,
    places: { [`place${d}`]: [d, ...voiceDnsOf(d).filter((v) => v !== d)] },
  }));
}

/** The DNs of the agent's place that holds `dn`, `dn` first: the session follows the calls on all. */
export function placeDnsOf(agent: WorkspaceAgent, dn: string): string[] {
  const place = Object.values(agent.places).find((dns) => dns.includes(dn)) ?? [dn];
  return [dn, ...place.filter((d) => d !== dn)];
}

/** Test agents from a JSON or YAML file (a list of {agentId, username, password, places}); throws naming what is wrong. */
export function loadAgentsFile(file: string): WorkspaceAgent[] {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`cannot read Workspace API agents from ${file}: ${(e as Error).message}`);
  }
  const result = agentsSchema.safeParse(raw);
  if (!result.success) {
    throw new Error(
      `invalid Workspace API agents in ${file}: ${result.error.issues.map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`).join('; ')}`,
    );
  }
  return result.data;
}

/** The DNs an agent may activate. */
export function dnsOf(agent: WorkspaceAgent): string[] {
  return Object.values(agent.places).flat();
}

const secret = () => randomBytes(18).toString('base64url');

/** Bearer tokens live this long by default: the `expires_in` (43,199 s) the token endpoint announces. */
export const DEFAULT_TOKEN_TTL_MS = 43_199_000;
/** An authorization code must be redeemed this soon after sign-in. */
const CODE_TTL_MS = 5 * 60_000;
/** Live tokens (and codes) held at most: beyond it the oldest is revoked, so a sign-in flood cannot exhaust memory. */
const MAX_LIVE = 100_000;

/**
 * Secrets that expire, in the order issued: all live equally long, so the oldest expire first and
 * are let go as new ones come (no sweep over the whole set).
 */
class ExpiringSecrets<T> {
  private readonly live = new Map<string, { value: T; expires: number }>();

  constructor(private readonly ttlMs: number) {}

  issue(value: T): string {
    this.forgetExpired();
    if (this.live.size >= MAX_LIVE) this.live.delete(this.live.keys().next().value as string);
    const key = secret();
    this.live.set(key, { value, expires: Date.now() + this.ttlMs });
    return key;
  }

  get(key: string): T | undefined {
    const held = this.live.get(key);
    if (!held || held.expires <= Date.now()) return undefined;
    return held.value;
  }

  take(key: string): T | undefined {
    const value = this.get(key);
    this.live.delete(key);
    return value;
  }

  private forgetExpired(): void {
    const now = Date.now();
    for (const [key, held] of this.live) {
      if (held.expires > now) return;
      this.live.delete(key);
    }
  }
}

/** Sign-in, bearer tokens and one-time authorization codes, in memory; tokens and codes expire. */
export class AgentDirectory {
  private readonly tokens: ExpiringSecrets<WorkspaceAgent>;
  private readonly codes = new ExpiringSecrets<{ agent: WorkspaceAgent; redirectUri: string }>(CODE_TTL_MS);

  constructor(
    readonly agents: readonly WorkspaceAgent[],
    tokenTtlMs = DEFAULT_TOKEN_TTL_MS,
  ) {
    this.tokens = new ExpiringSecrets(tokenTtlMs);
  }

  signIn(username: unknown, password: unknown): WorkspaceAgent | undefined {
    return this.agents.find((a) => a.username === username && a.password === password);
  }

  issueToken(agent: WorkspaceAgent): string {
    return this.tokens.issue(agent);
  }

  /** The agent of a token that is live (issued here and not expired). */
  byToken(token: string): WorkspaceAgent | undefined {
    return this.tokens.get(token);
  }

  issueCode(agent: WorkspaceAgent, redirectUri: string): string {
    return this.codes.issue({ agent, redirectUri });
  }

  /** The agent a code was issued to, once; a problem when it is unknown, used, expired, or for another redirect URI. */
  redeemCode(code: string, redirectUri: string | null): WorkspaceAgent | string {
    const issued = this.codes.take(code);
    if (!issued) return 'unknown, expired or already used authorization code';
    if (issued.redirectUri !== redirectUri)
      return `redirect_uri ${JSON.stringify(redirectUri)} is not the one the code was issued for`;
    return issued.agent;
  }
}
