/**
 * Load mode (issue 6): a short run's report agrees with the journal of everything the parties sent
 * and received, the command line writes a self-contained report, and a recorder that stays silent or
 * answers wrongly fails the run (the figures are not vacuous).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, type TestContext, test } from 'node:test';
import { loadConfig } from '../src/config/load.ts';
import {
  DEFAULT_MAPPING,
  expectedIndication,
  INITIAL_STATE,
  type Indication,
  isIndication,
  isOperation,
  type Operation,
  screenCaptureValue,
} from '../src/domain/screencap.ts';
import { Journal, type JournalEntry } from '../src/journal.ts';
import { TlibLink } from '../src/link/tlib-link.ts';
import { OPERATION_CYCLE } from '../src/load/agent.ts';
import type { Percentiles } from '../src/load/latency.ts';
import { type LoadOptions, type LoadResult, runLoad } from '../src/load/runner.ts';
import { MockRecorder } from '../src/parties/recorder.ts';
import { settingsFrom } from '../src/settings.ts';
import { startSimulator } from '../src/sim/index.ts';

const SETTINGS = settingsFrom(loadConfig(undefined, {}));
const ROOT = new URL('..', import.meta.url).pathname;

const isDesktop = (e: JournalEntry) => e.party.startsWith('desktop ');
const named = (name: string) => (e: JournalEntry) => e.message.message === name;
const operationOf = (e: JournalEntry) =>
  screenCaptureValue((e.message.Event as { UserData?: unknown })?.UserData);

function assertMonotonic(p: Percentiles, what: string): void {
  const order = [p.p50, p.p90, p.p99, p.p999, p.max];
  for (let i = 1; i < order.length; i++) {
    assert.ok((order[i - 1] as number) <= (order[i] as number), `${what}: percentiles ${order.join(' <= ')}`);
  }
}

/** Nearest-rank percentile of raw values. */
function rank(sorted: readonly number[], percentile: number): number {
  return sorted[Math.max(0, Math.ceil((percentile / 100) * sorted.length) - 1)] as number;
}

/** An external simulator, and a run of the load against it (no mock recorder: the test plays the recorder). */
async function againstRecorder(
  t: TestContext,
  play: (link: TlibLink, dns: string[]) => Promise<unknown>,
  options: Partial<LoadOptions>,
): Promise<LoadResult> {
  const sim = await startSimulator({ adminPort: false, journal: false });
  t.after(() => sim.stop());
  const agents = options.agents ?? 10;
  const dns = Array.from({ length: agents }, (_, i) => String(20000 + i));
  const link = await TlibLink.connect({
    host: sim.host,
    port: sim.port,
    applicationName: 'recorder-under-test',
  });
  t.after(() => link.close());
  await play(link, dns);
  return runLoad({
    agents,
    rate: 20,
    durationS: 1,
    settings: { ...SETTINGS, answerTimeoutMs: 300 },
    tserver: { host: sim.host, port: sim.port },
    mockRecorder: false,
    firstDn: 20000,
    ...options,
  });
}

