/**
 * Load mode: N mock desktops, each on its own DN and its own connection, send screen-capture
 * operations at a fixed total rate against a T-Server (the embedded simulator, or an external one)
 * and a recorder (the mock recorder, or a SUT already connected), and every indication is judged.
 */

import { setTimeout as sleep } from 'node:timers/promises';
import { OPERATIONS, type Operation } from '../domain/screencap.ts';
import { harnessApplicationName, isHarnessApplication } from '../harness-clients.ts';
import { Journal } from '../journal.ts';
import type { Endpoint } from '../link/link.ts';
import { TlibLink } from '../link/tlib-link.ts';
import { MockDesktop } from '../parties/desktop.ts';
import { MockRecorder } from '../parties/recorder.ts';
import type { Verdict } from '../result/outcomes.ts';
import type { HarnessSettings } from '../settings.ts';
import { type Simulator, startSimulator } from '../sim/index.ts';
import { LoadAgent, OPERATION_CYCLE } from './agent.ts';
import { mapLimited } from './concurrency.ts';
import { type Percentiles, percentilesOf } from './latency.ts';
import { fireAtRate } from './schedule.ts';
import {
  type LoadProgress,
  LoadTally,
  type SecondCounts,
  type Totals,
  type WrongIndication,
} from './tally.ts';

export interface LoadOptions {
  agents: number;
  /** Operations per second, all agents together. */
  rate: number;
  durationS: number;
  settings: LoadSettings;
  /** An external T-Server; default: the embedded simulator. */
  tserver?: Endpoint;
  /** Where the embedded simulator listens (default 127.0.0.1, any free port): a recorder under test connects there. */
  listen?: Endpoint;
  /**
   * Start the mock recorder (default true). false: a recorder under test monitors the agents' DNs;
   * on the embedded simulator the run first waits up to `readyMs` for it to register all of them.
   */
  mockRecorder?: boolean;
  readyMs?: number;
  /** Agent i is on DN firstDn + i (default 10000). */
  firstDn?: number;
  /**
   * The parties' journal. Default: one keeping the last 1,000 entries, so that memory stays flat and
   * entries die young (a 10,000-entry journal lived long enough to be promoted, and its old-space
   * collections put p99.9 at hundreds of ms).
   */
  journal?: Journal;
  /** Called about once a second while operations are offered. */
  onProgress?: (progress: LoadProgress) => void;
  /** What the run is waiting for, for people. */
  log?: (line: string) => void;
}

export type LoadSettings = Pick<
  HarnessSettings,
  'mapping' | 'initialState' | 'answerTimeoutMs' | 'requestTimeoutMs'
>;

export interface LoadResult {
  startedAt: string;
  config: {
    agents: number;
    rate: number;
    durationS: number;
    tserver: string;
    recorder: 'mock recorder' | 'external recorder (SUT)';
    dns: string;
    operationCycle: readonly Operation[];
    answerTimeoutMs: number;
    requestTimeoutMs: number;
  };
  totals: Totals;
  errors: Array<{ code: number; name: string; count: number }>;
  /** Per second, over the time operations were offered. */
  throughput: { sentPerS: number; indicationsPerS: number };
  latencyMs: {
    /** From the desktop sending the operation to the desktop receiving its indication. */
    indication: Percentiles;
    byOperation: Record<Operation, Percentiles>;
    /** From sending to EventACK. */
    ack: Percentiles;
  };
  timeline: SecondCounts[];
  /** The first few, to show what went wrong. */
  examples: { wrong: WrongIndication[]; noReply: string[]; recorderErrors: string[] };
  memory: { peakRssBytes: number };
  /** A load run judges every operation it sent: PASSED or FAILED, never INCOMPLETE. */
  verdict: Extract<Verdict, 'passed' | 'failed'>;
  /** Why it did not pass, in words (empty when it passed). */
  reasons: string[];
}

