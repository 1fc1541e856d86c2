/**
 * What the harness saw in a scenario that no rule judges, in words for the certificate's
 * Observations: EventErrors, messages it could not read, and replies that came late but within
 * the allowed time. They pass or fail nothing; a reviewer reads them as the lab's notes.
 */
import type { WireRecord } from '../rules/observations.ts';
import { asText } from '../tlib/codec.ts';

/** At most this many notes a scenario (the trace holds every message). */
export const MAX_OBSERVATIONS = 10;
/** A reply slower than this share of the allowed time is noted. */
const SLOW_SHARE = 0.5;

export interface ObservationLimits {
  /** The time allowed for a reply (timeouts.requestMs). */
  requestTimeoutMs?: number;
}

function errorNote(r: WireRecord): string {
  const m = r.message;
  const code = m.ErrorCode === undefined ? '' : ` ${asText(m.ErrorCode)}`;
  const text = m.ErrorMessage === undefined ? '' : ` (“${asText(m.ErrorMessage)}”)`;
  const ref = m.ReferenceID === undefined ? '' : ` answering ReferenceID ${asText(m.ReferenceID)}`;
  return `#${r.entry.seq} ${r.entry.time}: ${r.client} received EventError${code}${text}${ref}`;
}

/** Each reply slower than SLOW_SHARE of the limit but within it, with its latency. */
function slowReplies(records: readonly WireRecord[], limitMs: number): string[] {
  const pending = new Map<string, WireRecord>();
  const notes: string[] = [];
  for (const r of records) {
    const ref = r.message.ReferenceID;
    // Any other value (an object, a list) pairs no reply with its request.
    if (typeof ref !== 'number' && typeof ref !== 'string') continue;
    const key = `${r.client}\u0000${ref}`;
    if (r.sent) {
      pending.set(key, r);
      continue;
    }
    const request = pending.get(key);
    if (!request) continue;
    pending.delete(key);
    const ms = (r.entry.micros - request.entry.micros) / 1000;
    if (ms > limitMs * SLOW_SHARE && ms <= limitMs)
      notes.push(
        `#${r.entry.seq} ${r.entry.time}: ${r.client}'s ${request.message.message} (ReferenceID ${ref}) was answered after ${ms.toFixed(1)} ms, within the ${limitMs} ms allowed`,
      );
  }
  return notes;
}

export function scenarioObservations(
  records: readonly WireRecord[],
  limits: ObservationLimits = {},
): string[] {
  const notes = [
    ...records.filter((r) => !r.sent && r.message.message === 'EventError').map(errorNote),
    ...records
      .filter((r) => r.entry.problem !== undefined)
      .map(
        (r) =>
          `#${r.entry.seq} ${r.entry.time}: a message ${r.sent ? 'from' : 'to'} ${r.client} was not valid tlib-json (${r.entry.problem})`,
      ),
    ...(limits.requestTimeoutMs ? slowReplies(records, limits.requestTimeoutMs) : []),
  ];
  return notes.length > MAX_OBSERVATIONS
    ? [...notes.slice(0, MAX_OBSERVATIONS), `and ${notes.length - MAX_OBSERVATIONS} more (see the trace)`]
    : notes;
}
