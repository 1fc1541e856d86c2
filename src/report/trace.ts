/**
 * A scenario's message trace: its whole journal as NDJSON, one message a line, with what failed
 * rules found against a message attached to that message's line (the offending message, marked).
 */
import type { JournalEntry } from '../journal.ts';
import type { TraceLine } from '../result/outcomes.ts';

export const TRACE_MEDIA_TYPE = 'application/x-ndjson';

export function traceLine(entry: JournalEntry, findings?: readonly string[]): TraceLine {
  const { seq, time, party, direction, peer, peerApplication, message, problem } = entry;
  return {
    seq,
    time,
    party,
    direction,
    ...(peer === undefined ? {} : { peer }),
    ...(peerApplication === undefined ? {} : { peerApplication }),
    message,
    ...(problem === undefined ? {} : { problem }),
    ...(findings?.length ? { findings: [...findings] } : {}),
  };
}

export function traceNdjson(
  entries: readonly JournalEntry[],
  marks: ReadonlyMap<number, readonly string[]> = new Map(),
): string {
  return entries.map((e) => `${JSON.stringify(traceLine(e, marks.get(e.seq)))}\n`).join('');
}

export function parseTrace(ndjson: string): TraceLine[] {
  return ndjson
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as TraceLine);
}
