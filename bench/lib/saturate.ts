/**
 * Closed-loop throughput: every sending client keeps `window` requests in flight (a completion frees
 * a slot and sends the next), and deliveries are counted over a measured interval after a warm-up.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { messageOf, type WireClient } from './wire-client.ts';

export interface Flow {
  client: WireClient;
  /** The next request line, or undefined for a client that only receives. */
  next?: () => string;
  /** The reply that frees a window slot (`EventACK`, or the echoed request for the baseline). */
  completion: string;
  /** The message counted as delivered, when this client counts. */
  delivery?: string;
}

export interface SaturateOptions {
  window: number;
  warmupMs: number;
  measureMs: number;
}

/** Deliveries per second over the measured interval. */
export async function saturate(flows: readonly Flow[], options: SaturateOptions): Promise<number> {
  let delivered = 0;
  let running = true;
  for (const flow of flows) {
    const { client, next, completion, delivery } = flow;
    client.onLines = (lines) => {
      let freed = 0;
      for (const line of lines) {
        const message = messageOf(line);
        if (message === delivery) delivered++;
        if (message === completion) freed++;
      }
      if (running && next && freed > 0) client.write(batch(next, freed));
    };
  }
  for (const { client, next } of flows) if (next) client.write(batch(next, options.window));
  await sleep(options.warmupMs);
  const before = { delivered, at: performance.now() };
  await sleep(options.measureMs);
  const rate = ((delivered - before.delivered) * 1000) / (performance.now() - before.at);
  running = false;
  return rate;
}

function batch(next: () => string, count: number): string {
  let text = '';
  for (let i = 0; i < count; i++) text += next();
  return text;
}
