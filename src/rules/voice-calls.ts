/**
 * Which call is "the voice call" of an agent (seed 1.1: connectionID "Set to the connection ID of
 * the voice call if available"; AttrThisDN "must be registered by the T-Client, but not necessary be
 * a party on the call"). An agent's desktop sends on one DN; its calls are on its voice DNs (by
 * default that same DN). The calls are rebuilt from the T-Server's call events on those DNs:
 * EventEstablished, EventHeld, EventRetrieved, EventPartyChanged (the call goes on under ConnID,
 * no longer under PreviousConnID) and EventReleased.
 */
import { DISCONNECTED, isPseudo, TSERVER_RESTARTED } from '../journal.ts';
import { CALL_EVENT_NAMES } from '../tlib/messages.ts';
import { before } from './exchanges.ts';
import type { WireRecord } from './observations.ts';

/**
 * With two calls (one held, one established: a consultation), which is the voice call:
 * `established` the one the agent talks on (default), `held` the one on hold (the customer's),
 * `either` both are accepted.
 */
export const VOICE_CALL_READINGS = ['established', 'held', 'either'] as const;
export type VoiceCallReading = (typeof VOICE_CALL_READINGS)[number];

export interface AgentModel {
  /** The voice DNs of the agent whose desktop sends on `dn`. */
  voiceDnsOf(dn: string): readonly string[];
  voiceCall: VoiceCallReading;
  /** Whether the configuration says where the agents' calls are (else evidence may tell). */
  configured?: boolean;
}

/** Each agent's calls on its own DN, the established call the voice call: the narrowest model. */
export const SAME_DN_AGENTS: AgentModel = { voiceDnsOf: (dn) => [dn], voiceCall: 'established' };

/** The model from the configuration's `agents` section (voiceDns: send DN -> voice DNs). */
export function agentModel(agents: {
  voiceDns?: Readonly<Record<string, readonly string[]>>;
  voiceCall?: VoiceCallReading;
}): AgentModel {
  const voiceDns = agents.voiceDns ?? {};
  return {
    voiceDnsOf: (dn) => (Object.hasOwn(voiceDns, dn) ? (voiceDns[dn] as readonly string[]) : [dn]),
    voiceCall: agents.voiceCall ?? 'established',
    // Given at all, the configuration is the whole agent model: DNs it does not name are their own.
    configured: Object.keys(voiceDns).length > 0,
  };
}

export interface AgentCall {
  connId: string;
  dn: string;
  state: 'established' | 'held';
  /** When it was established (µs): the latest is the last. */
  since: number;
}

/** What a ConnID was, for a finding: released, renamed, or on another DN. */
export interface ConnIdHistory {
  dn: string;
  /** The event that ended it under this ConnID, if one did. */
  ended?: 'EventReleased' | 'EventPartyChanged';
  /** After EventPartyChanged, the ConnID it went on under. */
  becomes?: string;
}

/**
 * Where a log shows an agent's calls when the configuration does not say: besides the DN its
 * desktop sends on, every DN that desktop registered, since a T-Server tells a client of the calls
 * on the DNs it registered, and of no others (a desktop on a DN that is no party on the call
 * registers the agent's voice DN to learn the call).
 */
export function withRegisteredDns(
  agents: AgentModel,
  registeredBy: (dn: string) => Iterable<string>,
): AgentModel {
  return {
    ...agents,
    voiceDnsOf: (dn) =>
      agents.configured
        ? agents.voiceDnsOf(dn)
        : [...new Set([...agents.voiceDnsOf(dn), ...registeredBy(dn)])],
  };
}

/**
 * The call events of a set of records, per DN and observer, to replay at any moment. A client that
 * loses its connection knows no call from then on until the T-Server tells it again (the simulator
 * tells a client registering a DN of the calls already there: docs/call-events.md).
 */
export class CallHistory {
  /** Per DN, per client, the call events it received and its disconnections (in its order). */
  private readonly byDnClient = new Map<string, Map<string, WireRecord[]>>();
  /** Per DN, the view for a client that followed no call there itself: a desktop's first (the agent's own). */
  private readonly byDn = new Map<string, WireRecord[]>();
  /** Every ConnID any call event named, with what became of it. */
  readonly connIds = new Map<string, ConnIdHistory>();

  constructor(records: readonly WireRecord[]) {
    for (const r of records) {
      if (isPseudo(r.entry, DISCONNECTED)) {
        for (const clients of this.byDnClient.values()) clients.get(r.client)?.push(r);
        continue;
      }
      if (r.sent || !CALL_EVENT_NAMES.has(r.message.message)) continue;
      const { ThisDN: dn, ConnID: connId } = r.message;
      if (typeof dn !== 'string' || typeof connId !== 'string') continue;
      const clients = this.byDnClient.get(dn) ?? new Map<string, WireRecord[]>();
      this.byDnClient.set(dn, clients);
      const list = clients.get(r.client) ?? [];
      clients.set(r.client, list);
      list.push(r);
      this.note(dn, r);
    }
    for (const [dn, clients] of this.byDnClient) {
      const views = [...clients.values()];
      this.byDn.set(dn, views.find((v) => v[0]?.role === 'desktop') ?? (views[0] as WireRecord[]));
    }
  }

