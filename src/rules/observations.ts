/**
 * What the rules look at: every message between a client and the T-Server, from the client's side
 * (`sent` to the T-Server, or received from it), whoever observed it. A harness party observes its
 * own traffic through its link; a system under test's traffic is observed by the embedded
 * simulator (or a SIP Server log). Each client is observed from one source only.
 */
import type { JournalEntry } from '../journal.ts';
import type { WireMessage } from '../tlib/messages.ts';

export type Role = 'desktop' | 'recorder' | 'bystander' | 'client';

export interface WireRecord {
  /** The client's identity: a harness party's name, or the T-Server's name for a connection. */
  client: string;
  role: Role;
  /** true: the client sent it to the T-Server; false: the T-Server sent it to the client. */
  sent: boolean;
  message: WireMessage;
  entry: JournalEntry;
}

export interface ObservationSources {
  /** Harness parties (journal `party` names) and the role each plays. */
  parties: ReadonlyMap<string, Role>;
  /** Whether an application name is a harness client's: the T-Server's view of those is not used (their link's is). */
  isHarnessApplication?: (application: string | undefined) => boolean;
  /** The role of any other client the T-Server saw (the system under test's seat), or of each (a
   *  SIP Server log: undefined leaves the entry out). */
  otherClientsRole?: Role | ((entry: JournalEntry) => Role | undefined);
}

export function toRecords(entries: readonly JournalEntry[], sources: ObservationSources): WireRecord[] {
  const records: WireRecord[] = [];
  for (const entry of entries) {
    const role = sources.parties.get(entry.party);
    if (role) {
      records.push({
        client: entry.party,
        role,
        sent: entry.direction === 'out',
        message: entry.message,
        entry,
      });
    } else if (entry.party === 'tserver' && entry.peer !== undefined && sources.otherClientsRole) {
      if (sources.isHarnessApplication?.(entry.peerApplication)) continue;
      const other = sources.otherClientsRole;
      const role = typeof other === 'function' ? other(entry) : other;
      if (!role) continue;
      records.push({
        client: entry.peerId ?? entry.peer,
        role,
        sent: entry.direction === 'in',
        message: entry.message,
        entry,
      });
    }
  }
  return records;
}
