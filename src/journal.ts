/**
 * The journal: every message a party sent or received, in order, with the time it was seen. It is
 * the source of truth for steps, rules and reports. Waiting looks back first, then waits: messages
 * can arrive before the step that expects them.
 */
import type { WireMessage } from './tlib/messages.ts';
import { isoMicros, nowMicros } from './tlib/time.ts';

/** Relative to the party that recorded the entry: `in` it received, `out` it sent. */
export type Direction = 'in' | 'out';

export interface JournalEntry {
  /** Position in this journal, from 1. */
  seq: number;
  time: string;
  micros: number;
  /** Who recorded it: `desktop`, `recorder`, `tserver`, ... */
  party: string;
  direction: Direction;
  /** The other end, for people: `client 3 (recorder-1 127.0.0.1:51234)`, `tserver 127.0.0.1:7000`. */
  peer?: string;
  /** The T-Server's stable name for the peer connection (`client 3`), when the T-Server recorded it. */
  peerId?: string;
  /** The peer's application name (RequestRegisterClient), when known. */
  peerApplication?: string;
  /** The peer's `host:port`, when the T-Server recorded it. */
  peerAddress?: string;
  message: WireMessage;
  /** Why the message is not valid tlib-json, when it is not. */
  problem?: string;
  /** Where the message was read, when it comes from a log (SIP Server log: its file and line). */
  source?: SourceRef;
}

/** The journal's name for a line a client wrote that no T-Server can read (not a T-Lib message). */
export const UNREADABLE_LINE = '(unreadable line)';

export interface SourceRef {
  file: string;
  line: number;
}

export type NewEntry = Omit<JournalEntry, 'seq' | 'time' | 'micros'>;
export type EntryPredicate = (entry: JournalEntry) => boolean;

export interface WaitOptions {
  timeoutMs: number;
  /** What is awaited, in words, for the timeout error. */
  description: string;
  /** Only entries after this seq count (default: the whole journal). */
  after?: number;
  /** Entries worth quoting if the wait fails (default: the last few of any kind). */
  near?: EntryPredicate;
}

export class JournalTimeoutError extends Error {
  constructor(
    readonly description: string,
    readonly timeoutMs: number,
    readonly seen: readonly JournalEntry[],
  ) {
    const tail = seen.length
      ? `; closest messages seen:\n${seen.map((e) => `  ${summarize(e)}`).join('\n')}`
      : '; no message was seen';
    super(`timed out after ${timeoutMs} ms waiting for ${description}${tail}`);
    this.name = 'JournalTimeoutError';
  }
}

export interface JournalOptions {
  /** Keep at most this many entries, dropping the oldest (counted in `dropped`). Default: all. */
  limit?: number;
  /**
   * Keep at most this many bytes of messages (their JSON, and a little for each entry), dropping
   * the oldest (counted in `dropped` and `droppedBytes`). Default DEFAULT_JOURNAL_BYTES.
   */
  maxBytes?: number;
}

/** 64 MiB: some 200,000 screen-capture messages, far more than a conformance run exchanges. */
export const DEFAULT_JOURNAL_BYTES = 64 * 1024 * 1024;
/** What an entry holds beside its message (times, peer names), roughly. */
const ENTRY_OVERHEAD_BYTES = 200;

/** Messages' JSON sizes, once known (the T-Server and links know them from the line): journals share message objects. */
const messageBytes = new WeakMap<WireMessage, number>();

/** The size of `message` as JSON, as the one who read or wrote the line said, or measured once. */
function sizeOf(message: WireMessage): number {
  let bytes = messageBytes.get(message);
  if (bytes === undefined) {
    try {
      bytes = JSON.stringify(message).length;
    } catch {
      // Nested too deeply to serialize: count it as the largest line tlib-json allows.
      bytes = 1024 * 1024;
    }
    messageBytes.set(message, bytes);
  }
  return bytes + ENTRY_OVERHEAD_BYTES;
}

/** Tells the journals that `message` was `bytes` long on the wire (saves measuring it again). */
export function noteMessageBytes(message: WireMessage, bytes: number): void {
  messageBytes.set(message, bytes);
}

export class Journal {
  private readonly list: JournalEntry[] = [];
  private readonly listeners = new Set<(entry: JournalEntry) => void>();
  private nextSeq = 1;
  private readonly limit: number;
  private readonly maxBytes: number;
  /** Bytes the kept entries hold (see JournalOptions.maxBytes). */
  private bytes = 0;
  /** Entries dropped to honour `limit` or `maxBytes`. */
  dropped = 0;
  /** Their bytes. */
  droppedBytes = 0;

