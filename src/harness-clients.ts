/**
 * How the harness names its own T-Server clients, so any evidence (the simulator's journal, a SIP
 * Server log of a run) can tell them apart: `screencap-harness-<party>`, where the party says the
 * seat it plays (`desktop`, `desktop 7002`, `recorder-2`) or that it plays none (`client`, a probe
 * sending deliberately malformed requests; `bystander`, a client that must receive nothing).
 */
import type { Role } from './rules/observations.ts';

/** Application names of the harness's own clients start with this. */
export const HARNESS_APP_PREFIX = 'screencap-harness-';

export function isHarnessApplication(name: string | undefined): boolean {
  return name?.startsWith(HARNESS_APP_PREFIX) ?? false;
}

/** The harness client's application name for a party (`desktop 7002` -> `screencap-harness-desktop-7002`). */
export function harnessApplicationName(party: string): string {
  return `${HARNESS_APP_PREFIX}${party.replace(/\s+/g, '-')}`;
}

/** The role a harness client plays, from its application name; undefined for any other client. */
export function harnessRoleOf(name: string | undefined): Role | undefined {
  if (!isHarnessApplication(name)) return undefined;
  const party = (name as string).slice(HARNESS_APP_PREFIX.length);
  if (/^desktop\b/.test(party)) return 'desktop';
  if (/^recorder\b/.test(party)) return 'recorder';
  return 'client';
}
