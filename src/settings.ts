/**
 * What a conformance run needs: the validated configuration (its file, then the user's SCREENCAP_*
 * overrides); for self-tests only, a deliberately broken party (--break, or SCREENCAP_BREAK); and
 * how `run` was asked to behave (--fail-fast, --ready-file). The run hands them to Cucumber's
 * support code as world parameters.
 */
import { loadConfig } from './config/load.ts';
import type { HarnessConfig } from './config/schema.ts';
import type { Indication, IndicationMapping } from './domain/screencap.ts';
import { type BreakageId, breakageId } from './parties/breakages.ts';

export interface HarnessSettings {
  config: HarnessConfig;
  /** Time allowed for the recorder's indication after an operation (rule REC-ANSWER). */
  answerTimeoutMs: number;
  /** Time allowed for each reply, and for each expected message in a step. */
  requestTimeoutMs: number;
  /** Time allowed to reconnect and re-register after a drop or restart (REC-RECOVERS, DESK-RECOVERS). */
  recoverTimeoutMs: number;
  mapping: IndicationMapping;
  initialState: Indication;
  /** A broken party to put in its seat (self-tests of the suite). */
  breakage: BreakageId | undefined;
  /** Stop the run at the first failed rule (`run --fail-fast`). */
  failFast: boolean;
  /** Where to write `host:port` once the embedded T-Server listens (`run --ready-file`). */
  readyFile: string | undefined;
}

export function settingsFrom(
  config: HarnessConfig,
  breakage?: BreakageId,
  run: { failFast?: boolean | undefined; readyFile?: string | undefined } = {},
): HarnessSettings {
  return {
    config,
    answerTimeoutMs: config.timeouts.answerMs,
    requestTimeoutMs: config.timeouts.requestMs,
    recoverTimeoutMs: config.timeouts.recoverMs,
    mapping: config.mapping,
    initialState: config.initialState,
    breakage,
    failFast: run.failFast ?? false,
    readyFile: run.readyFile || undefined,
  };
}

/** What `screencap-cert run` was asked for on its command line. */
export interface RunOptions {
  /** The configuration file (default: SCREENCAP_CONFIG, else none). */
  config?: string | undefined;
  /** Overrides the configuration's profile. */
  profile?: string | undefined;
  /** Overrides tserver.sipLog. */
  sipLog?: string | undefined;
  /** A broken party in its seat (default: SCREENCAP_BREAK, else none). */
  breakage?: BreakageId | undefined;
  failFast?: boolean | undefined;
  readyFile?: string | undefined;
}

/**
 * The settings of a run: the configuration file with the user's SCREENCAP_* overrides, and the
 * command's options over them (validated, and named in errors, as the overrides are).
 */
export function runSettings(options: RunOptions, env: NodeJS.ProcessEnv = process.env): HarnessSettings {
  const overrides = {
    ...env,
    ...(options.profile ? { SCREENCAP_PROFILE: options.profile } : {}),
    ...(options.sipLog ? { SCREENCAP_TSERVER_SIP_LOG: options.sipLog } : {}),
  };
  const config = loadConfig(options.config ?? (env.SCREENCAP_CONFIG || undefined), overrides);
  return settingsFrom(config, options.breakage ?? breakageFromEnv(env), options);
}

/**
 * How long a step or hook may take (Cucumber's limit): a backstop behind each wait's own configured
 * time, so a wait that never ends still ends the step. Readiness waits for the system under test.
 */
export function timeLimitMs(settings: HarnessSettings, what: 'step' | 'readiness'): number {
  if (what === 'readiness') return settings.config.timeouts.readyMs + 60_000;
  const longestWait = Math.max(
    settings.requestTimeoutMs + settings.answerTimeoutMs,
    settings.recoverTimeoutMs,
  );
  return longestWait + 5000;
}

/** SCREENCAP_BREAK (empty or unset: none); an unknown id is an error that names the known ones. */
function breakageFromEnv(env: NodeJS.ProcessEnv): BreakageId | undefined {
  const value = env.SCREENCAP_BREAK;
  if (!value) return undefined;
  try {
    return breakageId(value);
  } catch (e) {
    throw new Error(`SCREENCAP_BREAK: ${(e as Error).message}`);
  }
}
