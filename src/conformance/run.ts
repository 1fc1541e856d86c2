/**
 * Runs the Gherkin suite through Cucumber's API and turns what the scenarios attached into a
 * verdict: passed only if scenarios ran, rules were evaluated, and every applicable rule passed.
 */
import { loadConfiguration, runCucumber } from '@cucumber/cucumber/api';
import type { HarnessConfig } from '../config/schema.ts';
import { RULES } from '../rules/catalog.ts';
import type { Outcome, RuleOutcome } from '../rules/evaluate.ts';
import { RULE_OUTCOMES_MEDIA_TYPE } from './outcomes.ts';
import { notApplicableReason, profileTagExpression } from './profiles.ts';

/** A Cucumber message (its package is Cucumber's own dependency). */
type Envelope = Parameters<NonNullable<Parameters<typeof runCucumber>[2]>>[0];

export interface SuiteOptions {
  /** Project root holding cucumber.mjs (default: the current directory). */
  cwd?: string;
  /** Cucumber tag expression selecting scenarios. */
  tags?: string;
  /** Extra or replacement formats (`name` or `name:path`). */
  formats?: string[];
  /** Worker processes running scenarios at once (default 1: in this process). */
  parallel?: number;
  /** The run's configuration: its profile selects scenarios and which rules apply. */
  config?: HarnessConfig;
}

export interface ScenarioResult {
  name: string;
  uri: string;
  status: 'passed' | 'failed' | 'not-applicable';
  /** Why it failed (the first failing step's message), or why it is not applicable. */
  error?: string;
  rules: RuleOutcome[];
}

export interface RuleSummary {
  rule: string;
  section: string;
  text: string;
  outcome: Outcome;
  reason: string;
  scenarios: Array<{ name: string; outcome: Outcome; reason: string }>;
}

export interface SuiteResult {
  verdict: 'passed' | 'failed';
  /** Why the verdict is what it is, in words. */
  reasons: string[];
  scenarios: ScenarioResult[];
  rules: RuleSummary[];
}

/** Reads scenarios, their statuses and their rule outcomes from Cucumber's message stream. */
export class ScenarioCollector {
  private readonly pickles = new Map<string, { name: string; uri: string; tags: string[] }>();
  private readonly testCases = new Map<string, string>();
  private readonly started = new Map<string, ScenarioResult>();

  readonly onMessage = (envelope: Envelope): void => {
    if (envelope.pickle) {
      const { id, name, uri, tags } = envelope.pickle;
      this.pickles.set(id, { name, uri, tags: tags.map((t) => t.name) });
    }
    if (envelope.testCase) this.testCases.set(envelope.testCase.id, envelope.testCase.pickleId);
    if (envelope.testCaseStarted) {
      const pickle = this.pickles.get(this.testCases.get(envelope.testCaseStarted.testCaseId) ?? '');
      this.started.set(envelope.testCaseStarted.id, {
        name: pickle?.name ?? '?',
        uri: pickle?.uri ?? '?',
        status: 'passed',
        rules: [],
      });
    }
    if (envelope.testStepFinished) {
      const scenario = this.started.get(envelope.testStepFinished.testCaseStartedId);
      const result = envelope.testStepFinished.testStepResult;
      if (scenario && result.status !== 'PASSED' && scenario.status === 'passed') {
        scenario.status = 'failed';
        scenario.error = result.message ?? `a step was ${result.status.toLowerCase()}`;
      }
    }
    if (
      envelope.attachment?.mediaType === RULE_OUTCOMES_MEDIA_TYPE &&
      envelope.attachment.testCaseStartedId
    ) {
      const scenario = this.started.get(envelope.attachment.testCaseStartedId);
      if (scenario) scenario.rules = JSON.parse(envelope.attachment.body) as RuleOutcome[];
    }
  };

  get scenarios(): ScenarioResult[] {
    return [...this.started.values()];
  }

  /** Scenarios Cucumber parsed but did not run (the profile or tags left them out). */
  notRun(reason: (tags: string[]) => string): ScenarioResult[] {
    const ran = new Set(this.testCases.values());
    return [...this.pickles]
      .filter(([id]) => !ran.has(id))
      .map(([, p]) => ({ name: p.name, uri: p.uri, status: 'not-applicable' as const, error: reason(p.tags), rules: [] }));
  }
}

