/**
 * The Workspace API link and the simulator's front facing bad input: every failure names what
 * failed (HTTP status and path, the CometD step, the T-Lib code), nothing crashes, no secret is
 * printed, and one session's trouble leaves the others working.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LinkRequestError } from '../src/link/link.ts';
import { TlibLink } from '../src/link/tlib-link.ts';
import { WorkspaceLink } from '../src/link/workspace-link.ts';
import { MockDesktop } from '../src/parties/desktop.ts';
import { MockRecorder } from '../src/parties/recorder.ts';
import { type Simulator, startSimulator } from '../src/sim/index.ts';
import type { FrontSession } from '../src/sim/workspace/session.ts';
import { initializeWorkspace, type WorkspaceAuth } from '../src/workspace/auth.ts';
import { WorkspaceHttp } from '../src/workspace/http.ts';
import { rejectsWithin, withTimeout } from './helpers.ts';

const password = (user: string): WorkspaceAuth => ({
  credentials: { kind: 'password' as const, username: user, password: user },
});

async function stage(
  t: { after(fn: () => Promise<void>): void },
  sessionTimeoutMs?: number,
): Promise<Simulator> {
  const sim = await startSimulator({
    adminPort: false,
    workspace: sessionTimeoutMs ? { sessionTimeoutMs } : {},
  });
  const recorder = await TlibLink.connect({ host: sim.host, port: sim.port, applicationName: 'recorder' });
  await MockRecorder.start({ link: recorder, dns: ['7001', '7002'] });
  t.after(async () => {
    await recorder.close();
    await sim.stop();
  });
  return sim;
}

function link(
  sim: Simulator,
  agent: string,
  t: { after(fn: () => Promise<void>): void },
  auth = password(agent),
): Promise<WorkspaceLink> {
  return WorkspaceLink.connect({
    url: sim.workspace?.url as string,
    auth,
    agentId: agent,
    party: `desktop ${agent}`,
    timeoutMs: 3000,
  }).then((l) => {
    t.after(() => l.close());
    return l;
  });
}

/** A signed-in session driven by hand: its cookies, and raw POSTs. */
async function rawSession(sim: Simulator, agent: string): Promise<WorkspaceHttp> {
  const http = new WorkspaceHttp(sim.workspace?.url as string, undefined, 3000);
  await initializeWorkspace(http, password(agent));
  return http;
}

const post = (http: WorkspaceHttp, path: string, body: string) =>
  fetch(new URL(path, http.base), {
    method: 'POST',
    headers: { cookie: http.cookieHeader(), 'content-type': 'application/json' },
    body,
  }).then(async (r) => ({ status: r.status, body: await r.text() }));

