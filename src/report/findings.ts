/**
 * What a scenario's rule outcomes say against particular messages, in the two forms reports need:
 * marks by journal seq (to highlight the offending message in the trace and the diagram) and a
 * text for people naming each rule, its seed section and the expectation.
 */

import { ruleById, SEED_SECTIONS } from '../domain/rule-catalog.ts';
import type { RuleOutcome } from '../result/outcomes.ts';

/** Journal seq -> `RULE-ID: expectation` for every finding of a failed rule that names a message. */
export function offendingMessages(outcomes: readonly RuleOutcome[]): Map<number, string[]> {
  const marks = new Map<number, string[]>();
  for (const o of outcomes) {
    if (o.outcome !== 'failed') continue;
    for (const f of o.findings) {
      if (f.journalSeq === undefined) continue;
      const list = marks.get(f.journalSeq) ?? [];
      list.push(`${o.rule}: ${f.text}`);
      marks.set(f.journalSeq, list);
    }
  }
  return marks;
}

/** `seed 1.3.1 Recording Vendor to T-Server` */
export function seedReference(section: string): string {
  const title = SEED_SECTIONS[section];
  return title ? `seed ${section} ${title}` : `seed ${section}`;
}

/** Every outcome that is not `passed`, for people; empty when all passed. */
export function describeNonPassing(outcomes: readonly RuleOutcome[]): string {
  return outcomes
    .filter((o) => o.outcome !== 'passed')
    .map((o) => {
      const requires = ruleById(o.rule)?.text;
      const lines = [`${o.rule} ${o.outcome} (${seedReference(o.section)})`];
      if (requires) lines.push(`  requires: ${requires}`);
      const details = o.findings.length ? o.findings.map((f) => f.text) : [o.reason];
      lines.push(...details.map((d) => `  ${d}`));
      return lines.join('\n');
    })
    .join('\n\n');
}
