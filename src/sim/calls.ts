/**
 * Voice calls on DNs, created and changed through the admin API so that a connection ID is
 * "available": established, held and retrieved, a consultation call beside a held one, and a
 * transfer or conference that carries the call on under another ConnID (docs/call-events.md).
 */
import { randomBytes } from 'node:crypto';

export type CallState = 'established' | 'held';

export interface Call {
  connId: string;
  dn: string;
  state: CallState;
  /** Epoch ms when it was established. */
  established: number;
  /** The ConnID it had before a transfer or conference, when it changed. */
  previousConnId?: string;
  /** The call this one consults (held meanwhile), for a consultation call. */
  consultOf?: string;
}

/** What a call operation cannot do, for the admin API's 404 or 409. */
export class CallError extends Error {
  constructor(
    readonly status: 404 | 409,
    message: string,
  ) {
    super(message);
  }
}

export class CallTable {
  private readonly calls = new Map<string, Call>();
  /** High 32 bits random per server, low 32 bits a counter: unique, and readable in traces. */
  private readonly prefix = randomBytes(4).toString('hex');
  private counter = 0;

  private nextConnId(): string {
    this.counter = (this.counter + 1) % 2 ** 32;
    return `${this.prefix}${this.counter.toString(16).padStart(8, '0')}`;
  }

  create(dn: string, consultOf?: string): Call {
    const call: Call = {
      connId: this.nextConnId(),
      dn,
      state: 'established',
      established: Date.now(),
      ...(consultOf ? { consultOf } : {}),
    };
    this.calls.set(call.connId, call);
    return call;
  }

  release(connId: string): Call | undefined {
    const call = this.calls.get(connId);
    this.calls.delete(connId);
    return call;
  }

  /** The call with `connId` in state `from`; a CallError naming what is wrong otherwise. */
  get(connId: string, from?: CallState): Call {
    const call = this.calls.get(connId);
    if (!call) throw new CallError(404, `no established call with connId ${JSON.stringify(connId)}`);
    if (from && call.state !== from)
      throw new CallError(409, `call ${connId} on DN ${call.dn} is ${call.state}, not ${from}`);
    return call;
  }

  setState(connId: string, from: CallState, to: CallState): Call {
    const call = this.get(connId, from);
    call.state = to;
    return call;
  }

  /** The call goes on under a new ConnID (a transfer or conference merged it into another call). */
  renumber(connId: string): Call {
    const call = this.get(connId, 'established');
    this.calls.delete(connId);
    call.previousConnId = connId;
    call.connId = this.nextConnId();
    this.calls.set(call.connId, call);
    return call;
  }

  list(): Call[] {
    return [...this.calls.values()];
  }
}
