/**
 * Writes what a T-Server journals in the SIP Server log format (spec/sipserver-log.md), as a SIP
 * Server at `verbose = all` prints it: every request it receives and every message it sends, with
 * the client. The journal is the single source; this only formats its entries.
 */
import { once } from 'node:events';
import { createWriteStream, openSync, type WriteStream } from 'node:fs';
import { DISCONNECTED, isPseudo, type Journal, type JournalEntry } from '../journal.ts';
import { CALL_EVENT_NAMES, type WireMessage } from '../tlib/messages.ts';
import { nowMicros } from '../tlib/time.ts';
import { printAttributes } from './attributes.ts';
import { escapeLogText } from './escape.ts';
import {
  disconnectedLine,
  type LogClient,
  printedLine,
  receivedLine,
  sentLine,
  startedLine,
} from './lines.ts';

export interface LogOutput {
  write(text: string): unknown;
}

export interface ServerIdentity {
  name: string;
  version: string;
}

/** Events a T-Server distributes to a DN's registrants; every other message answers one client. */
const DISTRIBUTED = new Set(['EventUserEvent', ...CALL_EVENT_NAMES]);

/** A message name as one word (a client may send anything as its name), on its line. */
function printable(name: string): string {
  return escapeLogText(name.replace(/\s/g, '_')) || '_';
}

export class SipServerLogWriter {
  /** Client numbers are unique in the whole log, across every T-Server attached to it. */
  private nextClient = 1;

  constructor(private readonly out: LogOutput) {}

  /** Logs every message `journal` records for its T-Server from now on; returns the function that stops it. */
  attach(journal: Journal, server: ServerIdentity): () => void {
    const clients = new Map<string, LogClient>();
    /** The T-Server journals a distributed event once per recipient, as the same message object. */
    let lastSent: WireMessage | undefined;
    this.out.write(`${startedLine(nowMicros(), server.name, server.version)}\n`);
    return journal.subscribe((entry) => {
      if (entry.party !== 'tserver' || entry.peerId === undefined) return;
      const client = this.client(clients, entry, entry.peerId);
      if (isPseudo(entry, DISCONNECTED)) {
        lastSent = undefined;
        this.out.write(`${disconnectedLine(entry.micros, client)}\n`);
        return;
      }
      // The journal's other notes are no message a SIP Server receives: a line it could not read
      // shows as the EventError that refused it and the disconnection; a party the harness
      // restarts, as its disconnection and its new client.
      if (entry.pseudo) return;
      const name = printable(entry.message.message);
      const lines: string[] = [];
      if (entry.direction === 'in') {
        lines.push(
          receivedLine(entry.micros, name, client),
          `message ${name}`,
          ...printAttributes(entry.message),
        );
      } else if (entry.message !== lastSent) {
        const kind = DISTRIBUTED.has(name) ? 'distribute_event' : 'send_to_client';
        lines.push(printedLine(entry.micros, server.version, kind, name), ...printAttributes(entry.message));
      }
      if (entry.direction === 'out') lines.push(sentLine(entry.micros, name, client));
      lastSent = entry.direction === 'out' ? entry.message : undefined;
      // One write per entry: a message's lines are never split by another writer's.
      this.out.write(`${lines.join('\n')}\n`);
    });
  }

  private client(clients: Map<string, LogClient>, entry: JournalEntry, peerId: string): LogClient {
    let client = clients.get(peerId);
    if (!client) {
      const number = this.nextClient++;
      client = { socket: number, number, application: '', address: entry.peerAddress ?? '0.0.0.0:0' };
      clients.set(peerId, client);
    }
    // RequestRegisterClient names (or renames) the client.
    if (entry.peerApplication !== undefined) client.application = entry.peerApplication;
    return client;
  }
}

/** A log file: its writer, and `close()` to flush it (rejects if writing failed). */
export interface SipServerLogFile {
  writer: SipServerLogWriter;
  close(): Promise<void>;
}

const openFiles = new Map<string, SipServerLogFile>();

/**
 * The log at `path`, created (or emptied) when first asked for; later calls in this process get the
 * same one, so every simulator of a conformance run writes one log with distinct client numbers.
 * Throws at once if the file cannot be created.
 */
export function sipServerLogFile(path: string): SipServerLogFile {
  const open = openFiles.get(path);
  if (open) return open;
  const stream: WriteStream = createWriteStream('', { fd: openSync(path, 'w') });
  let failure: Error | undefined;
  stream.on('error', (e) => (failure ??= e));
  const file: SipServerLogFile = {
    writer: new SipServerLogWriter(stream),
    async close() {
      openFiles.delete(path);
      if (!stream.closed) {
        const closed = once(stream, 'close');
        stream.end();
        await closed;
      }
      if (failure) throw new Error(`cannot write the SIP Server log ${path}: ${failure.message}`);
    },
  };
  openFiles.set(path, file);
  return file;
}