  constructor(options: JournalOptions = {}) {
    this.limit = options.limit ?? Number.POSITIVE_INFINITY;
    this.maxBytes = options.maxBytes ?? DEFAULT_JOURNAL_BYTES;
  }

  /** What the journal let go of to stay within its bounds, in words; undefined when nothing. */
  get droppedText(): string | undefined {
    if (this.dropped === 0) return undefined;
    return `the journal dropped its ${this.dropped} oldest message(s) (${this.droppedBytes} bytes) to stay within ${this.limit === Number.POSITIVE_INFINITY ? '' : `${this.limit} entries and `}${this.maxBytes} bytes`;
  }

  append(entry: NewEntry): JournalEntry {
    const micros = nowMicros();
    return this.store({ seq: this.nextSeq++, time: isoMicros(micros), micros, ...entry });
  }

  /** Appends an entry recorded by another journal, keeping the time it was seen there. */
  copy(entry: JournalEntry): JournalEntry {
    return this.store({ ...entry, seq: this.nextSeq++ });
  }

  private store(full: JournalEntry): JournalEntry {
    const bytes = sizeOf(full.message);
    if (this.limit > 0 && bytes <= this.maxBytes) {
      this.list.push(full);
      this.bytes += bytes;
      while (this.list.length > this.limit || this.bytes > this.maxBytes) {
        const oldest = this.list.shift() as JournalEntry;
        const size = sizeOf(oldest.message);
        this.bytes -= size;
        this.dropped++;
        this.droppedBytes += size;
      }
    } else {
      this.dropped++;
      this.droppedBytes += bytes;
    }
    for (const listener of this.listeners) listener(full);
    return full;
  }

  get entries(): readonly JournalEntry[] {
    return this.list;
  }

  /** Seq of the last entry appended (0 when empty): a mark to wait for what comes after. */
  get mark(): number {
    return this.nextSeq - 1;
  }

  find(predicate: EntryPredicate, after = 0): JournalEntry | undefined {
    return this.list.find((e) => e.seq > after && predicate(e));
  }

  filter(predicate: EntryPredicate, after = 0): JournalEntry[] {
    return this.list.filter((e) => e.seq > after && predicate(e));
  }

  /** Calls `listener` for every entry appended from now on; returns the unsubscribe function. */
  subscribe(listener: (entry: JournalEntry) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The first entry (after `after`) matching `predicate`: already journaled, or arriving within the timeout. */
  waitFor(predicate: EntryPredicate, options: WaitOptions): Promise<JournalEntry> {
    const after = options.after ?? 0;
    const found = this.find(predicate, after);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const unsubscribe = this.subscribe((e) => {
        if (e.seq > after && predicate(e)) {
          clearTimeout(timer);
          unsubscribe();
          resolve(e);
        }
      });
      const timer = setTimeout(() => {
        unsubscribe();
        const near = options.near ? this.filter(options.near, after) : this.list.filter((e) => e.seq > after);
        reject(new JournalTimeoutError(options.description, options.timeoutMs, near.slice(-5)));
      }, options.timeoutMs);
    });
  }

  toNdjson(): string {
    return this.list.map((e) => `${JSON.stringify(e)}\n`).join('');
  }
}

/** One line for people: `desktop -> RequestSendEvent ReferenceID=3 ThisDN="7001" Event={...}`. */
export function summarize(entry: JournalEntry): string {
  const { message, ...attributes } = entry.message;
  const text = Object.entries(attributes)
    .filter(([k]) => k !== 'Time' && k !== 'EventSequenceNumber')
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(' ');
  const arrow = entry.direction === 'out' ? '->' : '<-';
  const peer = entry.peer ? ` (${entry.peer})` : '';
  const problem = entry.problem ? ` [invalid: ${entry.problem}]` : '';
  const attrs = text ? ` ${text}` : '';
  const source = entry.source ? ` at ${entry.source.file}:${entry.source.line}` : '';
  return `#${entry.seq} ${entry.party} ${arrow} ${message}${attrs}${peer}${problem}${source}`.trimEnd();
}

/**
 * The message of an entry that records a client's disconnection (not a T-Lib message): the
 * T-Server journals it, a SIP Server log shows it, and the client monitors nothing after it.
 */
export const DISCONNECTED = '(disconnected)';

/**
 * The message of an entry that records that a party was restarted (not a T-Lib message): the
 * harness journals it for the party it restarts, just before; the party then comes back afresh,
 * in its initial state (REC-RECOVERS, REC-QUERY-UNCHANGED).
 */
export const RESTARTED = '(restarted)';

/**
 * The Cause of the DISCONNECTED the T-Server journals for each connection when it restarts: every
 * call is lost with it (a connection merely dropped loses none).
 */
export const TSERVER_RESTARTED = 'the T-Server restarted';
