/**
 * What a journal's dropped entries (a client flooding it) mean for the rules' outcomes. Evidence
 * dropped leaves no rule its whole view: a pass becomes not observable. Chaff dropped (journal.ts
 * CHAFF_KINDS: unreadable lines, unknown and invalid requests, the replies to those) only
 * TSRV-ERROR-CODE reads: the other rules' passes stand, and say what was dropped.
 */
import type { Journal } from '../journal.ts';
import type { RuleOutcome } from '../result/outcomes.ts';

/** The rules that read chaff: the refusals of what no T-Server can perform. */
const READS_CHAFF: ReadonlySet<string> = new Set(['TSRV-ERROR-CODE']);

export function outcomesDespiteDrops(
  outcomes: readonly RuleOutcome[],
  journal: Pick<Journal, 'droppedText' | 'droppedEvidence'>,
): RuleOutcome[] {
  const dropped = journal.droppedText;
  if (!dropped) return [...outcomes];
  const blind = (rule: string) => journal.droppedEvidence > 0 || READS_CHAFF.has(rule);
  return outcomes.map((o) => {
    if (o.outcome !== 'passed') return o;
    if (blind(o.rule))
      return {
        ...o,
        outcome: 'not-observable' as const,
        reason: `${dropped}; the rule judged only what remained (${o.reason})`,
      };
    const caveat = `${dropped}; this rule judges none of those`;
    return { ...o, reason: `${o.reason} (${caveat})`, caveat };
  });
}
