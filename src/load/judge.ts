/**
 * Judges a load run with the suite's rule checkers, one operation at a time (windows.ts files the
 * messages), and keeps, per operation (start, pause, ...) and rule, how many passed and failed with
 * the first findings and one window's messages as evidence: the load certificate's scenarios are
 * the operations, each rule's outcome taken over all of them. What is judged is dropped.
 */
import { RULES } from '../domain/rule-catalog.ts';
import { CaptureStates } from '../domain/screencap.ts';
import type { Seat } from '../domain/seats.ts';
import type { JournalEntry } from '../journal.ts';
import { traceLine } from '../report/trace.ts';
import {
  OUTCOMES,
  type Outcome,
  type RuleFinding,
  type RuleOutcome,
  type ScenarioResult,
  type TraceLine,
} from '../result/outcomes.ts';
import { profileScope, strongest } from '../result/verdict.ts';
import { createCheckContext } from '../rules/checkers.ts';
import { evaluateRules } from '../rules/evaluate.ts';
import { stateAfter } from '../rules/exchanges.ts';
import { type ObservationSources, toRecords, type WireRecord } from '../rules/observations.ts';
import type { HarnessSettings } from '../settings.ts';
import { type OperationWindow, OperationWindows } from './windows.ts';

export type JudgeSettings = Pick<
  HarnessSettings,
  'mapping' | 'initialState' | 'answerTimeoutMs' | 'requestTimeoutMs' | 'recoverTimeoutMs'
>;

/** Findings kept per rule and operation; the counts cover every one. */
const KEPT_FINDINGS = 5;
const RULE_IDS = RULES.map((r) => r.id);
/** Judged over the whole run by chaos.ts when connections are dropped: no operation's window holds a recovery. */
const RECOVERY_RULES = new Set(['REC-RECOVERS', 'DESK-RECOVERS']);

interface RuleTally {
  section: string;
  counts: Record<Outcome, number>;
  checked: number;
  /** The first reason seen for each outcome. */
  reasons: Partial<Record<Outcome, string>>;
  findings: RuleFinding[];
}

/** One window's messages and outcomes: a scenario's evidence (diagram and trace). */
export interface JudgedWindow {
  records: readonly WireRecord[];
  outcomes: readonly RuleOutcome[];
}

interface OperationTally {
  name: string;
  operations: number;
  failed: number;
  rules: Map<string, RuleTally>;
  /** The messages the kept findings point at. */
  offending: Map<number, TraceLine>;
  /** The first failing window, else the first window. */
  example: JudgedWindow & { failed: boolean };
}

export interface LoadJudgeOptions {
  settings: JudgeSettings;
  /** Who is who in the journal: the harness's parties, and the system under test the simulator sees. */
  sources: ObservationSources;
  /** The seat under test; rules judging the seats the harness plays are not applicable. */
  sutSeat?: Seat;
  /** Called as each operation is judged. */
  onJudged?: (failed: boolean) => void;
  /** Connections are dropped during the run (`load --chaos`): the recoveries are judged apart. */
  recoveriesApart?: boolean;
}

export class LoadJudge {
  private readonly windows = new OperationWindows((w) => this.judge(w));
  private readonly tallies = new Map<string, OperationTally>();
  /** Per DN, the state the judged operations left it in: the next one's state before. */
  private readonly states: CaptureStates;
  /** The rules each operation is judged by. */
  private readonly ruleIds: readonly string[];
  judged = 0;
  failed = 0;

  constructor(private readonly options: LoadJudgeOptions) {
    this.states = new CaptureStates(options.settings.initialState);
    this.ruleIds = options.recoveriesApart ? RULE_IDS.filter((id) => !RECOVERY_RULES.has(id)) : RULE_IDS;
  }

  /** Every journal entry of the run, as it is appended. */
  readonly observe = (entry: JournalEntry): void => {
    for (const r of toRecords([entry], this.options.sources)) this.windows.add(r);
  };

  /** Operations filed and not yet judged: a few per DN however long the run. */
  get open(): number {
    return this.windows.openCount;
  }

  /** The desktop on `dn` stopped waiting on its operation; `away`: its desktop or the recorder lost its connection meanwhile. */
  operationOver(dn: string, away = false): void {
    this.windows.operationOver(dn, away);
  }

  /** Judges what is still open: call once nothing more will come. */
  finish(): void {
    this.windows.flush();
  }

  private judge(w: OperationWindow): void {
    const { settings, sutSeat } = this.options;
    const before = this.states.of(w.dn);
    const records = [...w.registrations, ...w.records];
    const ctx = createCheckContext(records, { ...settings, initialState: before });
    const judged = evaluateRules(this.ruleIds, ctx, { scope: profileScope(sutSeat ?? 'self') });
    const outcomes = w.away ? judged.map(unobservedWhileAway) : judged;
    this.states.set(w.dn, stateAfter(ctx.answers(), w.dn, before));
    const failed = outcomes.some((o) => o.outcome === 'failed');
    this.judged++;
    if (failed) this.failed++;
    this.tally(w, records, outcomes, failed);
    this.options.onJudged?.(failed);
  }

