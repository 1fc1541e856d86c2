/**
 * What a SIP Server log cannot show, and what that does to each rule's outcome. The checkers judge
 * a log's records exactly as a live run's; this then takes back what the log could not show, so a
 * rule is *not observable* with the reason, never passed on a guess nor failed on a gap:
 * - `tevent`: RequestSendEvent is printed flat (attributes.ts). With one `AttributeThisDN` line, and
 *   no delivered event showing the Tevent as given (distributions.ts), the Tevent's thisDN is
 *   AttrThisDN by construction, so DESK-THISDN/REC-THISDN would pass vacuously; without
 *   `AttributeUserEvent` (and no delivery) the messageType is not shown (DESK-MSGTYPE/REC-MSGTYPE).
 * - `session`: a client that registered before the log begins: which DNs it monitored, which calls
 *   it knew of, the recorder's state and replies to earlier requests are not in the log.
 * - the end of the log: a reply, delivery or indication missing within the allowed time before
 *   the log ends may have come after it. (A T-Server run that ends with the next one's start
 *   ended there: what it did not do, it never did.)
 * - a message with attribute lines that could not be read (the entry's `problem`).
 * - a line that could not be placed (its skip): any finding near it in time, or about its client
 *   after it, may be its doing.
 */

import { type RuleId, ruleById } from '../domain/rule-catalog.ts';
import type { JournalEntry, SourceRef } from '../journal.ts';
import type { RuleFinding, RuleOutcome } from '../result/outcomes.ts';
import type { TeventField } from '../sipserver-log/attributes.ts';
import type { Skip } from '../sipserver-log/parser.ts';
import type { LogParty } from './parties.ts';

interface LogNeeds {
  /** A Tevent field the rule judges, which a flat RequestSendEvent may not show. */
  tevent?: TeventField;
  /** The rule needs each client's session from its registration (monitoring, calls, state, replies). */
  session?: true;
  /** The rule finds things missing, which may come after the log ends. */
  missing?: true;
}

export const LOG_NEEDS: Readonly<Record<RuleId, LogNeeds>> = {
  'DESK-REGISTERED': { session: true },
  'DESK-THISDN': { tevent: 'Event.ThisDN' },
  'DESK-MSGTYPE': { tevent: 'Event.message' },
  'DESK-CONNID': { session: true },
  'DESK-OPERATION': {},
  'TSRV-REPLY': { session: true, missing: true },
  'TSRV-ERROR-CODE': { missing: true },
  'TSRV-REFUSED-NOT-DELIVERED': { session: true },
  'TSRV-REFUSES-UNREGISTERED': { session: true },
  'TSRV-DELIVERY': { session: true, missing: true },
  'TSRV-PRESERVE': { session: true },
  'REC-REGISTERED': { session: true },
  'REC-THISDN': { tevent: 'Event.ThisDN' },
  'REC-MSGTYPE': { tevent: 'Event.message' },
  'REC-CONNID': { session: true },
  'REC-INDICATION': {},
  'REC-ANSWER': { session: true, missing: true },
  'REC-MAPPING': { session: true },
  'REC-QUERY-UNCHANGED': { session: true },
  'DESK-RECEIVES-INDICATION': { session: true, missing: true },
  'REC-RECOVERS': { session: true, missing: true },
  'DESK-RECOVERS': { session: true, missing: true },
  // Each refusal and the sends after it are all in the log; a send after its end is no finding.
  'DESK-NO-RESEND': {},
};

const TEVENT_REASON: Record<TeventField, string> = {
  'Event.ThisDN':
    'the log prints RequestSendEvent flat with one AttributeThisDN and shows no delivery of its Tevent, so the Tevent’s thisDN cannot be told from AttrThisDN',
  'Event.message':
    'the log prints RequestSendEvent without AttributeUserEvent (the Tevent’s messageType) and shows no delivery of its Tevent',
};

export interface LogFacts {
  /** Kept entries by seq. */
  entries: ReadonlyMap<number, JournalEntry>;
  /** Tevent fields not shown, by RequestSendEvent entry seq. */
  unshown: ReadonlyMap<number, readonly TeventField[]>;
  parties: ReadonlyMap<string, LogParty>;
  /** Lines of this T-Server run that may hold a message the rules need and could not be placed. */
  unplaced?: readonly Skip[];
  /** How far from an unplaced line a finding may be its doing (ms): the longest time the rules allow. */
  windowMs?: number;
  /** Set when the log ends inside the T-Server run: the time of its last message (epoch µs)... */
  cutAt?: number;
  /** ...and how long before it a missing message may still have come (ms). */
  graceMs?: number;
}

