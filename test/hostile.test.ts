/**
 * Issue 13: what one hostile client sends cannot crash, exhaust or forge. Each test reproduces one
 * of the reviewer's probes (scaled down, with small limits configured) and shows it now holds: the
 * process stays up, memory stays within its bound, the good parties lose nothing, a forged line is
 * one escaped line, a secret is in no output.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { applyStimulus } from '../src/conformance/stimulus.ts';
import { DEFAULT_MAPPING } from '../src/domain/screencap.ts';
import { Journal } from '../src/journal.ts';
import { outcomesDespiteDrops } from '../src/rules/dropped.ts';
import { evaluateRules } from '../src/rules/evaluate.ts';
import { toRecords } from '../src/rules/observations.ts';
import { startSimulator } from '../src/sim/index.ts';
import { parseLogFiles } from '../src/sipserver-log/parser.ts';
import { sipServerLogFile } from '../src/sipserver-log/writer.ts';
import { verifyLog } from '../src/verify-log/verify.ts';
import { checkContextOf, LOG_SETTINGS, RawClient } from './helpers.ts';

const dirs: string[] = [];
const tempDir = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hostile-'));
  dirs.push(dir);
  return dir;
};
after(async () => {
  const { rm } = await import('node:fs/promises');
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** Waits until `check` holds (polling), or fails naming `what`. */
async function eventually(check: () => boolean | Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`not within ${ms} ms: ${what}`);
    await delay(25);
  }
}

// --- the Workspace API front --------------------------------------------------------------------

/** A signed-in session on the front: its cookie, and Bayeux requests with it. */
class FrontClient {
  private cookies: string[] = [];
  clientId = '';
  private nextId = 1;

  constructor(readonly url: string) {}

  async post(path: string, body: string, type = 'application/json', signal?: AbortSignal): Promise<Response> {
    const res = await fetch(`${this.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': type, cookie: this.cookies.join('; ') },
      body,
      redirect: 'manual',
      ...(signal ? { signal } : {}),
    });
    for (const c of res.headers.getSetCookie()) this.cookies.push(c.split(';')[0] as string);
    return res;
  }

  async signIn(agent: string, dn?: string): Promise<void> {
    const form = new URLSearchParams({ grant_type: 'password', username: agent, password: agent });
    const token = (await (
      await this.post('/auth/v3/oauth/token', form.toString(), 'application/x-www-form-urlencoded')
    ).json()) as {
      access_token: string;
    };
    const res = await fetch(`${this.url}/workspace/v3/initialize-workspace`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token.access_token}` },
    });
    assert.equal(res.status, 200);
    for (const c of res.headers.getSetCookie()) this.cookies.push(c.split(';')[0] as string);
    if (dn) await this.activate(agent, dn);
  }

  async activate(agent: string, dn: string): Promise<Response> {
    return this.post('/workspace/v3/activate-channels', JSON.stringify({ data: { agentId: agent, dn } }));
  }

  async bayeux(messages: object[], signal?: AbortSignal): Promise<Array<Record<string, unknown>>> {
    const body = messages.map((m) => ({
      id: String(this.nextId++),
      ...(this.clientId ? { clientId: this.clientId } : {}),
      ...m,
    }));
    const res = await this.post(
      '/workspace/v3/notifications',
      JSON.stringify(body),
      'application/json',
      signal,
    );
    return (await res.json()) as Array<Record<string, unknown>>;
  }

  /** Handshakes, subscribes to the voice channel and makes the first (immediate) connect. */
  async openCometD(): Promise<void> {
    const [hs] = await this.bayeux([
      { channel: '/meta/handshake', version: '1.0', supportedConnectionTypes: ['long-polling'] },
    ]);
    assert.equal(hs?.successful, true, `handshake: ${JSON.stringify(hs)}`);
    this.clientId = hs?.clientId as string;
    await this.bayeux([{ channel: '/meta/subscribe', subscription: '/workspace/v3/voice' }]);
    await this.bayeux([{ channel: '/meta/connect', connectionType: 'long-polling', advice: { timeout: 0 } }]);
  }

  connect(signal?: AbortSignal) {
    return this.bayeux([{ channel: '/meta/connect', connectionType: 'long-polling' }], signal);
  }
}

