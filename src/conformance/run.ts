/**
 * Runs the Gherkin suite through Cucumber's API and turns what the scenarios attached into a
 * result (src/result/: outcomes per rule and the verdict).
 */
import type { ISupportCodeLibrary, runCucumber } from '@cucumber/cucumber/api';
import type { HarnessConfig } from '../config/schema.ts';
import { COMPILED, HARNESS_ROOT } from '../harness-root.ts';
import type { ServerIdentity } from '../link/link.ts';
import type { BreakageId } from '../parties/breakages.ts';
import {
  INTERRUPTIONS_MEDIA_TYPE,
  OBSERVATIONS_MEDIA_TYPE,
  RULE_OUTCOMES_MEDIA_TYPE,
  TSERVER_IDENTITY_MEDIA_TYPE,
} from '../report/evidence.ts';
import { ExchangeFolders, featureSlug } from '../report/exchanges.ts';
import { stepFailureSentence } from '../report/step-failure.ts';
import { parseTrace, TRACE_MEDIA_TYPE } from '../report/trace.ts';
import type { Interruption, RuleOutcome, ScenarioResult, SuiteResult } from '../result/outcomes.ts';
import { profileScope, summarizeRules, verdictOf } from '../result/verdict.ts';
import { runSettings, settingsFrom } from '../settings.ts';
import { BatchedOutput } from './batched-output.ts';
import { noServiceabilityAt } from './control.ts';
import { useNativeMatchIndices } from './match-indices.ts';
import { notRunReason, profileTagExpression, type TServerReach } from './profiles.ts';

/** A Cucumber message (its package is Cucumber's own dependency). */
export type Envelope = Parameters<NonNullable<Parameters<typeof runCucumber>[2]>>[0];

export interface SuiteOptions {
  /** Project root holding cucumber.mjs (default: the harness's own, wherever it is installed). */
  cwd?: string;
  /** Cucumber tag expression selecting scenarios. */
  tags?: string;
  /** Extra or replacement formats (`name` or `name:path`). */
  formats?: string[];
  /** Worker processes running scenarios at once (default 1: in this process). */
  parallel?: number;
  /**
   * The run's configuration: its profile selects scenarios and which rules apply (default: as `run`
   * reads it: the file SCREENCAP_CONFIG names, with the SCREENCAP_* overrides).
   */
  config?: HarnessConfig;
  /** Self-test: a deliberately broken party in its seat. */
  breakage?: BreakageId;
  /** Stop at the first failed rule. */
  failFast?: boolean;
  /** Where to write `host:port` once the embedded T-Server listens. */
  readyFile?: string;
  /** Options of the formats (e.g. allure-cucumberjs's resultsDir), merged into cucumber.mjs's. */
  formatOptions?: Record<string, unknown>;
  /** Reads the run as it goes, so a caller can still report on a run that never returns (SIGINT). */
  collector?: ScenarioCollector;
  /** Also receives every Cucumber message. */
  onMessage?: (envelope: Envelope) => void;
}

/** Reads scenarios, their statuses and their rule outcomes from Cucumber's message stream. */
export class ScenarioCollector {
  private readonly pickles = new Map<string, { name: string; uri: string; tags: string[] }>();
  private readonly testCases = new Map<string, string>();
  private readonly started = new Map<string, ScenarioResult>();
  private readonly finished = new Set<string>();
  private readonly startedTestCases = new Set<string>();
  private readonly identities = new Map<string, ServerIdentity>();
  /** Step texts by pickle step id, and hook names by hook id: what a failed step was doing. */
  private readonly stepTexts = new Map<string, string>();
  /** Test step id -> its pickle step or hook id. */
  private readonly testSteps = new Map<string, string>();
  private readonly folders = new ExchangeFolders();
  private runFinished = false;
  /** Why BeforeAll or AfterAll hooks failed (Cucumber only says that one did). */
  readonly runHookFailures: string[] = [];
  /** Each failed step's whole error (with its stack): for the debug file, never the certificate. */
  readonly stepFailures: Array<{ scenario: string; step: string; message: string }> = [];

