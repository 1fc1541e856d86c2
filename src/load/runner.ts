/**
 * Load mode: N mock desktops, each on its own DN and its own connection, send screen-capture
 * operations at a fixed total rate against a T-Server (the embedded simulator, or an external one)
 * and a recorder (the mock recorder, or a SUT already connected), and every indication is judged.
 */

import { setTimeout as sleep } from 'node:timers/promises';
import { OPERATIONS, type Operation } from '../domain/screencap.ts';
import type { Seat } from '../domain/seats.ts';
import { harnessApplicationName, isHarnessApplication } from '../harness-clients.ts';
import { Journal } from '../journal.ts';
import type { Endpoint, Link, ServerIdentity } from '../link/link.ts';
import { ReconnectingLink } from '../link/reconnecting-link.ts';
import { TlibLink } from '../link/tlib-link.ts';
import { type BreakageId, reconnects, recorderBehaviour, tserverEngine } from '../parties/breakages.ts';
import { MockDesktop } from '../parties/desktop.ts';
import { MockRecorder } from '../parties/recorder.ts';
import type { LoadFigures, Percentiles } from '../result/load.ts';
import type { SuiteResult } from '../result/outcomes.ts';
import { certifiedScope, summarizeRules, verdictOf } from '../result/verdict.ts';
import type { ObservationSources, Role } from '../rules/observations.ts';
import { type Simulator, startSimulator } from '../sim/index.ts';
import { LoadAgent, OPERATION_CYCLE } from './agent.ts';
import { Chaos, type ChaosParty } from './chaos.ts';
import { mapLimited } from './concurrency.ts';
import { type JudgedWindow, type JudgeSettings, LoadJudge, type RuleCounts } from './judge.ts';
import { percentilesOf } from './latency.ts';
import { fireAtRate } from './schedule.ts';
import { type LoadProgress, LoadTally, type SecondCounts } from './tally.ts';

/** Which seat a load run certifies: self (the harness plays all three), the recorder, or the T-Server. */
export const LOAD_PROFILES = ['self', 'recorder', 'tserver'] as const;
export type LoadProfile = (typeof LOAD_PROFILES)[number];

export interface LoadOptions {
  agents: number;
  /** Operations per second, all agents together. */
  rate: number;
  durationS: number;
  settings: JudgeSettings;
  /** An external T-Server; default: the embedded simulator. */
  tserver?: Endpoint;
  /** Where the embedded simulator listens (default 127.0.0.1, any free port): a recorder under test connects there. */
  listen?: Endpoint;
  /**
   * Start the mock recorder (default true). false: a recorder under test monitors the agents' DNs;
   * on the embedded simulator the run first waits up to `readyMs` for it to register all of them,
   * and the simulator's view of it is judged.
   */
  mockRecorder?: boolean;
  /** The seat certified (default: recorder without the mock recorder, tserver with an external T-Server, else self). */
  profile?: LoadProfile;
  /** A deliberately broken mock recorder or embedded T-Server (self-test of the load judge). */
  breakage?: BreakageId;
  readyMs?: number;
  /** Agent i is on DN firstDn + i (default 10000). */
  firstDn?: number;
  /**
   * The parties' journal, which the judge reads as it is appended. Default: one keeping the last
   * 1,000 entries, so that memory stays flat and entries die young (a 10,000-entry journal lived long
   * enough to be promoted, and its old-space collections put p99.9 at hundreds of ms).
   */
  journal?: Journal;
  /**
   * Drop one harness party's connection (the mock recorder's or a desktop's, at random) every this
   * many seconds while operations are offered; the parties reconnect and re-register. Needs the
   * embedded simulator.
   */
  chaosS?: number;
  /** Called about once a second while operations are offered. */
  onProgress?: (progress: LoadProgress) => void;
  /** What the run is waiting for, for people. */
  log?: (line: string) => void;
}

export interface LoadResult {
  startedAt: string;
  endedAt: string;
  profile: LoadProfile;
  breakage: string | null;
  config: {
    dns: string;
    operationCycle: readonly Operation[];
    answerTimeoutMs: number;
    requestTimeoutMs: number;
  };
  figures: LoadFigures;
  /** The T-Server as it named itself to the agents. */
  tservers: ServerIdentity[];
  errors: Array<{ code: number; name: string; count: number }>;
  timeline: SecondCounts[];
  /** The first few, to show what went wrong beyond the rules. */
  examples: { noReply: string[]; recorderErrors: string[] };
  /** The rules' judgement (one scenario per operation), the load's failures, the verdict, its figures. */
  suite: SuiteResult;
  /** Per rule, how many operations passed it, failed it, ... */
  ruleCounts: RuleCounts[];
  /** Per scenario, one judged operation's messages (its sequence diagram and trace in the bundle). */
  evidence: ReadonlyMap<string, JudgedWindow>;
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
  links: Link[];
  /** With `chaosS`: who may be dropped, and the drops. */
  chaos: Chaos | undefined;
}