  private note(dn: string, r: WireRecord): void {
    const connId = r.message.ConnID as string;
    const name = r.message.message;
    if (name === 'EventPartyChanged' && typeof r.message.PreviousConnID === 'string') {
      this.connIds.set(r.message.PreviousConnID, { dn, ended: name, becomes: connId });
    }
    const known = this.connIds.get(connId);
    if (!known) this.connIds.set(connId, { dn });
    if (name === 'EventReleased') this.connIds.set(connId, { dn, ended: name });
  }

  /**
   * The calls on `dns` before `at`, as `at`'s client knew them where it followed them (else as another
   * client saw them). Each DN's events are replayed up to `at`; a request's replay goes on from the
   * previous request's (the rules ask request by request, in log order: a busy DN's replay is done
   * once, not once per request).
   */
  callsAt(dns: readonly string[], at: WireRecord): AgentCall[] {
    const calls = new Map<string, AgentCall>();
    for (const dn of dns) {
      const own = this.byDnClient.get(dn)?.get(at.client);
      const events = own ?? this.byDn.get(dn) ?? [];
      const replay = dns.length === 1 && at.sent ? this.resumed(events, own !== undefined, at) : undefined;
      if (replay) {
        replayCalls(replay.calls, dn, events, replay.next, at, own !== undefined);
        replay.next = replayed(events, replay.next, at);
        replay.at = at;
        for (const [id, call] of replay.calls) calls.set(id, { ...call });
      } else replayCalls(calls, dn, events, 0, at, own !== undefined);
    }
    return [...calls.values()].sort((a, b) => a.since - b.since);
  }

  /** Replays kept per list of events and view (own or not), for requests asked in order. */
  private readonly replays = new Map<WireRecord[], { own?: Replay; other?: Replay }>();

  /**
   * The replay of `events` to go on from for a request `at`: the last one's, if it was of an earlier
   * request (a request is ordered by time alone, so every event before that one is before `at`).
   */
  private resumed(events: WireRecord[], own: boolean, at: WireRecord): Replay {
    const views = this.replays.get(events) ?? {};
    this.replays.set(events, views);
    const view = own ? 'own' : 'other';
    const last = views[view];
    if (last && !before(at, last.at)) return last;
    const fresh: Replay = { calls: new Map(), next: 0, at };
    views[view] = fresh;
    return fresh;
  }
}

/** A DN's calls replayed up to some request: the next event to replay, and the request. */
interface Replay {
  calls: Map<string, AgentCall>;
  next: number;
  at: WireRecord;
}

/** The index of the first of `events[from...]` not before `at`. */
function replayed(events: readonly WireRecord[], from: number, at: WireRecord): number {
  let i = from;
  while (i < events.length && before(events[i] as WireRecord, at)) i++;
  return i;
}

/** Applies `events[from...]` before `at` to `calls` (see callsAt). */
function replayCalls(
  calls: Map<string, AgentCall>,
  dn: string,
  events: readonly WireRecord[],
  from: number,
  at: WireRecord,
  own: boolean,
): void {
  for (let i = from; i < events.length; i++) {
    const r = events[i] as WireRecord;
    if (!before(r, at)) break;
    if (isPseudo(r.entry, DISCONNECTED)) {
      // What the client lost with its connection. Another client's drop ends no call (a
      // T-Server restart ends every one): a client that reconnected as a new one and learnt
      // its calls otherwise than by call events (a real T-Server announces none on
      // registering; a desktop asks for them) is judged by the calls as they are.
      if (own || r.message.Cause === TSERVER_RESTARTED)
        for (const [id, call] of calls) if (call.dn === dn) calls.delete(id);
      continue;
    }
    const connId = r.message.ConnID as string;
    switch (r.message.message) {
      case 'EventEstablished':
        calls.set(connId, { connId, dn, state: 'established', since: r.entry.micros });
        break;
      case 'EventHeld':
      case 'EventRetrieved': {
        const call = calls.get(connId);
        if (call) call.state = r.message.message === 'EventHeld' ? 'held' : 'established';
        break;
      }
      case 'EventPartyChanged': {
        const previous = calls.get(r.message.PreviousConnID as string);
        calls.delete(r.message.PreviousConnID as string);
        calls.set(
          connId,
          previous ? { ...previous, connId } : { connId, dn, state: 'established', since: r.entry.micros },
        );
        break;
      }
      case 'EventReleased':
        calls.delete(connId);
    }
  }
}

/** The ConnIDs the operation may carry by `reading`: none (absent) when the agent has no call. */
export function voiceCallConnIds(calls: readonly AgentCall[], reading: VoiceCallReading): string[] {
  if (reading === 'either') return calls.map((c) => c.connId);
  const preferred = calls.filter((c) => c.state === reading);
  const latest = (preferred.length ? preferred : calls).at(-1);
  return latest ? [latest.connId] : [];
}
