/**
 * From scenarios' rule outcomes to one outcome per rule of the catalog, and from those to the
 * verdict. Shared by run, verify-log and load, so a situation is judged the same way everywhere.
 */
import { RULES, type RuleDefinition } from '../domain/rule-catalog.ts';
import type { Profile, Seat } from '../domain/seats.ts';
import {
  type Outcome,
  type RuleOutcome,
  type RuleSummary,
  type ScenarioResult,
  UNJUDGED,
  type Verdict,
} from './outcomes.ts';

export interface RuleScope {
  /** The seats being certified; rules judging another seat are not applicable. */
  certified: readonly Seat[];
  /** Why a seat is not certified, for the reason (default: "is not certified here"). */
  notCertified?: (seat: Seat) => string;
  /** The run stopped early: a rule no scenario exercised might have been by one that never ran. */
  stopped?: boolean;
}

export const SEATS: readonly Seat[] = ['desktop', 'tserver', 'recorder'];

/**
 * The seats a profile certifies: all three for `self` (the harness proves itself) and `all` (a SIP
 * Server log judged whole), else the one named. `why`: why the others are not certified.
 */
export function certifiedScope(profile: string, why: string): RuleScope {
  const one = SEATS.find((s) => s === profile);
  return { certified: one ? [one] : SEATS, notCertified: () => why };
}

/** The seats a live run in `profile` certifies; the harness plays the others. */
export function profileScope(profile: Profile): RuleScope {
  return certifiedScope(profile, `the harness plays it in the ${profile} profile`);
}

/** Which outcome speaks for a rule over several scenarios (or several kinds of evidence). */
const PRECEDENCE: readonly Outcome[] = [
  'failed',
  'passed',
  'not-observable',
  'not-exercised',
  'not-applicable',
];

export function strongest(outcomes: Iterable<Outcome>): Outcome | undefined {
  const present = new Set(outcomes);
  return PRECEDENCE.find((o) => present.has(o));
}

/**
 * Whether a rule applies here: undefined when its seat is certified, else its outcome (not
 * applicable: the harness plays that seat, or it is not certified here, as the scope says). The one
 * place this is decided: for a scenario's rules, a run's, and a log's.
 */
export function outOfScope(
  def: RuleDefinition,
  scope: RuleScope,
): Omit<RuleOutcome, 'rule' | 'section'> | undefined {
  if (scope.certified.includes(def.seat)) return undefined;
  const why = scope.notCertified?.(def.seat) ?? `the ${def.seat} is not certified here`;
  return { outcome: 'not-applicable', reason: `judges the ${def.seat}: ${why}`, checked: 0, findings: [] };
}

export function summarizeRule(
  def: RuleDefinition,
  seen: RuleSummary['scenarios'],
  scope: RuleScope,
): RuleSummary {
  const base = { rule: def.id, section: def.section, text: def.text };
  const notApplicable = outOfScope(def, scope);
  if (notApplicable) return { ...base, ...pick(notApplicable), scenarios: [] };
  const outcome = strongest(seen.map((s) => s.outcome));
  if (outcome === undefined) {
    const reason = scope.stopped
      ? 'no scenario exercising it ran before the run stopped'
      : 'nothing in this evidence exercises it';
    return { ...base, outcome: 'not-exercised', reason, scenarios: seen };
  }
  const those = seen.filter((s) => s.outcome === outcome);
  const caveats = distinct(those.flatMap((s) => (s.caveat ? [s.caveat] : [])));
  const reason =
    outcome === 'passed'
      ? `passed in ${those.length} scenario(s)${caveats.length ? `; ${caveats.join('; ')}` : ''}`
      : outcome === 'failed'
        ? those.map((s) => `${s.name}: ${s.reason}`).join('\n')
        : distinct(those.map((s) => s.reason)).join('\n');
  return { ...base, outcome, reason, scenarios: seen };
}

function pick(o: Pick<RuleOutcome, 'outcome' | 'reason'>): Pick<RuleSummary, 'outcome' | 'reason'> {
  return { outcome: o.outcome, reason: o.reason };
}

function distinct(values: readonly string[]): string[] {
  const unique = [...new Set(values)];
  return unique.length > 5 ? [...unique.slice(0, 5), `(and ${unique.length - 5} more)`] : unique;
}

/** One outcome per rule of the catalog, from the scenarios that exercised it. */
export function summarizeRules(scenarios: readonly ScenarioResult[], scope: RuleScope): RuleSummary[] {
  return RULES.map((def) =>
    summarizeRule(
      def,
      scenarios.flatMap((s) =>
        s.rules
          .filter((r) => r.rule === def.id)
          .map((r) => ({
            name: s.name,
            outcome: r.outcome,
            reason: r.reason,
            ...(r.caveat ? { caveat: r.caveat } : {}),
          })),
      ),
      scope,
    ),
  );
}

export interface VerdictInput {
  scenarios: readonly ScenarioResult[];
  rules: readonly RuleSummary[];
  /** Why the run stopped before it finished, if it did: that fails it. */
  stopped?: string | undefined;
  /** Other reasons the run failed (the system under test left, a run hook failed, unreadable evidence). */
  failures?: readonly string[];
}

/**
 * FAILED when a rule failed, a scenario failed, the run stopped or ran nothing; else INCOMPLETE when
 * an applicable rule was not observable or not exercised; else PASSED.
 */
export function verdictOf(input: VerdictInput): { verdict: Verdict; reasons: string[] } {
  const failed: string[] = [...(input.stopped ? [input.stopped] : []), ...(input.failures ?? [])];
  const ran = input.scenarios.filter((s) => s.status !== 'not-run');
  if (ran.length === 0) failed.push('no scenario ran');
  const judged = input.rules.filter((r) => r.outcome === 'passed' || r.outcome === 'failed');
  // Guard against vacuous passes: evidence in which no rule was judged certifies nothing.
  if (judged.length === 0) failed.push('no rule was judged');
  for (const r of input.rules) if (r.outcome === 'failed') failed.push(`${r.rule} failed`);
  const failedScenarios = ran.filter((s) => s.status === 'failed');
  if (failedScenarios.length) failed.push(`${failedScenarios.length} scenario(s) failed`);
  const unjudged = input.rules
    .filter((r) => UNJUDGED.has(r.outcome))
    .map((r) => `${r.rule} ${r.outcome.replace('-', ' ')}`);
  if (failed.length) return { verdict: 'failed', reasons: [...failed, ...unjudged] };
  if (unjudged.length) return { verdict: 'incomplete', reasons: unjudged };
  return { verdict: 'passed', reasons: [] };
}
