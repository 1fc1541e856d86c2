/**
 * `load --chaos`: every N seconds the embedded simulator drops one harness party's connection (the
 * mock recorder's or a desktop's, at random, as its `disconnect` fault does); the party's link
 * reconnects and re-registers its DNs. Each recovery is timed from the simulator's own view (every
 * DN the party monitored registered again by it), the operations in flight while a party was away
 * are told apart from those lost after it came back, and the recoveries are judged against the
 * recovery timeout (REC-RECOVERS, DESK-RECOVERS): the per-operation windows cannot hold a drop and
 * the reconnection that answers it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { RULES } from '../domain/rule-catalog.ts';
import type { ChaosFigures } from '../result/load.ts';
import type { RuleOutcome, ScenarioResult } from '../result/outcomes.ts';
import type { Simulator } from '../sim/index.ts';

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
  recoveredAt?: number;
  /** The mock recorder's failed sends when it was dropped. */
  sendFailuresAt: number;
}

/** How often recoveries are looked for: their resolution. */
const POLL_MS = 10;
export const CHAOS_SCENARIO = 'connections dropped under load (chaos)';

export class Chaos {
  private readonly drops: Drop[] = [];
  private dropper: NodeJS.Timeout | undefined;
  private poller: NodeJS.Timeout | undefined;
  private sentWhileAway = 0;
  private lost = 0;
  private cutOff = 0;

  constructor(
    private readonly sim: Simulator,
    private readonly parties: readonly ChaosParty[],
    private readonly everyS: number,
    /** The longest a recovery may take (the configured recovery timeout). */
    private readonly recoverMs: number,
    /** How many indications the mock recorder has failed to send so far (none when it is not played). */
    private readonly recorderSendFailures: () => number = () => 0,
    private readonly random: () => number = Math.random,
  ) {}

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
    const deadline = Math.max(0, ...pending().map((d) => d.at + this.recoverMs));
    while (pending().length && performance.now() < deadline) await sleep(POLL_MS);
  }

  finish(): void {
    this.stopDropping();
    clearInterval(this.poller);
    this.poll();
    for (const d of this.drops) if (d.recoveredAt === undefined) this.recovered(d, undefined);
  }

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
    // A party still away is not dropped again: each drop has its own recovery.
    const present = this.parties.filter(
      (p) => !this.drops.some((d) => d.party === p && d.recoveredAt === undefined),
    );
    const ofRole = present.filter((p) => p.role === role);
    const pool = ofRole.length ? ofRole : present;
    const party = pool[Math.floor(this.random() * pool.length)];
    if (!party) return;
    const at = performance.now();
    if (this.sim.tserver.disconnectClients((c) => c.application === party.application))
      this.drops.push({ party, at, sendFailuresAt: this.recorderSendFailures() });
  }

  private poll(): void {
    const now = performance.now();
    for (const d of this.drops) {
      if (d.recoveredAt !== undefined) continue;
      const back = d.party.dns.every((dn) =>
        this.sim.tserver.registrantsOf(dn).some((r) => r.application === d.party.application),
      );
      if (back) this.recovered(d, now);
    }
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
    const rules = [this.judge('REC-RECOVERS', 'recorder'), this.judge('DESK-RECOVERS', 'desktop')];
    return {
      name: CHAOS_SCENARIO,
      uri: 'load',
      status: rules.some((r) => r.outcome === 'failed') ? 'failed' : 'passed',
      rules,
    };
  }

  private judge(rule: string, role: ChaosParty['role']): RuleOutcome {
    const section = RULES.find((r) => r.id === rule)?.section ?? '';
    const drops = this.drops.filter((d) => d.party.role === role);
    const base = { rule, section, checked: drops.length };
    // As the rule's checker says of evidence without a drop: nothing to recover from.
    if (!drops.length)
      return {
        ...base,
        outcome: 'not-applicable',
        reason: `no connection of the ${role} was dropped in this run (load --chaos drops the harness's own parties, in turn), so it had nothing to recover from`,
        findings: [],
      };
    const late = drops.filter((d) => d.recoveredAt === undefined || d.recoveredAt - d.at > this.recoverMs);
    const findings = late.map((d) => ({
      text: `the ${d.party.name} lost its connection and should re-register its ${d.party.dns.length} DN(s) within ${this.recoverMs} ms, ${d.recoveredAt === undefined ? 'did not' : `did after ${Math.round(d.recoveredAt - d.at)} ms`}`,
      ...(d.recoveredAt === undefined ? { missing: true as const } : {}),
    }));
    if (!findings.length)
      return {
        ...base,
        outcome: 'passed',
        reason: `${drops.length} drop(s), each recovered within ${this.recoverMs} ms`,
        findings,
      };
    return {
      ...base,
      outcome: 'failed',
      reason: `failed in ${late.length} of ${drops.length} drop(s); the first: ${findings[0]?.text}`,
      findings: findings.slice(0, 5),
    };
  }
}
