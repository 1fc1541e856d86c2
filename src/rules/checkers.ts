/**
 * One checker per rule of catalog.ts. A checker looks at the exchanges and returns how many
 * instances it judged and a finding for each violation: which field should be what, what it was,
 * and the offending message.
 */
import type { RuleId } from '../domain/rule-catalog.ts';
import {
  expectedIndication,
  type Indication,
  type IndicationMapping,
  isIndication,
  isOperation,
  OPERATIONS,
  type Operation,
} from '../domain/screencap.ts';
import { DISCONNECTED, isPseudo, RESTARTED, summarize, UNREADABLE_LINE } from '../journal.ts';
import type { FieldFinding } from '../result/outcomes.ts';
import { decodeRequest, isRequestName, problemText, referenceIdProblem, show } from '../tlib/codec.ts';
import { sameValue } from '../tlib/depth.ts';
import { describeErrorCode, TErr } from '../tlib/errors.ts';
import { MAX_LINE_BYTES } from '../tlib/framing.ts';
import { REPLY_NAMES } from '../tlib/messages.ts';
import {
  type Answer,
  type AnswerPairing,
  analyseDeliveries,
  captureOf,
  type DeliveryAnalysis,
  Exchanges,
  pairAnswers,
  type SentRequest,
  tevent,
} from './exchanges.ts';
import type { WireRecord } from './observations.ts';
import { linkDownEpisodes, recoveryEpisodes } from './recovery.ts';
import {
  type AgentCall,
  type AgentModel,
  CallHistory,
  SAME_DN_AGENTS,
  voiceCallConnIds,
} from './voice-calls.ts';

export interface Finding {
  /** `Event.ConnID should be "006b02a6c5a1e001", was absent` */
  text: string;
  /** The offending message, when there is one. */
  record?: WireRecord;
  /** It finds something missing, which later evidence could still show (a log that ends soon after). */
  missing?: true;
  field?: FieldFinding;
}

/**
 * What a checker found: instances judged and violations; or that this evidence cannot show the rule
 * (`notObservable`: say which evidence would); or that its condition never arose (`notApplicable`).
 */
export type CheckResult =
  | { checked: number; findings: Finding[] }
  | { notObservable: string }
  | { notApplicable: string };

export interface CheckContext {
  exchanges: Exchanges;
  mapping: IndicationMapping;
  initialState: Indication;
  answerTimeoutMs: number;
  /** Where each agent's calls are, and which is its voice call (DESK-CONNID). */
  agents: AgentModel;
  /** Time allowed to reconnect and re-register after a drop (REC-RECOVERS, DESK-RECOVERS). */
  recoverMs: number;
  /** Time allowed for a reply (TSRV-REPLY); undefined: not judged. */
  requestTimeoutMs?: number;
  /** Acknowledged sends allowed of an operation refused with 54 once the link is back (DESK-NO-RESEND). */
  sendsAfterLinkDown: number;
  /** Lazily shared between checkers. */
  deliveries(): DeliveryAnalysis;
  answers(): Answer[];
  calls(): CallHistory;
  /** Indications sent when no operation on their DN awaited one. */
  extraIndications(): AnswerPairing['extras'];
}

export function createCheckContext(
  records: readonly WireRecord[],
  options: {
    mapping: IndicationMapping;
    initialState: Indication;
    answerTimeoutMs: number;
    agents?: AgentModel;
    recoverMs?: number;
    requestTimeoutMs?: number;
    sendsAfterLinkDown?: number;
  },
): CheckContext {
  const exchanges = new Exchanges(records);
  let deliveries: DeliveryAnalysis | undefined;
  let calls: CallHistory | undefined;
  let pairing: AnswerPairing | undefined;
  const paired = () => (pairing ??= pairAnswers(exchanges, options.initialState));
  return {
    exchanges,
    ...options,
    agents: options.agents ?? SAME_DN_AGENTS,
    recoverMs: options.recoverMs ?? DEFAULT_RECOVER_MS,
    sendsAfterLinkDown: options.sendsAfterLinkDown ?? DEFAULT_SENDS_AFTER_LINK_DOWN,
    deliveries: () => (deliveries ??= analyseDeliveries(exchanges)),
    answers: () => paired().answers,
    extraIndications: () => paired().extras,
    calls: () => (calls ??= new CallHistory(records)),
  };
}