describe('the Workspace API front holds against hostile clients (issue 13)', () => {
  test('Bayeux bodies of every JSON type get a 400 naming what is wrong; the process and the good session go on', async () => {
    const sim = await startSimulator({ workspace: {} });
    try {
      const url = sim.workspace?.url as string;
      const good = new FrontClient(url);
      await good.signIn('agent7001', '7001');
      await good.openCometD();
      for (const body of [
        '[null]',
        '7',
        '"x"',
        '{}',
        '[7]',
        'null',
        '[]',
        'true',
        '[{"channel":7}]',
        '[[]]',
        '[{}]',
      ]) {
        const res = await fetch(`${url}/workspace/v3/notifications`, {
          method: 'POST',
          body,
          signal: AbortSignal.timeout(3000),
        });
        assert.equal(res.status, 400, body);
        const reply = (await res.json()) as { status: { message: string } };
        assert.match(reply.status.message, /^Bayeux messages: /, body);
      }
      // Still serving: the good session's next poll brings the event of a new call on its DN.
      const poll = good.connect();
      sim.tserver.createCall('7001');
      const messages = await poll;
      assert.ok(
        messages.some((m) => m.channel === '/workspace/v3/voice'),
        JSON.stringify(messages),
      );
    } finally {
      await sim.stop();
    }
  });

  test("a client publishing on a server channel is denied: no forged event reaches another agent's session", async () => {
    const sim = await startSimulator({ workspace: {} });
    try {
      const url = sim.workspace?.url as string;
      const [mallory, victim] = [new FrontClient(url), new FrontClient(url)];
      await mallory.signIn('agent7001', '7001');
      await victim.signIn('agent7002', '7002');
      await mallory.openCometD();
      await victim.openCometD();
      for (const channel of ['/workspace/v3/voice', '/workspace/v3/initialization']) {
        const [reply] = await mallory.bayeux([
          { channel, data: { messageType: 'EventUserEvent', forged: true } },
        ]);
        assert.equal(reply?.successful, false, channel);
        assert.match(String(reply?.error), /^403::publish_denied/, channel);
      }
      // The victim's next poll brings its own call's event, and nothing forged.
      const poll = victim.connect();
      sim.tserver.createCall('7002');
      const got = await poll;
      assert.ok(got.some((m) => m.channel === '/workspace/v3/voice'));
      assert.ok(!JSON.stringify(got).includes('forged'), JSON.stringify(got));
    } finally {
      await sim.stop();
    }
  });

  test('a client cut mid-poll gets the event on its next poll, and a vanished client ends its session within the timeout', async () => {
    const sim = await startSimulator({ workspace: { sessionTimeoutMs: 800 } });
    try {
      const url = sim.workspace?.url as string;
      const client = new FrontClient(url);
      await client.signIn('agent7001', '7001');
      await client.openCometD();
      for (let round = 0; round < 5; round++) {
        const cut = new AbortController();
        const held = client.connect(cut.signal).catch(() => 'cut');
        await delay(100); // the poll is held by the server
        cut.abort();
        assert.equal(await held, 'cut');
        await delay(50);
        const connId = sim.tserver.createCall('7001').connId;
        const next = await client.connect();
        assert.ok(
          JSON.stringify(next).includes(connId),
          `round ${round}: the event of call ${connId} was lost: ${JSON.stringify(next)}`,
        );
      }
      // Cut once more and never come back: the session ends (and 7001 is unregistered) within
      // the session timeout and CometD's sweep, not after the 30 s poll on top of it.
      const cut = new AbortController();
      const held = client.connect(cut.signal).catch(() => 'cut');
      await delay(100);
      cut.abort();
      await held;
      const cutAt = Date.now();
      await eventually(() => sim.workspace?.sessions.size === 0, 'the vanished session ends', 4000);
      assert.ok(Date.now() - cutAt < 3000, `ended after ${Date.now() - cutAt} ms`);
      await eventually(() => sim.tserver.registrations()['7001'] === undefined, '7001 unregistered');
    } finally {
      await sim.stop();
    }
  });

  test('two concurrent activate-channels register the DN once; a session without CometD ends; tokens expire', async () => {
    const sim = await startSimulator({ workspace: { sessionTimeoutMs: 400, tokenTtlMs: 300 } });
    try {
      const url = sim.workspace?.url as string;
      const client = new FrontClient(url);
      await client.signIn('agent7001');
      const replies = await Promise.all([
        client.activate('agent7001', '7001'),
        client.activate('agent7001', '7001'),
      ]);
      assert.deepEqual(
        replies.map((r) => r.status),
        [200, 200],
      );
      assert.equal(sim.tserver.registrations()['7001'], 1, 'one registration for one session');
      // It never opens CometD: it ends, and its DN is unregistered.
      await eventually(
        () => sim.tserver.registrations()['7001'] === undefined,
        'the DN is unregistered',
        3000,
      );
      assert.equal(sim.workspace?.sessions.size, 0);

      const form = new URLSearchParams({
        grant_type: 'password',
        username: 'agent7002',
        password: 'agent7002',
      });
      const { access_token } = (await (
        await fetch(`${url}/auth/v3/oauth/token`, { method: 'POST', body: form })
      ).json()) as { access_token: string };
      await delay(400);
      const late = await fetch(`${url}/workspace/v3/initialize-workspace`, {
        method: 'POST',
        headers: { authorization: `Bearer ${access_token}` },
      });
      assert.equal(late.status, 401, 'an expired token is refused');
    } finally {
      await sim.stop();
    }
  });

  test('sign-in redirects only to allowed URIs; DELETE /calls/%zz is a 400', async () => {
    const sim = await startSimulator({ workspace: {} });
    try {
      const url = sim.workspace?.url as string;
      const signIn = (redirect: string) =>
        fetch(`${url}/auth/v3/sign-in`, {
          method: 'POST',
          body: new URLSearchParams({ username: 'agent7001', password: 'agent7001', redirect_uri: redirect }),
          redirect: 'manual',
        });
      const evil = await signIn('https://evil.example/steal');
      assert.equal(evil.status, 400);
      assert.match(((await evil.json()) as { error_description: string }).error_description, /redirect_uri/);
      assert.equal((await signIn('http://127.0.0.1:9/after')).status, 302);
      const bad = await fetch(`${sim.adminUrl}/calls/%zz`, { method: 'DELETE' });
      assert.equal(bad.status, 400);
      assert.match(((await bad.json()) as { error: string }).error, /percent-encoded/);
    } finally {
      await sim.stop();
    }
  });
});

