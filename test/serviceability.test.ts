/**
 * Recovery over real sockets: the simulator's restart on the same port and its dropped
 * connections; ReconnectingLink's bounded, logged backoff; the mock parties re-registering.
 */
import assert from 'node:assert/strict';
import { describe, type TestContext, test } from 'node:test';
import { DISCONNECTED, Journal } from '../src/journal.ts';
import { ReconnectingLink } from '../src/link/reconnecting-link.ts';
import { TlibLink } from '../src/link/tlib-link.ts';
import { MockDesktop } from '../src/parties/desktop.ts';
import { MockRecorder } from '../src/parties/recorder.ts';
import { startSimulator } from '../src/sim/index.ts';
import { Background, freePort, mockRecorderArgs, runCli } from './cli.ts';

const WAIT_MS = 5000;

async function until(what: string, ok: () => boolean, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function reconnecting(port: number, party: string, journal: Journal, log: string[], maxBackoffMs = 100) {
  return ReconnectingLink.connect({
    connect: () =>
      TlibLink.connect({ host: '127.0.0.1', port, applicationName: party, party, journal, timeoutMs: 1000 }),
    initialBackoffMs: 10,
    maxBackoffMs,
    log: (line) => log.push(line),
  });
}

/** An embedded simulator (stopped after the test) and its clients, named as they register, on one journal. */
async function simulatorAndClients(t: TestContext) {
  const sim = await startSimulator({ adminPort: false });
  t.after(() => sim.stop());
  const journal = new Journal();
  const open = (name: string) =>
    TlibLink.connect({ host: sim.host, port: sim.port, applicationName: name, party: name, journal });
  return { sim, journal, open };
}

describe('simulator restart and dropped connections', () => {
  test('a restart keeps the port and the journal, loses every registration, and goes on counting EventSequenceNumber', async (t) => {
    const sim = await startSimulator({ adminPort: false });
    t.after(() => sim.stop());
    const link = await TlibLink.connect({ host: sim.host, port: sim.port, applicationName: 'a' });
    await link.registerDn('7001');
    const before = sim.tserver;
    const lastSequence = sim.tserver.lastSequence;
    await sim.restart();
    assert.notEqual(sim.tserver, before);
    assert.deepEqual(sim.tserver.registrations(), {});
    assert.equal(sim.tserver.journal, sim.journal);
    await until('the link to notice the restart', () => !link.isOpen);
    const again = await TlibLink.connect({ host: sim.host, port: sim.port, applicationName: 'a' });
    t.after(() => again.close());
    await again.registerDn('7001');
    const registered = sim.journal?.entries.filter((e) => e.message.message === 'EventRegistered') ?? [];
    assert.equal(registered.length, 2);
    assert.ok((registered[1]?.message.EventSequenceNumber as number) > lastSequence);
    assert.deepEqual(sim.tserver.registrations(), { '7001': 1 });
  });

  test('disconnectClients drops only the named client, whose link journals the loss; close() journals none', async (t) => {
    const { sim, journal, open } = await simulatorAndClients(t);
    const [a, b] = await Promise.all([open('a'), open('b')]);
    await a.registerDn('7001');
    await b.registerDn('7001');
    assert.equal(
      sim.tserver.disconnectClients((c) => c.application === 'a'),
      1,
    );
    assert.deepEqual(sim.tserver.registrations(), { '7001': 1 });
    await until('a to notice', () => !a.isOpen);
    await b.close();
    const losses = journal.entries.filter((e) => e.message.message === DISCONNECTED).map((e) => e.party);
    assert.deepEqual(losses, ['a']);
  });

  test('a client registering a DN is told the calls already there (to it alone); after a restart, of none', async (t) => {
    const { sim, journal, open } = await simulatorAndClients(t);
    const first = await open('first');
    t.after(() => first.close());
    await first.registerDn('7001');
    const held = sim.tserver.createCall('7001');
    sim.tserver.holdCall(held.connId);
    const established = sim.tserver.createCall('7001');
    const late = await open('late');
    t.after(() => late.close());
    await late.registerDn('7001');
    await late.registerDn('7001'); // registered already: told nothing more
    await late.request({ message: 'RequestRegisterClient', ApplicationName: 'late' }); // a barrier: all before it has arrived
    const told = (party: string) =>
      journal.entries
        .filter(
          (e) =>
            e.party === party && e.direction === 'in' && /^Event(Established|Held)$/.test(e.message.message),
        )
        .map((e) => `${e.message.message} ${e.message.ConnID}`);
    assert.deepEqual(told('late'), [
      `EventEstablished ${held.connId}`,
      `EventHeld ${held.connId}`,
      `EventEstablished ${established.connId}`,
    ]);
    await first.request({ message: 'RequestRegisterClient', ApplicationName: 'first' });
    assert.equal(told('first').length, 3, 'first was told once, as the calls came');
    await sim.restart();
    const again = await open('again');
    t.after(() => again.close());
    await again.registerDn('7001');
    await again.request({ message: 'RequestRegisterClient', ApplicationName: 'again' });
    assert.deepEqual(told('again'), []);
  });

  test('parked registrations: the named client monitors nothing until released, then its registrations are performed in order', async (t) => {
    const sim = await startSimulator({ adminPort: false });
    t.after(() => sim.stop());
    const open = (name: string) =>
      TlibLink.connect({ host: sim.host, port: sim.port, applicationName: name, timeoutMs: 2000 });
    const [held, free] = await Promise.all([open('held'), open('free')]);
    t.after(() => Promise.all([held.close(), free.close()]));
    sim.tserver.parkRegistrations((application) => application === 'held');
    const registering = Promise.all([held.registerDn('7001'), held.registerDn('7002')]);
    await free.registerDn('7001');
    await until(
      "held's requests to reach the T-Server",
      () =>
        sim.journal?.entries.filter(
          (e) => e.peerApplication === 'held' && e.message.message === 'RequestRegisterAddress',
        ).length === 2,
    );
    assert.deepEqual(sim.tserver.registrations(), { '7001': 1 });
    const reply = await free.request({
      message: 'RequestSendEvent',
      ThisDN: '7001',
      Event: { message: 'EventUserEvent', ThisDN: '7001', UserData: [['screen-capture', 'start']] },
    });
    assert.equal(reply.message, 'EventACK');
    const delivered = sim.journal?.entries.filter(
      (e) => e.direction === 'out' && e.message.message === 'EventUserEvent',
    );
    assert.deepEqual(
      delivered?.map((e) => e.peerApplication),
      ['free'],
    );
    sim.tserver.parkRegistrations(undefined);
    await registering;
    assert.deepEqual(sim.tserver.registrations(), { '7001': 2, '7002': 1 });
  });
});

describe('ReconnectingLink and the mock parties', () => {
  test('the mock recorder and desktop re-register after a drop and after a restart, and the recorder answers again', async (t) => {
    const sim = await startSimulator({ adminPort: false });
    t.after(() => sim.stop());
    const journal = new Journal();
    const log: string[] = [];
    const recorder = await MockRecorder.start({
      link: await reconnecting(sim.port, 'recorder', journal, log),
      dns: ['7001', '7002'],
    });
    const desktop = await MockDesktop.start({
      link: await reconnecting(sim.port, 'desktop', journal, log),
      dn: '7001',
    });
    t.after(() => Promise.all([recorder.link.close(), desktop.link.close()]));
    const monitored = () => sim.tserver.registrations();
    sim.tserver.disconnectClients((c) => c.application === 'recorder');
    await until(
      'the recorder to register both DNs again',
      () => monitored()['7001'] === 2 && monitored()['7002'] === 1,
    );
    await sim.restart();
    await until(
      'both to register again after the restart',
      () => monitored()['7001'] === 2 && monitored()['7002'] === 1,
    );
    const reply = await desktop.send('start');
    assert.equal(reply?.message, 'EventACK');
    await until('the indication', () => desktop.indications.length === 1);
    assert.equal(desktop.indications[0]?.indication, 'enabled');
    assert.ok(
      log.some((l) => /^recorder: .*reconnecting in 10 ms \(attempt 1\)/.test(l)),
      log.join('\n'),
    );
    assert.ok(
      log.some((l) => /^desktop: reconnected after \d+ ms/.test(l)),
      log.join('\n'),
    );
  });

  test('while the T-Server is away, the backoff doubles up to its bound; close() stops the attempts', async (t) => {
    const sim = await startSimulator({ adminPort: false });
    const port = sim.port;
    const log: string[] = [];
    const link = await reconnecting(port, 'recorder', new Journal(), log, 40);
    await sim.stop();
    await until('several attempts', () => log.filter((l) => /reconnecting in/.test(l)).length >= 5);
    const waits = log.flatMap((l) => /reconnecting in (\d+) ms/.exec(l)?.[1] ?? []).map(Number);
    assert.deepEqual(waits.slice(0, 4), [10, 20, 40, 40]);
    await link.close();
    const attempts = log.length;
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(log.length, attempts, 'no attempt after close()');
    t.diagnostic(`${attempts} lines logged`);
  });
});

/** Where the T-Server is: the harness's embedded simulator, a `screencap-cert sim` process with its admin API, or one whose admin API the harness is not told of. */
type TServerSeat = 'embedded' | 'external sim' | 'external, no admin API';

interface ServiceabilityRun {
  /** The mock recorder process is restarted by SIGHUP (recorder.restartCommand). */
  restart?: boolean;
  breakage?: string;
  tserver?: TServerSeat;
  /** Default `@serviceability`; null: every scenario of the profile. */
  tags?: string | null;
  args?: string[];
  env?: Record<string, string>;
}

/** `screencap-cert run --profile recorder --tags @serviceability` with the mock recorder as a process, a client of `tserver`. */
async function serviceabilityRun(o: ServiceabilityRun = {}) {
  const port = await freePort();
  const env: Record<string, string> = { SCREENCAP_TSERVER_PORT: String(port) };
  const started: Background[] = [];
  try {
    if (o.tserver && o.tserver !== 'embedded') {
      const adminPort = await freePort();
      const sim = new Background(['sim', '--port', String(port), '--admin-port', String(adminPort)]);
      started.push(sim);
      await sim.until((out) => /listening/.test(out));
      env.SCREENCAP_TSERVER_MODE = 'tcp';
      if (o.tserver === 'external sim') env.SCREENCAP_TSERVER_ADMIN_URL = `http://127.0.0.1:${adminPort}`;
    }
    const recorder = new Background(mockRecorderArgs(port, o.breakage));
    started.push(recorder);
    if (o.restart) env.SCREENCAP_RECORDER_RESTART_COMMAND = `kill -HUP ${recorder.child.pid}`;
    const run = await runCli(
      [
        'run',
        '--profile',
        'recorder',
        ...(o.tags === null ? [] : ['--tags', o.tags ?? '@serviceability']),
        ...(o.args ?? []),
      ],
      { ...env, ...o.env },
    );
    return { ...run, recorder: recorder.output };
  } finally {
    for (const b of started.reverse()) {
      b.child.kill('SIGTERM');
      await b.exited;
    }
  }
}

type Summary = Awaited<ReturnType<typeof runCli>>['summary'];
const rulesWith = (summary: Summary, outcome: string) =>
  summary.rules.filter((r) => r.outcome === outcome).map((r) => r.rule);
const scenario = (summary: Summary, name: RegExp) => summary.scenarios.find((s) => name.test(s.name));
const outcomeOf = (summary: Summary, rule: string) => summary.rules.find((r) => r.rule === rule)?.outcome;

/**
 * The recorder recovered from a dropped connection, a T-Server restart on the same port and its own
 * restart (SIGHUP): no rule failed, those scenarios passed, and so did the recovery rules. Only the
 * serviceability scenarios ran: the recorder's other rules are not exercised (exit 3).
 */
function assertRecovered(run: Awaited<ReturnType<typeof serviceabilityRun>>) {
  const { code, summary, output, recorder } = run;
  assert.deepEqual(rulesWith(summary, 'failed'), [], output);
  assert.equal(code, 3, output);
  for (const name of [
    /recorder's connection drops/,
    /The T-Server restarts: desktop and recorder/,
    /The recorder restarts/,
  ])
    assert.equal(scenario(summary, name)?.status, 'passed', `${name}: ${output}`);
  for (const rule of ['REC-RECOVERS', 'REC-QUERY-UNCHANGED'])
    assert.equal(outcomeOf(summary, rule), 'passed', `${rule}: ${output}`);
  assert.match(recorder, /SIGHUP: restarting[\s\S]*restarted: monitoring 7001, 7002 again/);
}

// The two ways to run the recorder profile's serviceability side by side: each run has its own ports
// and processes and mostly waits on drops, restarts and recoveries. Within each, one run at a time.
describe('serviceability in the recorder profile', { concurrency: true }, () => {
  const oneAtATime = { concurrency: 1 };
  describe('the recorder profile, the standalone mock recorder as a separate process', oneAtATime, () => {
    test('recovers from a dropped connection, a T-Server restart on the same port and its own restart (SIGHUP)', async () => {
      assertRecovered(await serviceabilityRun({ restart: true }));
    });

    test('without recorder.restartCommand its restart is not run, saying why; one restored in its old state fails REC-QUERY-UNCHANGED', async () => {
      const [plain, broken] = await Promise.all([
        serviceabilityRun(),
        serviceabilityRun({ restart: true, breakage: 'recorder-keeps-state-after-restart' }),
      ]);
      const restart = scenario(plain.summary, /The recorder restarts/);
      assert.equal(restart?.status, 'not-run', plain.output);
      assert.match(restart?.error ?? '', /no recorder\.restartCommand/);
      assert.deepEqual(rulesWith(plain.summary, 'failed'), [], plain.output);
      assert.equal(broken.code, 1, broken.output);
      assert.equal(outcomeOf(broken.summary, 'REC-QUERY-UNCHANGED'), 'failed', broken.output);
      assert.match(broken.output, /FAIL REC-QUERY-UNCHANGED/);
    });
  });

  describe(
    'the recorder profile against an external screencap-cert sim: drops and restarts through its admin API',
    oneAtATime,
    () => {
      test('the mock recorder, a client of a separately spawned sim, recovers from a drop, a T-Server restart and its own restart', async () => {
        assertRecovered(await serviceabilityRun({ restart: true, tserver: 'external sim' }));
      });

      test('a recorder that never reconnects fails REC-RECOVERS there, naming the DNs it did not register again', async () => {
        const { code, summary, output } = await serviceabilityRun({
          tserver: 'external sim',
          breakage: 'recorder-never-reconnects',
          tags: '@serviceability and @rule:REC-RECOVERS and not @recorder-restart',
          args: ['--fail-fast'],
          env: { SCREENCAP_TIMEOUTS_RECOVER_MS: '1500' },
        });
        assert.equal(code, 1, output);
        assert.deepEqual(rulesWith(summary, 'failed'), ['REC-RECOVERS'], output);
        assert.match(output, /FAIL REC-RECOVERS/);
        assert.match(output, /should re-register DN 7001 \(EventRegistered\) within 1500 ms, did not/);
      });

      test('against a T-Server without the admin API the serviceability scenarios are not run, saying they are not applicable; the others pass', async () => {
        const { code, summary, output } = await serviceabilityRun({
          tserver: 'external, no admin API',
          tags: null,
        });
        assert.deepEqual(rulesWith(summary, 'failed'), [], output);
        assert.equal(code, 3, output);
        for (const name of [/recorder's connection drops/, /The T-Server restarts: desktop and recorder/]) {
          const s = scenario(summary, name);
          assert.equal(s?.status, 'not-run', `${name}: ${output}`);
          assert.match(s?.error ?? '', /not applicable to this T-Server: it drops connections/);
        }
        assert.ok(
          summary.scenarios.some((s) => s.status === 'passed'),
          output,
        );
        assert.equal(outcomeOf(summary, 'REC-RECOVERS'), 'not-exercised', output);
        assert.match(output, /Verdict: INCOMPLETE/);
      });
    },
  );
});
