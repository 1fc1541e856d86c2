/**
 * One agent under load: a mock desktop that sends the next screen-capture operation of its cycle when
 * told to, one at a time, waits for the indication up to the answer timeout, and measures. It
 * judges nothing: the rules judge every operation from the journal (judge.ts).
 */

import type { Operation } from '../domain/screencap.ts';
import type { MockDesktop } from '../parties/desktop.ts';
import type { TReply } from '../tlib/messages.ts';
import type { OperationEnd } from './chaos.ts';
import type { LoadTally } from './tally.ts';

/** A call's life as the seed describes it: record, pause for sensitive data, resume, check, stop. */
export const OPERATION_CYCLE: readonly Operation[] = ['start', 'pause', 'resume', 'query', 'stop'];

interface InFlight {
  operation: Operation;
  sentAt: number;
  timer: NodeJS.Timeout;
  done: () => void;
}

export class LoadAgent {
  private step: number;
  private current: InFlight | undefined;

  constructor(
    readonly desktop: MockDesktop,
    /** Where in OPERATION_CYCLE this agent starts, so that every operation is in every second's mix. */
    offset: number,
    /** After this long without its indication, the agent stops waiting and moves on. */
    private readonly answerTimeoutMs: number,
    private readonly tally: LoadTally,
    /** Told when the agent stops waiting on an operation (sent at `sentAt`, performance.now()): the judge may then judge it. */
    private readonly over: (dn: string, sentAt: number, end: OperationEnd) => void,
  ) {
    this.step = offset % OPERATION_CYCLE.length;
    desktop.onIndication(() => this.answered());
  }

  /** Sends the next operation; `done` is called once it is over (indication, EventError, no reply or timeout). */
  operate(done: () => void): void {
    const operation = OPERATION_CYCLE[this.step] as Operation;
    this.step = (this.step + 1) % OPERATION_CYCLE.length;
    const op: InFlight = {
      operation,
      sentAt: performance.now(),
      timer: setTimeout(() => this.timedOut(op), this.answerTimeoutMs),
      done,
    };
    this.current = op;
    this.desktop.send(operation).then(
      (reply) => this.replied(op, reply),
      (e: Error) => {
        this.tally.unanswered(`${operation} on ${this.desktop.dn}: ${e.message}`);
        this.finish(op, 'no-reply');
      },
    );
  }

  private replied(op: InFlight, reply: TReply | undefined): void {
    if (reply?.message === 'EventACK') return this.tally.acknowledged(performance.now() - op.sentAt);
    const refused = reply?.message === 'EventError';
    if (refused) this.tally.refused(reply.ErrorCode);
    else this.tally.unanswered(`${op.operation} on ${this.desktop.dn}: reply ${JSON.stringify(reply)}`);
    // Refused: nothing was delivered, so no indication is awaited.
    this.finish(op, refused ? 'refused' : 'no-reply');
  }

  /** An indication on the agent's DN: the answer it awaits, if it awaits one (the rules judge which it is). */
  private answered(): void {
    const op = this.current;
    if (!op) return;
    this.tally.indicated(op.operation, performance.now() - op.sentAt);
    this.finish(op, 'indicated');
  }

  private timedOut(op: InFlight): void {
    if (this.current !== op) return;
    this.tally.timedOut();
    this.finish(op, 'timed-out');
  }

  private finish(op: InFlight, end: OperationEnd): void {
    if (this.current !== op) return;
    clearTimeout(op.timer);
    this.current = undefined;
    this.over(this.desktop.dn, op.sentAt, end);
    op.done();
  }
}
