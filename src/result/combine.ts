/**
 * One result from several kinds of evidence of the same period (a live run's journal and the SIP
 * Server log): per rule, failed if any evidence shows a violation; passed if at least one judged
 * it and none failed; otherwise the most telling unjudged outcome, not observable only when no
 * evidence can show it. Each rule names the evidence that judged it.
 */
import type { Outcome, RuleSummary, SuiteResult } from './outcomes.ts';
import { verdictOf } from './verdict.ts';

export interface Evidence {
  /** For people: `live run 2026-11-23T10-15-00Z-3fa2c1`, `SIP Server log`. */
  label: string;
  result: SuiteResult;
}

/** Unlike within one kind of evidence, what another could show outranks "cannot be seen here". */
const PRECEDENCE: readonly Outcome[] = [
  'failed',
  'passed',
  'not-exercised',
  'not-applicable',
  'not-observable',
];

function combineRule(rule: string, views: Array<{ label: string; summary: RuleSummary }>): RuleSummary {
  const outcome = PRECEDENCE.find((o) => views.some((v) => v.summary.outcome === o)) as Outcome;
  const those = views.filter((v) => v.summary.outcome === outcome);
  const first = views[0]?.summary as RuleSummary;
  const reason = those.map((v) => `${v.label}: ${v.summary.reason}`).join('\n');
  const judgedBy = views
    .filter((v) => v.summary.outcome === 'passed' || v.summary.outcome === 'failed')
    .map((v) => v.label);
  return {
    rule,
    section: first.section,
    text: first.text,
    outcome,
    reason,
    scenarios: views.flatMap((v) =>
      v.summary.scenarios.map((s) => ({ ...s, name: `${v.label}: ${s.name}` })),
    ),
    judgedBy,
  };
}

export function combineEvidence(
  evidence: readonly Evidence[],
  failures: readonly string[] = [],
): SuiteResult {
  const rules = (evidence[0]?.result.rules ?? []).map((r) =>
    combineRule(
      r.rule,
      evidence.flatMap((e) => {
        const summary = e.result.rules.find((x) => x.rule === r.rule);
        return summary ? [{ label: e.label, summary }] : [];
      }),
    ),
  );
  const scenarios = evidence.flatMap((e) =>
    e.result.scenarios.map((s) => ({ ...s, name: `${e.label}: ${s.name}` })),
  );
  const stopped = evidence
    .filter((e) => e.result.complete === false)
    .map((e) => `the ${e.label} did not finish`);
  const { verdict, reasons } = verdictOf({ scenarios, rules, failures: [...stopped, ...failures] });
  return { verdict, reasons, complete: stopped.length === 0, scenarios, rules };
}
