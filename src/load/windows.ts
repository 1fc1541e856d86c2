/**
 * Files what the parties exchange under load into windows the rules can judge one at a time: per
 * agent DN, one window per operation a desktop sends, holding the replies, deliveries and
 * indications that belong to it. A window is handed over once the next operation on its DN has
 * settled (the barrier: the T-Server answers and delivers in order, so nothing of the earlier one
 * can still arrive), and then forgotten, so memory stays bounded however long the run.
 */
import { captureOf, tevent } from '../rules/exchanges.ts';
import type { WireRecord } from '../rules/observations.ts';
import { REPLY_NAMES } from '../tlib/messages.ts';

export interface OperationWindow {
  dn: string;
  /** Every window starts with the DN's registrations, so the rules know who monitored it. */
  registrations: readonly WireRecord[];
  records: WireRecord[];
  /** The screen-capture value of the desktop's request that opened it; undefined: none did. */
  operation: unknown;
  /** Whether a desktop's request opened it. */
  opened: boolean;
  /** Its desktop or the recorder lost its connection while the operation was in flight (`load --chaos`). */
  away: boolean;
}

interface Window extends OperationWindow {
  /** The desktop stopped waiting on its operation (answered, refused, unanswered, timed out). */
  over: boolean;
  /** Requests in it still awaiting their reply. */
  awaiting: number;
  /** Where its requests' replies are awaited (client, ReferenceID): forgotten when it is handed over. */
  awaited: Array<[client: string, referenceId: unknown]>;
}

interface DnWindows {
  /** RequestRegisterAddress / RequestUnregisterAddress and their replies. */
  registrations: WireRecord[];
  windows: Window[];
}

const REGISTRATIONS = new Set(['RequestRegisterAddress', 'RequestUnregisterAddress']);
/** A DN's open windows beyond which the oldest is handed over whatever it awaits. */
const MAX_OPEN = 3;

export class OperationWindows {
  private readonly dns = new Map<string, DnWindows>();
  /** Per client, where the reply to each of its requests belongs. */
  private readonly pending = new Map<string, Map<unknown, Window | DnWindows>>();
  /** Per client, the DN of its last request: where a reply no request awaits goes. */
  private readonly lastDn = new Map<string, string>();
  /** A Tevent's ThisDN -> the AttrThisDN of the last request carrying it elsewhere (a broken party's). */
  private readonly sentOn = new Map<string, string>();

  constructor(private readonly judge: (window: OperationWindow) => void) {}

  /** Files a record (a message a client sent or received, as the rules see it). */
  add(r: WireRecord): void {
    const m = r.message;
    if (!r.sent && REPLY_NAMES.has(m.message) && m.ReferenceID !== undefined) {
      const target = this.pending.get(r.client)?.get(m.ReferenceID);
      if (target) {
        this.pending.get(r.client)?.delete(m.ReferenceID);
        if ('windows' in target) return void target.registrations.push(r);
        target.records.push(r);
        target.awaiting--;
        return this.settle(target.dn);
      }
    }
    const dn = this.dnOf(r);
    if (dn === undefined) return; // the connection's own set-up: no DN, nothing an operation owes
    if (r.sent && m.message.startsWith('Request')) {
      const windows = this.windowsOf(dn);
      this.lastDn.set(r.client, dn);
      const teventDn = tevent(m)?.ThisDN;
      if (typeof teventDn === 'string' && teventDn !== dn) this.sentOn.set(teventDn, dn);
      const target = REGISTRATIONS.has(m.message) ? windows : this.windowFor(windows, r, dn);
      if ('windows' in target) target.registrations.push(r);
      else {
        target.records.push(r);
        target.awaiting++;
        target.awaited.push([r.client, m.ReferenceID]);
      }
      const pending = this.pending.get(r.client) ?? new Map<unknown, Window | DnWindows>();
      this.pending.set(r.client, pending);
      pending.set(m.ReferenceID, target);
      return this.settle(dn);
    }
    // A T-Server delivers a Tevent as given: its ThisDN may name another DN than the request's.
    const own = this.dns.get(dn);
    const on = own && this.causeOf(own, r) ? dn : (this.sentOn.get(dn) ?? dn);
    this.deliveredIn(this.windowsOf(on), r, on).records.push(r);
    this.settle(on);
  }