  private tally(w: OperationWindow, records: WireRecord[], outcomes: RuleOutcome[], failed: boolean): void {
    const name = w.opened
      ? `${typeof w.operation === 'string' ? w.operation : JSON.stringify(w.operation ?? null)} under load`
      : 'messages no operation accounts for, under load';
    let t = this.tallies.get(name);
    if (!t) {
      t = {
        name,
        operations: 0,
        failed: 0,
        rules: new Map(),
        offending: new Map(),
        example: { records, outcomes, failed },
      };
      this.tallies.set(name, t);
    } else if (failed && !t.example.failed) t.example = { records, outcomes, failed };
    t.operations++;
    if (failed) t.failed++;
    for (const o of outcomes) {
      let r = t.rules.get(o.rule);
      if (!r) {
        r = { section: o.section, counts: emptyCounts(), checked: 0, reasons: {}, findings: [] };
        t.rules.set(o.rule, r);
      }
      r.counts[o.outcome]++;
      r.checked += o.checked;
      r.reasons[o.outcome] ??= o.reason;
      for (const f of o.findings) {
        if (r.findings.length >= KEPT_FINDINGS) break;
        r.findings.push(f);
        const entry = records.find((r) => r.entry.seq === f.journalSeq)?.entry;
        if (entry) t.offending.set(entry.seq, traceLine(entry, [`${o.rule}: ${f.text}`]));
      }
    }
  }

  /** One scenario per operation, each rule's outcome over all its operations. */
  scenarios(): ScenarioResult[] {
    return [...this.tallies.values()].map((t) => {
      const rules = [...t.rules].map(([rule, r]) => ruleOutcome(rule, r, t.operations));
      const offending = [...t.offending.values()];
      return {
        name: t.name,
        uri: 'load',
        status: rules.some((r) => r.outcome === 'failed') ? 'failed' : 'passed',
        rules,
        ...(offending.length ? { offending } : {}),
      };
    });
  }

  /** Per rule, over every operation: how many ended in each outcome, and the instances checked. */
  ruleCounts(): RuleCounts[] {
    const byRule = new Map<string, RuleCounts>();
    for (const t of this.tallies.values()) {
      for (const [rule, r] of t.rules) {
        const c = byRule.get(rule) ?? { rule, operations: emptyCounts(), checked: 0 };
        byRule.set(rule, c);
        for (const o of OUTCOMES) c.operations[o] += r.counts[o];
        c.checked += r.checked;
      }
    }
    return [...byRule.values()];
  }

  /** Per scenario, the window whose messages show it: the first that failed, else the first. */
  examples(): Map<string, JudgedWindow> {
    return new Map([...this.tallies].map(([name, t]) => [name, t.example]));
  }
}

/** A rule over a load run's operations. */
export interface RuleCounts {
  rule: string;
  /** Operations by the rule's outcome in each. */
  operations: Record<Outcome, number>;
  /** Instances judged (requests, deliveries, answers) over all of them. */
  checked: number;
}

/**
 * An operation in flight while a party of it was away: what is missing (a delivery, an answer) had
 * no one to go to or come from, so it shows nothing; what arrived wrong still fails.
 */
function unobservedWhileAway(o: RuleOutcome): RuleOutcome {
  if (o.outcome !== 'failed' || !o.findings.every((f) => f.missing)) return o;
  return {
    ...o,
    outcome: 'not-observable',
    reason: `its desktop or the recorder had lost its connection while the operation was in flight (load --chaos): ${o.findings[0]?.text ?? o.reason}`,
    findings: [],
  };
}

const emptyCounts = () => Object.fromEntries(OUTCOMES.map((k) => [k, 0])) as Record<Outcome, number>;

function ruleOutcome(rule: string, r: RuleTally, operations: number): RuleOutcome {
  const outcome = strongest(OUTCOMES.filter((o) => r.counts[o] > 0)) ?? 'not-exercised';
  const first = r.reasons[outcome] ?? '';
  const reason =
    outcome === 'failed'
      ? `failed in ${r.counts.failed} of ${operations} operation(s); the first: ${r.findings[0]?.text ?? first}`
      : outcome === 'passed'
        ? `${r.checked} checked in ${r.counts.passed} of ${operations} operation(s)`
        : first;
  return {
    rule,
    section: r.section,
    outcome,
    reason,
    checked: r.checked,
    findings: outcome === 'failed' ? r.findings : [],
  };
}
