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

/**
 * One line of the trace: `JSON.stringify(traceLine(entry, findings))`, put together around the
 * message's JSON (`json`, which the diagram may have made already) so that it is not made again.
 */
function traceJson(entry: JournalEntry, json: string, findings: readonly string[] | undefined): string {
  const { seq, time, party, direction, peer, peerApplication, problem } = entry;
  // Undefined fields are left out, as JSON.stringify leaves them out of traceLine's object.
  const head = JSON.stringify({ seq, time, party, direction, peer, peerApplication });
  const tail =
    problem === undefined && !findings?.length
      ? '}'
      : `,${JSON.stringify({ problem, ...(findings?.length ? { findings } : {}) }).slice(1)}`;
  return `${head.length > 2 ? `${head.slice(0, -1)},` : '{'}"message":${json}${tail}`;
}

export function traceNdjson(
  entries: readonly JournalEntry[],
  marks: ReadonlyMap<number, readonly string[]> = new Map(),
  messageJson: (message: JournalEntry['message']) => string = (m) => JSON.stringify(m),
): string {
  let ndjson = '';
  for (const e of entries) ndjson += `${traceJson(e, messageJson(e.message), marks.get(e.seq))}\n`;
  return ndjson;
}

export function parseTrace(ndjson: string): TraceLine[] {
  return ndjson
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as TraceLine);
}