export function defaultProfile(options: Pick<LoadOptions, 'mockRecorder' | 'tserver'>): LoadProfile {
  if (options.mockRecorder === false) return 'recorder';
  return options.tserver ? 'tserver' : 'self';
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  if (options.chaosS !== undefined && options.tserver)
    throw new Error(
      '--chaos drops connections through the embedded simulator: it cannot with an external T-Server',
    );
  const startedAt = new Date().toISOString();
  const tally = new LoadTally();
  const profile = options.profile ?? defaultProfile(options);
  const journal = options.journal ?? new Journal({ limit: DEFAULT_JOURNAL_LIMIT });
  const sources = observationSources(options);
  const judge = new LoadJudge({
    settings: options.settings,
    sources,
    ...(profile === 'self' ? {} : { sutSeat: profile as Seat }),
    onJudged: (failed) => tally.judged(failed),
    recoveriesApart: options.chaosS !== undefined,
  });
  const parties: Parties = {
    sim: undefined,
    tserver: '',
    recorder: undefined,
    agents: [],
    links: [],
    chaos: undefined,
  };
  // With --chaos, the dropped parties' records are read for their recoveries too (from the first, their registrations).
  const unsubscribe = journal.subscribe((entry) => {
    judge.observe(entry);
    parties.chaos?.observe(entry);
  });
  try {
    await startParties(options, journal, tally, judge, parties, sources);
    parties.chaos?.start();
    const seconds = await offer(options, parties.agents, tally).finally(() => parties.chaos?.stopDropping());
    await parties.chaos?.recoveries();
    await barrier(parties.links, parties.recorder);
    parties.chaos?.finish();
    judge.finish();
    return resultOf(options, profile, parties, tally, judge, startedAt, seconds);
  } finally {
    unsubscribe();
    await Promise.allSettled(parties.links.map((l) => l.close()));
    await parties.sim?.stop();
  }
}

/** The harness's parties by journal name, and the recorder under test as the embedded simulator sees it. */
function observationSources(options: LoadOptions) {
  const firstDn = options.firstDn ?? DEFAULT_FIRST_DN;
  const parties = new Map<string, Role>([['recorder', 'recorder']]);
  for (let i = 0; i < options.agents; i++) parties.set(`desktop ${firstDn + i}`, 'desktop');
  const seesSut = options.mockRecorder === false && !options.tserver;
  return { parties, isHarnessApplication, ...(seesSut ? { otherClientsRole: 'recorder' as const } : {}) };
}

