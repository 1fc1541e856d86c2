/**
 * Certifies from a SIP Server log: reads it (streaming), finds the parties, runs the same rules as
 * a live run over every exchange in it, takes back what the log cannot show (limits.ts), and returns
 * a result shaped like a run's (SuiteResult), plus where it came from. Rendering is the caller's.
 *
 * Each T-Server run in the log (lines.ts, `T-Server started`) is judged on its own, as a scenario
 * is: its clients are gone when the next begins. Each run is judged as soon as it ends, and then
 * only its outcomes are kept.
 */

import { RULE_IDS, ruleById } from '../domain/rule-catalog.ts';
import { DISCONNECTED, isPseudo, type JournalEntry, type SourceRef } from '../journal.ts';
import type { ScenarioObservations } from '../report/evidence.ts';
import { CannotRunError } from '../result/exit-codes.ts';
import type { RuleOutcome, ScenarioResult, SuiteResult } from '../result/outcomes.ts';
import { outOfScope, type RuleScope, SEATS, summarizeRules, verdictOf } from '../result/verdict.ts';
import { type CheckContext, createCheckContext } from '../rules/checkers.ts';
import { evaluateRules } from '../rules/evaluate.ts';
import { captureOf } from '../rules/exchanges.ts';
import { type Role, toRecords, type WireRecord } from '../rules/observations.ts';
import { interruptionsIn } from '../rules/recovery.ts';
import { type AgentModel, SAME_DN_AGENTS, withRegisteredDns } from '../rules/voice-calls.ts';
import type { HarnessSettings } from '../settings.ts';
import { fullTime } from '../sipserver-log/lines.ts';
import {
  type LogMessage,
  type ParsedFile,
  parseLogFiles,
  type ServerHeader,
  type Skip,
} from '../sipserver-log/parser.ts';
import { CALL_EVENT_NAMES } from '../tlib/messages.ts';
import { linkDistributions } from './distributions.ts';
import { limitToLog } from './limits.ts';
import { identifyParties, type LogParty, type RolePatterns } from './parties.ts';
import { byDn } from './partition.ts';
import { Retainer, Selection } from './retain.ts';

export interface VerifyLogOptions {
  settings: Pick<HarnessSettings, 'mapping' | 'initialState' | 'answerTimeoutMs' | 'requestTimeoutMs'>;
  patterns?: RolePatterns;
  /** The seats being certified (default: all three); rules judging others are not applicable. */
  scope?: RuleScope;
  /** Judge only this part of the log: a live run's time range (epoch µs) and agent DNs. */
  window?: LogWindow;
  /** Where each agent's calls are (agents.voiceDns) and which is its voice call; default: on the DN it sends on. */
  agents?: AgentModel;
  /** Called once per judged scenario (T-Server run and DN), while its messages are at hand. */
  evidence?: (scenario: string, observations: ScenarioObservations) => void;
}

export interface LogWindow {
  from: number;
  to: number;
  dns?: readonly string[];
}

/**
 * Messages that tell who monitors what and which calls exist: kept from before a window's start,
 * since the clients of a live run registered before it began.
 */
const SESSION_MESSAGES = new Set([
  'RequestRegisterClient',
  'EventClientRegistered',
  'RequestRegisterAddress',
  'EventRegistered',
  'RequestUnregisterAddress',
  'EventUnregistered',
  ...CALL_EVENT_NAMES,
]);

/** Whether `m` tells who monitors what (SESSION_MESSAGES, or a client's disconnection). */
const isSessionMessage = (m: LogMessage) =>
  SESSION_MESSAGES.has(m.message.message) || isPseudo(m, DISCONNECTED);

/** `session`: the message tells who monitors what, and counts from before the window too. */
function inWindow(window: LogWindow, micros: number, session: boolean): boolean {
  return micros <= window.to && (micros >= window.from || session);
}

/** Exchanges listed in the result (all are counted): a log may hold millions, each judged by the rules. */
export const EXCHANGES_LISTED = 1000;

/** Skips kept in the result (all are counted). */
const SKIPS_KEPT = 100;
/** Findings of one rule in one scenario that the reports repeat; the rest are counted (a log may hold millions). */
export const FINDINGS_REPEATED = 100;

/** The outcome with at most FINDINGS_REPEATED findings, saying how many more there were. */
export function capFindings(outcome: RuleOutcome): RuleOutcome {
  const more = outcome.findings.length - FINDINGS_REPEATED;
  if (more <= 0) return outcome;
  const findings = outcome.findings.slice(0, FINDINGS_REPEATED);
  const reason = `${findings.map((f) => f.text).join('\n')}\n… and ${more} more finding(s) of this rule, not repeated (${outcome.findings.length} in all)`;
  return { ...outcome, findings, reason };
}