  /** Windows filed and not yet handed over, over every DN. */
  get openCount(): number {
    let n = 0;
    for (const d of this.dns.values()) n += d.windows.length;
    return n;
  }

  /** The desktop on `dn` stopped waiting on its operation; `away`: a party of it was away meanwhile. */
  operationOver(dn: string, away = false): void {
    const windows = this.dns.get(dn)?.windows ?? [];
    const current = windows.findLast((w) => w.opened);
    if (current) {
      current.over = true;
      current.away = away;
    }
    this.settle(dn);
  }

  /** Hands over every window still open (the run is over: nothing more will come). */
  flush(): void {
    for (const [dn, d] of this.dns) {
      for (const w of d.windows.splice(0)) this.handOver(w);
      this.dns.delete(dn);
    }
  }

  private handOver(w: Window): void {
    for (const [client, id] of w.awaited) {
      const pending = this.pending.get(client);
      if (pending?.get(id) === w) pending.delete(id);
    }
    const { over: _, awaiting: __, awaited: ___, ...window } = w;
    this.judge(window);
  }

  private dnOf(r: WireRecord): string | undefined {
    const dn = r.message.ThisDN;
    return typeof dn === 'string' ? dn : this.lastDn.get(r.client);
  }

  private windowsOf(dn: string): DnWindows {
    let d = this.dns.get(dn);
    if (!d) {
      d = { registrations: [], windows: [] };
      this.dns.set(dn, d);
    }
    return d;
  }

  private open(d: DnWindows, dn: string, opener?: WireRecord): Window {
    const w: Window = {
      dn,
      registrations: d.registrations,
      records: [],
      operation: opener ? captureOf(opener.message) : undefined,
      opened: opener !== undefined,
      away: false,
      over: false,
      awaiting: 0,
      awaited: [],
    };
    d.windows.push(w);
    return w;
  }

  /** A desktop's request opens a window; another request joins the DN's newest (a stray one opens its own). */
  private windowFor(d: DnWindows, r: WireRecord, dn: string): Window {
    if (r.role === 'desktop' && r.message.message === 'RequestSendEvent') return this.open(d, dn, r);
    const newest = d.windows.at(-1);
    if (newest && (newest.opened || !newest.records.some((x) => x.sent))) return newest;
    return this.open(d, dn);
  }

  /**
   * An event goes with the request it delivers: the newest window holding a request with the same
   * screen-capture value (an indication's copy may arrive after the next operation was sent), else
   * the newest window.
   */
  private deliveredIn(d: DnWindows, r: WireRecord, dn: string): Window {
    return this.causeOf(d, r) ?? d.windows.at(-1) ?? this.open(d, dn);
  }

  private causeOf(d: DnWindows, r: WireRecord): Window | undefined {
    const value = captureOf(r.message);
    if (value === undefined) return undefined;
    return d.windows.findLast((w) =>
      w.records.some(
        (x) => x.sent && x.message.message === 'RequestSendEvent' && captureOf(x.message) === value,
      ),
    );
  }

  /** Hands over the oldest windows whose successor has settled (or that are too many). */
  private settle(dn: string): void {
    const d = this.dns.get(dn);
    if (!d) return;
    const settled = (w: Window) => (!w.opened || w.over) && w.awaiting === 0;
    while (d.windows.length >= MAX_OPEN || (d.windows.length >= 2 && settled(d.windows[1] as Window))) {
      this.handOver(d.windows.shift() as Window);
    }
  }
}