describe('load mode', () => {
  test('50 agents for 2 s: every figure of the report agrees with the journal, and no indication is missing', async () => {
    const journal = new Journal();
    const r = await runLoad({ agents: 50, rate: 100, durationS: 2, settings: SETTINGS, journal });
    const entries = journal.entries;
    assert.equal(journal.dropped, 0, 'the test journal keeps everything');

    const sent = entries.filter((e) => isDesktop(e) && e.direction === 'out' && named('RequestSendEvent')(e));
    const received = entries.filter((e) => isDesktop(e) && e.direction === 'in');
    const indications = received.filter(
      (e) => named('EventUserEvent')(e) && isIndication(screenCaptureValue(e.message.UserData)),
    );
    const answers = entries.filter(
      (e) => e.party === 'recorder' && e.direction === 'out' && named('RequestSendEvent')(e),
    );

    const t = r.totals;
    assert.equal(t.offered, 200, '100/s for 2 s');
    assert.equal(t.sent, sent.length, 'operations sent = RequestSendEvent in the journal');
    assert.equal(t.sent, 200);
    assert.equal(t.acked, received.filter(named('EventACK')).length, 'EventACK in the journal');
    assert.equal(t.errors, received.filter(named('EventError')).length, 'EventError in the journal');
    assert.equal(t.acked + t.errors + t.noReply, t.sent, 'every operation got exactly one reply');
    assert.equal(t.matched + t.wrong, indications.length, 'indications = those the desktops received');
    assert.equal(answers.length, indications.length, 'one recorder answer per indication delivered');
    assert.deepEqual(
      { missing: t.missing, wrong: t.wrong, unexpected: t.unexpected, errors: t.errors, notSent: t.notSent },
      { missing: 0, wrong: 0, unexpected: 0, errors: 0, notSent: 0 },
    );
    assert.equal(r.verdict, 'passed', r.reasons.join('; '));

    // Each DN's operations follow the cycle, and each indication is what the mapping calls for.
    const byDn = new Map<string, JournalEntry[]>();
    for (const e of [...sent, ...indications])
      byDn.set(e.message.ThisDN as string, [...(byDn.get(e.message.ThisDN as string) ?? []), e]);
    assert.equal(byDn.size, 50, 'every agent operated');
    const latencies: number[] = [];
    for (const [dn, exchange] of byDn) {
      let state: Indication = INITIAL_STATE;
      const ops = exchange.filter((e) => e.direction === 'out');
      const answered = exchange.filter((e) => e.direction === 'in');
      assert.equal(answered.length, ops.length, `DN ${dn}: one indication per operation`);
      const first = OPERATION_CYCLE.indexOf(operationOf(ops[0] as JournalEntry) as Operation);
      ops.forEach((op, i) => {
        const operation = operationOf(op);
        assert.ok(isOperation(operation));
        assert.equal(operation, OPERATION_CYCLE[(first + i) % OPERATION_CYCLE.length], `DN ${dn}: the cycle`);
        state = expectedIndication(DEFAULT_MAPPING, operation, state);
        const answer = answered[i] as JournalEntry;
        assert.equal(screenCaptureValue(answer.message.UserData), state, `DN ${dn}: ${operation} answered`);
        latencies.push((answer.micros - op.micros) / 1000);
      });
    }

    // Latency: counts add up, percentiles are ordered, and they match the journal's own timings.
    const p = r.latencyMs.indication;
    assert.equal(p.count, t.matched + t.wrong);
    assertMonotonic(p, 'indication');
    assertMonotonic(r.latencyMs.ack, 'EventACK');
    // Per operation, as many as the journal shows answered (which agent sends which is up to the
    // scheduler, so a loaded machine may shift a few from one operation to the next).
    for (const op of OPERATION_CYCLE) {
      const inJournal = sent.filter((e) => operationOf(e) === op).length;
      assert.equal(r.latencyMs.byOperation[op].count, inJournal, `${op}: as many as the journal shows`);
      assertMonotonic(r.latencyMs.byOperation[op], op);
    }
    latencies.sort((a, b) => a - b);
    // The report times from just before the send to just after the journal entry: within 0.25 ms.
    assert.ok(Math.abs(p.p50 - rank(latencies, 50)) < 0.25, `p50 ${p.p50} vs journal ${rank(latencies, 50)}`);
    // The slowest one may have had a GC pause between the two clocks: a looser bound there.
    assert.ok(Math.abs(p.max - rank(latencies, 100)) < 1, `max ${p.max} vs journal ${rank(latencies, 100)}`);

    // The timeline adds up to the totals.
    const sum = (key: 'sent' | 'acked' | 'indications' | 'missing') =>
      r.timeline.reduce((n, s) => n + s[key], 0);
    assert.deepEqual(
      { sent: sum('sent'), acked: sum('acked'), indications: sum('indications'), missing: sum('missing') },
      { sent: t.sent, acked: t.acked, indications: t.matched + t.wrong, missing: 0 },
    );
    assert.deepEqual(
      r.timeline.map((s) => s.second),
      r.timeline.map((_, i) => i),
      'one entry per second, none skipped',
    );
    assert.ok(r.memory.peakRssBytes > 0);
  });

  test('a recorder that never answers: every operation is reported missing and the run fails', async (t) => {
    const r = await againstRecorder(t, (link, dns) => Promise.all(dns.map((dn) => link.registerDn(dn))), {});
    assert.equal(r.totals.sent, 20);
    assert.equal(r.totals.acked, 20);
    assert.equal(r.totals.missing, 20);
    assert.equal(r.totals.matched, 0);
    assert.equal(r.verdict, 'failed');
    assert.ok(r.reasons.includes('20 indication(s) missing'), r.reasons.join('; '));
  });

  test('a recorder that answers pause with enabled: exactly the pauses are reported wrong, with what was expected', async (t) => {
    const r = await againstRecorder(
      t,
      (link, dns) => MockRecorder.start({ link, dns, mapping: { ...DEFAULT_MAPPING, pause: 'enabled' } }),
      {},
    );
    const pauses = r.latencyMs.byOperation.pause.count;
    assert.ok(pauses > 0, 'some pauses were sent');
    assert.equal(r.totals.missing, 0);
    // The cycle resumes after every pause, so nothing else comes out wrong.
    assert.equal(r.totals.wrong, pauses);
    const example = r.examples.wrong.find((w) => w.operation === 'pause');
    assert.deepEqual(example && { expected: example.expected.indication, got: example.got.indication }, {
      expected: 'paused',
      got: 'enabled',
    });
    assert.equal(r.verdict, 'failed');
  });

  test('screencap-cert load writes load.json and a self-contained load.html, and exits 0', async (t) => {
    const out = await mkdtemp(join(tmpdir(), 'screencap-load-'));
    t.after(() => rm(out, { recursive: true, force: true }));
    const child = spawn(
      process.execPath,
      ['bin/screencap-cert.js', 'load', '--agents', '20', '--rate', '40', '--duration', '1', '--out', out],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 0, output);
    assert.match(output, /Verdict: PASSED/);
    const result = JSON.parse(await readFile(join(out, 'load.json'), 'utf8')) as LoadResult;
    assert.equal(result.totals.sent, 40);
    assert.equal(result.totals.matched, 40);
    const html = await readFile(join(out, 'load.html'), 'utf8');
    assert.match(html, /<svg[^>]*aria-label="Indication latency per second/);
    assert.match(html, /<polyline/);
    // Self-contained: nothing is fetched or run (the SVG namespace is a name, not a request).
    assert.doesNotMatch(html, /<script|<link|\b(src|href)=|url\(/i);
  });
});