const scopeOf = (options: VerifyLogOptions): RuleScope => options.scope ?? { certified: SEATS };

export interface LogSource {
  kind: 'SIP Server log';
  files: ParsedFile[];
  /** The server the files' headers name (`Application name:` ...), when they do. */
  server?: ServerHeader;
  /** Times of the first and last T-Lib message read, as the log prints them (it has no zone). */
  from?: string;
  to?: string;
  /** T-Lib messages read, and how many the rules needed. */
  messages: number;
  kept: number;
  /**
   * Clients the log showed (per T-Server run); the result lists only those something was kept
   * of (`parties`): a client that took no part in screen-capture traffic is counted, not listed.
   */
  clients: number;
  /** Screen-capture exchanges judged; the result lists the first EXCHANGES_LISTED (`exchanges`). */
  exchanges: number;
  skipped: { count: number; first: Skip[] };
  /**
   * Where the log's clock stepped back (more than its printing's precision), and by how much:
   * times after a step are read moved forward by it, so no duration is judged from a clamped time.
   */
  clockSteps: { count: number; first: Array<{ source: SourceRef; backMs: number }> };
  /**
   * Lines that may hold a message the rules need and could not be placed: the rules they could
   * explain are not observable for the exchanges near them (limits.ts).
   */
  unplaced: number;
}

/** One screen-capture RequestSendEvent and what became of it: for per-exchange traces. */
export interface ExchangeSummary {
  /** The T-Server run and DN (the scenario) it belongs to. */
  run: string;
  seq: number;
  time: string;
  source?: SourceRef;
  client: string;
  application?: string;
  role: Role;
  dn: unknown;
  screenCapture: unknown;
  /** `EventACK`, `EventError 41`, or absent. */
  reply?: string;
  /** Clients that received its EventUserEvent. */
  deliveredTo: string[];
}

export interface LogVerification extends SuiteResult {
  source: LogSource;
  /** Every client of every T-Server run that took part in what was judged, with its seat and why. */
  parties: Array<LogParty & { run: string }>;
  /** The first EXCHANGES_LISTED exchanges, in log order per scenario (source.exchanges counts them all). */
  exchanges: ExchangeSummary[];
}

function exchangesOf(run: string, ctx: CheckContext): ExchangeSummary[] {
  const delivered = new Map<WireRecord, string[]>();
  for (const d of ctx.deliveries().expected) {
    if (d.event) delivered.set(d.request.record, [...(delivered.get(d.request.record) ?? []), d.recipient]);
  }
  return ctx.exchanges
    .sendEvents((r) => captureOf(r.record.message) !== undefined)
    .sort((a, b) => a.record.entry.seq - b.record.entry.seq)
    .map(({ record, replies }) => {
      const reply = replies[0]?.message;
      return {
        run,
        seq: record.entry.seq,
        time: record.entry.time,
        ...(record.entry.source ? { source: record.entry.source } : {}),
        client: record.client,
        ...(record.entry.peerApplication ? { application: record.entry.peerApplication } : {}),
        role: record.role,
        dn: record.message.ThisDN,
        screenCapture: captureOf(record.message),
        ...(reply
          ? { reply: reply.message === 'EventError' ? `EventError ${reply.ErrorCode}` : reply.message }
          : {}),
        deliveredTo: delivered.get(record) ?? [],
      };
    });
}

interface Judged {
  /** One per DN of the run. */
  scenarios: ScenarioResult[];
  parties: LogParty[];
  exchanges: ExchangeSummary[];
  /** Exchanges judged, listed or not. */
  exchangeCount: number;
  kept: number;
  clients: number;
}

/**
 * The DN groups a window covers: its agent DNs, and any other DN a client of theirs sent a request
 * on (a recorder answering on a DN it never registered is the run's violation, not another's traffic).
 */
function inWindowDns(
  groups: Map<string, JournalEntry[]>,
  window: LogWindow | undefined,
): Array<[string, JournalEntry[]]> {
  const dns = window?.dns;
  if (!dns) return [...groups];
  const theirs = new Set<string | undefined>();
  for (const dn of dns) for (const e of groups.get(dn) ?? []) theirs.add(e.peerId);
  return [...groups].filter(
    ([dn, group]) => dns.includes(dn) || group.some((e) => e.direction === 'in' && theirs.has(e.peerId)),
  );
}

/** A rule judging a seat that is not certified is not applicable here: it neither fails nor passes a scenario. */
function certifiedOnly(o: RuleOutcome, scope: RuleScope): RuleOutcome {
  const def = ruleById(o.rule);
  const notApplicable = def && outOfScope(def, scope);
  return notApplicable ? { ...o, ...notApplicable } : o;
}