  readonly onMessage = (envelope: Envelope): void => {
    if (envelope.pickle) {
      const { id, name, uri, tags } = envelope.pickle;
      this.pickles.set(id, { name, uri, tags: tags.map((t) => t.name) });
      for (const step of envelope.pickle.steps) this.stepTexts.set(step.id, step.text);
    }
    if (envelope.hook) this.stepTexts.set(envelope.hook.id, envelope.hook.name ?? 'a hook');
    if (envelope.testCase) {
      this.testCases.set(envelope.testCase.id, envelope.testCase.pickleId);
      for (const step of envelope.testCase.testSteps)
        this.testSteps.set(step.id, step.pickleStepId ?? step.hookId ?? '');
    }
    if (envelope.testCaseStarted) {
      this.startedTestCases.add(envelope.testCaseStarted.testCaseId);
      const pickle = this.pickles.get(this.testCases.get(envelope.testCaseStarted.testCaseId) ?? '');
      const name = pickle?.name ?? '?';
      const uri = pickle?.uri ?? '?';
      this.started.set(envelope.testCaseStarted.id, {
        name,
        uri,
        status: 'passed',
        rules: [],
        evidence: this.folders.allocate(featureSlug(uri), name),
      });
    }
    if (envelope.testStepFinished) {
      const { testCaseStartedId, testStepId, testStepResult: result } = envelope.testStepFinished;
      const scenario = this.started.get(testCaseStartedId);
      if (scenario && result.status !== 'PASSED' && scenario.status === 'passed') {
        const step = this.stepTexts.get(this.testSteps.get(testStepId) ?? '');
        scenario.status = 'failed';
        scenario.error = result.message
          ? stepFailureSentence(step, result.message)
          : `${step ? `“${step}”` : 'a step'} was ${result.status.toLowerCase()}.`;
        if (result.message)
          this.stepFailures.push({ scenario: scenario.name, step: step ?? '?', message: result.message });
      }
    }
    if (envelope.testCaseFinished) this.finished.add(envelope.testCaseFinished.testCaseStartedId);
    if (envelope.testRunFinished) this.runFinished = true;
    const hook = envelope.testRunHookFinished?.result;
    if (hook && hook.status !== 'PASSED')
      this.runHookFailures.push(`a run hook failed: ${hook.message?.split('\n')[0] ?? hook.status}`);
    const attachment = envelope.attachment;
    const scenario = this.started.get(attachment?.testCaseStartedId ?? '');
    if (!attachment || !scenario) return;
    if (attachment.mediaType === RULE_OUTCOMES_MEDIA_TYPE)
      scenario.rules = JSON.parse(attachment.body) as RuleOutcome[];
    if (attachment.mediaType === OBSERVATIONS_MEDIA_TYPE)
      scenario.observations = JSON.parse(attachment.body) as string[];
    if (attachment.mediaType === INTERRUPTIONS_MEDIA_TYPE)
      scenario.interruptions = JSON.parse(attachment.body) as Interruption[];
    if (attachment.mediaType === TSERVER_IDENTITY_MEDIA_TYPE) {
      const id = JSON.parse(attachment.body) as ServerIdentity;
      this.identities.set(`${id.name} ${id.version}`, id);
    }
    // The trace follows the outcomes; it is read only when a failed rule points at a message.
    const seqs = new Set(scenario.rules.flatMap((r) => r.findings.map((f) => f.journalSeq)));
    if (attachment.mediaType === TRACE_MEDIA_TYPE && seqs.size > 0) {
      const offending = parseTrace(attachment.body).filter((l) => seqs.has(l.seq));
      if (offending.length) scenario.offending = offending;
    }
  };

  /** The evidence folder of a started scenario (see exchanges.ts). */
  evidenceFolder(testCaseStartedId: string): string | undefined {
    return this.started.get(testCaseStartedId)?.evidence;
  }

  /** Scenarios that started; one that never finished (the run stopped) counts as failed. */
  get scenarios(): ScenarioResult[] {
    return [...this.started].map(([id, s]) =>
      this.finished.has(id) ? s : { ...s, status: 'failed', error: 'did not finish: the run stopped' },
    );
  }

  /** Why the run is incomplete, or undefined when every selected scenario finished. */
  get incomplete(): string | undefined {
    const unfinished = this.started.size - this.finished.size;
    const unstarted = [...this.testCases.keys()].filter((id) => !this.startedTestCases.has(id)).length;
    if (this.runFinished && unfinished === 0 && unstarted === 0) return undefined;
    return `the run did not finish: ${unfinished} scenario(s) stopped midway, ${unstarted} never started`;
  }

  /** The T-Servers the scenarios ran against, as they named themselves. */
  get tservers(): ServerIdentity[] {
    return [...this.identities.values()];
  }

  /**
   * Scenarios Cucumber parsed but did not run (the profile or tags left them out): the rules they
   * exercise are not exercised by them, with the reason.
   */
  notRun(reason: (tags: string[]) => string): ScenarioResult[] {
    const ran = new Set(this.testCases.values());
    return [...this.pickles]
      .filter(([id]) => !ran.has(id))
      .map(([, p]) => {
        const why = reason(p.tags);
        return {
          name: p.name,
          uri: p.uri,
          status: 'not-run' as const,
          error: why,
          rules: p.tags
            .filter((t) => t.startsWith('@rule:'))
            .map(
              (t): RuleOutcome => ({
                rule: t.slice('@rule:'.length),
                section: '',
                outcome: 'not-exercised',
                reason: `“${p.name}” did not run: ${why}`,
                checked: 0,
                findings: [],
              }),
            ),
        };
      });
  }
}

