/**
 * Who is who in a SIP Server log: each client (known by its client number), its application name,
 * the seat it plays, and whether the log shows its whole session.
 *
 * The seat comes from application-name patterns when the config gives them for that seat (then
 * only matching clients play it), else from what the client sends: screen-capture operations make
 * a desktop, indications a recorder. Any other client is judged only as a T-Server client.
 */

import { isIndication, isOperation } from '../domain/screencap.ts';
import { harnessRoleOf } from '../harness-clients.ts';
import type { JournalEntry, SourceRef } from '../journal.ts';
import { captureOf } from '../rules/exchanges.ts';
import type { Role } from '../rules/observations.ts';
import type { ClientSession } from './retain.ts';

export interface RolePatterns {
  desktop?: readonly RegExp[];
  recorder?: readonly RegExp[];
}

export interface LogParty {
  /** The journal's name for it: `client 0000000b`. */
  id: string;
  application: string;
  role: Role;
  /** How the role was found, for people. */
  why: string;
  /** The DNs it registered in the log. */
  dns: string[];
  /**
   * Set when the log shows the T-Server serving it (an EventACK, an event) but not its
   * RequestRegisterClient: it registered before the log begins. Its first message in the log.
   */
  joinedBefore?: SourceRef;
}

interface Evidence {
  application: string;
  operations: number;
  indications: number;
  registered: boolean;
  served: boolean;
  dns: Set<string>;
  first: SourceRef | undefined;
}

function byPattern(application: string, patterns: RolePatterns): { role: Role; why: string } | undefined {
  for (const role of ['desktop', 'recorder'] as const) {
    const hit = patterns[role]?.find((p) => p.test(application));
    if (hit) return { role, why: `its application name matches the ${role} pattern ${hit}` };
  }
  return undefined;
}

/**
 * A harness client's name says its seat (a probe sending malformed requests plays none); a client
 * the T-Server never served (it never registered, so every request was refused) plays none either.
 */
function byName(e: Evidence): { role: Role; why: string } | undefined {
  const role = harnessRoleOf(e.application);
  if (role)
    return {
      role,
      why: `it is the harness's ${role === 'client' ? 'probe client' : role} (its application name)`,
    };
  if (!e.registered && !e.served)
    return {
      role: 'client',
      why: 'the T-Server served none of its requests (it never registered as a client)',
    };
  return undefined;
}

function byTraffic(e: Evidence, patterns: RolePatterns): { role: Role; why: string } {
  const desktop = e.operations > 0 && !patterns.desktop;
  const recorder = e.indications > 0 && !patterns.recorder;
  if (desktop && (!recorder || e.operations >= e.indications))
    return { role: 'desktop', why: `it sends screen-capture operations (${e.operations})` };
  if (recorder) return { role: 'recorder', why: `it sends screen-capture indications (${e.indications})` };
  const sends = e.operations + e.indications > 0 ? ', and its application name matches no seat pattern' : '';
  return { role: 'client', why: `it sends no screen-capture operation or indication${sends}` };
}

/**
 * The parties of the kept `entries`. `sessions`: what the log showed of each client's registration
 * (retain.ts keeps it apart from the entries); without it, the entries say.
 */
export function identifyParties(
  entries: readonly JournalEntry[],
  patterns: RolePatterns = {},
  sessions: ReadonlyMap<string, ClientSession> = new Map(),
): Map<string, LogParty> {
  const evidence = new Map<string, Evidence>();
  for (const entry of entries) {
    if (entry.peerId === undefined) continue;
    let e = evidence.get(entry.peerId);
    if (!e) {
      const session = sessions.get(entry.peerId);
      e = {
        application: '',
        operations: 0,
        indications: 0,
        registered: session?.registered ?? false,
        served: session?.served ?? false,
        dns: new Set(),
        first: session ? session.first : entry.source,
      };
      evidence.set(entry.peerId, e);
    }
    if (entry.peerApplication) e.application = entry.peerApplication;
    const m = entry.message;
    if (entry.direction === 'in') {
      if (m.message === 'RequestRegisterClient') e.registered = true;
      if (m.message === 'RequestSendEvent') {
        const value = captureOf(m);
        if (isOperation(value)) e.operations++;
        if (isIndication(value)) e.indications++;
      }
    } else {
      if (m.message !== 'EventError') e.served = true;
      if (m.message === 'EventRegistered' && typeof m.ThisDN === 'string') e.dns.add(m.ThisDN);
    }
  }
  const parties = new Map<string, LogParty>();
  for (const [id, e] of evidence) {
    const { role, why } = byPattern(e.application, patterns) ?? byName(e) ?? byTraffic(e, patterns);
    parties.set(id, {
      id,
      application: e.application,
      role,
      why,
      dns: [...e.dns],
      ...(!e.registered && e.served && e.first ? { joinedBefore: e.first } : {}),
    });
  }
  return parties;
}

/** The config's `applications` patterns (validated there) as regular expressions. */
export function rolePatterns(applications: {
  desktop?: readonly string[];
  recorder?: readonly string[];
}): RolePatterns {
  return {
    ...(applications.desktop ? { desktop: applications.desktop.map((p) => new RegExp(p)) } : {}),
    ...(applications.recorder ? { recorder: applications.recorder.map((p) => new RegExp(p)) } : {}),
  };
}
