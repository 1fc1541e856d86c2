/**
 * A server under measurement, as its own process (so its CPU and peak RSS are its own):
 * `sim` (the simulator, no journal), `sim-journal` (with the journal `screencap-cert sim` keeps) or
 * `echo` (the baseline). Prints `listening on HOST:PORT`, then runs until SIGTERM.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { Journal } from '../../src/journal.ts';
import { startSimulator } from '../../src/sim/index.ts';
import { createEchoServer } from './echo-server.ts';

export const SERVER_KINDS = ['sim', 'sim-journal', 'echo'] as const;
export type ServerKind = (typeof SERVER_KINDS)[number];

const kind = process.argv[2] as ServerKind;
if (!SERVER_KINDS.includes(kind))
  throw new Error(`server kind: expected ${SERVER_KINDS.join('|')}, got ${kind}`);

let port: number;
if (kind === 'echo') {
  const server = createEchoServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
} else {
  const sim = await startSimulator({
    adminPort: false,
    journal: kind === 'sim-journal' ? new Journal() : false,
  });
  port = sim.port;
}
// Exit on SIGTERM rather than die of it, so that `--cpu-prof` (BENCH_SERVER_NODE_ARGS) writes its profile.
process.once('SIGTERM', () => process.exit(0));
process.stdout.write(`listening on 127.0.0.1:${port}\n`);
