/**
 * Relay throughput: EventUserEvent delivered per second by the simulator, saturated by closed-loop
 * senders, beside the bare echo baseline with the same clients. Every server runs in its own process.
 */
import { DEFAULT_JOURNAL_BYTES } from '../../src/journal.ts';
import { connectFleet, dnOf } from '../lib/fleet.ts';
import { type Flow, saturate } from '../lib/saturate.ts';
import type { ServerKind } from '../lib/server-child.ts';
import { cpuMeter, type ServerProcess, startServerProcess } from '../lib/server-process.ts';
import type { WireClient } from '../lib/wire-client.ts';
import type { BenchCase, BenchRow } from '../types.ts';

const TIMING = { warmupMs: 1000, measureMs: 4000 };
const USER_DATA = [['screen-capture', 'start']] as const;
const MANY_CLIENTS = 1000;
/** Requests in flight per sending client: deep for one pair, shallow for many (4,000 in all). */
const PAIR_WINDOW = 256;
const MANY_WINDOW = 4;

async function measure(
  kind: ServerKind,
  window: number,
  build: (server: ServerProcess) => Promise<Flow[]>,
): Promise<Pick<BenchRow, 'value' | 'peakRss' | 'serverCpu'>> {
  const server = await startServerProcess(kind);
  try {
    const flows = await build(server);
    const cpu = cpuMeter(server);
    const value = await saturate(flows, { window, ...TIMING });
    const serverCpu = cpu.cores();
    for (const flow of flows) flow.client.close();
    return { value, peakRss: server.peakRss(), ...(serverCpu === undefined ? {} : { serverCpu }) };
  } finally {
    await server.stop();
  }
}

/**
 * The server's CPU per event: on a shared machine throughput follows what other processes leave,
 * where the CPU an event costs does not (much), so it says what the ratio would be on a quiet one.
 */
function cpuPerEvent(m: Pick<BenchRow, 'value' | 'serverCpu'>): string {
  if (m.serverCpu === undefined || m.value === 0) return 'server CPU per event unknown';
  return `${((m.serverCpu / m.value) * 1e6).toFixed(1)} µs server CPU per event`;
}

/** The baseline's flows: each client sends and counts its own echoes. */
function echoFlows(clients: WireClient[]): Flow[] {
  return clients.map((client, i) => ({
    client,
    next: () => client.sendEventLine(dnOf(i), USER_DATA),
    completion: 'RequestSendEvent',
    delivery: 'RequestSendEvent',
  }));
}

export const relayPair: BenchCase = {
  id: 'relay-pair',
  title: 'relay throughput, one sender to one monitor',
  async run(): Promise<BenchRow[]> {
    const echo = await measure('echo', PAIR_WINDOW, async (s) => echoFlows(await connectFleet(s, 1, false)));
    const relay = (kind: ServerKind) =>
      measure(kind, PAIR_WINDOW, async (s) => {
        const [sender, monitor] = (await connectFleet(s, 2, true)) as [WireClient, WireClient];
        return [
          { client: sender, next: () => sender.sendEventLine(dnOf(0), USER_DATA), completion: 'EventACK' },
          { client: monitor, completion: 'EventACK', delivery: 'EventUserEvent' },
        ];
      });
    const sim = await relay('sim');
    const journaled = await relay('sim-journal');
    return [
      {
        id: 'echo.pair',
        label: 'baseline: NDJSON echo, 1 client',
        ...echo,
        unit: 'lines/s',
        note: cpuPerEvent(echo).replace('event', 'line'),
      },
      {
        id: 'relay.pair',
        label: 'relay 1 sender -> 1 monitor',
        ...sim,
        unit: 'events/s',
        baseline: 'echo.pair',
        target: { compare: 'at-least', value: 0.75, of: 'ratio' },
        note: `each request: EventACK + the event to sender and monitor; ${cpuPerEvent(sim)}`,
      },
      {
        id: 'relay.pair.journal',
        label: 'relay 1 -> 1, journal on (as `screencap-cert sim`)',
        ...journaled,
        unit: 'events/s',
        baseline: 'echo.pair',
        target: { compare: 'at-least', value: 0.5, of: 'ratio' },
        note: `the journal bounded to its default (${DEFAULT_JOURNAL_BYTES / 2 ** 20} MiB); ${cpuPerEvent(journaled)}`,
      },
    ];
  },
};

export const relayMany: BenchCase = {
  id: 'relay-many',
  title: `relay throughput, ${MANY_CLIENTS} clients over ${MANY_CLIENTS / 2} DNs`,
  async run(): Promise<BenchRow[]> {
    const echo = await measure('echo', MANY_WINDOW, async (s) =>
      echoFlows(await connectFleet(s, MANY_CLIENTS, false)),
    );
    const sim = await measure('sim', MANY_WINDOW, async (s) =>
      (await connectFleet(s, MANY_CLIENTS, true)).map((client, i) => ({
        client,
        next: () => client.sendEventLine(dnOf(i), USER_DATA),
        completion: 'EventACK',
        delivery: 'EventUserEvent',
      })),
    );
    return [
      {
        id: 'echo.many',
        label: `baseline: NDJSON echo, ${MANY_CLIENTS} clients`,
        ...echo,
        unit: 'lines/s',
      },
      {
        id: 'relay.many',
        label: `relay, ${MANY_CLIENTS} clients over ${MANY_CLIENTS / 2} DNs`,
        ...sim,
        unit: 'events/s',
        baseline: 'echo.many',
        note: 'every client sends on its DN; each event goes to both of its registrants',
      },
    ];
  },
};
