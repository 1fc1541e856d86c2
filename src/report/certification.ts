/**
 * The certificate of a run, in the shape certification programs publish: the verdict with its
 * reason; the scope (seat, profile, rules that apply, evidence); the results, failed first, each
 * finding in words with its evidence; observations no rule judges; the system under test and
 * environment; the reference configuration; how to verify the bundle. As JSON for tools and as
 * one self-contained HTML page (certification-html.ts) for people.
 */

import { ruleById, SEED_SECTIONS } from '../domain/rule-catalog.ts';
import {
  type Interruption,
  OUTCOMES,
  type Outcome,
  type RuleFinding,
  type RuleSummary,
  type ScenarioResult,
  type ScenarioStatus,
  type SuiteResult,
  type TraceLine,
} from '../result/outcomes.ts';
import { certifiedScope } from '../result/verdict.ts';
import type { RunMetadata } from './metadata.ts';

/** @3 added the required `serviceability` section; readers take @1 and @2 too (publish/bundle.ts). */
export const CERTIFICATION_SCHEMA = 'screencap-cert/certification@3';

export interface CertifiedFinding {
  scenario: string;
  /** The scenario's evidence folder in the bundle (sequence.svg, trace.ndjson). */
  evidence?: string;
  /** The expectation and what was seen instead (with the offending message's description). */
  text: string;
  field?: RuleFinding['field'];
  /** The offending message, as in the scenario's trace. */
  message?: TraceLine;
}

export interface CertifiedRule extends RuleSummary {
  seat: string;
  sectionTitle: string;
  /** How the harness reads a seed that leaves this implicit. */
  reading?: string;
  findings: CertifiedFinding[];
}

export interface Observation {
  scenario: string;
  evidence?: string;
  text: string;
}

/** An interruption of the run (serviceability): what, which party, how long it took to recover, the outcome. */
export interface CertifiedInterruption extends Interruption {
  scenario: string;
  evidence?: string;
  /** The outcome, in that scenario, of the rule that judges this recovery; absent when it was not evaluated there. */
  outcome?: Outcome;
}

export interface Certification extends SuiteResult {
  schema: typeof CERTIFICATION_SCHEMA;
  complete: boolean;
  /** The verdict and its reason in one sentence. */
  summary: string;
  scope: {
    profile: string;
    /** The seats whose rules apply (the others are played by the harness or not certified). */
    certifiedSeats: string[];
    /** Rules that apply (every outcome but not applicable). */
    applicableRules: string[];
    evidence: string[];
  };
  run: RunMetadata;
  /** Failed first, then unjudged (not observable, not exercised), then passed, then not applicable. */
  rules: CertifiedRule[];
  /** Failed scenarios first. */
  scenarios: ScenarioResult[];
  observations: Observation[];
  /** Every interruption in the run, in scenario order; empty when nothing was interrupted. */
  serviceability: CertifiedInterruption[];
  /** The commands that check this bundle. */
  verification: string[];
  totals: {
    scenarios: Record<ScenarioResult['status'], number>;
    rules: Record<Outcome, number>;
  };
}

/** Where an outcome is listed: what needs a reviewer's eye first. */
export const OUTCOME_ORDER: readonly Outcome[] = [
  'failed',
  'not-observable',
  'not-exercised',
  'passed',
  'not-applicable',
];
const SCENARIO_ORDER: readonly ScenarioStatus[] = ['failed', 'not-run', 'passed'];

/** A stable sort by `rank` (catalog order within a rank). */
function sortedBy<T>(items: readonly T[], rank: (item: T) => number): T[] {
  return items
    .map((item, i) => ({ item, i }))
    .sort((a, b) => rank(a.item) - rank(b.item) || a.i - b.i)
    .map(({ item }) => item);
}

function findingsOf(rule: string, scenarios: readonly ScenarioResult[]): CertifiedFinding[] {
  return scenarios.flatMap((s) =>
    s.rules
      .filter((r) => r.rule === rule && r.outcome === 'failed')
      .flatMap((r) =>
        r.findings.map((f) => {
          const message = s.offending?.find((l) => l.seq === f.journalSeq);
          return {
            scenario: s.name,
            ...(s.evidence ? { evidence: s.evidence } : {}),
            text: f.text,
            ...(f.field ? { field: f.field } : {}),
            ...(message ? { message } : {}),
          };
        }),
      ),
  );
}

