/**
 * Recovery of the mock recorder after a T-Server restart with 2,000 agent DNs: from the restart
 * until the simulator has every DN registered by it again (its reconnection backoff included),
 * beside registering the same DNs on a fresh connection. Simulator and recorder share this
 * process, as in the self suite. Medians of alternating runs.
 */
import { Journal } from '../../src/journal.ts';
import { ReconnectingLink } from '../../src/link/reconnecting-link.ts';
import { TlibLink } from '../../src/link/tlib-link.ts';
import { MockRecorder } from '../../src/parties/recorder.ts';
import { startSimulator } from '../../src/sim/index.ts';
import type { BenchCase, BenchRow } from '../types.ts';

const DNS = Array.from({ length: 2000 }, (_, i) => String(100_000 + i));
const RUNS = 5;
const TIMEOUT_MS = 60_000;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/**
 * Resolves once the recorder has been told EventRegistered for every DN from now on (the T-Server
 * registered them), or rejects after TIMEOUT_MS. Counted as the replies arrive: polling the
 * simulator would take the CPU the two of them share.
 */
function allRegistered(journal: Journal): Promise<void> {
  let count = 0;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`only ${count} of ${DNS.length} DNs registered within ${TIMEOUT_MS} ms`));
    }, TIMEOUT_MS);
    const unsubscribe = journal.subscribe((e) => {
      if (e.direction !== 'in' || e.message.message !== 'EventRegistered' || ++count < DNS.length) return;
      clearTimeout(timer);
      unsubscribe();
      resolve();
    });
  });
}

/** One run: seconds to register every DN on a fresh connection, and to have them all again after a restart. */
async function once(): Promise<{ fresh: number; recovered: number; attempts: number }> {
  const sim = await startSimulator({ adminPort: false, journal: false });
  // The recorder's own journal, bounded: what the bench measures is the re-registration.
  const journal = new Journal({ maxBytes: 1024 * 1024 });
  let attempts = 0;
  const link = await ReconnectingLink.connect({
    connect: () =>
      TlibLink.connect({
        host: sim.host,
        port: sim.port,
        applicationName: 'bench-recorder',
        journal,
        timeoutMs: TIMEOUT_MS,
      }),
    log: (line) => {
      if (/reconnecting in/.test(line)) attempts++;
    },
  });
  try {
    let started = performance.now();
    let registered = allRegistered(journal);
    await MockRecorder.start({ link, dns: DNS });
    await registered;
    const fresh = (performance.now() - started) / 1000;
    registered = allRegistered(journal);
    started = performance.now();
    await sim.restart();
    await registered;
    const recovered = (performance.now() - started) / 1000;
    const monitored = Object.keys(sim.tserver.registrations()).length;
    if (monitored !== DNS.length)
      throw new Error(`after the restart the simulator has ${monitored} of ${DNS.length} DNs registered`);
    return { fresh, recovered, attempts };
  } finally {
    await link.close();
    await sim.stop();
  }
}

export const recovery: BenchCase = {
  id: 'recovery',
  title: `the mock recorder's recovery after a T-Server restart with ${DNS.length} agent DNs`,
  async run(): Promise<BenchRow[]> {
    const fresh: number[] = [];
    const recovered: number[] = [];
    let attempts = 0;
    for (let i = 0; i < RUNS; i++) {
      const run = await once();
      fresh.push(run.fresh);
      recovered.push(run.recovered);
      attempts += run.attempts;
    }
    const spread = (values: number[]) =>
      `${RUNS} runs, ${Math.min(...values).toFixed(3)}-${Math.max(...values).toFixed(3)} s`;
    return [
      {
        id: 'recovery.register-2000',
        label: `registering ${DNS.length} DNs on a fresh connection`,
        value: median(fresh),
        unit: 's',
        note: spread(fresh),
      },
      {
        id: 'recovery.restart-2000',
        label: `T-Server restart until all ${DNS.length} DNs are registered again`,
        value: median(recovered),
        unit: 's',
        baseline: 'recovery.register-2000',
        target: { compare: 'below', value: 2 },
        note: `${spread(recovered)}; reconnection backoff included (${attempts} attempt(s) in all)`,
      },
    ];
  },
};