// --- the tlib-json simulator -------------------------------------------------------------------

describe('the simulator holds against hostile tlib-json clients (issue 13)', () => {
  test('a line nested 20,000 deep with the SIP log on is refused (102); the process, the journal and the log go on', async () => {
    const logFile = join(await tempDir(), 'sip.log');
    const log = sipServerLogFile(logFile);
    const sim = await startSimulator({ sipLog: log.writer });
    try {
      const journal = new Journal();
      const good = await RawClient.connect(sim.port, 'good', journal);
      await good.registerClient('good');
      const evil = await RawClient.connect(sim.port, 'evil', journal);
      const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
      evil.write(`{"message":"RequestRegisterClient","ReferenceID":1,"ApplicationName":"e","x":${deep}}\n`);
      const error = await evil.next((m) => m.message === 'EventError', 'the framing error');
      assert.equal(error.message.ErrorCode, 102);
      assert.match(String(error.message.ErrorMessage), /nests JSON more than 160 deep/);
      await evil.waitClosed();
      const res = await fetch(`${sim.adminUrl}/journal`);
      assert.equal(res.status, 200, 'GET /journal still answers');
      assert.equal((await good.registerClient('good')).message, 'EventClientRegistered');
    } finally {
      await sim.stop();
      await log.close();
    }
  });

  test('a newline in ApplicationName cannot forge log lines: one escaped line, read back as sent', async () => {
    const logFile = join(await tempDir(), 'sip.log');
    const log = sipServerLogFile(logFile);
    const sim = await startSimulator({ sipLog: log.writer });
    const forged =
      'x\n2026-11-23T10:15:00.120 Trc 04541 RequestSendEvent received from [9] (00000009 Forged 1.2.3.4:5)\nmessage RequestSendEvent';
    try {
      const evil = await RawClient.connect(sim.port, 'evil', new Journal());
      await evil.registerClient(forged);
    } finally {
      await sim.stop();
      await log.close();
    }
    const text = await readFile(logFile, 'utf8');
    const received = text.split('\n').filter((l) => /^\d{4}-\d\d-\d\dT\S+ Trc 04541 /.test(l));
    assert.equal(received.length, 1, text);
    assert.ok(text.includes('x\\u000a2026-11-23T10:15:00.120 Trc 04541'), text);
    const read: Array<{ name: string; application: string }> = [];
    await parseLogFiles([logFile], {
      message: (m) => read.push({ name: m.message.message, application: m.client.application }),
      skip: () => {},
    });
    // Its registration, the reply, and its disconnection when the simulator stopped: nothing forged.
    assert.deepEqual(read, [
      { name: 'RequestRegisterClient', application: forged },
      { name: 'EventClientRegistered', application: forged },
      { name: '(disconnected)', application: forged },
    ]);
  });

  test('~1 MiB lines of an unknown message: the journal stays within its bytes, RSS with it', async () => {
    const journal = new Journal({ maxBytes: 2 * 1024 * 1024 });
    const sim = await startSimulator({ journal });
    try {
      const evil = await RawClient.connect(sim.port, 'evil', new Journal());
      await evil.registerClient('evil');
      global.gc?.();
      const before = process.memoryUsage().rss;
      const line = `{"message":"RequestJunk","ReferenceID":1,"x":"${'y'.repeat(1000 * 1000)}"}\n`;
      for (let i = 0; i < 240; i++) {
        evil.write(line);
        if (i % 10 === 9) await evil.ping();
      }
      await evil.ping();
      const grew = (process.memoryUsage().rss - before) / 2 ** 20;
      // 240 MB went through; an unbounded journal would hold all of it on top of what the socket
      // buffers and transient strings leave in RSS (about 120 MiB here, more with test files side by side).
      assert.ok(grew < 200, `RSS grew by ${grew.toFixed(0)} MiB`);
      assert.ok(journal.dropped > 0 && journal.droppedBytes > 200 * 1000 * 1000, journal.droppedText);
      const res = await fetch(`${sim.adminUrl}/journal`);
      assert.ok(Number(res.headers.get('x-journal-dropped-bytes')) > 0);
      // The flood was chaff: its own registration and pings, which the rules judge, are all kept.
      assert.equal(res.headers.get('x-journal-dropped-evidence'), '0');
      await res.text();
    } finally {
      await sim.stop();
    }
  });

  test('~1 MiB lines of an unknown message beside a good pair: the flood is dropped first, the pair is still judged PASSED', async () => {
    const maxBytes = 2 * 1024 * 1024;
    const journal = new Journal({ maxBytes });
    const sim = await startSimulator({ journal, adminPort: false });
    const ops = ['start', 'pause', 'resume', 'stop'] as const;
    try {
      const parties = new Journal();
      const desktop = await RawClient.connect(sim.port, 'desktop', parties);
      const recorder = await RawClient.connect(sim.port, 'recorder', parties);
      const evil = await RawClient.connect(sim.port, 'evil', parties);
      for (const c of [desktop, recorder, evil]) await c.registerClient(c.party);
      await desktop.registerDn('7001');
      await recorder.registerDn('7001');
      global.gc?.();
      const before = process.memoryUsage().rss;
      let peakJournal = 0;
      const junk = (ref: number) =>
        `{"message":"RequestJunk","ReferenceID":${ref},"x":"${'y'.repeat(1000 * 1000)}"}\n`;
      for (let i = 0; i < 160; i++) {
        evil.write(junk(i + 100));
        if (i % 10 !== 9) continue;
        // Between bursts, one operation and the recorder's answer to it, each acknowledged.
        const op = ops[((i / 10) % ops.length) | 0] as (typeof ops)[number];
        const mark = parties.mark;
        assert.equal((await desktop.sendEvent('7001', [['screen-capture', op]])).message, 'EventACK');
        await recorder.next((m) => m.message === 'EventUserEvent', `the ${op}`, mark);
        const answer = [['screen-capture', DEFAULT_MAPPING[op]]];
        assert.equal((await recorder.sendEvent('7001', answer)).message, 'EventACK');
        await evil.ping();
        peakJournal = Math.max(peakJournal, journal.keptBytes);
      }
      const grew = (process.memoryUsage().rss - before) / 2 ** 20;
      assert.ok(peakJournal <= maxBytes, `the journal held ${peakJournal} bytes`);
      assert.ok(grew < 200, `RSS grew by ${grew.toFixed(0)} MiB while 160 MB went through`);
      // What was dropped is the flood and its refusals, never the pair's exchange.
      assert.equal(journal.droppedEvidence, 0, journal.droppedText);
      assert.ok((journal.droppedKinds.get('unknown messages')?.entries ?? 0) > 100, journal.droppedText);
      assert.match(
        journal.droppedText ?? '',
        /^the journal dropped \d+ message\(s\) \(\d+ bytes\) to stay within 2097152 bytes: unknown messages: \d+ \(\d+ bytes\), refusals of those: \d+ \(\d+ bytes\)$/,
      );

      const records = toRecords(journal.entries, {
        parties: new Map(),
        otherClientsRole: (e) =>
          e.peerApplication === 'desktop' || e.peerApplication === 'recorder' ? e.peerApplication : 'client',
      });
      const ctx = checkContextOf(records, { answerTimeoutMs: 2000 });
      const pairRules = [
        'DESK-OPERATION',
        'DESK-THISDN',
        'REC-INDICATION',
        'REC-ANSWER',
        'TSRV-REPLY',
        'TSRV-DELIVERY',
        'TSRV-PRESERVE',
      ];
      const judged = outcomesDespiteDrops(evaluateRules([...pairRules, 'TSRV-ERROR-CODE'], ctx), journal);
      for (const o of judged.slice(0, pairRules.length)) {
        assert.equal(o.outcome, 'passed', `${o.rule}: ${o.reason}`);
        assert.match(
          o.reason,
          /the journal dropped \d+ message.*unknown messages: .*this rule judges none of those/,
        );
      }
      // The refusals of the flood are what TSRV-ERROR-CODE reads: with some dropped it cannot pass.
      const errorCode = judged.at(-1);
      assert.equal(errorCode?.outcome, 'not-observable', errorCode?.reason);
      assert.match(errorCode?.reason ?? '', /unknown messages: \d+/);
    } finally {
      await sim.stop();
    }
  });

  test('connections are capped, unfinished lines time out and their bytes are bounded; the good pair goes on', async () => {
    const sim = await startSimulator({
      maxConnections: 4,
      idleTimeoutMs: 300,
      maxBufferedBytes: 1024 * 1024,
    });
    try {
      const journal = new Journal();
      const desktop = await RawClient.connect(sim.port, 'desktop', journal);
      const recorder = await RawClient.connect(sim.port, 'recorder', journal);
      await desktop.registerClient('desktop');
      await recorder.registerClient('recorder');
      await desktop.registerDn('7001');
      await recorder.registerDn('7001');
      const [a, b] = await Promise.all([
        RawClient.connect(sim.port, 'a', journal),
        RawClient.connect(sim.port, 'b', journal),
      ]);
      // Over the cap: closed at once.
      const extra = await RawClient.connect(sim.port, 'extra', journal);
      await extra.waitClosed();
      // Two unfinished lines of 600 kB: together over 1 MiB, so the second is cut.
      a.write(`{"message":"RequestRegisterClient","x":"${'z'.repeat(600_000)}`);
      await delay(50);
      b.write(`{"message":"RequestRegisterClient","x":"${'z'.repeat(600_000)}`);
      await b.waitClosed();
      // The first never finishes its line: cut after the idle timeout.
      await a.waitClosed();
      // The good pair never noticed.
      const mark = recorder.received().length;
      const ack = await desktop.request({
        message: 'RequestSendEvent',
        ThisDN: '7001',
        Event: { message: 'EventUserEvent', ThisDN: '7001', UserData: [['screen-capture', 'start']] },
      });
      assert.equal(ack.message, 'EventACK');
      await recorder.next((m) => m.message === 'EventUserEvent', 'the operation', mark);
    } finally {
      await sim.stop();
    }
  });
});

