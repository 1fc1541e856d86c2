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
import { stopWhenOrphaned } from '../src/cli/orphan.ts';
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
  const sh = spawn('sh', ['-c', '"$0" "$1" sim --port 0 --no-admin & echo "$!"', process.execPath, BIN], {
    env: { ...process.env, npm_command: 'exec' },
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
  const adopter = await parentOf(pid).catch(() => 1);
  if (adopter !== 1)
    return t.skip(
      `orphans here are adopted by process ${adopter} (a subreaper), not init: a parent lost before start-up is not seen`,
    );
  const port = Number(/listening on [\d.]+:(\d+)/.exec(listening as string)?.[1]);
  assert.ok(port > 0, `it says where it listens: ${listening}`);
  await lines.waitFor(/the npm process that started it is gone: stopping/, 1, 10_000);
  await ended;
});

test('a parent lost before the check starts is seen: the check compares with the parent read at start-up', async () => {
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