describe('Workspace API: bad input gets clear errors, and other sessions go on', () => {
  test('wrong credentials and a forged token are refused naming the HTTP status and path, never the secret', async (t) => {
    const sim = await stage(t);
    await rejectsWithin(
      link(sim, 'agent7001', t, {
        credentials: { kind: 'password', username: 'agent7001', password: 's3cret-wrong' },
      }),
      (e) => {
        const m = (e as Error).message;
        return /HTTP 401 POST \/auth\/v3\/oauth\/token: invalid_grant/.test(m) && !m.includes('s3cret-wrong');
      },
    );
    await rejectsWithin(link(sim, 'nobody', t), /sign-in of nobody failed: HTTP 401/);
    await rejectsWithin(
      link(sim, 'agent7001', t, { credentials: { kind: 'token', token: 'forged-token' } }),
      (e) => {
        const m = (e as Error).message;
        return (
          /HTTP 401 POST \/workspace\/v3\/initialize-workspace: status 401: the bearer token is not valid/.test(
            m,
          ) && !m.includes('forged-token')
        );
      },
    );
  });

  test('an unknown agent and a DN not in the agent’s place are refused, and journaled as EventError with the ReferenceID', async (t) => {
    const sim = await stage(t);
    const desktop = await link(sim, 'agent7001', t);
    await rejectsWithin(
      desktop.registerDn('7002'),
      (e) =>
        e instanceof LinkRequestError &&
        /HTTP 400 POST \/workspace\/v3\/activate-channels: .*DN 7002 is not in a place of agent agent7001/.test(
          e.message,
        ),
    );
    const [request, reply] = desktop.journal.entries.slice(-2).map((e) => e.message);
    assert.equal(request?.message, 'RequestRegisterAddress');
    assert.equal(reply?.message, 'EventError');
    assert.equal(reply?.ReferenceID, request?.ReferenceID);
    const http = await rawSession(sim, 'agent7001');
    const other = await post(
      http,
      'workspace/v3/activate-channels',
      JSON.stringify({ data: { agentId: 'agent7002', dn: '7002' } }),
    );
    assert.equal(other.status, 400);
    assert.match(other.body, /agentId \\"agent7002\\" is not the signed-in agent agent7001/);
    assert.deepEqual(
      sim.tserver.registrantsOf('7002').filter((r) => r.application?.startsWith('workspace-')),
      [],
    );
  });

  test('malformed bodies get a 400 naming what is wrong, and the session goes on', async (t) => {
    const sim = await stage(t);
    const http = await rawSession(sim, 'agent7001');
    assert.equal(
      (
        await post(
          http,
          'workspace/v3/activate-channels',
          JSON.stringify({ data: { agentId: 'agent7001', dn: '7001' } }),
        )
      ).status,
      200,
    );
    const cases: Array<[string, RegExp]> = [
      ['not json', /body is not JSON/],
      ['{"userData": []}', /expected \{\\"data\\": \{...\}\}/],
      [
        '{"data": {"userData": [{"key": "screen-capture", "type": "blob", "value": "x"}]}}',
        /data.userData\[0\].type: expected str, int or kvlist/,
      ],
      ['{"data": {"userData": "start"}}', /data.userData: expected an array/],
      [
        '{"data": {"userData": [], "callUuid": "no-such-call"}}',
        /callUuid no-such-call is not a call on DN 7001/,
      ],
    ];
    for (const [body, problem] of cases) {
      const reply = await post(http, 'workspace/v3/voice/send-user-event', body);
      assert.equal(reply.status, 400, body);
      assert.match(reply.body, problem, body);
    }
    const bayeux = await post(http, 'workspace/v3/notifications', '[{"channel": ');
    assert.equal(bayeux.status, 400);
    const ok = await post(
      http,
      'workspace/v3/voice/send-user-event',
      JSON.stringify({ data: { userData: [{ key: 'screen-capture', type: 'str', value: 'start' }] } }),
    );
    assert.deepEqual([ok.status, JSON.parse(ok.body)], [200, { status: { code: 0 } }]);
  });

  test('a T-Server refusal is an HTTP error naming the T-Lib code, journaled by the link as EventError', async (t) => {
    const sim = await stage(t);
    const desktop = await MockDesktop.start({ link: await link(sim, 'agent7001', t), dn: '7001' });
    sim.tserver.faults.add({ kind: 'error', dn: '7001', count: 1 });
    const reply = await desktop.send('start');
    assert.equal(reply?.message, 'EventError');
    assert.equal(reply?.message === 'EventError' && reply.ErrorCode, 52);
    assert.match(
      String(reply?.message === 'EventError' && reply.ErrorMessage),
      /HTTP 400 POST \/workspace\/v3\/voice\/send-user-event: status 52: T-Server refused RequestSendEvent: EventError 52 \(TERR_INTERNAL\)/,
    );
    assert.equal((await desktop.send('start'))?.message, 'EventACK');
  });

  test('a CometD client that vanishes: its session ends and its DN is unregistered; another agent goes on', async (t) => {
    const sim = await stage(t, 300);
    const survivor = await MockDesktop.start({ link: await link(sim, 'agent7002', t), dn: '7002' });
    const http = await rawSession(sim, 'agent7001');
    assert.equal(
      (
        await post(
          http,
          'workspace/v3/activate-channels',
          JSON.stringify({ data: { agentId: 'agent7001', dn: '7001' } }),
        )
      ).status,
      200,
    );
    // A Bayeux client by hand: handshake, one poll, then silence.
    const handshake = await http.post('workspace/v3/notifications', {
      json: [{ channel: '/meta/handshake', version: '1.0', supportedConnectionTypes: ['long-polling'] }],
    });
    const clientId = (handshake.body as unknown as Array<{ clientId: string }>)[0]?.clientId;
    assert.ok(clientId, JSON.stringify(handshake.body));
    await http.post('workspace/v3/notifications', {
      json: [{ channel: '/meta/connect', clientId, connectionType: 'long-polling', advice: { timeout: 0 } }],
    });
    assert.equal(sim.tserver.registrantsOf('7001').length, 2, 'the session and the recorder monitor 7001');
    await withTimeout(
      (async () => {
        while (sim.tserver.registrantsOf('7001').length > 1) await new Promise((r) => setTimeout(r, 50));
      })(),
      4000,
      'the vanished session to unregister 7001',
    );
    assert.equal(sim.workspace?.sessions.size, 1);
    const expired = await post(
      http,
      'workspace/v3/voice/send-user-event',
      JSON.stringify({ data: { userData: [] } }),
    );
    assert.equal(expired.status, 401);
    assert.match(expired.body, /is not an open session \(expired or logged out\)/);
    const mark = survivor.link.journal.mark;
    assert.equal((await survivor.send('start'))?.message, 'EventACK');
    await survivor.link.journal.waitFor(
      (e) =>
        e.seq > mark &&
        e.message.message === 'EventUserEvent' &&
        JSON.stringify(e.message.UserData) === '[["screen-capture","enabled"]]',
      {
        timeoutMs: 3000,
        description: 'enabled on 7002',
      },
    );
  });

  test('a lost CometD connection closes the link saying so, and later requests fail at once', async (t) => {
    const sim = await stage(t);
    const desktop = await link(sim, 'agent7001', t);
    await desktop.registerDn('7001');
    const closed = new Promise<Error | undefined>((resolve) => desktop.onClose(resolve));
    await sim.workspace?.stop();
    const reason = await withTimeout(closed, 5000, 'the link to report the lost connection');
    assert.match(
      String(reason?.message),
      /CometD (connection|re-handshake) for agent agent7001 at http:\/\/127\.0\.0\.1:\d+ failed/,
    );
    await rejectsWithin(
      desktop.request({
        message: 'RequestSendEvent',
        ThisDN: '7001',
        Event: { message: 'EventUserEvent', ThisDN: '7001' },
      }),
      /the link to gws .* is closed/,
    );
  });
});