export const DEFAULT_FIRST_DN = 10000;
/** A burst of connects past the listen backlog costs a SYN retransmit (1 s): connect 100 at a time. */
const CONNECT_CONCURRENCY = 100;
const DEFAULT_JOURNAL_LIMIT = 1000;
const DEFAULT_READY_MS = 30_000;

interface Parties {
  /** The embedded simulator, unless the T-Server is external. */
  sim: Simulator | undefined;
  /** Where the T-Server is: `host:port`, or the embedded simulator's. */
  tserver: string;
  recorder: MockRecorder | undefined;
  agents: LoadAgent[];
  links: TlibLink[];
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const startedAt = new Date().toISOString();
  const tally = new LoadTally();
  const parties: Parties = { sim: undefined, tserver: '', recorder: undefined, agents: [], links: [] };
  try {
    await startParties(options, tally, parties);
    const seconds = await offer(options, parties.agents, tally);
    return resultOf(options, parties, tally, startedAt, seconds);
  } finally {
    await Promise.allSettled(parties.links.map((l) => l.close()));
    await parties.sim?.stop();
  }
}

/** The T-Server, the recorder and the agents' desktops, filled into `parties` as they come up (to be stopped). */
async function startParties(options: LoadOptions, tally: LoadTally, parties: Parties): Promise<void> {
  const { settings } = options;
  const firstDn = options.firstDn ?? DEFAULT_FIRST_DN;
  const dns = Array.from({ length: options.agents }, (_, i) => String(firstDn + i));
  const journal = options.journal ?? new Journal({ limit: DEFAULT_JOURNAL_LIMIT });
  // The embedded simulator keeps no journal: at thousands of messages a second it would only grow.
  const sim = options.tserver
    ? undefined
    : await startSimulator({ ...options.listen, adminPort: false, journal: false });
  parties.sim = sim;
  const where = options.tserver ?? { host: sim?.host as string, port: sim?.port as number };
  parties.tserver = sim ? `embedded simulator ${sim.address}` : `${where.host}:${where.port}`;
  const connect = async (party: string) => {
    const link = await TlibLink.connect({
      ...where,
      applicationName: harnessApplicationName(`load-${party}`),
      party,
      journal,
      timeoutMs: settings.requestTimeoutMs,
    });
    parties.links.push(link);
    return link;
  };
  if (options.mockRecorder !== false) {
    parties.recorder = await MockRecorder.start({
      link: await connect('recorder'),
      dns,
      mapping: settings.mapping,
      initialState: settings.initialState,
      keepHistory: false,
    });
  } else if (sim) {
    await recorderRegistered(sim, dns, options.readyMs ?? DEFAULT_READY_MS, options.log);
  }
  parties.agents = await mapLimited(options.agents, CONNECT_CONCURRENCY, async (i) => {
    const dn = dns[i] as string;
    const desktop = await MockDesktop.start({ link: await connect(`desktop ${dn}`), dn, keepHistory: false });
    return new LoadAgent(desktop, i, settings, tally);
  });
}

/** Offers operations at the rate, each to an idle agent, then waits for the last ones; returns the seconds offered. */
async function offer(options: LoadOptions, agents: readonly LoadAgent[], tally: LoadTally): Promise<number> {
  const { settings } = options;
  const idle = [...agents];
  tally.begin();
  const progress = setInterval(() => options.onProgress?.(tally.progress()), 1000);
  const paced = await fireAtRate(options.rate, options.durationS * 1000, () => {
    const agent = idle.shift();
    tally.offered(agent !== undefined);
    agent?.operate(() => idle.push(agent));
  }).finally(() => clearInterval(progress));
  // Every operation ends within the longer of the two timeouts (missing, or no reply).
  const deadline = performance.now() + Math.max(settings.answerTimeoutMs, settings.requestTimeoutMs) + 1000;
  while (idle.length < agents.length && performance.now() < deadline) await sleep(20);
  tally.finish();
  options.onProgress?.(tally.progress());
  return paced.elapsedMs / 1000;
}