export const DEFAULT_RECOVER_MS = 10_000;
export const DEFAULT_SENDS_AFTER_LINK_DOWN = 1;

/** `"7001"`, or `absent`: any value a party sent, as short JSON (codec's show). */
function shown(value: unknown): string {
  return value === undefined ? 'absent' : show(value);
}

function where(record: WireRecord): string {
  return `in ${summarize(record.entry)}`;
}

function fieldFinding(record: WireRecord, field: string, expected: string, actual: unknown): Finding {
  const found = shown(actual);
  return {
    text: `${field} should be ${expected}, was ${found} ${where(record)}`,
    record,
    field: { name: field, expected, found },
  };
}

/** Why a seat's own requests cannot be judged here, and which evidence would show them. */
function notObserved(role: 'desktop' | 'recorder'): string {
  return `the ${role}'s own requests are not visible in this evidence (behind an external T-Server or the Workspace API the harness sees only its own parties): add the T-Server's view, e.g. the SIP Server log of the same period (verify-log LOG --run RUN)`;
}

/** Judges each request of a role; not observable when the role's requests are not observed. */
function eachRequestOf(
  ctx: CheckContext,
  role: 'desktop' | 'recorder',
  select: (r: SentRequest) => boolean,
  judge: (r: SentRequest) => Finding | undefined,
): CheckResult {
  if (!ctx.exchanges.clients.some((c) => ctx.exchanges.roleOf(c) === role)) {
    return { notObservable: notObserved(role) };
  }
  const requests = ctx.exchanges.sendEvents((r) => r.record.role === role && select(r));
  const findings = requests.map(judge).filter((f): f is Finding => f !== undefined);
  return { checked: requests.length, findings };
}

const isOperationRequest = (r: SentRequest) =>
  isOperation(captureOf(r.record.message)) || r.record.role === 'desktop';
const isIndicationRequest = (r: SentRequest) => !isOperation(captureOf(r.record.message));

function registeredCheck(role: 'desktop' | 'recorder') {
  return (ctx: CheckContext): CheckResult =>
    eachRequestOf(
      ctx,
      role,
      () => true,
      (r) => {
        const dn = r.record.message.ThisDN;
        if (ctx.exchanges.monitoring(r.record.client, dn, r.record)) return undefined;
        const dns = ctx.exchanges.monitoredDns(r.record.client, r.record);
        return fieldFinding(
          r.record,
          'ThisDN',
          `a DN the ${role} registered (${dns.length ? dns.join(', ') : 'it registered none'})`,
          dn,
        );
      },
    );
}

function theventThisDn(role: 'desktop' | 'recorder') {
  return (ctx: CheckContext): CheckResult =>
    eachRequestOf(ctx, role, role === 'desktop' ? isOperationRequest : isIndicationRequest, (r) => {
      const t = tevent(r.record.message);
      return t?.ThisDN === r.record.message.ThisDN
        ? undefined
        : fieldFinding(r.record, 'Event.ThisDN', `${shown(r.record.message.ThisDN)} (AttrThisDN)`, t?.ThisDN);
    });
}

function teventType(role: 'desktop' | 'recorder') {
  return (ctx: CheckContext): CheckResult =>
    eachRequestOf(ctx, role, role === 'desktop' ? isOperationRequest : isIndicationRequest, (r) => {
      const t = tevent(r.record.message);
      return t?.message === 'EventUserEvent'
        ? undefined
        : fieldFinding(r.record, 'Event.message', '"EventUserEvent"', t?.message);
    });
}

/** Requests that, per the T-Server's replies, were never acknowledged or refused: judged by deliveries. */
function deliveryFindings(
  ctx: CheckContext,
  include: (request: SentRequest, recipientRole: string | undefined) => boolean,
): Finding[] {
  const { expected } = ctx.deliveries();
  const findings: Finding[] = [];
  for (const d of expected) {
    if (d.event || !include(d.request, ctx.exchanges.roleOf(d.recipient))) continue;
    findings.push({
      text: `${d.recipient} monitored ${shown(d.request.record.message.ThisDN)} and should have received the EventUserEvent of ${summarize(d.request.record.entry)}, received none`,
      record: d.request.record,
      missing: true,
    });
  }
  return findings;
}

