/**
 * Which scenarios a profile runs: those tagged with the seat of the system under test, minus those
 * needing what the T-Server cannot give (calls and faults need the simulator's admin API).
 */
import type { HarnessConfig } from '../config/schema.ts';

/** Cucumber tag expression for the configuration's profile; undefined: every scenario. */
export function profileTagExpression(config: HarnessConfig): string | undefined {
  const parts: string[] = [];
  if (config.profile !== 'self') parts.push(`@seat:${config.profile}`);
  const link = config.desktop.link;
  if (config.profile !== 'self' && link.type === 'workspace' && link.url) {
    // A staging GWS: no admin API for calls or faults, and no tlib-json connection for other clients.
    parts.push('not @simulator', 'not @calls', 'not @tlib-client');
  } else if (config.profile !== 'self' && config.tserver.mode !== 'embedded') {
    parts.push('not @simulator');
    if (config.tserver.mode === 'tcp' && !config.tserver.adminUrl) parts.push('not @calls');
  }
  return parts.length ? parts.join(' and ') : undefined;
}

/** Why the profile does not run a scenario, from its tags. */
export function notRunReason(config: HarnessConfig, tags: readonly string[]): string {
  if (config.profile !== 'self' && !tags.includes(`@seat:${config.profile}`)) {
    return `the ${config.profile} under test takes no part in it (it has no @seat:${config.profile} tag)`;
  }
  if (tags.includes('@simulator'))
    return 'it needs the embedded simulator (fault injection or a configured DN list)';
  if (tags.includes('@tlib-client'))
    return 'it needs a client connected to the T-Server over tlib-json, which the Workspace API does not give';
  if (tags.includes('@calls'))
    return 'it needs calls, which only a screencap-cert simulator can create (tserver.adminUrl; not through a staging GWS)';
  return 'not selected';
}
