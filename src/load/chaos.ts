/**
 * `load --chaos`: every N seconds the embedded simulator drops one harness party's connection (the
 * mock recorder's or a desktop's, at random, as its `disconnect` fault does); the party's link
 * reconnects and re-registers its DNs. Each drop is read as the rules read it: the party's records
 * from its loss of the connection (with the DNs it monitored then) are judged by REC-RECOVERS or
 * DESK-RECOVERS through `recoveryEpisodes`, which also says when it was back (every DN registered
 * again): the per-operation windows cannot hold a drop and the reconnection that answers it. The
 * operations in flight while a party was away are told apart from those lost after it came back.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { RULES } from '../domain/rule-catalog.ts';
import { DISCONNECTED, isPseudo, type JournalEntry } from '../journal.ts';
import type { ChaosFigures } from '../result/load.ts';
import type { Outcome, RuleFinding, RuleOutcome, ScenarioResult } from '../result/outcomes.ts';
import { strongest } from '../result/verdict.ts';
import { type CheckContext, createCheckContext } from '../rules/checkers.ts';
import { evaluateRules } from '../rules/evaluate.ts';
import { type ObservationSources, toRecords, type WireRecord } from '../rules/observations.ts';
import { recoveryEpisodes } from '../rules/recovery.ts';
import type { Simulator } from '../sim/index.ts';
import { nowMicros } from '../tlib/time.ts';
import type { JudgeSettings } from './judge.ts';

export interface ChaosParty {
  /** Its journal name: `recorder`, `desktop 10000`. */
  name: string;
  role: 'recorder' | 'desktop';
  /** The application name it registers as a client with: how the simulator finds its connection. */
  application: string;
  dns: readonly string[];
}

/** How an operation ended, as its desktop saw it. */
export type OperationEnd = 'indicated' | 'refused' | 'no-reply' | 'timed-out';

interface Drop {
  party: ChaosParty;
  at: number;
  /** When it was back (performance.now()), by the rules' reading: every DN it monitored registered again. */
  recoveredAt?: number;
  /** The mock recorder's failed sends when it was dropped. */
  sendFailuresAt: number;
  /** The party's records from its loss of the connection on, after the DNs it monitored then; until judged. */
  records?: WireRecord[];
  /** New records since the episode was last read. */
  changed: boolean;
  /**
   * What must arrive before reading the episode can find the party back (a registration as a client
   * and one per DN it monitored) and how much has: the episode is read only then, not on each of the
   * hundreds of records a recorder's recovery brings.
   */
  owed: number;
  arrived: number;
  /** It sent a request since it was back: a desktop's next operation, a recorder's answer. */
  sentSinceBack: boolean;
  /** The rule's outcome over this drop, once judged (its records are then let go). */
  outcome?: RuleOutcome;
}

/** How often recoveries are looked for: their resolution. */
const POLL_MS = 10;
/** Findings kept per rule; the counts cover every drop. */
const KEPT_FINDINGS = 5;
export const CHAOS_SCENARIO = 'connections dropped under load (chaos)';
const RULE_OF = { recorder: 'REC-RECOVERS', desktop: 'DESK-RECOVERS' } as const;

export class Chaos {
  private readonly drops: Drop[] = [];
  /** Per party, by journal name: its last registration record per DN since its last loss of connection. */
  private readonly registrations = new Map<string, Map<string, WireRecord>>();
  /** The parties by journal name (they are added as they connect). */
  private readonly byName = new Map<string, ChaosParty>();
  private dropper: NodeJS.Timeout | undefined;
  private poller: NodeJS.Timeout | undefined;
  private sentWhileAway = 0;
  private lost = 0;
  private cutOff = 0;

  constructor(
    private readonly sim: Simulator,
    /** Who may be dropped: filled in as they connect, before any registers. */
    private readonly parties: readonly ChaosParty[],
    private readonly everyS: number,
    /** How the rules read the records (recoverMs: the longest a recovery may take). */
    private readonly settings: JudgeSettings,
    /** Who is who in the journal. */
    private readonly sources: ObservationSources,
    /** How many indications the mock recorder has failed to send so far (none when it is not played). */
    private readonly recorderSendFailures: () => number = () => 0,
    private readonly random: () => number = Math.random,
  ) {}

  private partyNamed(name: string): ChaosParty | undefined {
    if (this.byName.size !== this.parties.length) for (const p of this.parties) this.byName.set(p.name, p);
    return this.byName.get(name);
  }

  start(): void {
    this.dropper = setInterval(() => this.dropOne(), this.everyS * 1000);
    this.poller = setInterval(() => this.poll(), POLL_MS);
  }

