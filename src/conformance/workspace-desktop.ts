/**
 * The harness's desktop on the Workspace API (config `desktop.link.type: workspace`): where it signs
 * in and as whom, for each agent DN. Against a configured GWS (a staging environment), the agents
 * come from the configuration and their credentials from the environment; without a URL, from the
 * simulator's Workspace API front, whose test agents the harness knows.
 */
import type { HarnessConfig } from '../config/schema.ts';
import type { WorkspaceAgent } from '../config/workspace-agents.ts';
import type { Journal } from '../journal.ts';
import type { WorkspaceLink } from '../link/workspace-link.ts';
import { type AgentModel, agentModel } from '../rules/voice-calls.ts';
import { defaultAgents, dnsOf } from '../sim/workspace/agents.ts';
import { authFromEnv, type WorkspaceAuth } from '../workspace/auth.ts';

export interface WorkspaceSeat {
  url: string;
  authUrl?: string;
  /** Who signs in to act on `dn`. */
  agentFor(dn: string): { agentId: string; place?: string; auth: WorkspaceAuth };
}

/** The configured GWS, when the desktop's link is the Workspace API with a URL. */
export function stagingSeat(
  config: HarnessConfig,
  env: NodeJS.ProcessEnv = process.env,
): WorkspaceSeat | undefined {
  const link = config.desktop.link;
  if (link.type !== 'workspace' || !link.url) return undefined;
  return {
    url: link.url,
    ...(link.authUrl ? { authUrl: link.authUrl } : {}),
    agentFor(dn) {
      const i = config.agents.dns.indexOf(dn);
      const agent = link.agents?.[i];
      if (!agent)
        throw new Error(
          `no Workspace API agent is configured for DN ${dn} (desktop.link.agents pairs with agents.dns ${config.agents.dns.join(', ')})`,
        );
      // The first agent's credentials are GWS_*, the second's GWS_*_2, ...
      return { ...agent, auth: authFromEnv(env, i === 0 ? '' : `_${i + 1}`) };
    },
  };
}

/**
 * The test agents of the simulator's front for the configuration: the configured ones, or one per
 * agent DN, whose place also holds the agent's voice DNs (`agents`, default agents.voiceDns).
 */
export function frontAgents(
  config: HarnessConfig,
  agents: AgentModel = agentModel(config.agents),
): WorkspaceAgent[] {
  return config.tserver.workspaceAgents ?? defaultAgents(config.agents.dns, (dn) => agents.voiceDnsOf(dn));
}

/** The simulator's front at `url`, signing in as its test agents (password grant). */
export function frontSeat(url: string, agents: readonly WorkspaceAgent[]): WorkspaceSeat {
  return {
    url,
    agentFor(dn) {
      const agent = agents.find((a) => dnsOf(a).includes(dn));
      if (!agent) throw new Error(`no test agent of the Workspace API front has DN ${dn}`);
      return {
        agentId: agent.agentId,
        auth: { credentials: { kind: 'password', username: agent.username, password: agent.password } },
      };
    },
  };
}

/** The Workspace API client (CometD and its transports) is loaded only by the runs that use it. */
export async function connectWorkspaceDesktop(
  seat: WorkspaceSeat,
  dn: string,
  options: { party: string; journal?: Journal; timeoutMs: number },
): Promise<WorkspaceLink> {
  const { WorkspaceLink } = await import('../link/workspace-link.ts');
  return WorkspaceLink.connect({
    url: seat.url,
    ...(seat.authUrl ? { authUrl: seat.authUrl } : {}),
    ...seat.agentFor(dn),
    ...options,
  });
}
