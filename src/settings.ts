/**
 * What a conformance run needs: the validated configuration (file named by SCREENCAP_CONFIG, then
 * SCREENCAP_* overrides); for self-tests only, a deliberately broken party (SCREENCAP_BREAK); and
 * how `run` was asked to behave (SCREENCAP_FAIL_FAST, SCREENCAP_READY_FILE).
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
  run: { failFast?: boolean; readyFile?: string | undefined } = {},
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

export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): HarnessSettings {
  return settingsFrom(loadConfig(env.SCREENCAP_CONFIG || undefined, env), breakageFromEnv(env), {
    failFast: env.SCREENCAP_FAIL_FAST === '1',
    readyFile: env.SCREENCAP_READY_FILE,
  });
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
