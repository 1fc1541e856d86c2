/**
 * Relay latency at a fixed offered rate: 1,000 connected clients over 500 DNs, each sending in turn;
 * latency runs from writing RequestSendEvent to the other registrant of the DN reading the event
 * (the echo baseline: to the sender reading its line back), without and with the journal.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { latencyHistogram, percentilesOf, recordMs } from '../../src/load/latency.ts';
import { fireAtRate } from '../../src/load/schedule.ts';
import { decimal } from '../../src/tlib/decimal.ts';
import { connectFleet, dnOf } from '../lib/fleet.ts';
import type { ServerKind } from '../lib/server-child.ts';
import { cpuMeter, startServerProcess } from '../lib/server-process.ts';
import { messageOf } from '../lib/wire-client.ts';
import type { BenchCase, BenchRow } from '../types.ts';

const CLIENTS = 1000;
const RATE = 5000;
const WARMUP_MS = 1000;
const MEASURE_MS = 5000;
const DRAIN_MS = 500;

/** Who sent a delivered event and when (performance.now() of the sending process, in whole microseconds). */
const STAMP = /\["bench-from","(\d+)"\],\["bench-sent","(\d+)"\]/;

/** Read with a regular expression, not JSON.parse: the generator's own garbage collections land in the tail. */
function stampOf(line: string): { from: number; sentAt: number } {
  const m = STAMP.exec(line);
  if (!m) throw new Error(`a delivered event lost its bench stamp: ${line}`);
  return { from: Number(m[1]), sentAt: Number(m[2]) / 1000 };
}

interface Measured {
  p: ReturnType<typeof percentilesOf>;
  serverCpu?: number;
  peakRss?: number;
  note: string;
}

/**
 * Latency through `kind`: for the simulator, from the sender's write to the DN's other registrant
 * reading the event; for the echo baseline, to the sender reading its line back.
 */
async function measure(kind: ServerKind): Promise<Measured> {
  const echo = kind === 'echo';
  const server = await startServerProcess(kind);
  try {
    const clients = await connectFleet(server, CLIENTS, !echo);
    const histogram = latencyHistogram();
    const window = { from: Number.POSITIVE_INFINITY, until: Number.POSITIVE_INFINITY };
    const measuredMessage = echo ? 'RequestSendEvent' : 'EventUserEvent';
    let errors = 0;
    clients.forEach((client, i) => {
      client.onLines = (lines) => {
        const now = performance.now();
        for (const line of lines) {
          const message = messageOf(line);
          if (message === 'EventError') errors++;
          if (message !== measuredMessage) continue;
          const { from, sentAt } = stampOf(line);
          if ((from === i) === echo && sentAt >= window.from && sentAt < window.until)
            recordMs(histogram, now - sentAt);
        }
      };
    });
    let turn = 0;
    const send = () => {
      const i = turn;
      turn = (turn + 1) % CLIENTS;
      const client = clients[i];
      const stamp = [
        ['screen-capture', 'start'],
        // Not String(): V8's number-string cache would keep every stamp young long enough for each of
        // the generator's scavenges to copy (and promote) them, and its pauses land in the tail.
        ['bench-from', decimal(i)],
        ['bench-sent', decimal(Math.round(performance.now() * 1000))],
      ] as const;
      client?.write(client.sendEventLine(dnOf(i), stamp));
    };
    await fireAtRate(RATE, WARMUP_MS, send);
    window.from = performance.now();
    const cpu = cpuMeter(server);
    const measured = await fireAtRate(RATE, MEASURE_MS, send);
    const serverCpu = cpu.cores();
    window.until = performance.now();
    await sleep(DRAIN_MS);
    for (const client of clients) client.close();
    const p = percentilesOf(histogram);
    const achieved = (measured.fired * 1000) / measured.elapsedMs;
    const lost = measured.fired - p.count;
    const note = `offered ${RATE}/s, sent ${Math.round(achieved)}/s; ${p.count} of ${measured.fired} measured${lost ? `, ${lost} NOT DELIVERED` : ''}${errors ? `, ${errors} EventError` : ''}`;
    const peakRss = server.peakRss();
    return {
      p,
      note,
      ...(peakRss === undefined ? {} : { peakRss }),
      ...(serverCpu === undefined ? {} : { serverCpu }),
    };
  } finally {
    await server.stop();
  }
}

export const latency: BenchCase = {
  id: 'latency',
  title: `relay latency at ${RATE}/s with ${CLIENTS} clients`,
  async run(): Promise<BenchRow[]> {
    const row = (m: Measured, id: string, label: string, value: number): BenchRow => ({
      id,
      label,
      value,
      unit: 'ms',
      ...(m.peakRss === undefined ? {} : { peakRss: m.peakRss }),
      ...(m.serverCpu === undefined ? {} : { serverCpu: m.serverCpu }),
    });
    const echo = await measure('echo');
    const sim = await measure('sim');
    const journaled = await measure('sim-journal');
    return [
      {
        ...row(
          echo,
          'latency.echo.p99',
          `baseline: NDJSON echo p99, ${RATE}/s, ${CLIENTS} clients`,
          echo.p.p99,
        ),
        note: echo.note,
      },
      row(sim, 'latency.p50', `latency p50, ${RATE}/s, ${CLIENTS} clients`, sim.p.p50),
      {
        ...row(sim, 'latency.p99', `latency p99, ${RATE}/s, ${CLIENTS} clients`, sim.p.p99),
        baseline: 'latency.echo.p99',
        target: { compare: 'below', value: 2 },
      },
      {
        ...row(sim, 'latency.p999', `latency p99.9, ${RATE}/s, ${CLIENTS} clients`, sim.p.p999),
        note: sim.note,
      },
      {
        ...row(
          journaled,
          'latency.journal.p99',
          `latency p99, journal on (as \`screencap-cert sim\`)`,
          journaled.p.p99,
        ),
        baseline: 'latency.echo.p99',
        target: { compare: 'below', value: 2 },
        note: journaled.note,
      },
    ];
  },
};