/**
 * The step definitions and hooks each loaded once per process, by where they were loaded from.
 * Node imports a module once: a second run importing the same support files again would register
 * no step, so later runs in this process reuse the library the first one loaded.
 */
const supportLibraries = new Map<string, ISupportCodeLibrary>();

/** The tag expression selecting the run's scenarios: the profile's and the user's. */
function selection(options: Pick<SuiteOptions, 'config' | 'tags'>, reach: TServerReach): string {
  const profileTags = options.config && profileTagExpression(options.config, reach);
  return [profileTags, options.tags]
    .filter(Boolean)
    .map((t) => `(${t})`)
    .join(' and ');
}

export async function runSuite(options: SuiteOptions = {}): Promise<SuiteResult> {
  const cwd = options.cwd ?? HARNESS_ROOT;
  const { breakage, failFast, readyFile } = options;
  const settings = options.config
    ? settingsFrom(options.config, breakage, options)
    : runSettings({ breakage, failFast, readyFile });
  const { config } = settings;
  // The support code reads the run's settings as Cucumber's world parameters (in every worker).
  const provided: Record<string, unknown> = { worldParameters: settings };
  // An external T-Server's admin API: a screencap-cert simulator's drops connections and restarts, a bridge's does not.
  const adminUrl = config.profile === 'self' ? undefined : config.tserver.adminUrl;
  const reach: TServerReach =
    adminUrl && config.tserver.mode === 'tcp' ? { noServiceability: await noServiceabilityAt(adminUrl) } : {};
  const tags = selection({ ...options, config }, reach);
  if (tags) provided.tags = tags;
  if (options.formats) provided.format = options.formats;
  if (options.formatOptions) provided.formatOptions = options.formatOptions;
  if (options.parallel && options.parallel > 1) {
    provided.parallel = options.parallel;
    // Workers are new Node processes: from the sources, they need the TypeScript loader too.
    if (!COMPILED && !process.env.NODE_OPTIONS?.includes('--import tsx')) {
      process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --import tsx`.trim();
    }
  }
  // Loaded here, not at the top: the rule summaries above serve verify-log too, which needs no Cucumber.
  useNativeMatchIndices();
  const { loadConfiguration, runCucumber } = await import('@cucumber/cucumber/api');
  // The compiled package runs its compiled steps and support code (cucumber.mjs's `compiled` profile).
  const profiles = COMPILED ? ['compiled'] : [];
  const { runConfiguration } = await loadConfiguration({ file: 'cucumber.mjs', profiles, provided }, { cwd });
  const collector = options.collector ?? new ScenarioCollector();
  const where = JSON.stringify([cwd, runConfiguration.support]);
  const loaded = supportLibraries.get(where);
  const stdout = new BatchedOutput(process.stdout);
  const { success, support } = await runCucumber(
    loaded ? { ...runConfiguration, support: loaded } : runConfiguration,
    { cwd, stdout },
    (envelope) => {
      collector.onMessage(envelope);
      options.onMessage?.(envelope);
    },
  ).finally(() => stdout.close());
  supportLibraries.set(where, support);
  return suiteResult(collector, { ...options, config }, success, undefined, reach);
}

/**
 * The result of what `collector` saw: of a whole run, or of one that stopped early (`stopped`
 * says why), which is incomplete and fails.
 */
export function suiteResult(
  collector: ScenarioCollector,
  options: Pick<SuiteOptions, 'config' | 'tags'>,
  cucumberSuccess: boolean,
  stopped?: string,
  reach: TServerReach = {},
): SuiteResult {
  const ran = collector.scenarios;
  const config = options.config;
  const notRun = collector.notRun((t) =>
    config ? notRunReason(config, t, reach) : 'not selected by --tags',
  );
  const incomplete = stopped ?? collector.incomplete;
  const scenarios = [...ran, ...notRun];
  const profile = config?.profile ?? 'self';
  const rules = summarizeRules(scenarios, { ...profileScope(profile), stopped: incomplete !== undefined });
  const failures = [...collector.runHookFailures];
  if (!cucumberSuccess && ran.every((s) => s.status === 'passed') && !incomplete)
    failures.push('Cucumber reported a failure (undefined or pending steps?)');
  const { verdict, reasons } = verdictOf({ scenarios, rules, stopped: incomplete, failures });
  return { verdict, reasons, complete: incomplete === undefined, scenarios, rules };
}
