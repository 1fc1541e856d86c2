/**
 * The test agents of the simulator's Workspace API front: who can sign in (password grant or
 * authorization code), as which agent, and which places (and their DNs) the agent may activate.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { dnProblem } from '../../tlib/codec.ts';

const dn = z.string().refine((v) => dnProblem(v) === undefined, { message: 'expected a DN' });

export const agentSchema = z
  .object({
    agentId: z.string().min(1),
    username: z.string().min(1),
    password: z.string().min(1),
    /** Place name -> the DNs of that place. */
    places: z.record(z.string().min(1), z.array(dn).min(1)),
  })
  .strict();

export const agentsSchema = z.array(agentSchema).min(1);

export type WorkspaceAgent = z.infer<typeof agentSchema>;

/** One agent per DN: agent, user name and password `agent<DN>`, place `place<DN>` holding the DN. */
export function defaultAgents(dns: readonly string[]): WorkspaceAgent[] {
  return dns.map((d) => ({
    agentId: `agent${d}`,
    username: `agent${d}`,
    password: `agent${d}`,
    places: { [`place${d}`]: [d] },
  }));
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

/** Sign-in, bearer tokens and one-time authorization codes, in memory. */
export class AgentDirectory {
  private readonly tokens = new Map<string, WorkspaceAgent>();
  private readonly codes = new Map<string, { agent: WorkspaceAgent; redirectUri: string }>();

  constructor(readonly agents: readonly WorkspaceAgent[]) {}

  signIn(username: unknown, password: unknown): WorkspaceAgent | undefined {
    return this.agents.find((a) => a.username === username && a.password === password);
  }

  issueToken(agent: WorkspaceAgent): string {
    const token = secret();
    this.tokens.set(token, agent);
    return token;
  }

  byToken(token: string): WorkspaceAgent | undefined {
    return this.tokens.get(token);
  }

  issueCode(agent: WorkspaceAgent, redirectUri: string): string {
    const code = secret();
    this.codes.set(code, { agent, redirectUri });
    return code;
  }

  /** The agent a code was issued to, once; a problem when it is unknown, used, or for another redirect URI. */
  redeemCode(code: string, redirectUri: string | null): WorkspaceAgent | string {
    const issued = this.codes.get(code);
    if (!issued) return 'unknown or already used authorization code';
    this.codes.delete(code);
    if (issued.redirectUri !== redirectUri)
      return `redirect_uri ${JSON.stringify(redirectUri)} is not the one the code was issued for`;
    return issued.agent;
  }
}
