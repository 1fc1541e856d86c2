/**
 * The result model every judging command shares (run, verify-log, load): the outcome of each rule,
 * of each scenario, and of the whole run. Neither Cucumber nor the log parser owns it.
 */
import type { Direction } from '../journal.ts';
import type { WireMessage } from '../tlib/messages.ts';
import type { LoadFigures } from './load.ts';

/**
 * How a rule ended, always with its reason:
 * - `passed`: judged, and every instance kept the rule;
 * - `failed`: an instance broke it (the finding says which field, expected what, was what);
 * - `not-applicable`: it judges a seat the harness plays or that is not being certified, or a
 *   condition that never arose in this evidence (nothing was refused, so nothing refused was delivered);
 * - `not-observable`: this evidence cannot show it (the reason says which evidence would);
 * - `not-exercised`: the evidence could show it, but nothing in it exercised the behaviour.
 */
export const OUTCOMES = ['passed', 'failed', 'not-applicable', 'not-observable', 'not-exercised'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** Outcomes that leave an applicable rule unjudged: the verdict is then INCOMPLETE at best. */
export const UNJUDGED: ReadonlySet<Outcome> = new Set(['not-observable', 'not-exercised']);

export interface RuleFinding {
  text: string;
  /** The offending message's journal sequence number, when there is one. */
  journalSeq?: number;
  /** It finds something missing (a reply, a delivery, an answer), which later evidence could still show. */
  missing?: true;
  /** A field with a wrong value: which, what it should be, what it was (`absent` when missing). */
  field?: FieldFinding;
}

export interface FieldFinding {
  name: string;
  expected: string;
  found: string;
}

/** A rule's outcome in one scenario (one exchange, one part of a log). */
export interface RuleOutcome {
  rule: string;
  section: string;
  outcome: Outcome;
  /** Why it is not `passed`; what was checked when it is. */
  reason: string;
  /** Instances judged (requests, deliveries, answers). */
  checked: number;
  findings: RuleFinding[];
  /** What the evidence lacked that this rule does not judge (a journal that dropped chaff): said beside its pass. */
  caveat?: string;
}

/** A scenario's status: `not-run` when the profile or the tags left it out (the reason says which). */
export type ScenarioStatus = 'passed' | 'failed' | 'not-run';

export interface ScenarioResult {
  name: string;
  uri: string;
  status: ScenarioStatus;
  /** Why it failed (the first failing step's message), or why it did not run. */
  error?: string;
  rules: RuleOutcome[];
  /** The trace lines of the messages its failed rules point at. */
  offending?: TraceLine[];
  /** Its evidence folder in the bundle (`exchanges/<feature>/<scenario>`): sequence.svg, trace.ndjson. */
  evidence?: string;
  /** What the harness saw that no rule judges (EventErrors, late answers within the limit), in words. */
  observations?: string[];
  /** What was interrupted and how the party recovered (serviceability scenarios). */
  interruptions?: Interruption[];
}

/** One interruption a party had to recover from, as the recovery rules read it (rules/recovery.ts). */
export interface Interruption {
  /** `the T-Server restarted`, `its connection was dropped`, `the party was restarted`, `the link to the switch was down`. */
  what: string;
  /** `the recorder Mock_Recorder` */
  party: string;
  /** When, as the journal timed it. */
  at: string;
  /** The rule that judges this recovery. */
  rule: string;
  /** Every step done (the timed ones within timeouts.recoverMs). */
  recovered: boolean;
  /** Milliseconds until it had registered again and re-registered its DNs, when it did in time. */
  reregisteredAfterMs?: number;
  /** Milliseconds until its last step (for a recorder, its answer to the next operation), when it recovered. */
  recoveredAfterMs?: number;
  steps: Array<{ what: string; afterMs?: number }>;
}

/** One message of a scenario's trace, as reports show it (report/trace.ts writes them). */
export interface TraceLine {
  seq: number;
  time: string;
  party: string;
  direction: Direction;
  peer?: string;
  peerApplication?: string;
  message: WireMessage;
  /** The journal's own entry (a disconnection, a restart: JournalEntry.pseudo), not a message a party sent. */
  pseudo?: true;
  problem?: string;
  /** `RULE-ID: expectation`, on the messages failed rules point at. */
  findings?: string[];
}

/** A rule's outcome over the whole run. */
export interface RuleSummary {
  rule: string;
  section: string;
  text: string;
  outcome: Outcome;
  reason: string;
  scenarios: Array<{ name: string; outcome: Outcome; reason: string; caveat?: string }>;
  /** The evidence that judged it, when a result combines several (`live run`, `SIP Server log`). */
  judgedBy?: string[];
}

/** PASSED: every applicable rule judged and passed; INCOMPLETE: nothing failed, some rule unjudged. */
export const VERDICTS = ['passed', 'failed', 'incomplete'] as const;
export type Verdict = (typeof VERDICTS)[number];

export interface SuiteResult {
  verdict: Verdict;
  /** Why the verdict is what it is, in words: what failed first, then what was left unjudged. */
  reasons: string[];
  /** false: the run stopped (a signal, a crash) before every scenario it selected finished. */
  complete?: boolean;
  scenarios: ScenarioResult[];
  rules: RuleSummary[];
  /** A load run's figures (its scenarios are the operations, judged by the same rules). */
  load?: LoadFigures;
}
