/**
 * `screencap-cert sim` started by npm (npx, npm exec) stops once the npm process that started it is
 * gone, even when it was gone before the command had started up: npx stopped at once leaves a
 * simulator that would otherwise serve on, orphaned, holding its port and its parent's pipes.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { ORPHANED, orphanedAtStart, stopWhenOrphaned } from '../src/cli/orphan.ts';
import { Lines } from './helpers.ts';

const BIN = new URL('../bin/screencap-cert.js', import.meta.url).pathname;

/** The parent of process `pid`, from /proc (its fourth field, after the command's parenthesis). */
async function parentOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

test('sim under npm, orphaned while it starts up, stops itself', async (t) => {
  // As npm runs a command (`sh -c`), but the shell starts it in the background and exits at once:
  // the simulator starts up with its parent already gone.
  const env = { ...process.env, npm_command: 'exec' };
  const sh = spawn('sh', ['-c', '"$0" "$1" sim --port 0 --no-admin & echo "$!"', process.execPath, BIN], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines = new Lines();
  // The simulator writes into the shell's pipes: they close once it has ended too.
  sh.stdout.setEncoding('utf8').on('data', (text: string) => lines.feed(text));
  sh.stderr.setEncoding('utf8').on('data', (text: string) => lines.feed(text));
  const ended = once(sh.stdout, 'close');
  const [pidLine] = await lines.waitFor(/^\d+$/, 1, 10_000);
  const pid = Number(pidLine);
  t.after(() => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // It has ended.
    }
  });
  const [listening] = await lines.waitFor(/listening on /, 1, 30_000);
  const adopter = await parentOf(pid).catch(() => undefined);
  if (adopter !== 1 || !orphanedAtStart(adopter, env))
    return t.skip(
      `an orphan here is adopted by ${adopter === undefined ? 'a process /proc does not name' : adopter === 1 ? 'process 1, the package manager itself' : `process ${adopter} (a subreaper), not init`}: a parent lost before start-up is not seen`,
    );
  const port = Number(/listening on [\d.]+:(\d+)/.exec(listening as string)?.[1]);
  assert.ok(port > 0, `it says where it listens: ${listening}`);
  await lines.waitFor(new RegExp(`${ORPHANED.replace(/[()]/g, '\\$&')}: stopping`), 1, 10_000);
  await ended;
});

test('a parent that is no longer this process`s parent is a loss, seen once the check runs, whenever it was lost', async () => {
  // Stands for the parent read as the command line loaded, since replaced by the one that adopted it.
  const lost = process.ppid + 1;
  // The check does not keep a process alive: this test's deadline does, meanwhile.
  let deadline: NodeJS.Timeout | undefined;
  await Promise.race([
    new Promise<void>((stopped) => stopWhenOrphaned(stopped, { npm_command: 'exec' }, lost)),
    new Promise((_, reject) => {
      deadline = setTimeout(() => reject(new Error('the lost parent was not seen within 10 s')), 10_000);
    }),
  ]).finally(() => clearTimeout(deadline));
});

test('a process whose parent was init at start-up was an orphan already, unless init is the package manager itself', () => {
  const npm = { npm_config_user_agent: 'npm/11.6.2 node/v20.20.2 linux x64 workspaces/false' };
  const pnpm = { npm_config_user_agent: 'pnpm/9.12.0 npm/? node/v20.20.2 linux x64' };
  const cases: Array<[number, NodeJS.ProcessEnv, string | undefined, boolean]> = [
    [1, npm, '/sbin/init\0splash', true],
    [1, npm, '/usr/bin/tini\0--\0/bin/sh', true],
    [1, npm, 'npm exec screencap-cert sim', false],
    [1, npm, 'node\0/usr/local/lib/node_modules/npm/bin/npx-cli.js\0screencap-cert', false],
    [1, pnpm, 'node\0/usr/local/bin/pnpm\0exec\0screencap-cert', false],
    [1, pnpm, '/sbin/init', true],
    [1, {}, 'npm run certify', false],
    // Where process 1 cannot be read, nothing is stopped on a guess.
    [1, npm, undefined, false],
    // A parent other than init is lost only once it changes.
    [4242, npm, '/sbin/init', false],
  ];
  for (const [parent, env, init, orphaned] of cases)
    assert.equal(
      orphanedAtStart(parent, env, () => init),
      orphaned,
      `${parent} ${init} ${env.npm_config_user_agent}`,
    );
});
