/**
 * What a shared T-Server still holds for the system under test when a scenario begins: each of
 * its clients' EventRegistered not since undone by an EventUnregistered or by the client's
 * disconnection. A scenario starts from these, not from the run's whole history: a connection
 * that dropped in an earlier scenario (a serviceability scenario drops them on purpose) is owed
 * no delivery now, and awaiting one would only cost the scenario its request timeout.
 */
import { DISCONNECTED, isPseudo, type JournalEntry } from '../journal.ts';

export function standingRegistrations(
  entries: readonly JournalEntry[],
  isHarnessApplication: (application: string | undefined) => boolean,
): JournalEntry[] {
  const byClient = new Map<string, Map<unknown, JournalEntry>>();
  for (const e of entries) {
    if (e.party !== 'tserver' || isHarnessApplication(e.peerApplication)) continue;
    const client = e.peerId ?? e.peer;
    if (client === undefined) continue;
    const name = e.message.message;
    if (isPseudo(e, DISCONNECTED)) byClient.delete(client);
    else if (e.direction === 'out' && (name === 'EventRegistered' || name === 'EventUnregistered')) {
      const dns = byClient.get(client) ?? new Map<unknown, JournalEntry>();
      byClient.set(client, dns);
      if (name === 'EventRegistered') dns.set(e.message.ThisDN, e);
      else dns.delete(e.message.ThisDN);
    }
  }
  return [...byClient.values()].flatMap((dns) => [...dns.values()]).sort((a, b) => a.seq - b.seq);
}