function scenarioOf(name: string, entries: readonly JournalEntry[], rules: RuleOutcome[]): ScenarioResult {
  const failed = rules.filter((r) => r.outcome === 'failed').map((r) => r.rule);
  const first = entries[0]?.source;
  return {
    name,
    uri: first ? `${first.file}:${first.line}` : '',
    status: failed.length ? 'failed' : 'passed',
    ...(failed.length ? { error: `${failed.join(', ')} failed` } : {}),
    rules,
  };
}

/**
 * Judges one T-Server run of the log, each DN apart (partition.ts). `cutAt`: the log ends inside
 * this run, at this time (a run that ends with the next run's start ended there: what it did not
 * do, it never did).
 */
function judgeRun(
  name: string,
  run: LogRun,
  cutAt: number | undefined,
  options: VerifyLogOptions,
  /** Exchanges that may still be listed (EXCHANGES_LISTED in all). */
  room: number,
): Judged {
  const scope = scopeOf(options);
  const entries = run.retainer.entries();
  const routes = linkDistributions(entries, run.retainer.unshown);
  const parties = identifyParties(entries, options.patterns, run.retainer.clientSessions());
  const roleOf = (e: JournalEntry) => (e.peerId === undefined ? undefined : parties.get(e.peerId)?.role);
  const facts = {
    entries: new Map(entries.map((e) => [e.seq, e])),
    unshown: run.retainer.unshown,
    unplaced: run.unplaced,
    windowMs: Math.max(options.settings.answerTimeoutMs, options.settings.requestTimeoutMs),
    ...(cutAt === undefined
      ? {}
      : { cutAt, graceMs: Math.max(options.settings.answerTimeoutMs, options.settings.requestTimeoutMs) }),
  };
  const judged: Judged = {
    scenarios: [],
    parties: [...parties.values()],
    exchanges: [],
    exchangeCount: 0,
    kept: entries.length,
    clients: run.retainer.seen,
  };
  const groups = byDn(entries, routes);
  for (const [dn, own] of inWindowDns(groups, options.window)) {
    // A DN no screen-capture message went over has nothing to judge (a busy log has thousands).
    if (!own.some((e) => captureOf(e.message) !== undefined)) continue;
    // Asked once per request by the rules: found once per DN.
    const registered = new Map<string, string[]>();
    const agents = withRegisteredDns(options.agents ?? SAME_DN_AGENTS, (d) => {
      const dns = registered.get(d) ?? desktopDns(d, own, parties);
      registered.set(d, dns);
      return dns;
    });
    const group = withVoiceCalls(dn, own, groups, agents);
    const records = toRecords(group, { parties: new Map(), otherClientsRole: roleOf });
    const ctx = createCheckContext(records, { ...options.settings, agents });
    // A client that joined before the log limits only the DNs it took part in.
    const inGroup = new Map<string, LogParty>();
    for (const e of group) {
      const party = e.peerId === undefined ? undefined : parties.get(e.peerId);
      if (party) inGroup.set(party.id, party);
    }
    const groupFacts = { ...facts, parties: inGroup };
    const rules = evaluateRules(RULE_IDS, ctx).map((o) =>
      capFindings(certifiedOnly(limitToLog(o, groupFacts), scope)),
    );
    const scenario = scenarioOf(`${name}, DN ${dn}`, group, rules);
    // The log's interruptions as the run's are read: a refusal with 54 says the link was down.
    const interruptions = interruptionsIn(ctx);
    if (interruptions.length) scenario.interruptions = interruptions;
    options.evidence?.(scenario.name, { entries: group, records, outcomes: rules, tserver: undefined });
    judged.scenarios.push(scenario);
    for (const exchange of exchangesOf(scenario.name, ctx)) {
      judged.exchangeCount++;
      if (judged.exchanges.length < room) judged.exchanges.push(exchange);
    }
  }
  return judged;
}

/** The DNs registered by the desktops that sent on `dn` (where the log shows their agent's calls). */
function desktopDns(
  dn: string,
  own: readonly JournalEntry[],
  parties: ReadonlyMap<string, LogParty>,
): string[] {
  const dns = new Set<string>();
  for (const e of own) {
    if (e.direction !== 'in' || e.message.message !== 'RequestSendEvent' || e.message.ThisDN !== dn) continue;
    const party = e.peerId === undefined ? undefined : parties.get(e.peerId);
    if (party?.role === 'desktop') for (const d of party.dns) dns.add(d);
  }
  return [...dns];
}