/** One outcome per rule of the catalog, from the scenarios that exercised it. */
export interface RuleScope {
  /** Scenarios were selected by tags or profile: a rule none of them exercises is not applicable. */
  filtered: boolean;
  /** The seat of the system under test: rules judging other seats are not applicable. */
  sutSeat?: string;
}

export function summarizeRules(scenarios: readonly ScenarioResult[], scope: RuleScope): RuleSummary[] {
  return RULES.map((def) => {
    if (scope.sutSeat && def.seat !== scope.sutSeat) {
      return {
        rule: def.id,
        section: def.section,
        text: def.text,
        outcome: 'not-applicable' as const,
        reason: `judges the ${def.seat}, which the harness plays in the ${scope.sutSeat} profile`,
        scenarios: [],
      };
    }
    const seen = scenarios.flatMap((s) =>
      s.rules
        .filter((r) => r.rule === def.id)
        .map((r) => ({ name: s.name, outcome: r.outcome, reason: r.reason })),
    );
    const base = { rule: def.id, section: def.section, text: def.text, scenarios: seen };
    const failed = seen.filter((s) => s.outcome === 'failed');
    if (failed.length)
      return { ...base, outcome: 'failed', reason: failed.map((s) => `${s.name}: ${s.reason}`).join('\n') };
    const passed = seen.filter((s) => s.outcome === 'passed');
    if (passed.length)
      return { ...base, outcome: 'passed', reason: `passed in ${passed.length} scenario(s)` };
    const first = seen[0];
    if (first) return { ...base, outcome: first.outcome, reason: first.reason };
    return scope.filtered
      ? { ...base, outcome: 'not-applicable', reason: 'no selected scenario exercises it' }
      : { ...base, outcome: 'could-not-test', reason: 'no scenario exercises it' };
  });
}

export function verdictOf(
  scenarios: readonly ScenarioResult[],
  rules: readonly RuleSummary[],
  cucumberSuccess: boolean,
) {
  const reasons: string[] = [];
  if (scenarios.length === 0) reasons.push('no scenario ran');
  const evaluated = rules.filter((r) => r.outcome === 'passed' || r.outcome === 'failed');
  if (evaluated.length === 0) reasons.push('no rule was evaluated');
  for (const r of rules)
    if (r.outcome === 'failed' || r.outcome === 'could-not-test') reasons.push(`${r.rule} ${r.outcome}`);
  const failedScenarios = scenarios.filter((s) => s.status === 'failed');
  if (failedScenarios.length) reasons.push(`${failedScenarios.length} scenario(s) failed`);
  if (!cucumberSuccess && reasons.length === 0)
    reasons.push('Cucumber reported a failure (undefined or pending steps?)');
  return { verdict: reasons.length === 0 ? ('passed' as const) : ('failed' as const), reasons };
}

export async function runSuite(options: SuiteOptions = {}): Promise<SuiteResult> {
  const cwd = options.cwd ?? process.cwd();
  const provided: Record<string, unknown> = {};
  const profileTags = options.config && profileTagExpression(options.config);
  const tags = [profileTags, options.tags].filter(Boolean).map((t) => `(${t})`).join(' and ');
  if (tags) provided.tags = tags;
  if (options.formats) provided.format = options.formats;
  if (options.parallel && options.parallel > 1) {
    provided.parallel = options.parallel;
    // Workers are new Node processes: they need the TypeScript loader too.
    if (!process.env.NODE_OPTIONS?.includes('--import tsx')) {
      process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --import tsx`.trim();
    }
  }
  const { runConfiguration } = await loadConfiguration({ file: 'cucumber.mjs', provided }, { cwd });
  const collector = new ScenarioCollector();
  const { success } = await runCucumber(runConfiguration, { cwd }, collector.onMessage);
  const ran = collector.scenarios;
  const config = options.config;
  const notRun = collector.notRun((t) => (config ? notApplicableReason(config, t) : 'not selected by --tags'));
  const sutSeat = config && config.profile !== 'self' ? config.profile : undefined;
  const rules = summarizeRules(ran, { filtered: tags !== '', ...(sutSeat ? { sutSeat } : {}) });
  return { ...verdictOf(ran, rules, success), scenarios: [...ran, ...notRun], rules };
}
