/** Many load-generating clients on one server: client i (and i^1) on DN 10000 + i/2. */
import { mapLimited } from '../../src/load/concurrency.ts';
import type { ServerProcess } from './server-process.ts';
import { WireClient } from './wire-client.ts';

/** A burst of connects past the listen backlog costs a SYN retransmit (1 s): connect 100 at a time. */
const CONNECT_CONCURRENCY = 100;

export function dnOf(i: number): string {
  return String(10000 + (i >> 1));
}

/** `count` clients, each registered (client and its DN) unless the server is the echo baseline. */
export function connectFleet(server: ServerProcess, count: number, register: boolean): Promise<WireClient[]> {
  return mapLimited(count, CONNECT_CONCURRENCY, async (i) => {
    const client = await WireClient.connect(server.host, server.port);
    if (register) await client.register(`bench-${i}`, [dnOf(i)]);
    return client;
  });
}
