/**
 * The public API of the `screencap-cert` package: what a user scripts against. Only re-exports:
 * each name is the function or type the command line itself uses.
 */

export { ConfigError, loadConfig } from './config/load.ts';
export type { HarnessConfig } from './config/schema.ts';
// Run the conformance suite (what `screencap-cert run` runs), with a configuration.
export { runSuite, type SuiteOptions } from './conformance/run.ts';
// The rule catalog.
export {
  RULE_IDS,
  RULES,
  type RuleDefinition,
  type RuleId,
  ruleById,
  SEED_SECTIONS,
} from './domain/rule-catalog.ts';
export { PROFILES, type Profile, type Seat } from './domain/seats.ts';
export type { Link, ServerIdentity } from './link/link.ts';
export { TlibLink, type TlibLinkOptions } from './link/tlib-link.ts';
export { WorkspaceLink, type WorkspaceLinkOptions } from './link/workspace-link.ts';
// The mock parties, and the links they talk through.
export { MockDesktop, type MockDesktopOptions, type ReceivedIndication } from './parties/desktop.ts';
export { type AnsweredOperation, MockRecorder, type MockRecorderOptions } from './parties/recorder.ts';
export { EXIT, exitCodeOf } from './result/exit-codes.ts';
// The result model: outcomes, verdicts and their exit codes.
export {
  OUTCOMES,
  type Outcome,
  type RuleFinding,
  type RuleOutcome,
  type RuleSummary,
  type ScenarioResult,
  type SuiteResult,
  VERDICTS,
  type Verdict,
} from './result/outcomes.ts';
// The settings of a run or a log verification, from a configuration.
export { type HarnessSettings, settingsFrom } from './settings.ts';
// Start the embedded T-Server simulator (what `screencap-cert sim` runs).
export {
  type Simulator,
  type SimulatorOptions,
  startSimulator,
  TServer,
  type TServerOptions,
} from './sim/index.ts';
// Verify a SIP Server log (what `screencap-cert verify-log` runs).
export { type LogVerification, type VerifyLogOptions, verifyLog } from './verify-log/verify.ts';