// --- the stimulus -------------------------------------------------------------------------------

describe('the desktop stimulus holds secrets and values (issue 13)', () => {
  test('a command gets its values quoted (no shell code runs) and its secret through the environment; its output is redacted', async () => {
    const dir = await tempDir();
    const secret = 'tok-3f9a7c1e55d2';
    process.env.HOSTILE_TEST_TOKEN = secret;
    const out = join(dir, 'out');
    const pwned = join(dir, 'pwned');
    const command = `printf '%s|%s' {dn} "{op}" > ${out}; echo "Authorization: Bearer {env:HOSTILE_TEST_TOKEN}" >&2; exit 3`;
    const error = await applyStimulus({ command, timeoutMs: 5000 } as never, {
      op: 'start',
      dn: `7001$(touch ${pwned})`,
      connId: '',
    }).then(
      () => assert.fail('the command exits 3'),
      (e: Error) => e,
    );
    assert.ok(!existsSync(pwned), 'the DN ran as shell code');
    assert.equal(await readFile(out, 'utf8'), `7001$(touch ${pwned})|start`);
    assert.ok(!error.message.includes(secret), error.message);
    assert.match(error.message, /Bearer \[redacted\]/);
  });

  test('an endpoint that echoes the request headers in an error shows no secret', async () => {
    const secret = 'sk-live-5b2e8d0c9a41';
    process.env.HOSTILE_TEST_SECRET = secret;
    const server = createServer((req, res) => res.writeHead(500).end(JSON.stringify(req.headers)));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      const error = await applyStimulus(
        {
          http: {
            method: 'POST',
            url: `http://127.0.0.1:${port}/{op}`,
            headers: { authorization: 'Bearer {env:HOSTILE_TEST_SECRET}' },
          },
          timeoutMs: 5000,
        } as never,
        { op: 'start', dn: '7001', connId: '' },
      ).then(
        () => assert.fail('the endpoint answers 500'),
        (e: Error) => e,
      );
      assert.ok(!error.message.includes(secret), error.message);
      assert.match(error.message, /\[redacted\]/);
    } finally {
      server.close();
    }
  });
});