/** The T-Server, the recorder and the agents' desktops, filled into `parties` as they come up (to be stopped). */
async function startParties(
  options: LoadOptions,
  journal: Journal,
  tally: LoadTally,
  judge: LoadJudge,
  parties: Parties,
  sources: ObservationSources,
): Promise<void> {
  const { settings } = options;
  const firstDn = options.firstDn ?? DEFAULT_FIRST_DN;
  const dns = Array.from({ length: options.agents }, (_, i) => String(firstDn + i));
  const seesSut = options.mockRecorder === false && !options.tserver;
  const engine = tserverEngine(options.breakage);
  // The embedded simulator journals only when the recorder under test is to be judged (its view is
  // the only one of it); else, at thousands of messages a second, it would only cost.
  const sim = options.tserver
    ? undefined
    : await startSimulator({
        ...options.listen,
        adminPort: false,
        journal: seesSut ? journal : false,
        ...(engine ? { engine } : {}),
      });
  parties.sim = sim;
  const where = options.tserver ?? { host: sim?.host as string, port: sim?.port as number };
  parties.tserver = sim ? `embedded simulator ${sim.address}` : `${where.host}:${where.port}`;
  const chaosParties: ChaosParty[] = [];
  // Before any party connects: what each monitors when dropped is read from its registrations.
  if (sim && options.chaosS !== undefined)
    parties.chaos = new Chaos(
      sim,
      chaosParties,
      options.chaosS,
      settings,
      sources,
      () => parties.recorder?.errors.length ?? 0,
    );
  const connect = async (party: string, role: ChaosParty['role'], partyDns: readonly string[]) => {
    const applicationName = harnessApplicationName(`load-${party}`);
    const open = () =>
      TlibLink.connect({ ...where, applicationName, party, journal, timeoutMs: settings.requestTimeoutMs });
    let link: Link = await open();
    if (options.chaosS !== undefined) {
      chaosParties.push({ name: party, role, application: applicationName, dns: partyDns });
      if (role === 'desktop' || reconnects(options.breakage))
        link = ReconnectingLink.around(link, { connect: open, log: options.log });
    }
    parties.links.push(link);
    return link;
  };
  if (options.mockRecorder !== false) {
    parties.recorder = await MockRecorder.start({
      link: await connect('recorder', 'recorder', dns),
      dns,
      mapping: settings.mapping,
      initialState: settings.initialState,
      keepHistory: false,
      ...recorderBehaviour(options.breakage),
    });
  } else if (sim) {
    await recorderRegistered(sim, dns, options.readyMs ?? DEFAULT_READY_MS, options.log);
  }
  parties.agents = await mapLimited(options.agents, CONNECT_CONCURRENCY, async (i) => {
    const dn = dns[i] as string;
    const link = await connect(`desktop ${dn}`, 'desktop', [dn]);
    const desktop = await MockDesktop.start({ link, dn, keepHistory: false });
    return new LoadAgent(desktop, i, settings.answerTimeoutMs, tally, (over, sentAt, end) =>
      judge.operationOver(over, parties.chaos?.operationEnded(over, sentAt, end) ?? false),
    );
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

/**
 * A barrier on every connection of the harness: a request each (registering a DN it monitors
 * again), whose reply comes after everything the T-Server sent that connection before. Then the
 * last operations' messages have all arrived and can be judged.
 */
async function barrier(links: readonly Link[], recorder: MockRecorder | undefined): Promise<void> {
  await mapLimited(links.length, CONNECT_CONCURRENCY, async (i) => {
    const link = links[i] as Link;
    const dn =
      link.party === 'recorder' ? [...(recorder?.dns ?? [])][0] : link.party.slice('desktop '.length);
    if (dn) await link.registerDn(dn).catch(() => undefined); // no reply: the rules say so of what it awaited
  });
}

function resultOf(
  options: LoadOptions,
  profile: LoadProfile,
  parties: Parties,
  tally: LoadTally,
  judge: LoadJudge,
  startedAt: string,
  seconds: number,
): LoadResult {
  const firstDn = options.firstDn ?? DEFAULT_FIRST_DN;
  const t = tally.totals;
  const recorderErrors = parties.recorder?.errors ?? [];
  const figures: LoadFigures = {
    agents: options.agents,
    rate: options.rate,
    durationS: options.durationS,
    tserver: parties.tserver,
    recorder: parties.recorder ? 'mock recorder' : 'external recorder (SUT)',
    operations: { ...t },
    throughput: { sentPerS: t.sent / seconds, indicationsPerS: t.indications / seconds },
    latencyMs: {
      indication: percentilesOf(tally.indication),
      byOperation: Object.fromEntries(
        OPERATIONS.map((op) => [op, percentilesOf(tally.byOperation[op])]),
      ) as Record<Operation, Percentiles>,
      ack: percentilesOf(tally.ack),
    },
    // The kernel's high-water mark for this process: the embedded simulator and mock recorder are in it.
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    ...(parties.chaos ? { chaos: parties.chaos.figures() } : {}),
  };
  const scenarios = [...judge.scenarios(), ...(parties.chaos ? [parties.chaos.scenario()] : [])];
  const rules = summarizeRules(
    scenarios,
    certifiedScope(profile, `the harness plays it in this load run (profile ${profile})`),
  );
  const { verdict, reasons } = verdictOf({
    scenarios,
    rules,
    failures: loadFailures(
      t,
      recorderErrors.length - (figures.chaos?.recorderSendsCutOff ?? 0),
      figures.chaos,
    ),
  });
  const identities = new Map(parties.links.map((l) => [`${l.server.name} ${l.server.version}`, l.server]));
  identities.delete(' ');
  return {
    startedAt,
    endedAt: new Date().toISOString(),
    profile,
    breakage: options.breakage ?? null,
    config: {
      dns: `${firstDn}..${firstDn + options.agents - 1}`,
      operationCycle: OPERATION_CYCLE,
      answerTimeoutMs: options.settings.answerTimeoutMs,
      requestTimeoutMs: options.settings.requestTimeoutMs,
    },
    figures,
    tservers: [...identities.values()],
    errors: tally.errorsByCode(),
    timeline: tally.timeline,
    examples: {
      noReply: tally.noReplyExamples,
      recorderErrors: recorderErrors.slice(0, 20).map((e) => e.message),
    },
    suite: { verdict, reasons, complete: true, scenarios, rules, load: figures },
    ruleCounts: judge.ruleCounts(),
    evidence: judge.examples(),
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

/**
 * What fails a load run beside the rules: a load that was not applied as asked (operations not
 * sent, or refused, so not exercised), or a mock recorder that could not answer.
 */
function loadFailures(
  t: LoadFigures['operations'],
  recorderErrors: number,
  chaos: LoadFigures['chaos'],
): string[] {
  const reasons: string[] = [];
  if (chaos?.lostAfterRecovery)
    reasons.push(
      `${chaos.lostAfterRecovery} operation(s) lost: sent with every party connected, no indication`,
    );
  if (t.sent === 0) reasons.push('no operation was sent');
  if (t.notSent)
    reasons.push(`${t.notSent} operation(s) not sent: every agent was busy (rate too high for the latency)`);
  if (t.errors) reasons.push(`${t.errors} operation(s) refused with EventError, so not exercised`);
  if (recorderErrors) reasons.push(`the mock recorder failed to send ${recorderErrors} indication(s)`);
  return reasons;
}