  /** No more drops: the load is over. Recoveries are still watched until `finish`. */
  stopDropping(): void {
    clearInterval(this.dropper);
  }

  /** Waits for the parties still away, each up to its drop's recovery timeout: one dropped late is given its time. */
  async recoveries(): Promise<void> {
    const pending = () => this.drops.filter((d) => d.recoveredAt === undefined);
    const deadline = Math.max(0, ...pending().map((d) => d.at + this.settings.recoverTimeoutMs));
    while (pending().length && performance.now() < deadline) await sleep(POLL_MS);
  }

  /** Judges every drop not yet judged, as its records stand: nothing more will come. */
  finish(): void {
    this.stopDropping();
    clearInterval(this.poller);
    this.poll();
    for (const d of this.drops) if (!d.outcome) this.judge(d);
  }

  /** Every journal entry of the run, as it is appended: a dropped party's are kept until its drop is judged. */
  readonly observe = (entry: JournalEntry): void => {
    const party = this.partyNamed(entry.party);
    if (!party) return;
    for (const r of toRecords([entry], this.sources)) {
      const open = this.drops.find((d) => d.party === party && !d.outcome);
      const registered = this.registrations.get(party.name) ?? new Map<string, WireRecord>();
      this.registrations.set(party.name, registered);
      if (isPseudo(r.entry, DISCONNECTED) && open && !open.records) {
        // What it monitored when it lost the connection is what it must register again.
        open.records = [...registered.values(), r];
        open.owed =
          1 + [...registered.values()].filter((x) => x.message.message === 'EventRegistered').length;
        registered.clear();
      } else if (open?.records) {
        open.records.push(r);
        if (!r.sent && /^Event(Client)?Registered$/.test(r.message.message)) open.arrived++;
        if (r.sent && open.recoveredAt !== undefined) open.sentSinceBack = true;
      }
      if (isPseudo(r.entry, DISCONNECTED)) registered.clear();
      const dn = r.message.ThisDN;
      if (!r.sent && typeof dn === 'string' && /^Event(Un)?Registered$/.test(r.message.message))
        registered.set(dn, r);
      if (open) open.changed = true;
    }
  };

  /**
   * Files an operation on `dn` sent at `sentAt` (performance.now()) that ended now; returns whether
   * its desktop or the recorder was away meanwhile. Unanswered, it was sent while away, or lost.
   */
  operationEnded(dn: string, sentAt: number, end: OperationEnd): boolean {
    // Every drop so far began before now: it overlapped the operation unless it was over before it was sent.
    const away = this.drops.some(
      (d) => d.party.dns.includes(dn) && (d.recoveredAt ?? Number.POSITIVE_INFINITY) >= sentAt,
    );
    if (end === 'no-reply' || end === 'timed-out') {
      if (away) this.sentWhileAway++;
      else this.lost++;
    }
    return away;
  }

  /**
   * Drops a party of each role in turn (so that a short run exercises both recovery rules, the one
   * recorder among hundreds of desktops included), at random within the role.
   */
  private dropOne(): void {
    const roles = [...new Set(this.parties.map((p) => p.role))];
    const role = roles[this.drops.length % roles.length];
    // A party whose drop is not judged yet is not dropped again: each drop has its own recovery.
    const present = this.parties.filter((p) => !this.drops.some((d) => d.party === p && !d.outcome));
    const ofRole = present.filter((p) => p.role === role);
    const pool = ofRole.length ? ofRole : present;
    const party = pool[Math.floor(this.random() * pool.length)];
    if (!party) return;
    const at = performance.now();
    if (this.sim.tserver.disconnectClients((c) => c.application === party.application))
      this.drops.push({
        party,
        at,
        sendFailuresAt: this.recorderSendFailures(),
        changed: false,
        owed: 0,
        arrived: 0,
        sentSinceBack: false,
      });
  }

  /** Reads each open drop's episode again when it may have moved on: when the party was back, and whether it is done. */
  private poll(): void {
    for (const d of this.drops) {
      const overdue =
        performance.now() > d.at + this.settings.recoverTimeoutMs + this.settings.answerTimeoutMs;
      if (d.outcome || !d.records) continue;
      if (overdue) {
        this.judge(d);
        continue;
      }
      const mayHaveMoved = d.recoveredAt === undefined ? d.arrived >= d.owed : d.sentSinceBack;
      if (!d.changed || !mayHaveMoved) continue;
      d.changed = false;
      const ctx = this.contextOf(d.records);
      const [episode] = recoveryEpisodes(ctx.exchanges, d.party.role, () => ctx.answers());
      if (!episode) continue;
      const timed = episode.steps.filter((s) => s.timed);
      if (d.recoveredAt === undefined && timed.every((s) => s.record)) {
        const back = Math.max(...timed.map((s) => s.record?.entry.micros ?? 0));
        this.recovered(d, performance.now() - (nowMicros() - back) / 1000);
      }
      // Done: back, and (the recorder) it answered an operation, or (a desktop) it sent one, since.
      const done =
        d.recoveredAt !== undefined &&
        (d.party.role === 'recorder'
          ? episode.steps.some((s) => !s.timed && s.record)
          : episode.after.some((r) => r.sent && r.message.message === 'RequestSendEvent'));
      if (done) this.judge(d);
    }
  }

