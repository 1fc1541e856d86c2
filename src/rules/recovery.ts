/**
 * The interruptions in the evidence and how each party recovered from them, read once: the
 * recovery rules (REC-RECOVERS, DESK-RECOVERS, DESK-NO-RESEND) judge these episodes, and the
 * certificate's Serviceability section lists them with their times.
 */
import { DISCONNECTED, isPseudo, RESTARTED, TSERVER_RESTARTED } from '../journal.ts';
import type { Interruption } from '../result/outcomes.ts';
import { show } from '../tlib/codec.ts';
import { TErr } from '../tlib/errors.ts';
import { type Answer, before, captureOf, type Exchanges, type SentRequest } from './exchanges.ts';
import type { WireRecord } from './observations.ts';

/** One thing a party had to do to recover, and where it did it (undefined: it did not). */
export interface RecoveryStep {
  what: string;
  record: WireRecord | undefined;
  /** It must be done within the recovery time (an answer need only come). */
  timed: boolean;
  /** What it answers, when it answers something (the operation). */
  about?: WireRecord;
}

/** A drop of a party's connection, or a restart of the party, and what followed until the next one. */
export interface RecoveryEpisode {
  role: 'desktop' | 'recorder';
  /** `the recorder Mock_Recorder` */
  who: string;
  /** The DISCONNECTED (with a Cause) or RESTARTED record. */
  drop: WireRecord;
  /** The party's records after the drop, up to its next interruption. */
  after: WireRecord[];
  steps: RecoveryStep[];
}

/** `the recorder`, or `the recorder Mock_Recorder` when the party has a name of its own. */
const partyWords = (role: string, name: string) => (name === role ? `the ${role}` : `the ${role} ${name}`);

/** A drop the evidence says was imposed (a client leaving on its own has no Cause), or a restart of the party. */
const interrupts = (r: WireRecord) =>
  (isPseudo(r.entry, DISCONNECTED) && r.message.Cause !== undefined) || isPseudo(r.entry, RESTARTED);

/**
 * Each interruption of a party of `role`: it must register as a client again and re-register every
 * DN it monitored just before; a recorder must then answer the next operation it receives. A party
 * is its application: the harness's own keep their name across connections, a system under test
 * keeps its ApplicationName.
 */
export function recoveryEpisodes(
  ex: Exchanges,
  role: 'desktop' | 'recorder',
  answers: () => readonly Answer[],
): RecoveryEpisode[] {
  const parties = new Map<string, WireRecord[]>();
  for (const c of ex.clients.filter((c) => ex.roleOf(c) === role)) {
    const records = ex.recordsOf(c);
    const name = records.find((r) => r.entry.peerApplication)?.entry.peerApplication ?? c;
    parties.set(name, [...(parties.get(name) ?? []), ...records]);
  }
  const episodes: RecoveryEpisode[] = [];
  for (const [name, unordered] of parties) {
    const who = partyWords(role, name);
    const records = unordered.sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
    records.forEach((drop, i) => {
      if (!interrupts(drop)) return;
      const next = records.findIndex((r, j) => j > i && interrupts(r));
      const after = records.slice(i + 1, next === -1 ? undefined : next);
      const received = (message: string, dn?: string) =>
        after.find(
          (r) => !r.sent && r.message.message === message && (dn === undefined || r.message.ThisDN === dn),
        );
      const steps: RecoveryStep[] = [
        {
          what: 'register as a client again (EventClientRegistered)',
          record: received('EventClientRegistered'),
          timed: true,
        },
        ...ex.monitoredDns(drop.client, drop).map((dn) => ({
          what: `re-register DN ${dn} (EventRegistered)`,
          record: received('EventRegistered', dn),
          timed: true,
        })),
      ];
      const answer =
        role === 'recorder' ? answers().find((a) => after.includes(a.operationRecord)) : undefined;
      if (answer)
        steps.push({
          what: `answer the first operation after recovering (${answer.operation} on ${show(answer.dn)})`,
          record: answer.indication,
          timed: false,
          about: answer.operationRecord,
        });
      episodes.push({ role, who, drop, after, steps });
    });
  }
  return episodes;
}

/** A desktop's operation refused because the link to the switch was down, and its retries of it. */
export interface LinkDownEpisode {
  refused: SentRequest;
  /** The same operation on the same DN, sent again before the desktop sent another there. */
  retries: SentRequest[];
  /** The first of the desktop's requests after the refusal that the T-Server accepted (EventACK). */
  accepted: SentRequest | undefined;
}

/**
 * Each desktop operation refused with TERR_NO_SWITCH, with the retries it prompted: refusals while
 * the link stays down, and their retries, are one episode.
 */
