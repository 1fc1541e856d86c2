/**
 * `npx screencap-cert sim` runs as npx -> `sh -c` -> node: a SIGTERM to npx ends the shell and
 * never reaches this process, which would go on serving, orphaned. Started by a package manager
 * (npm_command set: npx, npm exec, npm run, pnpm), a parent that goes away is taken as the stop it
 * stood for. Started otherwise (a shell's `&`, a container, a service manager), a process outliving
 * its parent is left running.
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

/** The command line of process 1, or undefined where /proc cannot tell. */
function initCommandLine(): string | undefined {
  try {
    return readFileSync('/proc/1/cmdline', 'latin1');
  } catch {
    return undefined;
  }
}

/**
 * Whether this process was already an orphan when it started: its parent then was init (process
 * 1). Not when process 1 is the package manager itself (a container's first process, which may
 * have started this command with no shell between), nor where process 1 cannot be read.
 */
export function orphanedAtStart(
  parent: number,
  env: NodeJS.ProcessEnv,
  readInit: () => string | undefined = initCommandLine,
): boolean {
  if (parent !== 1) return false;
  const init = readInit();
  if (init === undefined) return false;
  // `npm/11.6.0 node/v20...`, `pnpm/9.1.0 ...`; npm's own process shows as npm, npx or npm-cli.js.
  const launcher = /^[\w.-]+/.exec(env.npm_config_user_agent ?? '')?.[0] ?? 'npm';
  const names = launcher === 'npm' ? ['npm', 'npx'] : [launcher];
  return !init.split(/[\0/ ]/).some((word) => names.some((name) => word.startsWith(name)));
}

/**
 * Calls `stop` once if this process, started by a package manager, has lost the parent that
 * started it (`parent`: by default, the one it had at start-up): its parent changed, or it was an
 * orphan from the start (orphanedAtStart).
 */
export function stopWhenOrphaned(
  stop: () => void,
  env: NodeJS.ProcessEnv = process.env,
  parent: number = PARENT_AT_START,
): void {
  if (env.npm_command === undefined) return;
  const lostAlready = orphanedAtStart(parent, env);
  const timer = setInterval(() => {
    if (process.ppid === parent && !lostAlready) return;
    clearInterval(timer);
    stop();
  }, CHECK_EVERY_MS);
  // The check alone must not keep the process alive.
  timer.unref();
}

/** What a process stopped by stopWhenOrphaned says. */
export const ORPHANED = 'the process that started it (the package manager, or its shell) is gone';

/**
 * How a long-running command (sim, mock recorder, mock desktop) is stopped: `stop` is called once,
 * with why, on the first of SIGINT, SIGTERM and the loss of what started it (stopWhenOrphaned).
 */
export function onStop(stop: (why: string) => void): void {
  let stopped = false;
  const once = (why: string) => {
    if (stopped) return;
    stopped = true;
    stop(why);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => once(signal));
  stopWhenOrphaned(() => once(ORPHANED));
}
