/** Evaluates rules over a scenario's observations into outcomes that always carry their reason. */

import { type RuleDefinition, type RuleId, ruleById } from '../domain/rule-catalog.ts';
import type { RuleOutcome } from '../result/outcomes.ts';
import { outOfScope, type RuleScope } from '../result/verdict.ts';
import { CHECKERS, type CheckContext, type Finding } from './checkers.ts';

export interface EvaluationOptions {
  /** The seats certified here; a rule judging another is not applicable (default: every seat). */
  scope?: RuleScope;
}

function outcome(def: RuleDefinition, result: Omit<RuleOutcome, 'rule' | 'section'>): RuleOutcome {
  return { rule: def.id, section: def.section, ...result };
}

function toFindings(findings: Finding[]): RuleOutcome['findings'] {
  return findings.map((f) => ({
    text: f.text,
    ...(f.record ? { journalSeq: f.record.entry.seq } : {}),
    ...(f.missing ? { missing: f.missing } : {}),
    ...(f.field ? { field: f.field } : {}),
  }));
}

const unjudged = (o: RuleOutcome['outcome'], reason: string) => ({
  outcome: o,
  reason,
  checked: 0,
  findings: [],
});

export function evaluateRule(id: string, ctx: CheckContext, options: EvaluationOptions = {}): RuleOutcome {
  const def = ruleById(id);
  if (!def) {
    // A scenario tagged with a rule the catalog does not have proves nothing: say so loudly.
    return {
      rule: id,
      section: '?',
      ...unjudged('failed', `the scenario is tagged with rule ${id}, which does not exist`),
    };
  }
  const notApplicable = options.scope && outOfScope(def, options.scope);
  if (notApplicable) return outcome(def, notApplicable);
  const result = CHECKERS[id as RuleId](ctx);
  if ('notObservable' in result) return outcome(def, unjudged('not-observable', result.notObservable));
  if ('notApplicable' in result) return outcome(def, unjudged('not-applicable', result.notApplicable));
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
    return outcome(def, unjudged('not-exercised', 'nothing here exercises it (no message this rule judges)'));
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