function preservedFindings(
  ctx: CheckContext,
  include: (request: SentRequest, recipientRole: string | undefined) => boolean,
): { checked: number; findings: Finding[] } {
  const findings: Finding[] = [];
  let checked = 0;
  for (const d of ctx.deliveries().expected) {
    if (!d.event || !include(d.request, ctx.exchanges.roleOf(d.recipient))) continue;
    checked++;
    const t = tevent(d.request.record.message) ?? {};
    const got = d.event.message;
    for (const field of ['ThisDN', 'ConnID', 'UserData'] as const) {
      if (!sameValue(got[field], t[field])) {
        findings.push(
          fieldFinding(
            d.event,
            field,
            `${shown(t[field])} as in ${summarize(d.request.record.entry)}`,
            got[field],
          ),
        );
      }
    }
  }
  return { checked, findings };
}

/** What `connId` is, when it is not the agent's voice call: the finding's last words. */
function connIdIdentity(
  ctx: CheckContext,
  connId: unknown,
  calls: readonly AgentCall[],
  voiceDns: readonly string[],
): string {
  if (connId === undefined) return 'absent';
  if (typeof connId !== 'string') return `${shown(connId)}, which is no ConnID (a string)`;
  const mine = calls.find((c) => c.connId === connId);
  if (mine) return `${shown(connId)}, the ${mine.state} call on DN ${mine.dn}`;
  const known = ctx.calls().connIds.get(connId);
  if (!known) return `${shown(connId)}, a ConnID no call event in this evidence names`;
  if (!voiceDns.includes(known.dn))
    return `${shown(connId)}, a call on DN ${known.dn}, which is not one of the agent's voice DNs (${voiceDns.join(', ') || 'none: ThisDN names no DN'})`;
  if (known.ended === 'EventPartyChanged')
    return `${shown(connId)}, the previous ConnID of the call that went on as ${shown(known.becomes)} (EventPartyChanged)`;
  if (known.ended === undefined)
    return `${shown(connId)}, a call on DN ${known.dn} the T-Server did not report again once the connection was back (it did not survive)`;
  return `${shown(connId)}, a call on DN ${known.dn} that was released`;
}

/** DESK-CONNID for one operation: the agent's voice call's ConnID, or none without a call. */
function connIdFinding(ctx: CheckContext, record: WireRecord): Finding | undefined {
  const dn = record.message.ThisDN;
  // A ThisDN that is no string names no agent, and so no call.
  const voiceDns = typeof dn === 'string' ? ctx.agents.voiceDnsOf(dn) : [];
  const calls = ctx.calls().callsAt(voiceDns, record);
  const expected = voiceCallConnIds(calls, ctx.agents.voiceCall);
  const connId = tevent(record.message)?.ConnID;
  if (expected.length === 0 ? connId === undefined : expected.includes(connId as string)) return undefined;
  const on =
    typeof dn === 'string'
      ? `DN${voiceDns.length > 1 ? 's' : ''} ${voiceDns.join(', ')}`
      : `DN (ThisDN ${shown(dn)})`;
  const voice = calls.find((c) => c.connId === expected.at(-1));
  const reading =
    calls.length > 1
      ? `; of its ${calls.length} calls, agents.voiceCall = ${ctx.agents.voiceCall} reads`
      : '';
  const should =
    expected.length === 0
      ? `absent (no call on the agent's ${on})`
      : `${expected.map(shown).join(' or ')} (the ${ctx.agents.voiceCall === 'either' ? "agent's" : voice?.state} call on the agent's ${on}${reading})`;
  return {
    text: `Event.ConnID should be ${should}, was ${connIdIdentity(ctx, connId, calls, voiceDns)} ${where(record)}`,
    record,
  };
}

/**
 * Each party of `role` whose connection dropped (a disconnection in the evidence) must, within
 * `recoverMs`, do each step of its recovery (recovery.ts); a desktop's next operation must carry
 * the ConnID of the call still established as it was told on re-registering (or none).
 */
