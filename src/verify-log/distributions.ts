/**
 * Which request each distribution of a SIP Server log delivers (spec/sipserver-log.md, "The
 * request's name, and the Tevent inside it"). The T-Server distributes a request's Tevent as given
 * to the clients registered on the DN the request addressed, so its printed event shows the Tevent
 * as delivered (its own AttributeThisDN and name), and its `sent to` lines go to that DN's
 * registrants. Linking the two:
 * - a flat request whose Tevent fields the log did not show gets them from its delivered event;
 * - the delivered event belongs with the request's DN, whatever ThisDN the Tevent names.
 */
import { isDeepStrictEqual } from 'node:util';
import type { JournalEntry } from '../journal.ts';
import { NOT_DELIVERIES, tevent } from '../rules/exchanges.ts';
import type { TeventField } from '../sipserver-log/attributes.ts';

const REQUEST = 'RequestSendEvent';

/** A request not delivered within this long is not looked for any more (a DN nobody monitored). */
const WAIT_MICROS = 60_000_000;

/** One distribution: its recipients' entries, the same printed event (or the same sequence number). */
function distributionKey(entry: JournalEntry): unknown {
  return entry.message.EventSequenceNumber ?? entry.message;
}

function delivers(request: JournalEntry, event: JournalEntry): boolean {
  const t = tevent(request.message);
  // ConnID first: it tells most pairs apart at once (a busy log's call events all meet the waiting requests).
  return !!t && t.ConnID === event.message.ConnID && isDeepStrictEqual(t.UserData, event.message.UserData);
}

/**
 * Links each distribution to the earliest request, not yet linked, whose Tevent it delivers (same
 * UserData and ConnID). Fills the Tevent fields the log did not show from the delivered event
 * (updating `unshown`), and returns the DN each delivery belongs with (entry seq -> the request's DN).
 */
export function linkDistributions(
  entries: readonly JournalEntry[],
  unshown: Map<number, readonly TeventField[]>,
): Map<number, string> {
  const routes = new Map<number, string>();
  const waiting = new WaitingRequests();
  let current: { key: unknown; dn: string | undefined } | undefined;
  /** The request a new distribution delivers, if any: its DN. */
  const linkOne = (event: JournalEntry): string | undefined => {
    waiting.expire(event.micros - WAIT_MICROS);
    const request = waiting.take(event);
    if (request) fillUnshown(request, event, unshown);
    return request?.message.ThisDN as string | undefined;
  };
  for (const entry of entries) {
    const name = entry.message.message;
    if (entry.direction === 'in') {
      if (name === REQUEST && typeof entry.message.ThisDN === 'string') waiting.add(entry);
      continue;
    }
    if (NOT_DELIVERIES.has(name)) continue;
    const key = distributionKey(entry);
    if (current?.key !== key) current = { key, dn: linkOne(entry) };
    const dn = current?.dn;
    if (dn !== undefined) routes.set(entry.seq, dn);
  }
  return routes;
}

/**
 * The requests not yet linked, in log order, by their Tevent's ConnID: a delivery carries the same
 * one, so each event looks only at the requests of its call (a busy log's call events are many, and
 * a request nobody receives waits WAIT_MICROS).
 */
class WaitingRequests {
  private readonly byConnId = new Map<unknown, JournalEntry[]>();
  /** Every request added, in log order (to let go of those waiting too long); `first` is the oldest still there. */
  private order: JournalEntry[] = [];
  private first = 0;

  add(request: JournalEntry): void {
    this.order.push(request);
    const t = tevent(request.message);
    if (!t) return;
    const same = this.byConnId.get(t.ConnID);
    if (same) same.push(request);
    else this.byConnId.set(t.ConnID, [request]);
  }

  /** Lets go of the requests sent before `micros`. */
  expire(micros: number): void {
    while (this.first < this.order.length && (this.order[this.first] as JournalEntry).micros < micros) {
      const request = this.order[this.first++] as JournalEntry;
      const connId = tevent(request.message)?.ConnID;
      const same = this.byConnId.get(connId);
      const at = same?.indexOf(request) ?? -1;
      if (at !== -1) same?.splice(at, 1);
      if (same?.length === 0) this.byConnId.delete(connId);
    }
    if (this.first > 1024 && this.first * 2 > this.order.length) {
      this.order = this.order.slice(this.first);
      this.first = 0;
    }
  }

  /** The earliest request whose Tevent `event` delivers, no longer waiting. */
  take(event: JournalEntry): JournalEntry | undefined {
    const same = this.byConnId.get(event.message.ConnID);
    const at = same?.findIndex((r) => delivers(r, event)) ?? -1;
    if (!same || at === -1) return undefined;
    const [request] = same.splice(at, 1);
    if (same.length === 0) this.byConnId.delete(event.message.ConnID);
    return request;
  }
}

/** The Tevent's name and ThisDN, as the delivered event prints them, where the request did not show them. */
function fillUnshown(
  request: JournalEntry,
  event: JournalEntry,
  unshown: Map<number, readonly TeventField[]>,
): void {
  const fields = unshown.get(request.seq);
  const t = tevent(request.message);
  if (!fields || !t) return;
  if (fields.includes('Event.ThisDN')) t.ThisDN = event.message.ThisDN;
  if (fields.includes('Event.message')) t.message = event.message.message;
  unshown.delete(request.seq);
}