function count<K extends string>(keys: readonly K[], values: readonly K[]): Record<K, number> {
  return Object.fromEntries(keys.map((k) => [k, values.filter((v) => v === k).length])) as Record<K, number>;
}

/** Why the verdict is what it is, in one sentence (the badge beside it says the verdict). */
export function summaryOf(result: SuiteResult, applicable: number): string {
  const why = result.reasons.length
    ? result.reasons.join('; ')
    : `all ${applicable} rules that apply were judged and passed`;
  return `${why.charAt(0).toUpperCase()}${why.slice(1).replace(/\.$/, '')}.`;
}

/** The commands that check the bundle, as a reviewer types them in its folder. */
export function verificationOf(run: RunMetadata): string[] {
  const check = run.signedBy
    ? [
        `npx screencap-cert report verify . --public-key PUBLIC-KEY.pem  # the signer's public key, fingerprint ${run.signedBy}: checks the signature and every file's SHA-256`,
      ]
    : [
        "npx screencap-cert report verify .  # every file's SHA-256 against manifest.json (hashed, not signed: this shows accidents, not who made it)",
      ];
  return [...check, 'npx screencap-cert report .  # the verdict and each rule, as the run printed them'];
}

/** How long recovering took, in words: the times when it recovered, and each step with its time. */
export function recoveryInWords(i: Interruption): { took: string; steps: string } {
  const steps = i.steps
    .map((s) => `${s.what}: ${s.afterMs === undefined ? 'not done' : `after ${s.afterMs} ms`}`)
    .join('; ');
  const took = i.recovered
    ? [
        i.reregisteredAfterMs !== undefined ? `re-registered after ${i.reregisteredAfterMs} ms` : '',
        i.recoveredAfterMs !== undefined ? `recovered after ${i.recoveredAfterMs} ms` : '',
      ]
        .filter(Boolean)
        .join(', ')
    : 'did not recover in time';
  return { took, steps };
}

/** Each scenario's interruptions, with the outcome there of the rule that judges each. */
export function serviceabilityOf(scenarios: readonly ScenarioResult[]): CertifiedInterruption[] {
  return scenarios.flatMap((s) =>
    (s.interruptions ?? []).map((i) => {
      const outcome = s.rules.find((r) => r.rule === i.rule)?.outcome;
      return {
        ...i,
        scenario: s.name,
        ...(s.evidence ? { evidence: s.evidence } : {}),
        ...(outcome ? { outcome } : {}),
      };
    }),
  );
}

export function certificationOf(result: SuiteResult, run: RunMetadata): Certification {
  const rules = sortedBy(
    result.rules.map((r): CertifiedRule => {
      const def = ruleById(r.rule);
      return {
        ...r,
        seat: def?.seat ?? '?',
        sectionTitle: SEED_SECTIONS[r.section] ?? '',
        ...(def?.reading ? { reading: def.reading } : {}),
        findings: findingsOf(r.rule, result.scenarios),
      };
    }),
    (r) => OUTCOME_ORDER.indexOf(r.outcome),
  );
  // The offending messages are kept with the rules they break, the interruptions in their section: not twice.
  const scenarios = sortedBy(
    result.scenarios.map(({ offending: _, interruptions: __, ...s }) => s),
    (s) => SCENARIO_ORDER.indexOf(s.status),
  );
  const applicableRules = rules.filter((r) => r.outcome !== 'not-applicable').map((r) => r.rule);
  const seats = certifiedScope(run.profile, '').certified;
  return {
    schema: CERTIFICATION_SCHEMA,
    ...result,
    complete: result.complete !== false,
    summary: summaryOf(result, applicableRules.length),
    scope: {
      profile: run.profile,
      certifiedSeats: [...seats],
      applicableRules,
      evidence: [...run.evidenceSources, ...(run.source ? [run.source] : [])],
    },
    run,
    rules,
    scenarios,
    observations: scenarios.flatMap((s) =>
      (s.observations ?? []).map((text) => ({
        scenario: s.name,
        ...(s.evidence ? { evidence: s.evidence } : {}),
        text,
      })),
    ),
    serviceability: serviceabilityOf(result.scenarios),
    verification: verificationOf(run),
    totals: {
      scenarios: count(
        ['passed', 'failed', 'not-run'] satisfies ScenarioStatus[],
        scenarios.map((s) => s.status),
      ),
      rules: count(
        OUTCOMES,
        rules.map((r) => r.outcome),
      ),
    },
  };
}
