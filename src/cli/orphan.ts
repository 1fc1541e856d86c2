/**
 * `npx screencap-cert sim` runs as npx -> `sh -c` -> node: a SIGTERM to npx ends the shell and
 * never reaches this process, which would go on serving, orphaned. Under npm (npx, npm exec,
 * npm run), a parent that goes away is taken as the stop it stood for. Started otherwise (a shell's
 * `&`, a container, a service manager), a process outliving its parent is left running.
 */
import { readFileSync } from 'node:fs';

/**
 * The parent as this module loads, with the command line's entry and before any command starts:
 * a parent read later could already be the one that adopted this process (npx stopped while the
 * command started up), and its loss would never be seen.
 */
const PARENT_AT_START = process.ppid;

/** How often the parent is checked: a stop is seen within this, at no measurable cost. */
const CHECK_EVERY_MS = 200;

/**
 * Whether process 1 is npm (a container's first process, whose shell may have become this
 * process): then a parent of 1 is npm, not init. Where /proc cannot tell, it is taken to be.
 */
function initIsNpm(): boolean {
  try {
    return /\bnp[mx]\b|np[mx]-cli\.js/.test(readFileSync('/proc/1/cmdline', 'latin1'));
  } catch {
    return true;
  }
}

/**
 * Calls `stop` once if this process, started by npm, has lost the parent that started it: its
 * parent changed since start-up, or was init already (an orphan before this module loaded), unless
 * init is npm itself.
 */
export function stopWhenOrphaned(
  stop: () => void,
  env: NodeJS.ProcessEnv = process.env,
  parent: number = PARENT_AT_START,
): void {
  if (env.npm_command === undefined) return;
  const orphanedAtStart = parent === 1 && !initIsNpm();
  const timer = setInterval(() => {
    if (process.ppid === parent && !orphanedAtStart) return;
    clearInterval(timer);
    stop();
  }, CHECK_EVERY_MS);
  // The check alone must not keep the process alive.
  timer.unref();
}