function recoveryCheck(role: 'desktop' | 'recorder') {
  return (ctx: CheckContext): CheckResult => {
    // No such party here (a SIP Server log's T-Server run without one): nothing of it dropped. A
    // party the harness cannot see never meets these rules: their scenarios need the simulator.
    const episodes = recoveryEpisodes(ctx.exchanges, role, () => ctx.answers());
    const findings: Finding[] = [];
    for (const { who, drop, after, steps } of episodes) {
      const interrupted = `${who} ${isPseudo(drop.entry, RESTARTED) ? 'was restarted' : 'lost its connection'} ${where(drop)}`;
      for (const step of steps) {
        const got = step.record;
        if (!step.timed) {
          if (!got)
            findings.push({
              text: `${who} should ${step.what}, sent no indication`,
              record: step.about ?? drop,
              missing: true,
            });
          continue;
        }
        if (got && got.entry.micros - drop.entry.micros <= ctx.recoverMs * 1000) continue;
        findings.push({
          text: `${interrupted} and should ${step.what} within ${ctx.recoverMs} ms, ${got ? `did after ${((got.entry.micros - drop.entry.micros) / 1000).toFixed(0)} ms` : 'did not'}`,
          record: got ?? drop,
          ...(got ? {} : { missing: true as const }),
        });
      }
      if (role !== 'desktop') continue;
      const operation = after.find((r) => r.sent && r.message.message === 'RequestSendEvent');
      const wrong = operation && connIdFinding(ctx, operation);
      if (wrong)
        findings.push({
          ...wrong,
          text: `${who}'s first operation after recovering from the drop ${where(drop)} should carry the ConnID of the call still established, or none: ${wrong.text}`,
        });
    }
    if (episodes.length === 0)
      return {
        notApplicable: `no connection of the ${role} was dropped, nor was it restarted, in this evidence (a SIP Server log does not say which disconnections were drops rather than the client leaving), so it had nothing to recover from`,
      };
    return { checked: episodes.length, findings };
  };
}

/**
 * DESK-NO-RESEND: after an operation is refused with TERR_NO_SWITCH (the link to the switch is
 * down), the same operation on the same DN is acknowledged at most `sendsAfterLinkDown` times
 * before the desktop sends another operation there (recovery.ts reads the episodes).
 */
function noResendCheck(ctx: CheckContext): CheckResult {
  const ex = ctx.exchanges;
  if (!ex.clients.some((c) => ex.roleOf(c) === 'desktop')) return { notObservable: notObserved('desktop') };
  const episodes = linkDownEpisodes(ex);
  const findings: Finding[] = [];
  for (const { refused, retries } of episodes) {
    const operation = captureOf(refused.record.message);
    const dn = refused.record.message.ThisDN;
    let acknowledged = 0;
    for (const r of retries) {
      if (!r.ack || ++acknowledged <= ctx.sendsAfterLinkDown) continue;
      findings.push({
        text: `${shown(operation)} on ${shown(dn)}, refused ${where(refused.error ?? refused.record)} (the link to the switch was down), should be acknowledged at most ${ctx.sendsAfterLinkDown} time(s) once the link is back (desktop.sendsAfterLinkDown), was sent again: acknowledgement ${acknowledged} ${where(r.ack)}`,
        record: r.record,
      });
    }
  }
  if (episodes.length === 0)
    return {
      notApplicable:
        'no operation of the desktop was refused because the link to the switch was down (EventError 54) in this evidence',
    };
  return { checked: episodes.length, findings };
}

interface ExpectedRefusal {
  codes: number[];
  why: string;
  /** The reply carries the request's ReferenceID (else it is the next EventError without one). */
  byReference: boolean;
  /** The T-Server closes the connection after it. */
  closes?: true;
}

/**
 * The EventError a client's message calls for, whoever the T-Server is, when its own content
 * decides it (not the T-Server's state: a fault, a DN list, registrations).
 */
function expectedRefusal(r: WireRecord): ExpectedRefusal | undefined {
  const m = r.message;
  if (isPseudo(r.entry, UNREADABLE_LINE)) {
    const length = m.Length;
    const codes =
      typeof length !== 'number'
        ? [TErr.MSG_TYPE, TErr.BAD_MSG_LENGTH]
        : length > MAX_LINE_BYTES
          ? [TErr.BAD_MSG_LENGTH]
          : [TErr.MSG_TYPE];
    return {
      codes,
      why: `a line that is no message${r.entry.problem ? ` (${r.entry.problem})` : ''}`,
      byReference: false,
      closes: true,
    };
  }
  if (!m.message.startsWith('Request')) return undefined;
  const byReference = referenceIdProblem(m.ReferenceID) === undefined;
  if (!isRequestName(m.message)) return { codes: [TErr.UNSUP_OPER], why: 'an unknown request', byReference };
  const decoded = decodeRequest(m);
  if (decoded.ok) return undefined;
  // What the Tevent says is the rules' to judge, not the T-Server's (spec: it does not check it).
  if (decoded.problem.attribute === 'Event.message' || decoded.problem.attribute === 'Event.ThisDN')
    return undefined;
  return { codes: [decoded.problem.code], why: problemText(decoded.problem), byReference };
}

