/**
 * The certificate of a run: the rule coverage matrix (each rule, its seed section, the scenarios
 * that exercised it, its outcome and, when not passed, why, with the offending messages), the run's
 * metadata and the verdict. As JSON for tools and as one self-contained HTML page for people.
 */

import {
  OUTCOMES,
  type Outcome,
  type RuleSummary,
  type ScenarioResult,
  type ScenarioStatus,
  type SuiteResult,
  type TraceLine,
} from '../result/outcomes.ts';
import { ruleById, SEED_SECTIONS } from '../rules/catalog.ts';
import type { RunMetadata } from './metadata.ts';

export const CERTIFICATION_SCHEMA = 'screencap-cert/certification@1';

export interface CertifiedFinding {
  scenario: string;
  /** The expectation and what was seen instead. */
  text: string;
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

export interface Certification extends SuiteResult {
  schema: typeof CERTIFICATION_SCHEMA;
  complete: boolean;
  run: RunMetadata;
  rules: CertifiedRule[];
  totals: {
    scenarios: Record<ScenarioResult['status'], number>;
    rules: Record<Outcome, number>;
  };
}

function findingsOf(rule: string, scenarios: readonly ScenarioResult[]): CertifiedFinding[] {
  return scenarios.flatMap((s) =>
    s.rules
      .filter((r) => r.rule === rule && r.outcome === 'failed')
      .flatMap((r) =>
        r.findings.map((f) => {
          const message = s.offending?.find((l) => l.seq === f.journalSeq);
          return { scenario: s.name, text: f.text, ...(message ? { message } : {}) };
        }),
      ),
  );
}

function count<K extends string>(keys: readonly K[], values: readonly K[]): Record<K, number> {
  return Object.fromEntries(keys.map((k) => [k, values.filter((v) => v === k).length])) as Record<K, number>;
}

export function certificationOf(result: SuiteResult, run: RunMetadata): Certification {
  const rules = result.rules.map((r): CertifiedRule => {
    const def = ruleById(r.rule);
    return {
      ...r,
      seat: def?.seat ?? '?',
      sectionTitle: SEED_SECTIONS[r.section] ?? '',
      ...(def?.reading ? { reading: def.reading } : {}),
      findings: findingsOf(r.rule, result.scenarios),
    };
  });
  // The offending messages are kept with the rules they break, not twice.
  const scenarios = result.scenarios.map(({ offending: _, ...s }) => s);
  return {
    schema: CERTIFICATION_SCHEMA,
    ...result,
    complete: result.complete !== false,
    run,
    rules,
    scenarios,
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