  private contextOf(records: readonly WireRecord[]): CheckContext {
    const { mapping, initialState, answerTimeoutMs, recoverTimeoutMs } = this.settings;
    return createCheckContext(records, {
      mapping,
      initialState,
      answerTimeoutMs,
      recoverMs: recoverTimeoutMs,
    });
  }

  /** The drop judged by its rule, as the suite's checker reads it; its records are then let go. */
  private judge(d: Drop): void {
    const rule = RULE_OF[d.party.role];
    if (d.recoveredAt === undefined) this.recovered(d, undefined);
    if (!d.records) {
      // The party's link never said its connection closed: nothing to read a recovery from.
      const text = `the ${d.party.name}'s connection was dropped, and its link never reported the loss`;
      d.outcome = { rule, section: '', outcome: 'failed', reason: text, checked: 1, findings: [{ text }] };
      return;
    }
    [d.outcome] = evaluateRules([rule], this.contextOf(d.records)) as [RuleOutcome];
    d.records = undefined;
  }

  /** Indications the recorder failed to send while away were cut off by its drop (their operations are counted as sent while away). */
  private recovered(d: Drop, at: number | undefined): void {
    if (at !== undefined) d.recoveredAt = at;
    if (d.party.role === 'recorder') this.cutOff += this.recorderSendFailures() - d.sendFailuresAt;
  }

  figures(): ChaosFigures {
    const times = this.drops
      .flatMap((d) => (d.recoveredAt === undefined ? [] : [d.recoveredAt - d.at]))
      .sort((a, b) => a - b);
    const at = (q: number) =>
      Math.round(times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)] ?? 0);
    return {
      everyS: this.everyS,
      drops: this.drops.length,
      recorderDrops: this.drops.filter((d) => d.party.role === 'recorder').length,
      desktopDrops: this.drops.filter((d) => d.party.role === 'desktop').length,
      recovered: times.length,
      recoveryMs: { p50: at(0.5), p95: at(0.95), max: at(1) },
      sentWhileAway: this.sentWhileAway,
      lostAfterRecovery: this.lost,
      recorderSendsCutOff: this.cutOff,
    };
  }

  /** The recoveries as a scenario: REC-RECOVERS over the recorder's drops, DESK-RECOVERS over the desktops'. */
  scenario(): ScenarioResult {
    const rules = [this.overDrops('recorder'), this.overDrops('desktop')];
    return {
      name: CHAOS_SCENARIO,
      uri: 'load',
      status: rules.some((r) => r.outcome === 'failed') ? 'failed' : 'passed',
      rules,
    };
  }

  /** The rule's outcome over every drop of a party of `role`: each judged by the rule's checker. */
  private overDrops(role: ChaosParty['role']): RuleOutcome {
    const rule = RULE_OF[role];
    const section = RULES.find((r) => r.id === rule)?.section ?? '';
    const outcomes = this.drops.flatMap((d) => (d.party.role === role && d.outcome ? [d.outcome] : []));
    const base = { rule, section, checked: outcomes.reduce((n, o) => n + o.checked, 0) };
    // As the rule's checker says of evidence without a drop: nothing to recover from.
    if (!outcomes.length)
      return {
        ...base,
        outcome: 'not-applicable',
        reason: `no connection of the ${role} was dropped in this run (load --chaos drops the harness's own parties, in turn), so it had nothing to recover from`,
        findings: [],
      };
    const outcome = strongest(outcomes.map((o) => o.outcome)) as Outcome;
    const failed = outcomes.filter((o) => o.outcome === 'failed');
    const findings: RuleFinding[] = failed.flatMap((o) => o.findings).slice(0, KEPT_FINDINGS);
    const reason =
      outcome === 'failed'
        ? `failed in ${failed.length} of ${outcomes.length} drop(s); the first: ${findings[0]?.text ?? failed[0]?.reason}`
        : outcome === 'passed'
          ? `${outcomes.length} drop(s), each recovered within ${this.settings.recoverTimeoutMs} ms`
          : (outcomes.find((o) => o.outcome === outcome)?.reason ?? '');
    return { ...base, outcome, reason, findings };
  }
}