function resultOf(
  options: LoadOptions,
  parties: Parties,
  tally: LoadTally,
  startedAt: string,
  seconds: number,
): LoadResult {
  const firstDn = options.firstDn ?? DEFAULT_FIRST_DN;
  const t = tally.totals;
  const recorderErrors = parties.recorder?.errors ?? [];
  const reasons = verdictReasons(t, recorderErrors.length);
  return {
    startedAt,
    config: {
      agents: options.agents,
      rate: options.rate,
      durationS: options.durationS,
      tserver: parties.tserver,
      recorder: parties.recorder ? 'mock recorder' : 'external recorder (SUT)',
      dns: `${firstDn}..${firstDn + options.agents - 1}`,
      operationCycle: OPERATION_CYCLE,
      answerTimeoutMs: options.settings.answerTimeoutMs,
      requestTimeoutMs: options.settings.requestTimeoutMs,
    },
    totals: t,
    errors: tally.errorsByCode(),
    throughput: { sentPerS: t.sent / seconds, indicationsPerS: (t.matched + t.wrong) / seconds },
    latencyMs: {
      indication: percentilesOf(tally.indication),
      byOperation: Object.fromEntries(
        OPERATIONS.map((op) => [op, percentilesOf(tally.byOperation[op])]),
      ) as Record<Operation, Percentiles>,
      ack: percentilesOf(tally.ack),
    },
    timeline: tally.timeline,
    examples: {
      wrong: tally.wrongExamples,
      noReply: tally.noReplyExamples,
      recorderErrors: recorderErrors.slice(0, 20).map((e) => e.message),
    },
    // The kernel's high-water mark for this process: the embedded simulator and mock recorder are in it.
    memory: { peakRssBytes: process.resourceUsage().maxRSS * 1024 },
    verdict: reasons.length === 0 ? 'passed' : 'failed',
    reasons,
  };
}

/** Waits until a client other than the harness's own has registered every agent DN. */
async function recorderRegistered(
  sim: Simulator,
  dns: readonly string[],
  timeoutMs: number,
  log: ((line: string) => void) | undefined,
): Promise<void> {
  const missing = () =>
    dns.filter((dn) => !sim.tserver.registrantsOf(dn).some((r) => !isHarnessApplication(r.application)));
  log?.(
    `waiting up to ${timeoutMs} ms for the recorder under test to register DNs ${dns[0]}..${dns.at(-1)} on ${sim.address}`,
  );
  const deadline = performance.now() + timeoutMs;
  while (missing().length && performance.now() < deadline) await sleep(50);
  const left = missing();
  if (left.length) {
    throw new Error(
      `the recorder under test did not register ${left.length} of the ${dns.length} agent DNs (first: ${left[0]}) on ${sim.address} within ${timeoutMs} ms`,
    );
  }
}

/** A load run passes only if operations were sent and every one was acknowledged and answered right. */
function verdictReasons(t: Totals, recorderErrors: number): string[] {
  const reasons: string[] = [];
  if (t.sent === 0) reasons.push('no operation was sent');
  if (t.missing) reasons.push(`${t.missing} indication(s) missing`);
  if (t.wrong) reasons.push(`${t.wrong} wrong indication(s)`);
  if (t.unexpected) reasons.push(`${t.unexpected} unexpected indication(s)`);
  if (t.errors) reasons.push(`${t.errors} operation(s) refused with EventError`);
  if (t.noReply) reasons.push(`${t.noReply} operation(s) without a reply`);
  if (t.notSent)
    reasons.push(`${t.notSent} operation(s) not sent: every agent was busy (rate too high for the latency)`);
  if (recorderErrors) reasons.push(`the mock recorder failed to send ${recorderErrors} indication(s)`);
  return reasons;
}
