/**
 * `screencap-cert sim` as a child process: it announces its ports, logs one line per connect and
 * disconnect, honours --dn, rejects bad option values, and stops cleanly on SIGINT and SIGTERM.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { type AddressInfo, createServer } from 'node:net';
import { describe, type TestContext, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Journal } from '../src/journal.ts';
import { LinkRequestError } from '../src/link/link.ts';
import { TlibLink } from '../src/link/tlib-link.ts';
import { Lines, rejectsWithin, WAIT_MS, withTimeout } from './helpers.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Starting means compiling the sources with tsx: allow for a slow machine. */
const START_MS = 20_000;

interface Sim {
  child: ChildProcess;
  stdout: Lines;
  stderr: Lines;
  port: number;
  adminUrl: string | undefined;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function run(t: TestContext, args: string[]) {
  const child = spawn(process.execPath, ['bin/screencap-cert.js', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout = new Lines();
  const stderr = new Lines();
  child.stdout?.setEncoding('utf8').on('data', (text: string) => stdout.feed(text));
  child.stderr?.setEncoding('utf8').on('data', (text: string) => stderr.feed(text));
  const exited = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { child, stdout, stderr, exited };
}

async function startSim(t: TestContext, extra: string[] = []): Promise<Sim> {
  const proc = run(t, ['sim', '--port', '0', '--admin-port', '0', ...extra]);
  const started = await Promise.race([
    proc.stdout.waitFor(/listening on /, 1, START_MS),
    proc.exited.then(({ code }) => {
      throw new Error(`sim exited with ${code} before listening: ${proc.stderr.all.join('\n')}`);
    }),
  ]);
  const line = started[0] as string;
  const where = /listening on ([\d.]+):(\d+)/.exec(line);
  assert.ok(where, `a host:port in ${JSON.stringify(line)}`);
  assert.equal(where[1], '127.0.0.1');
  const port = Number(where[2]);
  assert.ok(port > 0, 'port 0 became a real port');
  const adminUrl = /admin API on (http:\/\/\S+)/.exec(line)?.[1];
  return { ...proc, port, adminUrl };
}

async function connect(sim: Sim, party: string, journal: Journal): Promise<TlibLink> {
  return TlibLink.connect({
    host: '127.0.0.1',
    port: sim.port,
    applicationName: party,
    journal,
    timeoutMs: WAIT_MS,
  });
}

describe('screencap-cert sim', () => {
  test('announces its ports, logs one line per connect and per disconnect, and SIGINT stops it with exit code 0', async (t) => {
    const sim = await startSim(t);
    assert.match(sim.adminUrl ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await fetch(`${sim.adminUrl}/health`);
    assert.equal(((await health.json()) as { ok: boolean }).ok, true);

    const journal = new Journal();
    const desktop = await connect(sim, 'desktop', journal);
    const recorder = await connect(sim, 'recorder', journal);
    await desktop.registerDn('7001');
    await recorder.registerDn('7001');
    const ack = await desktop.request({
      message: 'RequestSendEvent',
      ThisDN: '7001',
      Event: { message: 'EventUserEvent', ThisDN: '7001', UserData: [['screen-capture', 'start']] },
    });
    assert.equal(ack.message, 'EventACK');
    await journal.waitFor((e) => e.party === 'recorder' && e.message.message === 'EventUserEvent', {
      timeoutMs: WAIT_MS,
      description: 'the recorder to receive the event',
    });
    await desktop.close();
    await recorder.close();

    const disconnects = await sim.stdout.waitFor(/ disconnect client \d+ /, 2);
    const connects = sim.stdout.matching(/ connect client \d+ /);
    const ids = (lines: string[]) => lines.map((l) => /client (\d+)/.exec(l)?.[1]).sort();
    assert.equal(connects.length, 2, connects.join('\n'));
    assert.equal(disconnects.length, 2, disconnects.join('\n'));
    assert.deepEqual(ids(connects), ids(disconnects), 'each client connects once and disconnects once');
    assert.equal(new Set(ids(connects)).size, 2);
    // The disconnect line names the registered application.
    assert.ok(
      disconnects.some((l) => l.includes('desktop')) && disconnects.some((l) => l.includes('recorder')),
    );
    for (const l of sim.stdout.all)
      assert.match(l, /^\d{4}-\d{2}-\d{2}T[\d:.]+Z /, 'each log line is timestamped');

    sim.child.kill('SIGINT');
    const { code, signal } = await withTimeout(sim.exited, WAIT_MS, 'the sim to exit on SIGINT');
    assert.equal(signal, null);
    assert.equal(code, 0);
    assert.ok(sim.stdout.matching(/SIGINT: stopping/).length === 1);
    assert.deepEqual(sim.stderr.all, []);
  });

  test('SIGTERM stops it with exit code 0, closing the connected clients', async (t) => {
    const sim = await startSim(t);
    const link = await connect(sim, 'desktop', new Journal());
    await link.registerDn('7001');
    const closed = new Promise<Error | undefined>((resolve) => link.onClose(resolve));
    sim.child.kill('SIGTERM');
    const { code, signal } = await withTimeout(sim.exited, WAIT_MS, 'the sim to exit on SIGTERM');
    assert.equal(signal, null);
    assert.equal(code, 0);
    assert.equal(sim.stdout.matching(/SIGTERM: stopping/).length, 1);
    const reason = await withTimeout(closed, WAIT_MS, "the client's onClose");
    assert.match(reason?.message ?? '', /closed the connection/);
  });

  test('--dn 7001,7002 configures the DN list: 7003 gets EventError 59, 7001 and 7002 work', async (t) => {
    const sim = await startSim(t, ['--dn', '7001,7002']);
    const link = await connect(sim, 'desktop', new Journal());
    t.after(() => link.close());
    await rejectsWithin(link.registerDn('7003'), (e: unknown) => {
      assert.ok(e instanceof LinkRequestError);
      assert.equal(e.reply.ErrorCode, 59);
      assert.equal(e.reply.ThisDN, '7003');
      return true;
    });
    await link.registerDn('7001');
    await link.registerDn('7002');
    const call = await fetch(`${sim.adminUrl}/calls`, {
      method: 'POST',
      body: JSON.stringify({ dn: '7003' }),
    });
    assert.equal(call.status, 400);
    sim.child.kill('SIGTERM');
    assert.equal((await withTimeout(sim.exited, WAIT_MS, 'exit')).code, 0);
  });

  for (const [option, value] of [
    ['--port', 'abc'],
    ['--port', '65536'],
    ['--admin-port', '-1'],
    ['--break', 'recorder-start-paused'],
  ] as const) {
    test(`a bad ${option} ${value} exits non-zero with a message naming the value`, async (t) => {
      const proc = run(t, ['sim', option, value]);
      const { code } = await withTimeout(proc.exited, START_MS, 'the sim to exit');
      assert.notEqual(code, 0);
      const stderr = proc.stderr.all.join('\n');
      assert.ok(stderr.includes(value), `stderr names ${value}: ${stderr}`);
      assert.deepEqual(proc.stdout.matching(/listening/), [], 'it never listened');
    });
  }

  test('a port already in use exits non-zero with "cannot listen on host:port"', async (t) => {
    const blocker = createServer();
    blocker.listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    t.after(() => new Promise((resolve) => blocker.close(resolve)));
    const busy = (blocker.address() as AddressInfo).port;
    const proc = run(t, ['sim', '--port', String(busy), '--admin-port', '0']);
    const { code } = await withTimeout(proc.exited, START_MS, 'the sim to exit');
    assert.notEqual(code, 0);
    const stderr = proc.stderr.all.join('\n');
    assert.ok(stderr.includes(`cannot listen on 127.0.0.1:${busy}`), stderr);
  });
});
