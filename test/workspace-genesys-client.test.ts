/**
 * Proof that the simulator's Workspace API front speaks GWS v3 as Genesys's own client expects:
 * genesys-workspace-client-js (a real client nobody here wrote) signs in with both auth flows,
 * initializes over CometD, activates a DN, sends screen-capture operations and receives the mock
 * recorder's indications as EventUserEvent notifications. With a broken recorder, the rule it
 * violates fails over what the simulator saw. The client runs on Node 20 as published: it installs
 * its own browser shims (global window, XMLHttpRequest), so this file runs in its own process.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';
import { DEFAULT_MAPPING } from '../src/domain/screencap.ts';
import { Journal } from '../src/journal.ts';
import { TlibLink } from '../src/link/tlib-link.ts';
import { type BreakageId, recorderBehaviour } from '../src/parties/breakages.ts';
import { MockRecorder } from '../src/parties/recorder.ts';
import { createCheckContext } from '../src/rules/checkers.ts';
import { evaluateRules } from '../src/rules/evaluate.ts';
import { toRecords } from '../src/rules/observations.ts';
import { type Simulator, startSimulator } from '../src/sim/index.ts';
import { withTimeout } from './helpers.ts';

interface KV {
  key: string;
  type: string;
  value: unknown;
}
interface GenesysWorkspaceApi {
  initialize(options: { token?: string; code?: string; redirectUri?: string }): Promise<void>;
  activateChannels(agentId: string, dn?: string, placeName?: string): Promise<{ status: { code: number } }>;
  voice: { sendUserEvent(userData: KV[], callUuid?: string): Promise<{ status: { code: number } }> };
  user: { agentLogin: string };
  on(
    event: string,
    listener: (message: {
      data?: { userData?: KV[]; call?: { connId: string } };
      call?: { connId: string; callUuid: string; state: string };
    }) => void,
  ): void;
  destroy(): Promise<void>;
}

const require = createRequire(import.meta.url);

const WorkspaceApi = require('genesys-workspace-client-js') as new (
  apiKey: string | undefined,
  baseUrl: string,
  debug: string,
) => GenesysWorkspaceApi;

/** The simulator with its Workspace API front, and a mock recorder (broken as `breakage` says) on 7001. */
async function stage(t: { after(fn: () => Promise<void>): void }, breakage?: BreakageId): Promise<Simulator> {
  const sim = await startSimulator({ adminPort: false, journal: new Journal(), workspace: {} });
  const link = await TlibLink.connect({
    host: sim.host,
    port: sim.port,
    applicationName: 'screencap-harness-recorder',
    party: 'recorder',
  });
  await MockRecorder.start({ link, dns: ['7001'], ...recorderBehaviour(breakage) });
  t.after(async () => {
    await link.close();
    await sim.stop();
  });
  return sim;
}

