/**
 * `npx screencap-cert sim` runs as npx -> `sh -c` -> node: a SIGTERM to npx ends the shell and
 * never reaches this process, which would go on serving, orphaned. Under npm (npx, npm exec,
 * npm run), a parent that goes away is taken as the stop it stood for. Started otherwise (a shell's
 * `&`, a container, a service manager), a process outliving its parent is left running.
 */

/** How often the parent is checked: a stop is seen within this, at no measurable cost. */
const CHECK_EVERY_MS = 200;

/** Calls `stop` once if this process, started by npm, loses the parent that started it. */
export function stopWhenOrphaned(stop: () => void, env: NodeJS.ProcessEnv = process.env): void {
  if (env.npm_command === undefined) return;
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    stop();
  }, CHECK_EVERY_MS);
  // The check alone must not keep the process alive.
  timer.unref();
}