// --- verify-log and reports ---------------------------------------------------------------------

const DESK = '[1] (00000001 Desk 127.0.0.1:1)';
const REC = '[2] (00000002 Rec 127.0.0.1:2)';

/** A log: both parties register on 7001, then `body` (lines). */
function logOf(body: string[]): string {
  const lines = ['2026-11-23T10:15:00.000 Std 00000 T-Server started: sim 0.1.0'];
  for (const [client, app] of [
    [DESK, 'Desk'],
    [REC, 'Rec'],
  ] as const) {
    lines.push(
      `2026-11-23T10:15:00.001 Trc 04541 RequestRegisterClient received from ${client}`,
      'message RequestRegisterClient',
      '\tAttributeReferenceID\t1',
      `\tAttributeApplicationName\t'${app}'`,
      '@10:15:00.0010 [0] 0.1.0 send_to_client: message EventClientRegistered',
      '\tAttributeReferenceID\t1',
      `10:15:00.001 Trc 04542 EventClientRegistered sent to ${client}`,
      `2026-11-23T10:15:00.002 Trc 04541 RequestRegisterAddress received from ${client}`,
      'message RequestRegisterAddress',
      '\tAttributeReferenceID\t2',
      "\tAttributeThisDN\t'7001'",
      '@10:15:00.0020 [0] 0.1.0 send_to_client: message EventRegistered',
      '\tAttributeReferenceID\t2',
      "\tAttributeThisDN\t'7001'",
      `10:15:00.002 Trc 04542 EventRegistered sent to ${client}`,
    );
  }
  return `${[...lines, ...body].join('\n')}\n`;
}

