/** Evaluates rules over a scenario's observations into outcomes that always carry their reason. */
import { type RuleDefinition, type RuleId, ruleById } from './catalog.ts';
import { CHECKERS, type CheckContext, type Finding } from './checkers.ts';
import type { Seat } from './observations.ts';

export type Outcome = 'passed' | 'failed' | 'not-applicable' | 'could-not-test';

export interface RuleOutcome {
  rule: string;
  section: string;
  outcome: Outcome;
  /** Why it is not `passed`; what was checked when it is. */
  reason: string;
  /** Instances judged (requests, deliveries, answers). */
  checked: number;
  findings: Array<{ text: string; journalSeq?: number }>;
}

export interface EvaluationOptions {
  /** The seat of the system under test; rules judging another seat are not applicable (the harness plays it). */
  sutSeat?: Seat;
}

function outcome(def: RuleDefinition, result: Omit<RuleOutcome, 'rule' | 'section'>): RuleOutcome {
  return { rule: def.id, section: def.section, ...result };
}

function toFindings(findings: Finding[]): RuleOutcome['findings'] {
  return findings.map((f) =>
    f.record ? { text: f.text, journalSeq: f.record.entry.seq } : { text: f.text },
  );
}

export function evaluateRule(id: string, ctx: CheckContext, options: EvaluationOptions = {}): RuleOutcome {
  const def = ruleById(id);
  if (!def) {
    return {
      rule: id,
      section: '?',
      outcome: 'could-not-test',
      reason: `no rule ${id} exists`,
      checked: 0,
      findings: [],
    };
  }
  if (options.sutSeat && def.seat !== options.sutSeat) {
    return outcome(def, {
      outcome: 'not-applicable',
      reason: `judges the ${def.seat}, which the harness plays here (the system under test is the ${options.sutSeat})`,
      checked: 0,
      findings: [],
    });
  }
  const result = CHECKERS[id as RuleId](ctx);
  if ('cannotTest' in result)
    return outcome(def, { outcome: 'could-not-test', reason: result.cannotTest, checked: 0, findings: [] });
  if (result.findings.length > 0) {
    return outcome(def, {
      outcome: 'failed',
      reason: result.findings.map((f) => f.text).join('\n'),
      checked: result.checked,
      findings: toFindings(result.findings),
    });
  }
  if (result.checked === 0) {
    // Guard against vacuous passes: a rule with nothing to judge has not been shown to hold.
    return outcome(def, {
      outcome: 'could-not-test',
      reason: 'the scenario produced nothing this rule judges',
      checked: 0,
      findings: [],
    });
  }
  return outcome(def, {
    outcome: 'passed',
    reason: `${result.checked} checked`,
    checked: result.checked,
    findings: [],
  });
}

export function evaluateRules(
  ids: readonly string[],
  ctx: CheckContext,
  options: EvaluationOptions = {},
): RuleOutcome[] {
  return ids.map((id) => evaluateRule(id, ctx, options));
}
