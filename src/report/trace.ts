/**
 * A scenario's message trace: its whole journal as NDJSON, one message a line, with what failed
 * rules found against a message attached to that message's line (the offending message, marked).
 */
import type { JournalEntry } from '../journal.ts';
import type { TraceLine } from '../result/outcomes.ts';
import { jsonOf } from '../tlib/depth.ts';

export const TRACE_MEDIA_TYPE = 'application/x-ndjson';

export function traceLine(entry: JournalEntry, findings?: readonly string[]): TraceLine {
  const { seq, time, party, direction, peer, peerApplication, message, pseudo, problem } = entry;
  return {
    seq,
    time,
    party,
    direction,
    ...(peer === undefined ? {} : { peer }),
    ...(peerApplication === undefined ? {} : { peerApplication }),
    message,
    ...(pseudo === undefined ? {} : { pseudo }),
    ...(problem === undefined ? {} : { problem }),
    ...(findings?.length ? { findings: [...findings] } : {}),
  };
}

/** What JSON.stringify escapes in a string: quotes, backslashes, control characters, surrogates. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters JSON escapes
const JSON_ESCAPED = /["\\\u0000-\u001f\ud800-\udfff]/;

/** A value as JSON.stringify writes it: a plain string (a time, a party's name) as it is, for less. */
const json = (value: unknown): string =>
  typeof value === 'string' && !JSON_ESCAPED.test(value) ? `"${value}"` : JSON.stringify(value);

/** `"key":value,` before the message, `,"key":value` after it; nothing for an undefined value (JSON.stringify leaves it out). */
const before = (key: string, value: unknown) => (value === undefined ? '' : `"${key}":${json(value)},`);
const after = (key: string, value: unknown) => (value === undefined ? '' : `,"${key}":${json(value)}`);

/**
 * One line of the trace: `JSON.stringify(traceLine(entry, findings))`, put together around the
 * message's JSON (`message`, which the diagram may have made already) so that it is not made again.
 */
function traceJson(entry: JournalEntry, message: string, findings: readonly string[] | undefined): string {
  const { seq, time, party, direction, peer, peerApplication, pseudo, problem } = entry;
  return `{${before('seq', seq)}${before('time', time)}${before('party', party)}${before('direction', direction)}${before('peer', peer)}${before('peerApplication', peerApplication)}"message":${message}${after('pseudo', pseudo)}${after('problem', problem)}${findings?.length ? after('findings', findings) : ''}}`;
}

/**
 * Lines joined this many at a time: a line put together is a tree of its pieces, several times its
 * size, until it is flattened; joined by chunks, a scenario's trace is held about as flat text.
 */
const CHUNK_LINES = 256;

export function traceNdjson(
  entries: readonly JournalEntry[],
  marks: ReadonlyMap<number, readonly string[]> = new Map(),
  messageJson: (message: JournalEntry['message']) => string = jsonOf,
): string {
  const chunks: string[] = [];
  let lines: string[] = [];
  for (const e of entries) {
    lines.push(traceJson(e, messageJson(e.message), marks.get(e.seq)));
    if (lines.length < CHUNK_LINES) continue;
    chunks.push(`${lines.join('\n')}\n`);
    lines = [];
  }
  if (lines.length) chunks.push(`${lines.join('\n')}\n`);
  return chunks.join('');
}

export function parseTrace(ndjson: string): TraceLine[] {
  return ndjson
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as TraceLine);
}
