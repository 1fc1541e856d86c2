/**
 * Which scenarios a profile runs: those tagged with the seat of the system under test, minus those
 * needing what the T-Server cannot give (calls, dropped connections and restarts need the simulator's
 * admin API; `@simulator` ones, the embedded simulator).
 */
import type { HarnessConfig } from '../config/schema.ts';

/** What the run found out about the T-Server beyond its configuration. */
export interface TServerReach {
  /**
   * Why the configured admin API (tserver.adminUrl) cannot drop connections or restart the T-Server
   * (a bridge to a real T-Server serves calls only); undefined: it can, or was not asked.
   */
  noServiceability?: string;
}

/** Cucumber tag expression for the configuration's profile; undefined: every scenario. */
export function profileTagExpression(config: HarnessConfig, reach: TServerReach = {}): string | undefined {
  const parts: string[] = [];
  if (config.profile !== 'self') parts.push(`@seat:${config.profile}`);
  const link = config.desktop.link;
  // A Workspace API desktop's recovery after a drop is its GWS session's, which no scenario models yet.
  if (link.type === 'workspace') parts.push('not @serviceability');
  // Only a configured command restarts a recorder the harness did not start.
  if (config.profile === 'recorder' && !config.recorder.restartCommand) parts.push('not @recorder-restart');
  if (config.profile !== 'self' && link.type === 'workspace' && link.url) {
    // A staging GWS: no fault injection and no tlib-json connection for other clients; calls only
    // where a simulator stands in for staging and names its admin API (a rehearsal of the recipe).
    parts.push('not @simulator', 'not @tlib-client', 'not @agent-place');
    if (!config.tserver.adminUrl) parts.push('not @calls');
  } else if (config.profile !== 'self' && config.tserver.mode !== 'embedded') {
    parts.push('not @simulator');
    if (config.tserver.mode === 'tcp' && !config.tserver.adminUrl) parts.push('not @calls', 'not @admin-api');
    else if (reach.noServiceability) parts.push('not @admin-api');
  }
  return parts.length ? parts.join(' and ') : undefined;
}

/** Why a scenario did not run, from its tags: what the profile excludes, else the user's --tags. */
export function notRunReason(
  config: HarnessConfig,
  tags: readonly string[],
  reach: TServerReach = {},
): string {
  const excluded = profileTagExpression(config, reach) ?? '';
  const excludes = (tag: string) => excluded.includes(`not ${tag}`) && tags.includes(tag);
  if (config.profile !== 'self' && !tags.includes(`@seat:${config.profile}`)) {
    return `the ${config.profile} under test takes no part in it (it has no @seat:${config.profile} tag)`;
  }
  if (excludes('@serviceability'))
    return "it drops and restores the desktop's tlib-json connection, which a Workspace API desktop does not have";
  if (excludes('@recorder-restart'))
    return 'it restarts the recorder under test, and no recorder.restartCommand (a command that stops and starts it) is configured';
  if (excludes('@admin-api'))
    return `not applicable to this T-Server: it drops connections and restarts the T-Server, which the harness does only through the simulator, embedded or external (its admin API, tserver.adminUrl), ${reach.noServiceability ? `and the configured admin API cannot (${reach.noServiceability})` : 'and none is configured'}`;
  if (excludes('@simulator'))
    return 'it needs the embedded simulator (fault injection or a configured DN list)';
  if (excludes('@tlib-client'))
    return 'it needs a client connected to the T-Server over tlib-json, which the Workspace API does not give';
  if (excludes('@agent-place'))
    return 'it needs an agent whose place holds a DN besides the one its desktop sends on, which the harness arranges only on its own Workspace API front, not a staging GWS';
  if (excludes('@calls'))
    return 'it needs calls, which only a screencap-cert simulator can create through its admin API (tserver.adminUrl), not a staging GWS';
  return 'not selected by --tags';
}