async function passwordToken(url: string, user: string): Promise<string> {
  const res = await fetch(`${url}/auth/v3/oauth/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'password', username: user, password: user }),
  });
  assert.equal(res.status, 200);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** The next EventUserEvent notification carrying a screen-capture indication. */
function nextIndication(api: GenesysWorkspaceApi): Promise<{ value: unknown; connId: string | undefined }> {
  return withTimeout(
    new Promise((resolve) =>
      api.on('EventUserEvent', (m) => {
        const value = m.data?.userData?.find((kv) => kv.key === 'screen-capture')?.value;
        if (value === 'enabled' || value === 'disabled' || value === 'paused')
          resolve({ value, connId: m.data?.call?.connId });
      }),
    ),
    3000,
    'an indication notification',
  );
}

/** destroy() does not await its logout: wait until the front ended the session, so no request is left in flight. */
async function signOut(api: GenesysWorkspaceApi, sim: Simulator): Promise<void> {
  await api.destroy();
  const deadline = Date.now() + 3000;
  while ((sim.workspace?.sessions.size ?? 0) > 0 && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 10));
  assert.equal(sim.workspace?.sessions.size, 0, 'logout ended the session');
}

/** Every rule `ids` over what the simulator saw: the front's session is the desktop, the mock the recorder. */
function judge(sim: Simulator, ids: string[]) {
  const records = toRecords(sim.journal?.entries ?? [], {
    parties: new Map(),
    otherClientsRole: (e) => (e.peerApplication?.startsWith('workspace-') ? 'desktop' : 'recorder'),
  });
  const ctx = createCheckContext(records, {
    mapping: DEFAULT_MAPPING,
    initialState: 'disabled',
    answerTimeoutMs: 2000,
  });
  return Object.fromEntries(evaluateRules(ids, ctx).map((o) => [o.rule, o.outcome]));
}

describe("Genesys's genesys-workspace-client-js against the simulator's Workspace API front", () => {
  test('bearer token: initializes, activates 7001, sends start and pause during a call, receives enabled and paused', async (t) => {
    const sim = await stage(t);
    const url = sim.workspace?.url as string;
    const api = new WorkspaceApi(undefined, url, 'false');
    await api.initialize({ token: await passwordToken(url, 'agent7001') });
    assert.equal(api.user.agentLogin, 'agent7001');
    assert.equal((await api.activateChannels('agent7001', '7001')).status.code, 0);

    let indication = nextIndication(api);
    assert.equal(
      (await api.voice.sendUserEvent([{ key: 'screen-capture', type: 'str', value: 'start' }])).status.code,
      0,
    );
    assert.deepEqual(await indication, { value: 'enabled', connId: undefined });

    const established = withTimeout(
      new Promise<{ connId: string; callUuid: string }>((resolve) =>
        api.on('CallStateChanged', (m) => m.call?.state === 'Established' && resolve(m.call)),
      ),
      3000,
      'CallStateChanged Established',
    );
    const connId = sim.tserver.createCall('7001').connId;
    const call = await established;
    assert.equal(call.connId, connId);
    indication = nextIndication(api);
    await api.voice.sendUserEvent([{ key: 'screen-capture', type: 'str', value: 'pause' }], call.callUuid);
    assert.deepEqual(await indication, { value: 'paused', connId });

    await signOut(api, sim);
    assert.deepEqual(
      judge(sim, [
        'DESK-REGISTERED',
        'DESK-CONNID',
        'DESK-OPERATION',
        'REC-CONNID',
        'REC-MAPPING',
        'TSRV-DELIVERY',
      ]),
      {
        'DESK-REGISTERED': 'passed',
        'DESK-CONNID': 'passed',
        'DESK-OPERATION': 'passed',
        'REC-CONNID': 'passed',
        'REC-MAPPING': 'passed',
        'TSRV-DELIVERY': 'passed',
      },
    );
  });

  test('authorization code: signs in through /auth/v3/sign-in and initialize-workspace with code and redirect_uri', async (t) => {
    const sim = await stage(t);
    const url = sim.workspace?.url as string;
    const redirectUri = 'http://localhost/after-sign-in';
    const signIn = await fetch(`${url}/auth/v3/sign-in`, {
      method: 'POST',
      body: new URLSearchParams({ username: 'agent7001', password: 'agent7001', redirect_uri: redirectUri }),
      redirect: 'manual',
    });
    assert.equal(signIn.status, 302);
    const code = new URL(signIn.headers.get('location') as string).searchParams.get('code') as string;
    const api = new WorkspaceApi(undefined, url, 'false');
    await api.initialize({ code, redirectUri });
    assert.equal((await api.activateChannels('agent7001', undefined, 'place7001')).status.code, 0);
    const indication = nextIndication(api);
    await api.voice.sendUserEvent([{ key: 'screen-capture', type: 'str', value: 'query' }]);
    assert.equal((await indication).value, 'disabled');
    await signOut(api, sim);
  });

  test('with a recorder that answers start with paused, REC-MAPPING fails', async (t) => {
    const sim = await stage(t, 'recorder-start-paused');
    const url = sim.workspace?.url as string;
    const api = new WorkspaceApi(undefined, url, 'false');
    await api.initialize({ token: await passwordToken(url, 'agent7001') });
    await api.activateChannels('agent7001', '7001');
    const indication = nextIndication(api);
    await api.voice.sendUserEvent([{ key: 'screen-capture', type: 'str', value: 'start' }]);
    assert.equal((await indication).value, 'paused');
    await signOut(api, sim);
    assert.deepEqual(judge(sim, ['REC-MAPPING', 'REC-ANSWER']), {
      'REC-MAPPING': 'failed',
      'REC-ANSWER': 'passed',
    });
  });
});
