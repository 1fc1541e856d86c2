/**
 * `npx screencap-cert sim` runs as npx -> `sh -c` -> node: a SIGTERM to npx ends the shell and
 * never reaches this process, which would go on serving, orphaned. Under npm (npx, npm exec,
 * npm run), a parent that goes away is taken as the stop it stood for. Started otherwise (a shell's
 * `&`, a container, a service manager), a process outliving its parent is left running.
 */

/**
 * The parent as this module loads, with the command line's entry and before any command starts:
 * a parent read later could already be the one that adopted this process (npx stopped while the
 * command started up), and its loss would never be seen.
 */
const PARENT_AT_START = process.ppid;

/** How often the parent is checked: a stop is seen within this, at no measurable cost. */
const CHECK_EVERY_MS = 200;

/**
 * Calls `stop` once if this process, started by npm, has lost the parent that started it: its
 * parent changed since start-up, or is init (npm starts no command as init's child: an orphan's
 * parent before this module loaded).
 */
export function stopWhenOrphaned(
  stop: () => void,
  env: NodeJS.ProcessEnv = process.env,
  parent: number = PARENT_AT_START,
): void {
  if (env.npm_command === undefined) return;
  const timer = setInterval(() => {
    if (process.ppid === parent && parent !== 1) return;
    clearInterval(timer);
    stop();
  }, CHECK_EVERY_MS);
  // The check alone must not keep the process alive.
  timer.unref();
}
