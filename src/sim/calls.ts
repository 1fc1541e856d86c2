/** Voice calls on DNs, created through the admin API so that a connection ID is "available". */
import { randomBytes } from 'node:crypto';

export interface Call {
  connId: string;
  dn: string;
  /** Epoch ms when it was established. */
  established: number;
}

export class CallTable {
  private readonly calls = new Map<string, Call>();
  /** High 32 bits random per server, low 32 bits a counter: unique, and readable in traces. */
  private readonly prefix = randomBytes(4).toString('hex');
  private counter = 0;

  create(dn: string): Call {
    this.counter = (this.counter + 1) % 2 ** 32;
    const call = {
      connId: `${this.prefix}${this.counter.toString(16).padStart(8, '0')}`,
      dn,
      established: Date.now(),
    };
    this.calls.set(call.connId, call);
    return call;
  }

  release(connId: string): Call | undefined {
    const call = this.calls.get(connId);
    this.calls.delete(connId);
    return call;
  }

  /** The most recent call still established on `dn`. */
  activeOn(dn: string): Call | undefined {
    let latest: Call | undefined;
    for (const call of this.calls.values()) if (call.dn === dn) latest = call;
    return latest;
  }

  list(): Call[] {
    return [...this.calls.values()];
  }
}
