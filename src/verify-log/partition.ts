/**
 * Splits a T-Server run's entries by the DN they concern, so that the rules judge each DN apart.
 * Every rule is about one DN: who monitored it, the calls on it, the operations sent on it and the
 * indications answering them, the recorder's state on it. Judged apart, the checkers' work grows
 * with each DN's traffic rather than with the whole log's.
 *
 * An entry's DN is its ThisDN (a request's AttrThisDN), or the DN `routes` gives it (a delivered
 * Tevent goes with the DN its request addressed: distributions.ts); a reply without one goes with
 * the request it answers (same client and ReferenceID); a client's disconnection goes with every
 * DN it took part in. Entries that concern no DN (client registration, a framing error) are in no
 * group.
 */
import { DISCONNECTED, isPseudo, type JournalEntry } from '../journal.ts';

export function byDn(
  entries: readonly JournalEntry[],
  routes: ReadonlyMap<number, string> = new Map(),
): Map<string, JournalEntry[]> {
  const groups = new Map<string, JournalEntry[]>();
  /** `client ReferenceID` -> the DN of the request it names. */
  const requested = new Map<string, string>();
  /** The DNs each client took part in. */
  const dnsOf = new Map<string | undefined, Set<string>>();
  for (const entry of entries) {
    if (isPseudo(entry, DISCONNECTED)) {
      for (const dn of dnsOf.get(entry.peerId) ?? []) groups.get(dn)?.push(entry);
      dnsOf.delete(entry.peerId);
      continue;
    }
    const { ThisDN, ReferenceID } = entry.message;
    let dn = routes.get(entry.seq) ?? (typeof ThisDN === 'string' ? ThisDN : undefined);
    if (ReferenceID !== undefined) {
      const key = `${entry.peerId} ${ReferenceID}`;
      if (entry.direction === 'in' && dn !== undefined) requested.set(key, dn);
      else if (entry.direction === 'out') dn ??= requested.get(key);
    }
    if (dn === undefined) continue;
    const group = groups.get(dn);
    if (group) group.push(entry);
    else groups.set(dn, [entry]);
    const dns = dnsOf.get(entry.peerId) ?? new Set<string>();
    dnsOf.set(entry.peerId, dns.add(dn));
  }
  return groups;
}
