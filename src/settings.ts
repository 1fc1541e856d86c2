/**
 * What a conformance run needs to know: timeouts, the indication mapping, and (for self-tests) a
 * deliberately broken party. Read from the environment so CI and child processes can set them.
 */
import { breakageById } from './parties/breakages.ts';
import { DEFAULT_MAPPING, INITIAL_STATE, type Indication, type IndicationMapping } from './screencap.ts';

export interface HarnessSettings {
  /** Time allowed for the recorder's indication after an operation (rule REC-ANSWER). */
  answerTimeoutMs: number;
  /** Time allowed for each reply, and for each expected message in a step. */
  requestTimeoutMs: number;
  mapping: IndicationMapping;
  initialState: Indication;
  /** A broken party to put in its seat (self-tests of the suite). */
  breakage: string | undefined;
}

export const DEFAULT_SETTINGS: HarnessSettings = {
  answerTimeoutMs: 2000,
  requestTimeoutMs: 2000,
  mapping: DEFAULT_MAPPING,
  initialState: INITIAL_STATE,
  breakage: undefined,
};

function positiveMs(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0)
    throw new Error(`${name}: expected a positive number of milliseconds, got "${raw}"`);
  return n;
}

export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): HarnessSettings {
  const breakage = env.SCREENCAP_BREAK || undefined;
  if (breakage) breakageById(breakage);
  return {
    ...DEFAULT_SETTINGS,
    answerTimeoutMs: positiveMs(env, 'SCREENCAP_ANSWER_TIMEOUT_MS', DEFAULT_SETTINGS.answerTimeoutMs),
    requestTimeoutMs: positiveMs(env, 'SCREENCAP_REQUEST_TIMEOUT_MS', DEFAULT_SETTINGS.requestTimeoutMs),
    breakage,
  };
}
