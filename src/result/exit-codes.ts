/**
 * Exit codes, the same for every command that judges (run, verify-log, load, report):
 * 0 PASSED, 1 FAILED, 3 INCOMPLETE (0 with --allow-incomplete), 2 the command could not run.
 */
import type { Verdict } from './outcomes.ts';

export const EXIT = { passed: 0, failed: 1, cannotRun: 2, incomplete: 3 } as const;

export function exitCodeOf(verdict: Verdict, options: { allowIncomplete?: boolean } = {}): number {
  if (verdict === 'incomplete') return options.allowIncomplete ? EXIT.passed : EXIT.incomplete;
  return EXIT[verdict];
}

/**
 * The command could not run (bad configuration, a port in use, a file that is not a SIP Server
 * log, an unreachable T-Server, no container runtime): exit 2, no certificate written,
 * `reports/latest` left as it was.
 */
export class CannotRunError extends Error {
  override name = 'CannotRunError';
}

/** What `--help` and the README say of the exit codes. */
export const EXIT_CODES_HELP = `Exit codes:
  0  PASSED: every rule that applies to the certified seats was judged, and all passed
  1  FAILED: a rule failed, or the system under test left, or the run was stopped
  2  the command could not run (bad configuration, a port in use, not a SIP Server log,
     an unreachable T-Server, no container runtime): no certificate is written
  3  INCOMPLETE: nothing failed, but some applicable rule was not observable or not
     exercised (the certificate lists what would cover it); --allow-incomplete gives 0`;