/** Refusals that say the DN (or the client) was not registered, or that the DN is unknown. */
const NOT_REGISTERED_CODES: ReadonlySet<number> = new Set([
  TErr.NOT_REGISTERED,
  TErr.NOT_CONFIGURED,
  TErr.MUST_REGISTER,
]);

const fromRole = (role: string) => (r: SentRequest) => r.record.role === role;

export const CHECKERS: Record<RuleId, (ctx: CheckContext) => CheckResult> = {
  'DESK-REGISTERED': registeredCheck('desktop'),
  'DESK-THISDN': theventThisDn('desktop'),
  'DESK-MSGTYPE': teventType('desktop'),
  'DESK-CONNID': (ctx) =>
    eachRequestOf(ctx, 'desktop', isOperationRequest, (r) => connIdFinding(ctx, r.record)),
  'DESK-OPERATION': (ctx) =>
    eachRequestOf(
      ctx,
      'desktop',
      () => true,
      (r) => {
        const value = captureOf(r.record.message);
        return isOperation(value)
          ? undefined
          : fieldFinding(r.record, 'Event.UserData screen-capture', `one of ${OPERATIONS.join(', ')}`, value);
      },
    ),
  'TSRV-REPLY': (ctx) => {
    // A request without a valid ReferenceID has none to echo: its EventError cannot name it.
    const requests = ctx.exchanges.sendEvents((r) => referenceIdProblem(r.referenceId) === undefined);
    const findings: Finding[] = requests
      .filter((r) => r.replies.length !== 1)
      .map((r) => ({
        text: `${summarize(r.record.entry)} should be answered by one EventACK or EventError with ReferenceID ${shown(r.referenceId)}, was answered by ${r.replies.length === 0 ? 'none' : r.replies.map((x) => x.message.message).join(' and ')}`,
        record: r.record,
        ...(r.replies.length === 0 ? { missing: true as const } : {}),
      }));
    const allowedMs = ctx.requestTimeoutMs;
    for (const r of requests) {
      const reply = r.replies.length === 1 ? r.replies[0] : undefined;
      if (!reply || allowedMs === undefined) continue;
      const ms = (reply.entry.micros - r.record.entry.micros) / 1000;
      if (ms > allowedMs)
        findings.push({
          text: `the reply to ${summarize(r.record.entry)} should come within ${allowedMs} ms, came after ${ms.toFixed(1)} ms ${where(reply)}`,
          record: reply,
        });
    }
    for (const stray of ctx.exchanges.strayReplies) {
      findings.push({
        text: `ReferenceID should be one of a request awaiting its reply, was ${shown(stray.message.ReferenceID)} ${where(stray)}`,
        record: stray,
      });
    }
    return { checked: requests.length, findings };
  },
  'TSRV-REFUSED-NOT-DELIVERED': (ctx) => {
    const refused = ctx.exchanges.sendEvents((r) => r.error !== undefined);
    if (refused.length === 0)
      return {
        notApplicable: 'nothing was refused in this evidence, so no refused request could be delivered',
      };
    const findings = ctx
      .deliveries()
      .unexpected.filter((u) => u.refused)
      .map((u) => ({
        text: `nothing should be delivered for ${summarize((u.refused as SentRequest).record.entry)}, which was refused with ${summarize((u.refused as SentRequest).error?.entry ?? u.event.entry)}; ${u.event.client} received ${summarize(u.event.entry)}`,
        record: u.event,
      }));
    return { checked: refused.length, findings };
  },
  'TSRV-ERROR-CODE': (ctx) => {
    const findings: Finding[] = [];
    let checked = 0;
    for (const client of ctx.exchanges.clients) {
      const records = ctx.exchanges.recordsOf(client);
      records.forEach((r, i) => {
        const expected = r.sent ? expectedRefusal(r) : undefined;
        if (!expected) return;
        checked++;
        const later = records.slice(i + 1).filter((x) => !x.sent);
        const reply = later.find((x) =>
          expected.byReference
            ? REPLY_NAMES.has(x.message.message) && x.message.ReferenceID === r.message.ReferenceID
            : x.message.message === 'EventError' && x.message.ReferenceID === undefined,
        );
        const codes = expected.codes.map(describeErrorCode).join(' or ');
        const what = `${codes} (${expected.why}: ${summarize(r.entry)})`;
        if (!reply) {
          findings.push({
            text: `${summarize(r.entry)} should be answered by EventError ${codes} (${expected.why}), was answered by none`,
            record: r,
            missing: true,
          });
          return;
        }
        const code = reply.message.ErrorCode;
        if (reply.message.message !== 'EventError' || !expected.codes.includes(code as number)) {
          findings.push(
            fieldFinding(
              reply,
              'ErrorCode',
              what,
              reply.message.message === 'EventError' ? code : reply.message.message,
            ),
          );
          return;
        }
        if (typeof reply.message.ErrorMessage !== 'string' || reply.message.ErrorMessage === '')
          findings.push(
            fieldFinding(
              reply,
              'ErrorMessage',
              `a text naming what was wrong in ${summarize(r.entry)}`,
              reply.message.ErrorMessage,
            ),
          );
        if (expected.closes && !later.some((x) => isPseudo(x.entry, DISCONNECTED)))
          findings.push({
            text: `the T-Server should close the connection after ${summarize(reply.entry)} (a line it cannot read), kept it open`,
            record: reply,
            missing: true,
          });
      });
    }
    if (checked === 0)
      return {
        notApplicable:
          'no client sent a line or request that calls for a particular EventError (unreadable, unknown, invalid) in this evidence',
      };
    return { checked, findings };
  },
  'TSRV-REFUSES-UNREGISTERED': (ctx) => {
    const ex = ctx.exchanges;
    const judged = ex.sendEvents(
      (r) =>
        r.replies.length > 0 &&
        referenceIdProblem(r.referenceId) === undefined &&
        !ex.monitoring(r.record.client, r.record.message.ThisDN, r.record),
    );
    const findings: Finding[] = [];
    for (const r of judged) {
      const request = `${summarize(r.record.entry)}, on a DN ${r.record.client} had not registered,`;
      if (r.ack) {
        const delivered = ctx
          .deliveries()
          .expected.filter((d) => d.request === r && d.event)
          .map((d) => summarize((d.event as WireRecord).entry));
        findings.push({
          text: `${request} should be refused with EventError ${describeErrorCode(TErr.NOT_REGISTERED)}, was acknowledged by ${summarize(r.ack.entry)}${delivered.length ? ` and delivered: ${delivered.join('; ')}` : ''}`,
          record: r.ack,
        });
      } else if (r.error && !NOT_REGISTERED_CODES.has(r.error.message.ErrorCode as number)) {
        findings.push(
          fieldFinding(
            r.error,
            'ErrorCode',
            `${describeErrorCode(TErr.NOT_REGISTERED)} (${request.slice(0, -1)})`,
            r.error.message.ErrorCode,
          ),
        );
      }
    }
    if (judged.length === 0)
      return {
        notApplicable: 'no client sent a RequestSendEvent on a DN it had not registered in this evidence',
      };
    return { checked: judged.length, findings };
  },
  'TSRV-DELIVERY': (ctx) => {
    const { expected, unexpected } = ctx.deliveries();
    const findings = deliveryFindings(ctx, () => true);
    for (const u of unexpected) {
      if (u.refused) continue;
      findings.push({
        text: `${u.event.client} should receive only events of DNs it monitors (${ctx.exchanges.monitoredDns(u.event.client, u.event).join(', ') || 'none'}), once each; it received ${summarize(u.event.entry)}, which no acknowledged request accounts for`,
        record: u.event,
      });
    }
    return { checked: expected.length, findings };
  },
  'TSRV-PRESERVE': (ctx) => preservedFindings(ctx, (r) => isOperation(captureOf(r.record.message))),
  'REC-REGISTERED': registeredCheck('recorder'),
  'REC-THISDN': theventThisDn('recorder'),
  'REC-MSGTYPE': teventType('recorder'),
  'REC-CONNID': (ctx) => {
    const answered = ctx.answers().filter((a) => a.indication && a.recorder !== '(not observed)');
    if (!ctx.exchanges.clients.some((c) => ctx.exchanges.roleOf(c) === 'recorder')) {
      return { notObservable: notObserved('recorder') };
    }
    const findings: Finding[] = [];
    for (const a of answered) {
      const indication = a.indication as WireRecord;
      const expected = a.operationRecord.message.ConnID;
      const actual = tevent(indication.message)?.ConnID;
      if (actual !== expected) {
        findings.push(
          fieldFinding(
            indication,
            'Event.ConnID',
            `${shown(expected)} (the ConnID of the ${a.operation} it answers)`,
            actual,
          ),
        );
      }
    }
    return { checked: answered.length, findings };
  },
  'REC-INDICATION': (ctx) =>
    eachRequestOf(ctx, 'recorder', isIndicationRequest, (r) => {
      const value = captureOf(r.record.message);
      return isIndication(value)
        ? undefined
        : fieldFinding(r.record, 'Event.UserData screen-capture', 'one of enabled, disabled, paused', value);
    }),
  'REC-ANSWER': (ctx) => {
    const answers = ctx.answers();
    const findings: Finding[] = [];
    for (const a of answers) {
      if (!a.indication) {
        findings.push({
          text: `an indication on ${shown(a.dn)} should answer ${a.operation} within ${ctx.answerTimeoutMs} ms, none was sent (operation: ${summarize(a.operationRecord.entry)})`,
          record: a.operationRecord,
          missing: true,
        });
        continue;
      }
      const ms = (a.indication.entry.micros - a.operationRecord.entry.micros) / 1000;
      if (ms > ctx.answerTimeoutMs) {
        findings.push({
          text: `the indication answering ${a.operation} on ${shown(a.dn)} should come within ${ctx.answerTimeoutMs} ms, came after ${ms.toFixed(1)} ms ${where(a.indication)}`,
          record: a.indication,
        });
      }
    }
    for (const extra of ctx.extraIndications()) {
      const answered = extra.previous
        ? `${extra.previous.operation} (${summarize(extra.previous.operationRecord.entry)}) was already answered by ${summarize((extra.previous.indication as WireRecord).entry)}`
        : 'no operation had been received on it';
      findings.push({
        text: `each operation on ${shown(extra.dn)} should be answered by one indication; ${summarize(extra.indication.entry)} answers none: ${answered}`,
        record: extra.indication,
      });
    }
    return { checked: answers.length + ctx.extraIndications().length, findings };
  },
  'REC-MAPPING': (ctx) => {
    const answered = ctx.answers().filter((a) => a.indication && a.operation !== 'query');
    const findings: Finding[] = [];
    for (const a of answered) {
      const expected = expectedIndication(ctx.mapping, a.operation as Operation, a.stateBefore);
      const actual = captureOf((a.indication as WireRecord).message);
      if (actual !== expected) {
        findings.push(
          fieldFinding(
            a.indication as WireRecord,
            'screen-capture',
            `${shown(expected)} (the configured answer to ${a.operation})`,
            actual,
          ),
        );
      }
    }
    return { checked: answered.length, findings };
  },
  'REC-QUERY-UNCHANGED': (ctx) => {
    const queries = ctx.answers().filter((a) => a.indication && a.operation === 'query');
    const findings: Finding[] = [];
    for (const a of queries) {
      const expected = expectedIndication(ctx.mapping, 'query', a.stateBefore);
      const actual = captureOf((a.indication as WireRecord).message);
      if (actual !== expected) {
        findings.push(
          fieldFinding(
            a.indication as WireRecord,
            'screen-capture',
            ctx.mapping.query === 'current'
              ? `${shown(expected)} (the state before the query, which query does not change)`
              : `${shown(expected)} (the configured answer to query)`,
            actual,
          ),
        );
      }
    }
    return { checked: queries.length, findings };
  },
  'DESK-RECEIVES-INDICATION': (ctx) => {
    const toDesktop = (r: SentRequest, recipientRole: string | undefined) =>
      isIndicationRequest(r) && fromRole('recorder')(r) && recipientRole === 'desktop';
    const missing = deliveryFindings(ctx, toDesktop);
    const preserved = preservedFindings(ctx, toDesktop);
    return { checked: preserved.checked + missing.length, findings: [...missing, ...preserved.findings] };
  },
  'REC-RECOVERS': recoveryCheck('recorder'),
  'DESK-RECOVERS': recoveryCheck('desktop'),
  'DESK-NO-RESEND': noResendCheck,
};