export function linkDownEpisodes(ex: Exchanges): LinkDownEpisode[] {
  const byClient = new Map<string, SentRequest[]>();
  for (const r of ex.sendEvents((r) => r.record.role === 'desktop'))
    byClient.set(r.record.client, [...(byClient.get(r.record.client) ?? []), r]);
  const episodes: LinkDownEpisode[] = [];
  const judged = new Set<SentRequest>();
  for (const requests of byClient.values()) {
    requests.forEach((refused, i) => {
      if (judged.has(refused) || refused.error?.message.ErrorCode !== TErr.NO_SWITCH) return;
      const operation = captureOf(refused.record.message);
      const dn = refused.record.message.ThisDN;
      const retries: SentRequest[] = [];
      for (const r of requests.slice(i + 1)) {
        if (r.record.message.ThisDN !== dn) continue;
        if (captureOf(r.record.message) !== operation) break;
        judged.add(r);
        retries.push(r);
      }
      episodes.push({ refused, retries, accepted: requests.slice(i + 1).find((r) => r.ack) });
    });
  }
  return episodes;
}

const msBetween = (from: WireRecord, to: WireRecord) =>
  Math.round((to.entry.micros - from.entry.micros) / 1000);

/** Drops of different parties this close together are one T-Server closing every connection. */
const AT_ONCE_MICROS = 100_000;

/**
 * What interrupted the party, in words. The T-Server's own journal says when it stopped; a party
 * sees only its connection close, so connections of several parties closed at once (within 100 ms)
 * read as the T-Server closing them all, as a restart does.
 */
function interruptionOf(e: RecoveryEpisode, all: readonly RecoveryEpisode[]): string {
  if (isPseudo(e.drop.entry, RESTARTED)) return 'it was restarted';
  if (e.drop.message.Cause === TSERVER_RESTARTED) return 'the T-Server restarted';
  const together = all.some(
    (o) =>
      o.who !== e.who &&
      isPseudo(o.drop.entry, DISCONNECTED) &&
      Math.abs(o.drop.entry.micros - e.drop.entry.micros) < AT_ONCE_MICROS,
  );
  return together
    ? 'the T-Server closed every connection at once (a T-Server restart)'
    : 'its connection was dropped';
}

/** What the episodes are read from: a scenario's exchanges, as the checkers get them. */
export interface RecoveryEvidence {
  exchanges: Exchanges;
  answers(): readonly Answer[];
  /** Time allowed to reconnect and re-register (timeouts.recoverMs). */
  recoverMs: number;
}

/** The interruptions as the certificate lists them: what, who, when, how long recovering took. */
export function interruptionsIn({ exchanges, answers, recoverMs }: RecoveryEvidence): Interruption[] {
  const episodes = [
    ...recoveryEpisodes(exchanges, 'recorder', answers),
    ...recoveryEpisodes(exchanges, 'desktop', answers),
  ];
  const recoveries = episodes.map((e): Interruption => {
    const timed = e.steps.filter((s) => s.timed);
    const done = (s: RecoveryStep) =>
      s.record !== undefined && (!s.timed || msBetween(e.drop, s.record) <= recoverMs);
    const last = e.steps.map((s) => s.record).at(-1);
    const recovered = e.steps.every(done);
    const reregistered = timed.every(done) ? timed.at(-1)?.record : undefined;
    return {
      what: interruptionOf(e, episodes),
      party: e.who,
      at: e.drop.entry.time,
      rule: e.role === 'recorder' ? 'REC-RECOVERS' : 'DESK-RECOVERS',
      recovered,
      ...(reregistered ? { reregisteredAfterMs: msBetween(e.drop, reregistered) } : {}),
      ...(recovered && last ? { recoveredAfterMs: msBetween(e.drop, last) } : {}),
      steps: e.steps.map((s) => ({
        what: s.what,
        ...(s.record ? { afterMs: msBetween(e.drop, s.record) } : {}),
      })),
    };
  });
  const links = linkDownEpisodes(exchanges).map((l): Interruption => {
    const refusal = l.refused.error ?? l.refused.record;
    const accepted = l.accepted?.ack;
    return {
      what: 'the link to the switch was down',
      party: partyWords('desktop', l.refused.record.client),
      at: refusal.entry.time,
      rule: 'DESK-NO-RESEND',
      recovered: accepted !== undefined,
      ...(accepted ? { recoveredAfterMs: msBetween(refusal, accepted) } : {}),
      steps: [
        {
          what: `have an operation accepted again (EventACK), after ${l.retries.length} retr${l.retries.length === 1 ? 'y' : 'ies'} of the refused one`,
          ...(accepted ? { afterMs: msBetween(refusal, accepted) } : {}),
        },
      ],
    };
  });
  return [...recoveries, ...links].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
}
