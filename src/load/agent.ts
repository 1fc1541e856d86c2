/**
 * One agent under load: a mock desktop that sends the next screen-capture operation of its cycle when
 * told to, one at a time, and judges the indication that comes back against the mapping (DESIGN
 * section 4), from the state its own operations should have left the recorder in.
 */

import {
  expectedIndication,
  type Indication,
  type IndicationMapping,
  type Operation,
} from '../domain/screencap.ts';
import type { MockDesktop, ReceivedIndication } from '../parties/desktop.ts';
import type { TReply } from '../tlib/messages.ts';
import type { LoadTally, WrongIndication } from './tally.ts';

/** A call's life as the seed describes it: record, pause for sensitive data, resume, check, stop. */
export const OPERATION_CYCLE: readonly Operation[] = ['start', 'pause', 'resume', 'query', 'stop'];

export interface AgentRules {
  mapping: IndicationMapping;
  initialState: Indication;
  /** After this long without its indication, an operation counts as missing. */
  answerTimeoutMs: number;
}

interface InFlight {
  operation: Operation;
  expected: Indication;
  connId: string | undefined;
  sentAt: number;
  timer: NodeJS.Timeout;
  done: () => void;
}

export class LoadAgent {
  /** The recorder's state on this DN as the operations so far should have left it. */
  private state: Indication;
  private step: number;
  private current: InFlight | undefined;

  constructor(
    readonly desktop: MockDesktop,
    /** Where in OPERATION_CYCLE this agent starts, so that every operation is in every second's mix. */
    offset: number,
    private readonly rules: AgentRules,
    private readonly tally: LoadTally,
  ) {
    this.state = rules.initialState;
    this.step = offset % OPERATION_CYCLE.length;
    desktop.onIndication((received) => this.judge(received));
  }

  get busy(): boolean {
    return this.current !== undefined;
  }

  /** Sends the next operation; `done` is called once it is over (indication, EventError, no reply or missing). */
  operate(done: () => void): void {
    const operation = OPERATION_CYCLE[this.step] as Operation;
    this.step = (this.step + 1) % OPERATION_CYCLE.length;
    const op: InFlight = {
      operation,
      expected: expectedIndication(this.rules.mapping, operation, this.state),
      connId: this.desktop.activeConnId,
      sentAt: performance.now(),
      timer: setTimeout(() => this.missed(op), this.rules.answerTimeoutMs),
      done,
    };
    this.current = op;
    this.desktop.send(operation).then(
      (reply) => this.replied(op, reply),
      (e: Error) => {
        this.tally.unanswered(`${operation} on ${this.desktop.dn}: ${e.message}`);
        this.finish(op, false);
      },
    );
  }

  private replied(op: InFlight, reply: TReply | undefined): void {
    if (reply?.message === 'EventACK') return this.tally.acknowledged(performance.now() - op.sentAt);
    if (reply?.message === 'EventError') this.tally.refused(reply.ErrorCode);
    else this.tally.unanswered(`${op.operation} on ${this.desktop.dn}: reply ${JSON.stringify(reply)}`);
    // Refused: nothing was delivered, so no indication is due and the recorder's state is unchanged.
    this.finish(op, false);
  }

  private judge(received: ReceivedIndication): void {
    const op = this.current;
    if (!op) return this.tally.unexpected();
    const ok = received.indication === op.expected && received.connId === op.connId;
    const wrong: WrongIndication | undefined = ok
      ? undefined
      : {
          dn: this.desktop.dn,
          operation: op.operation,
          expected: { indication: op.expected, connId: op.connId },
          got: { indication: received.indication, connId: received.connId },
        };
    this.tally.indicated(op.operation, performance.now() - op.sentAt, wrong);
    this.finish(op, true);
  }

  private missed(op: InFlight): void {
    if (this.current !== op) return;
    this.tally.missed();
    this.finish(op, true);
  }

  /** Ends the operation (once); `applied` when the recorder should now be in its expected state. */
  private finish(op: InFlight, applied: boolean): void {
    if (this.current !== op) return;
    clearTimeout(op.timer);
    if (applied) this.state = op.expected;
    this.current = undefined;
    op.done();
  }
}