describe('Workspace API: the session, whatever cookie keeps it (spec/workspace-api.md, "Session")', () => {
  for (const sessionStyle of ['gws', 'agent-api-simulator'] as const) {
    test(`a front that keeps its session as ${sessionStyle === 'gws' ? 'a GWS (WORKSPACE_SESSIONID)' : "Genesys's Agent API Simulator (WWE_CODE, status 1)"}: the link signs in and exchanges`, async (t) => {
      const sim = await startSimulator({ adminPort: false, workspace: { sessionStyle } });
      const recorder = await TlibLink.connect({
        host: sim.host,
        port: sim.port,
        applicationName: 'recorder',
      });
      await MockRecorder.start({ link: recorder, dns: ['7001'] });
      t.after(async () => {
        await recorder.close();
        await sim.stop();
      });
      const raw = await rawSession(sim, 'agent7001');
      assert.deepEqual(
        [...raw.cookies.keys()],
        [sessionStyle === 'gws' ? 'WORKSPACE_SESSIONID' : 'WWE_CODE'],
      );
      const desktop = await MockDesktop.start({ link: await link(sim, 'agent7001', t), dn: '7001' });
      const mark = desktop.link.journal.mark;
      assert.equal((await desktop.send('start'))?.message, 'EventACK');
      await desktop.link.journal.waitFor(
        (e) => e.seq > mark && JSON.stringify(e.message.UserData) === '[["screen-capture","enabled"]]',
        { timeoutMs: 3000, description: 'enabled on 7001' },
      );
    });
  }

  test('a session that does not hold is reported as the 401/403 of the call that found it', async (t) => {
    const sim = await startSimulator({
      adminPort: false,
      workspace: { sessionStyle: 'agent-api-simulator' },
    });
    t.after(() => sim.stop());
    const desktop = await MockDesktop.start({ link: await link(sim, 'agent7001', t), dn: '7001' });
    // The server no longer knows the session (as a restarted GWS would); given back after, for the front to close.
    const sessions = sim.workspace?.sessions as Map<string, FrontSession>;
    const forgotten = [...sessions.entries()];
    sessions.clear();
    try {
      await assert.rejects(
        desktop.send('start'),
        /the Workspace session of agent agent7001 does not hold .*: HTTP 403 POST \/workspace\/v3\/voice\/send-user-event: status 603: WWE_CODE .* is not an open session/,
      );
    } finally {
      for (const [id, session] of forgotten) sessions.set(id, session);
    }
  });
});