/** A DN's entries with the call events of its agent's other voice DNs (a desktop that is no party on the call), in log order. */
function withVoiceCalls(
  dn: string,
  own: JournalEntry[],
  groups: ReadonlyMap<string, JournalEntry[]>,
  agents: AgentModel | undefined,
): JournalEntry[] {
  const others = (agents?.voiceDnsOf(dn) ?? []).filter((d) => d !== dn);
  if (others.length === 0) return own;
  const calls = others.flatMap((d) =>
    (groups.get(d) ?? []).filter((e) => CALL_EVENT_NAMES.has(e.message.message)),
  );
  return [...own, ...calls].sort((a, b) => a.seq - b.seq);
}

/** One T-Server run of the log, as it is read. */
interface LogRun {
  retainer: Retainer;
  messages: number;
  /** Lines of this run that may hold a message the rules need and could not be placed. */
  unplaced: Skip[];
}

export async function verifyLog(
  paths: readonly string[],
  options: VerifyLogOptions,
): Promise<LogVerification> {
  const lastFile = paths.at(-1);
  const judged: Judged[] = [];
  const selection = new Selection();
  const newRun = (): LogRun => ({
    retainer: new Retainer(selection, options.agents),
    messages: 0,
    unplaced: [],
  });
  let run = newRun();
  const endRun = (cutAt?: number) => {
    if (run.messages === 0) return;
    const listed = judged.reduce((n, j) => n + j.exchanges.length, 0);
    judged.push(
      judgeRun(`T-Server run ${judged.length + 1}`, run, cutAt, options, EXCHANGES_LISTED - listed),
    );
    run = newRun();
  };
  const skips: Skip[] = [];
  let skipped = 0;
  const clockSteps: LogSource['clockSteps'] = { count: 0, first: [] };
  let unplaced = 0;
  let messages = 0;
  /** The files T-Lib messages were read from: a file with none is not a SIP Server log. */
  const withMessages = new Set<string>();
  let first: number | undefined;
  let last = 0;
  const files = await parseLogFiles(paths, {
    select: (name) => selection.select(name),
    message: (m) => {
      if (!withMessages.has(m.source.file)) withMessages.add(m.source.file);
      // Asked only with a window: a log holds millions of messages.
      if (options.window && !inWindow(options.window, m.micros, isSessionMessage(m))) return;
      messages++;
      run.messages++;
      first ??= m.micros;
      last = m.micros;
      run.retainer.add(m);
    },
    skip: (s) => {
      if (skipped++ < SKIPS_KEPT) skips.push(s);
      // A message cut off by the end of the log is its end (limits.ts), not a line out of place.
      const needed = s.name === undefined || selection.retains(s.name);
      if (!needed || s.endOfFile === lastFile) return;
      if (
        s.micros !== undefined &&
        options.window &&
        !inWindow(options.window, s.micros, SESSION_MESSAGES.has(s.name ?? ''))
      )
        return;
      unplaced++;
      if (run.unplaced.length < SKIPS_KEPT) run.unplaced.push(s);
    },
    started: () => endRun(),
    clockStep: (step) => {
      if (clockSteps.count++ < SKIPS_KEPT)
        clockSteps.first.push({ source: step.source, backMs: (step.from - step.to) / 1000 });
    },
  });
  endRun(last);
  const notALog = paths.find((p) => !withMessages.has(p));
  if (notALog !== undefined)
    throw new CannotRunError(`not a SIP Server log: no T-Lib message found in ${notALog}`);

  const server = files.find((f) => f.server)?.server;
  const scenarios = judged.flatMap((j) => j.scenarios);
  const exchanges = judged.flatMap((j) => j.exchanges);
  const exchangeCount = judged.reduce((n, j) => n + j.exchangeCount, 0);
  const reasons: string[] = [];
  if (exchangeCount === 0)
    reasons.push('the log holds no screen-capture exchange (no RequestSendEvent carrying screen-capture)');
  const rules = summarizeRules(scenarios, scopeOf(options));
  const { verdict, reasons: why } = verdictOf({ scenarios, rules, failures: reasons });
  return {
    verdict,
    reasons: why,
    complete: true,
    scenarios,
    rules,
    source: {
      kind: 'SIP Server log',
      files,
      ...(server ? { server } : {}),
      ...(first === undefined ? {} : { from: fullTime(first), to: fullTime(last) }),
      messages,
      kept: judged.reduce((n, j) => n + j.kept, 0),
      clients: judged.reduce((n, j) => n + j.clients, 0),
      exchanges: exchangeCount,
      skipped: { count: skipped, first: skips },
      clockSteps,
      unplaced,
    },
    parties: judged.flatMap((j, i) => j.parties.map((p) => ({ ...p, run: `T-Server run ${i + 1}` }))),
    exchanges,
  };
}
