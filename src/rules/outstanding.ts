/**
 * What an exchange still awaits and by when: a reply to each request, each expected delivery, an
 * indication for each operation. A scenario is judged once none is outstanding (each awaited up to
 * its configured timeout), never after a short silence: a conforming party may take its time.
 */
import { referenceIdProblem } from '../tlib/codec.ts';
import type { CheckContext } from './checkers.ts';

export interface Outstanding {
  /** For people: `a reply to #12`. */
  what: string;
  /** When it stops being awaited: it is then missing, and the rules say so. */
  dueMicros: number;
}

export interface AwaitTimes {
  /** Time allowed for a reply, and for a delivery after its EventACK. */
  requestTimeoutMs: number;
  /** Time allowed for the indication answering an operation. */
  answerTimeoutMs: number;
}

export function outstanding(ctx: CheckContext, times: AwaitTimes): Outstanding[] {
  const out: Outstanding[] = [];
  const request = times.requestTimeoutMs * 1000;
  for (const r of ctx.exchanges.requests) {
    if (r.replies.length > 0 || referenceIdProblem(r.referenceId) !== undefined) continue;
    out.push({ what: `a reply to #${r.record.entry.seq}`, dueMicros: r.record.entry.micros + request });
  }
  for (const d of ctx.deliveries().expected) {
    if (d.event || !d.request.ack) continue;
    out.push({
      what: `${d.recipient} to receive the event of #${d.request.record.entry.seq}`,
      dueMicros: d.request.ack.entry.micros + request,
    });
  }
  for (const a of ctx.answers()) {
    if (a.indication) continue;
    out.push({
      what: `an indication answering #${a.operationRecord.entry.seq}`,
      dueMicros: a.operationRecord.entry.micros + times.answerTimeoutMs * 1000,
    });
  }
  return out;
}