/** `client` sends screen-capture `value` on 7001 at `time`; the T-Server acknowledges and distributes it. */
function exchange(client: string, ref: number, value: string, time: string): string[] {
  return [
    `2026-11-23T${time} Trc 04541 RequestSendEvent received from ${client}`,
    'message RequestSendEvent',
    `\tAttributeReferenceID\t${ref}`,
    "\tAttributeThisDN\t'7001'",
    '\tAttributeUserEvent\tEventUserEvent',
    '\tAttributeUserData\t[27] 00 01 00 00..',
    `\t\t'screen-capture'\t'${value}'`,
    `@${time}0 [0] 0.1.0 send_to_client: message EventACK`,
    `\tAttributeReferenceID\t${ref}`,
    `${time} Trc 04542 EventACK sent to ${client}`,
    `@${time}0 [0] 0.1.0 distribute_event: message EventUserEvent`,
    "\tAttributeThisDN\t'7001'",
    '\tAttributeUserData\t[27] 00 01 00 00..',
    `\t\t'screen-capture'\t'${value}'`,
    `${time} Trc 04542 EventUserEvent sent to ${DESK}`,
    `${time} Trc 04542 EventUserEvent sent to ${REC}`,
  ];
}

async function logFile(text: string): Promise<string> {
  const file = join(await tempDir(), 'SIPServer.log');
  await writeFile(file, text);
  return file;
}