function where(source: SourceRef | undefined): string {
  return source ? `${source.file}:${source.line}` : 'the log';
}

function notObservable(outcome: RuleOutcome, reason: string): RuleOutcome {
  return { ...outcome, outcome: 'not-observable', reason, checked: 0, findings: [] };
}

/**
 * Why the log cannot show what made this finding, if it cannot. Only an absence can wait for more
 * log: a message that was sent, delivered or answered wrongly is a violation whatever comes later.
 */
function blindSpot(needs: LogNeeds, finding: RuleFinding, facts: LogFacts): string | undefined {
  const seq = finding.journalSeq;
  const entry = seq === undefined ? undefined : facts.entries.get(seq);
  if (entry?.problem) return `the log's lines for it could not all be read (${entry.problem})`;
  const unplaced = entry && nearestUnplaced(entry, facts);
  if (unplaced)
    return `a line of the log near it could not be placed (${where(unplaced.source)}: ${unplaced.name ? `${unplaced.name}: ` : ''}${unplaced.reason}), and may be what the rule needed`;
  if (needs.tevent && seq !== undefined && facts.unshown.get(seq)?.includes(needs.tevent))
    return TEVENT_REASON[needs.tevent];
  const { cutAt, graceMs = 0 } = facts;
  if (
    needs.missing &&
    finding.missing &&
    entry &&
    cutAt !== undefined &&
    cutAt - entry.micros < graceMs * 1000
  )
    return `the log ends ${((cutAt - entry.micros) / 1000).toFixed(0)} ms after it (within the ${graceMs} ms allowed), so what is missing may have come after its end`;
  return undefined;
}

/** An unplaced line that may explain a finding on `entry`: close to it in time, or of its client before it. */
function nearestUnplaced(entry: JournalEntry, facts: LogFacts): Skip | undefined {
  const window = (facts.windowMs ?? 0) * 1000;
  return facts.unplaced?.find(
    (s) =>
      s.micros !== undefined &&
      (Math.abs(entry.micros - s.micros) <= window ||
        (s.client !== undefined && s.client === entry.peerId && s.micros <= entry.micros)),
  );
}

/** The outcome as far as the log can show it. */
export function limitToLog(outcome: RuleOutcome, facts: LogFacts): RuleOutcome {
  const needs = LOG_NEEDS[outcome.rule as RuleId];
  if (!needs || outcome.outcome === 'not-applicable') return outcome;
  if (needs.session) {
    const early = [...facts.parties.values()].filter((p) => p.joinedBefore && p.role !== 'client');
    if (early.length) {
      const who = early
        .map(
          (p) =>
            `${p.id} (${p.application || 'no application name'}, first seen at ${where(p.joinedBefore)})`,
        )
        .join(', ');
      return notObservable(
        outcome,
        `the log begins after ${who} registered: the earlier session (DNs monitored, calls, replies, state) is not in the log; give the log files from before it registered`,
      );
    }
  }
  const kept = outcome.findings.filter((f) => blindSpot(needs, f, facts) === undefined);
  if (kept.length > 0) {
    return { ...outcome, findings: kept, reason: kept.map((f) => f.text).join('\n') };
  }
  const firstBlind = outcome.findings[0];
  if (firstBlind) {
    const why = blindSpot(needs, firstBlind, facts) as string;
    return notObservable(outcome, `${why}: ${firstBlind.text}`);
  }
  // Nothing failed: a pass only counts the requests whose field the log showed; with none shown it is vacuous.
  if (needs.tevent && outcome.outcome === 'passed') {
    const seat = ruleById(outcome.rule)?.seat;
    const blind: JournalEntry[] = [];
    for (const [seq, fields] of facts.unshown) {
      const entry = facts.entries.get(seq);
      const party = entry?.peerId === undefined ? undefined : facts.parties.get(entry.peerId);
      if (entry && fields.includes(needs.tevent) && party?.role === seat) blind.push(entry);
    }
    const first = blind[0];
    if (!first) return outcome;
    const why = `${TEVENT_REASON[needs.tevent]} (${where(first.source)}${blind.length > 1 ? ` and ${blind.length - 1} more` : ''})`;
    const checked = outcome.checked - blind.length;
    if (checked <= 0) return notObservable(outcome, why);
    return { ...outcome, checked, reason: `judged on ${checked} request(s); not on ${blind.length}: ${why}` };
  }
  return outcome;
}