describe('verify-log holds against hostile logs (issue 13)', () => {
  test('a clock stepping back does not hide a late answer: the step is named and the delay measured', async () => {
    const file = await logFile(
      logOf([
        ...exchange(DESK, 3, 'start', '10:16:00.000'),
        ...exchange(DESK, 4, 'query', '10:16:01.000'),
        // The server's clock is set back 3.5 s; the recorder then answers start, and the query 3 s after it came.
        ...exchange(REC, 7, 'enabled', '10:15:57.500'),
        ...exchange(REC, 8, 'enabled', '10:16:00.500'),
        // Traffic well after, so the log's end leaves nothing in doubt.
        ...exchange(DESK, 5, 'query', '10:16:10.000'),
        ...exchange(REC, 9, 'enabled', '10:16:10.100'),
      ]),
    );
    const result = await verifyLog([file], { settings: LOG_SETTINGS });
    assert.equal(result.source.clockSteps.count, 1);
    assert.equal(result.source.clockSteps.first[0]?.backMs, 3500);
    const answer = result.rules.find((r) => r.rule === 'REC-ANSWER');
    assert.equal(answer?.outcome, 'failed', answer?.reason);
    // The query (10:16:01) is answered 3 s later by the log's pace; clamped, it read as 0 ms and passed.
    assert.match(
      answer?.reason ?? '',
      /answering query on "7001" should come within 2000 ms, came after 3000\.0 ms/,
    );
  });

  test('KV lists 1,000 deep are not read (a problem named), with no stack overflow', async () => {
    const deep = Array.from({ length: 1000 }, (_, d) => `${'\t'.repeat(d + 3)}'k'\t(list)`);
    const body = exchange(DESK, 3, 'start', '10:16:00.000');
    body.splice(7, 0, "\t\t'nest'\t(list)", ...deep);
    const file = await logFile(logOf(body));
    const problems: string[] = [];
    await parseLogFiles([file], {
      message: (m) => m.problem && problems.push(m.problem),
      skip: () => {},
    });
    assert.equal(problems.length, 1);
    assert.match(problems[0] as string, /^line \d+: a KV list nested more than 64 deep \(not read\)$/);
    const result = await verifyLog([file], { settings: LOG_SETTINGS });
    assert.equal(result.exchanges.length, 1);
  });

  test('thousands of unanswered operations: fast, and the report repeats at most 100 findings per rule', async () => {
    const body: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const t = new Date(Date.UTC(2026, 10, 23, 10, 16, i)).toISOString().slice(11, 23);
      body.push(...exchange(DESK, i + 3, 'start', t));
    }
    const started = Date.now();
    const result = await verifyLog([await logFile(logOf(body))], { settings: LOG_SETTINGS });
    assert.ok(Date.now() - started < 20_000, `took ${Date.now() - started} ms`);
    const answer = result.scenarios[0]?.rules.find((r) => r.rule === 'REC-ANSWER');
    assert.equal(answer?.outcome, 'failed');
    assert.equal(answer?.findings.length, 100);
    // The last operations are within the allowed time of the log's end: not judged, not counted.
    const all = /and (\d+) more finding\(s\) of this rule, not repeated \((\d+) in all\)$/.exec(
      answer?.reason ?? '',
    );
    assert.ok(all, answer?.reason.slice(-300));
    assert.equal(Number(all[1]) + 100, Number(all[2]));
    assert.ok(Number(all[2]) >= 2990, all[0]);
  });
});

describe('an unfinished report never passes (issue 14 of the review)', () => {
  test('report on a folder whose certificate says passed but has no manifest: UNFINISHED, exit 1', async () => {
    const dir = join(await tempDir(), 'run');
    await mkdir(dir);
    const certificate = {
      verdict: 'passed',
      reasons: [],
      complete: true,
      scenarios: [],
      rules: [],
      run: {
        runId: 'r',
        harness: { name: 'screencap-cert', version: '0', commit: '' },
        tservers: [],
        node: 'v20',
        profile: 'self',
        startedAt: '',
        endedAt: '',
      },
    };
    await writeFile(join(dir, 'certification.json'), JSON.stringify(certificate));
    const child = spawn(process.execPath, ['bin/screencap-cert.js', 'report', dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const [code] = (await once(child, 'close')) as [number];
    assert.equal(code, 1, output);
    assert.match(output, /Verdict: UNFINISHED/);
    assert.ok(!output.includes('PASSED'), output);
  });
});
