/**
 * The journal: every message a party sent or received, in order, with the time it was seen. It is
 * the source of truth for steps, rules and reports. Waiting looks back first, then waits: messages
 * can arrive before the step that expects them.
 */

import { show } from './tlib/codec.ts';
import { jsonOf } from './tlib/depth.ts';
import { EVENT_NAMES, REPLY_NAMES, REQUEST_NAMES, type WireMessage } from './tlib/messages.ts';
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
  /**
   * Set on the journal's own entries only (see pseudoEntry): what the recorder saw happen to a
   * connection or a party, not a message. A party's message is journaled as it came, whatever its
   * name, and never has it: no peer can forge a disconnection or a restart for the rules.
   */
  pseudo?: true;
}

/** The journal's name for a line a client wrote that no T-Server can read (not a T-Lib message). */
export const UNREADABLE_LINE = '(unreadable line)';

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

/** The names of the journal's own entries. */
export type PseudoName = typeof UNREADABLE_LINE | typeof DISCONNECTED | typeof RESTARTED;

/**
 * The journal's format, as a simulator's admin API states it (`x-journal-format` on GET /journal):
 * 2, its own entries carry `pseudo: true`. A harness following a simulator of another format
 * would misread its disconnections and restarts (JournalMirror refuses to).
 */
export const JOURNAL_FORMAT = 2;

/**
 * The message of the journal's own entry `name`, with its `attributes` (a Cause, a Length), and
 * the mark that makes it one: only the code that saw it happen records it so.
 */
export function pseudoEntry(
  name: PseudoName,
  attributes: Readonly<Record<string, unknown>> & { message?: never } = {},
): { message: WireMessage; pseudo: true } {
  return { message: { message: name, ...attributes } as WireMessage, pseudo: true };
}

/**
 * Whether `entry` is the journal's own entry `name`. A message a party sent under that name is
 * not: it is the unknown message it is, judged (and dropped first) as any other.
 */
export function isPseudo(entry: { message: WireMessage; pseudo?: true }, name: PseudoName): boolean {
  return entry.pseudo === true && entry.message.message === name;
}

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
  /** Keep at most this many entries, dropping chaff first, then the oldest (counted in `dropped`). Default: all. */
  limit?: number;
  /**
   * Keep at most this many bytes of messages (their JSON, and a little for each entry), dropping
   * chaff first, then the oldest (counted in `dropped` and `droppedBytes`). Default DEFAULT_JOURNAL_BYTES.
   */
  maxBytes?: number;
}

/** 64 MiB: some 200,000 screen-capture messages, far more than a conformance run exchanges. */
export const DEFAULT_JOURNAL_BYTES = 64 * 1024 * 1024;
/** What an entry holds beside its message (times, peer names), roughly. */
const ENTRY_OVERHEAD_BYTES = 200;

/** Messages' JSON sizes, once measured or told (links know them from the line): journals share message objects. */
const messageBytes = new WeakMap<WireMessage, number>();

/** The size of `message` as JSON, as the one who read or wrote the line said, or measured once. */
function sizeOf(message: WireMessage, told?: number): number {
  if (told !== undefined) return told + ENTRY_OVERHEAD_BYTES;
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

/**
 * What a journal can let go of first: lines no T-Server can read, messages that are no T-Lib
 * message, requests refused for their own content, and the replies to those. Of the rules, only
 * TSRV-ERROR-CODE reads them (see rules/dropped.ts); everything else is evidence, dropped last.
 */
export const CHAFF_KINDS = [
  'unreadable lines',
  'unknown messages',
  'invalid requests',
  'refusals of those',
] as const;
export type DropKind = (typeof CHAFF_KINDS)[number] | 'evidence';

const TLIB_NAMES: ReadonlySet<string> = new Set<string>([...REQUEST_NAMES, ...EVENT_NAMES]);

/** The chaff kind of an entry by its own content, or undefined (evidence, or a reply: see Journal.kindOf). */
function chaffKind(entry: JournalEntry): DropKind | undefined {
  const name = entry.message.message;
  if (entry.pseudo) return name === UNREADABLE_LINE ? 'unreadable lines' : undefined;
  if (!TLIB_NAMES.has(name)) return 'unknown messages';
  // A Tevent's content is the rules' to judge (DESK-*, REC-*), however invalid the request.
  if (entry.problem !== undefined && name !== 'RequestSendEvent') return 'invalid requests';
  // The refusal of an unreadable line: it carries no ReferenceID, and only TSRV-ERROR-CODE reads it.
  if (name === 'EventError' && entry.message.ReferenceID === undefined) return 'refusals of those';
  return undefined;
}

/** Who sent or received an entry, and its ReferenceID: a request's and its reply's are the same. */
function exchangeKey(entry: JournalEntry): string {
  return `${entry.party}\u0000${entry.peerId ?? entry.peer ?? ''}\u0000${referenceText(entry.message.ReferenceID)}`;
}

/**
 * A ReferenceID as text. A client may send any JSON value: an object is shown as its (short) JSON,
 * however nested (String() throws on one whose `toString` is not a function, and names every
 * object alike). Two long ones alike in their first 77 characters share a key: both are chaff.
 */
function referenceText(ref: unknown): string {
  return typeof ref === 'object' && ref !== null ? show(ref) : String(ref);
}

/** Chaff requests awaiting their reply, per journal: a T-Server answers at once, so a few suffice. */
const MAX_PENDING_CHAFF = 1024;

/** A first-in first-out queue of entries with O(1) push and shift. */
class EntryQueue {
  private items: JournalEntry[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(entry: JournalEntry): void {
    this.items.push(entry);
  }

  shift(): JournalEntry | undefined {
    if (this.head >= this.items.length) return undefined;
    const entry = this.items[this.head] as JournalEntry;
    this.items[this.head++] = undefined as unknown as JournalEntry; // let it go now
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return entry;
  }
}

/** Who recorded an entry and the peer it names: the same for every message of a connection. */
export type EntryNames = Pick<JournalEntry, 'party' | 'peer' | 'peerId' | 'peerAddress' | 'peerApplication'>;

/**
 * An entry kept as its message's line (see Journal.appendLine), parsed again when first read: one
 * string for the garbage collector to keep, where a parsed message is a tree of objects (and its
 * time, text made from `micros` when read). It reads, and serializes, as any other entry.
 */
class LineEntry implements JournalEntry {
  declare problem?: string;
  /** The message while its listeners are told (they read it), and once read again. */
  private parsed: WireMessage | undefined;

  constructor(
    readonly seq: number,
    readonly micros: number,
    readonly direction: Direction,
    /** Shared by the entries of one connection under one name: not one copy each. */
    readonly names: EntryNames,
    /** The message's JSON, as read or written. */
    readonly line: string,
    problem: string | undefined,
  ) {
    if (problem !== undefined) this.problem = problem;
  }

  get party(): string {
    return this.names.party;
  }

  get peer(): string | undefined {
    return this.names.peer;
  }

  get peerId(): string | undefined {
    return this.names.peerId;
  }

  get peerAddress(): string | undefined {
    return this.names.peerAddress;
  }

  get peerApplication(): string | undefined {
    return this.names.peerApplication;
  }

  get time(): string {
    return isoMicros(this.micros);
  }

  get message(): WireMessage {
    this.parsed ??= JSON.parse(this.line) as WireMessage;
    return this.parsed;
  }

  /** Lends it the parsed message (undefined: takes it back; it is parsed again when read). */
  lend(message: WireMessage | undefined): void {
    this.parsed = message;
  }

  /** The entry as a plain object, its fields in the order of any other entry's. */
  toJSON(): JournalEntry {
    const plain = {
      seq: this.seq,
      time: this.time,
      micros: this.micros,
      party: this.party,
      direction: this.direction,
    } as JournalEntry;
    if (this.peer !== undefined) plain.peer = this.peer;
    if (this.peerId !== undefined) plain.peerId = this.peerId;
    if (this.peerAddress !== undefined) plain.peerAddress = this.peerAddress;
    if (this.peerApplication !== undefined) plain.peerApplication = this.peerApplication;
    // Not cached: serializing the journal (GET /journal) must not make it hold every message parsed.
    plain.message = this.parsed ?? (JSON.parse(this.line) as WireMessage);
    if (this.problem !== undefined) plain.problem = this.problem;
    return plain;
  }
}

/** Bytes of one page of kept lines (see LinePages). */
const PAGE_BYTES = 1024 * 1024;
/** A longer line stays a string: a page holds many lines. */
const MAX_PAGED_CHARS = PAGE_BYTES / 64;

/**
 * Lines kept as UTF-8 in pages outside the JS heap, appended in order and let go of oldest page
 * first: a kept string is one more thing the garbage collector copies and marks while it is kept.
 */
class LinePages {
  private readonly pages: Buffer[] = [];
  /** The number of pages[0] (pages are numbered as they are opened). */
  private first = 0;
  private used = PAGE_BYTES;
  /** A page let go of, reused for the next. */
  private spare: Buffer | undefined;
  /** The line written last, where, and its bytes: an event goes to each recipient as the same line. */
  private lastLine: string | undefined;
  private lastAt = 0;
  lastBytes = 0;

  /** Writes `line` (at most MAX_PAGED_CHARS) unless it was the last written; returns where it is (lastBytes: its bytes). */
  write(line: string): number {
    if (line === this.lastLine) return this.lastAt;
    // A UTF-16 code unit is at most 3 bytes of UTF-8.
    if (this.used + line.length * 3 > PAGE_BYTES) this.open();
    const page = this.pages[this.pages.length - 1] as Buffer;
    this.lastAt = (this.first + this.pages.length - 1) * PAGE_BYTES + this.used;
    this.lastBytes = page.write(line, this.used, 'utf8');
    this.used += this.lastBytes;
    this.lastLine = line;
    return this.lastAt;
  }

  read(at: number, bytes: number): string {
    const page = this.pages[Math.floor(at / PAGE_BYTES) - this.first] as Buffer;
    const offset = at % PAGE_BYTES;
    return page.toString('utf8', offset, offset + bytes);
  }

  /** Lets go of the pages before the one holding `at` (no line kept is in them). */
  releaseBefore(at: number): void {
    const page = Math.floor(at / PAGE_BYTES);
    while (this.first < page && this.pages.length > 1) {
      this.spare = this.pages.shift();
      this.first++;
    }
  }

  private open(): void {
    this.pages.push(this.spare ?? Buffer.allocUnsafeSlow(PAGE_BYTES));
    this.spare = undefined;
    this.used = 0;
  }
}

/**
 * The kept entries, oldest first, as a ring of columns: each one's size, seq and either its object
 * or, for an entry kept as a line (evidence from appendLine: the T-Server's four entries for every
 * event it relays), its time, direction, names and line (in LinePages). Such an entry holds no
 * object of its own until it is first read (numbers sit unboxed in typed arrays, names are shared):
 * each object a kept entry holds is one more the garbage collector copies twice (entries live for
 * a bound's worth of traffic) and marks for as long, and growing arrays to drop their heads copied
 * each entry again.
 */
class EntryRing {
  private objects: Array<JournalEntry | undefined>;
  private names: Array<EntryNames | undefined>;
  /** A line too long for a page; '' when it is in one. */
  private lines: string[];
  /** Where the line is in `pages`, and its bytes (-1: in `lines`, or none). */
  private locations: Float64Array;
  private lineBytes: Int32Array;
  private sizes: Float64Array;
  private seqs: Float64Array;
  private micros: Float64Array;
  /** 1: out, 0: in. */
  private outs: Uint8Array;
  /** Absolute positions of the oldest entry and of the next one. */
  private head = 0;
  private tail = 0;

  /** `capacity`: a power of two. */
  constructor(
    private capacity = 1024,
    private readonly pages = new LinePages(),
  ) {
    this.objects = new Array(capacity).fill(undefined);
    this.names = new Array(capacity).fill(undefined);
    this.lines = new Array(capacity).fill('');
    this.locations = new Float64Array(capacity);
    this.lineBytes = new Int32Array(capacity).fill(-1);
    this.sizes = new Float64Array(capacity);
    this.seqs = new Float64Array(capacity);
    this.micros = new Float64Array(capacity);
    this.outs = new Uint8Array(capacity);
  }

  get length(): number {
    return this.tail - this.head;
  }

  pushObject(entry: JournalEntry, bytes: number): void {
    const i = this.slot();
    this.objects[i] = entry;
    this.fill(i, bytes, entry.seq, entry.micros, entry.direction);
  }

  pushLine(entry: LineEntry, bytes: number): void {
    const i = this.slot();
    this.names[i] = entry.names;
    const line = entry.line;
    if (line.length <= MAX_PAGED_CHARS) {
      this.locations[i] = this.pages.write(line);
      this.lineBytes[i] = this.pages.lastBytes;
    } else this.lines[i] = line;
    this.fill(i, bytes, entry.seq, entry.micros, entry.direction);
  }

  /** The `k`th oldest entry's size. */
  sizeAt(k: number): number {
    return this.sizes[this.index(k)] as number;
  }

  seqAt(k: number): number {
    return this.seqs[this.index(k)] as number;
  }

  /** The `k`th oldest entry; one kept as a line is made anew, until `keep` keeps it (the same on every read). */
  entryAt(k: number): JournalEntry {
    const i = this.index(k);
    const object = this.objects[i];
    if (object !== undefined) return object;
    const entry = new LineEntry(
      this.seqs[i] as number,
      this.micros[i] as number,
      this.outs[i] === 1 ? 'out' : 'in',
      this.names[i] as EntryNames,
      (this.lineBytes[i] as number) >= 0
        ? this.pages.read(this.locations[i] as number, this.lineBytes[i] as number)
        : (this.lines[i] as string),
      undefined,
    );
    return entry;
  }

  /** The `k`th oldest entry, read by entryAt without keeping it, becomes that object for good. */
  keep(k: number, entry: JournalEntry): void {
    const i = this.index(k);
    if (this.objects[i] !== undefined) return;
    this.objects[i] = entry;
    this.release(i, false);
  }

  /** Drops the oldest entry; returns its size. */
  shift(): number {
    const i = this.index(0);
    const size = this.sizes[i] as number;
    if ((this.lineBytes[i] as number) >= 0) this.pages.releaseBefore(this.locations[i] as number);
    this.release(i, true);
    this.head++;
    return size;
  }

  /** Drops the entries `gone` holds (objects), keeping the others in order. */
  remove(gone: ReadonlySet<JournalEntry>): void {
    this.rebuild(this.capacity, gone);
  }

  private index(k: number): number {
    return (this.head + k) & (this.capacity - 1);
  }

  /** The slot of a new newest entry, growing the ring when full. */
  private slot(): number {
    if (this.length === this.capacity) this.rebuild(this.capacity * 2);
    return this.tail++ & (this.capacity - 1);
  }

  private fill(i: number, bytes: number, seq: number, micros: number, direction: Direction): void {
    this.sizes[i] = bytes;
    this.seqs[i] = seq;
    this.micros[i] = micros;
    this.outs[i] = direction === 'out' ? 1 : 0;
  }

  /** Lets go of what slot `i` holds; `dropped`: the entry itself too (else it is an object now). */
  private release(i: number, dropped: boolean): void {
    this.names[i] = undefined;
    this.lines[i] = '';
    // An entry made an object keeps its place in the pages: they are let go of in order (shift).
    if (!dropped) return;
    this.objects[i] = undefined;
    this.lineBytes[i] = -1;
  }

  /** Reallocates to `capacity` (at least the length), the oldest entry first, leaving out `gone`. */
  private rebuild(capacity: number, gone?: ReadonlySet<JournalEntry>): void {
    const next = new EntryRing(capacity, this.pages);
    for (let k = 0; k < this.length; k++) {
      const i = this.index(k);
      const object = this.objects[i];
      if (object === undefined || !gone?.has(object)) next.copyFrom(this, i);
    }
    Object.assign(this, next);
  }

  /** Appends `from`'s entry at slot `i`. */
  private copyFrom(from: EntryRing, i: number): void {
    const j = this.tail++ & (this.capacity - 1);
    this.objects[j] = from.objects[i];
    this.names[j] = from.names[i];
    this.lines[j] = from.lines[i] as string;
    this.locations[j] = from.locations[i] as number;
    this.lineBytes[j] = from.lineBytes[i] as number;
    this.sizes[j] = from.sizes[i] as number;
    this.seqs[j] = from.seqs[i] as number;
    this.micros[j] = from.micros[i] as number;
    this.outs[j] = from.outs[i] as number;
  }
}

/** Called with each entry appended, and its message's size on the wire. */
export type JournalListener = (entry: JournalEntry, bytes: number) => void;

export class Journal {
  /** Kept entries in order, chaff dropped but not yet removed included (see `gone`). */
  private readonly ring = new EntryRing();
  private readonly listeners = new Set<JournalListener>();
  private nextSeq = 1;
  private readonly limit: number;
  private readonly maxBytes: number;
  /** Bytes the kept entries hold (see JournalOptions.maxBytes). */
  private bytes = 0;
  /** Kept chaff, oldest first: dropped before any evidence. */
  private readonly chaff = new EntryQueue();
  /** Each kept chaff entry's kind and size. */
  private readonly chaffOf = new Map<JournalEntry, { kind: DropKind; bytes: number }>();
  /** A chaff request's reply, dropped with it (a reply without its request would be a stray). */
  private readonly replyOf = new Map<JournalEntry, JournalEntry>();
  /** Chaff requests awaiting their reply, by exchangeKey. */
  private readonly pendingChaff = new Map<string, JournalEntry>();
  /** Entries dropped but still in `list` (removed at the next compaction), and their bytes. */
  private readonly gone = new Set<JournalEntry>();
  private goneBytes = 0;
  /** Entries dropped to honour `limit` or `maxBytes`. */
  dropped = 0;
  /** Their bytes. */
  droppedBytes = 0;
  /** Per kind, how many entries were dropped and their bytes. */
  private readonly droppedByKind = new Map<DropKind, { entries: number; bytes: number }>();

  constructor(options: JournalOptions = {}) {
    this.limit = options.limit ?? Number.POSITIVE_INFINITY;
    this.maxBytes = options.maxBytes ?? DEFAULT_JOURNAL_BYTES;
  }

  /** Bytes the kept entries hold: at most maxBytes. */
  get keptBytes(): number {
    return this.bytes;
  }

  /** Entries the rules judge (not chaff) that were dropped: then no rule saw all its evidence. */
  get droppedEvidence(): number {
    return this.droppedByKind.get('evidence')?.entries ?? 0;
  }

  /** Per kind, what was dropped (entries, bytes), chaff kinds first. */
  get droppedKinds(): ReadonlyMap<DropKind, { entries: number; bytes: number }> {
    return this.droppedByKind;
  }

  /** What the journal let go of to stay within its bounds, in words; undefined when nothing. */
  get droppedText(): string | undefined {
    if (this.dropped === 0) return undefined;
    const kinds = [...CHAFF_KINDS, 'evidence' as const]
      .flatMap((kind) => {
        const d = this.droppedByKind.get(kind);
        if (!d) return [];
        const what = kind === 'evidence' ? 'messages the rules judge' : kind;
        return [`${what}: ${d.entries} (${d.bytes} bytes)`];
      })
      .join(', ');
    const bound = `${this.limit === Number.POSITIVE_INFINITY ? '' : `${this.limit} entries and `}${this.maxBytes} bytes`;
    return `the journal dropped ${this.dropped} message(s) (${this.droppedBytes} bytes) to stay within ${bound}: ${kinds}`;
  }

  /** `messageBytes`: the message's size on the wire, when the caller knows it (else it is measured). */
  append(entry: NewEntry, messageBytes?: number): JournalEntry {
    const micros = nowMicros();
    return this.store({ seq: this.nextSeq++, time: isoMicros(micros), micros, ...entry }, messageBytes);
  }

  /**
   * Appends a message its caller has as a line (`line`: its JSON, as read or written, for all
   * recipients alike; `bytes`: its size on the wire, without its line end): the journal keeps the
   * line, and lends `message` to its listeners.
   */
  appendLine(
    names: EntryNames,
    direction: Direction,
    line: string,
    bytes: number,
    message: WireMessage,
    problem?: string,
  ): JournalEntry {
    const entry = new LineEntry(this.nextSeq++, nowMicros(), direction, names, line, problem);
    entry.lend(message);
    this.store(entry, bytes, problem === undefined);
    entry.lend(undefined);
    return entry;
  }

  /** Appends an entry recorded by another journal, keeping the time it was seen there. */
  copy(entry: JournalEntry, messageBytes?: number): JournalEntry {
    const plain = entry instanceof LineEntry ? entry.toJSON() : entry;
    return this.store({ ...plain, seq: this.nextSeq++ }, messageBytes);
  }

  /** `asLine`: `full` is a LineEntry, kept as a line (see EntryRing) if it is evidence. */
  private store(full: JournalEntry, messageBytes: number | undefined, asLine = false): JournalEntry {
    const bytes = sizeOf(full.message, messageBytes);
    const kind = this.kindOf(full);
    if (this.limit > 0 && bytes <= this.maxBytes) {
      // Chaff stays an object: it is dropped out of order, by identity (chaffOf, replyOf, gone).
      if (asLine && kind === 'evidence') this.ring.pushLine(full as LineEntry, bytes);
      else this.ring.pushObject(full, bytes);
      this.bytes += bytes;
      if (kind !== 'evidence') {
        this.chaff.push(full);
        this.chaffOf.set(full, { kind, bytes });
      }
      if (this.over()) this.shed();
    } else {
      this.count(kind, bytes);
    }
    for (const listener of this.listeners) listener(full, bytes - ENTRY_OVERHEAD_BYTES);
    return full;
  }

  /** Evidence, or which chaff; pairs a chaff request with its reply (see replyOf). */
  private kindOf(entry: JournalEntry): DropKind {
    const own = chaffKind(entry);
    const name = entry.message.message;
    if (own !== undefined) {
      if (
        own !== 'refusals of those' &&
        entry.message.ReferenceID !== undefined &&
        name.startsWith('Request')
      ) {
        if (this.pendingChaff.size >= MAX_PENDING_CHAFF)
          this.pendingChaff.delete(this.pendingChaff.keys().next().value as string);
        this.pendingChaff.set(exchangeKey(entry), entry);
      }
      return own;
    }
    if (!REPLY_NAMES.has(name) || this.pendingChaff.size === 0) return 'evidence';
    const key = exchangeKey(entry);
    const request = this.pendingChaff.get(key);
    if (!request) return 'evidence';
    this.pendingChaff.delete(key);
    if (this.chaffOf.has(request)) this.replyOf.set(request, entry);
    return 'refusals of those';
  }

  private over(): boolean {
    return this.bytes > this.maxBytes || this.ring.length - this.gone.size > this.limit;
  }

  /** Drops chaff, oldest first, then the oldest evidence, until within both bounds. */
  private shed(): void {
    while (this.over() && this.chaff.size > 0) {
      const entry = this.chaff.shift() as JournalEntry;
      const reply = this.replyOf.get(entry);
      this.dropChaff(entry);
      if (reply) this.dropChaff(reply);
    }
    // Dropped chaff still in the ring holds its memory: let go of it by the time it is an eighth of the bound.
    if (this.gone.size > 0 && (this.goneBytes > this.maxBytes / 8 || this.over())) this.compact();
    // Chaff all gone: what is left is evidence, dropped from the head (O(1)).
    while (this.over()) {
      const size = this.ring.shift();
      this.bytes -= size;
      this.count('evidence', size);
    }
  }

  private dropChaff(entry: JournalEntry): void {
    const chaff = this.chaffOf.get(entry);
    if (!chaff) return; // dropped already, with its request
    this.chaffOf.delete(entry);
    this.replyOf.delete(entry);
    this.gone.add(entry);
    this.goneBytes += chaff.bytes;
    this.bytes -= chaff.bytes;
    this.count(chaff.kind, chaff.bytes);
  }

  private count(kind: DropKind, bytes: number): void {
    this.dropped++;
    this.droppedBytes += bytes;
    const d = this.droppedByKind.get(kind) ?? { entries: 0, bytes: 0 };
    d.entries++;
    d.bytes += bytes;
    this.droppedByKind.set(kind, d);
  }

  /** Removes dropped chaff from the ring: one pass, at most once per maxBytes/8 of it (or when read). */
  private compact(): void {
    if (this.gone.size === 0) return;
    this.ring.remove(this.gone);
    this.gone.clear();
    this.goneBytes = 0;
  }

  /** Every kept entry; one kept as a line is made an object now, the same object on every read. */
  get entries(): readonly JournalEntry[] {
    return this.filter(() => true);
  }

  /** How many entries are kept. */
  get size(): number {
    return this.ring.length - this.gone.size;
  }

  /** The position (compacted) of the first entry whose seq is after `after`: seqs grow along the ring. */
  private firstAfter(after: number): number {
    this.compact();
    let lo = 0;
    let hi = this.ring.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ring.seqAt(mid) > after) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** Seq of the last entry appended (0 when empty): a mark to wait for what comes after. */
  get mark(): number {
    return this.nextSeq - 1;
  }

  // An entry kept as a line is made an object for good only when it is returned: one scanned and
  // passed over stays a line (else every search would turn the whole journal back into objects).
  find(predicate: EntryPredicate, after = 0): JournalEntry | undefined {
    for (let k = this.firstAfter(after); k < this.ring.length; k++) {
      const entry = this.ring.entryAt(k);
      if (predicate(entry)) {
        this.ring.keep(k, entry);
        return entry;
      }
    }
    return undefined;
  }

  filter(predicate: EntryPredicate, after = 0): JournalEntry[] {
    const found: JournalEntry[] = [];
    for (let k = this.firstAfter(after); k < this.ring.length; k++) {
      const entry = this.ring.entryAt(k);
      if (predicate(entry)) {
        this.ring.keep(k, entry);
        found.push(entry);
      }
    }
    return found;
  }

  /** Calls `listener` for every entry appended from now on; returns the unsubscribe function. */
  subscribe(listener: JournalListener): () => void {
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
        const near = options.near ? this.filter(options.near, after) : this.filter(() => true, after);
        reject(new JournalTimeoutError(options.description, options.timeoutMs, near.slice(-5)));
      }, options.timeoutMs);
    });
  }

  /** The entries kept after `after` (default: all), one JSON line each. */
  toNdjson(after = 0): string {
    // Lines are serialized without making them objects for good: exporting must not make the journal hold more.
    let text = '';
    for (let k = this.firstAfter(after); k < this.ring.length; k++)
      text += `${jsonOf(this.ring.entryAt(k))}\n`;
    return text;
  }
}

/**
 * The most of one attribute's JSON a summary shows: findings quote a message in every finding about
 * it, and a party may send megabytes in one field (the trace has it whole).
 */
export const SUMMARY_VALUE_CHARS = 500;

function summaryValue(value: unknown): string {
  const json = jsonOf(value);
  if (json.length <= SUMMARY_VALUE_CHARS) return json;
  return `${json.slice(0, SUMMARY_VALUE_CHARS)}... (${json.length - SUMMARY_VALUE_CHARS} more characters: see the trace)`;
}

/** One line for people: `desktop -> RequestSendEvent ReferenceID=3 ThisDN="7001" Event={...}`. */
export function summarize(entry: JournalEntry): string {
  const { message, ...attributes } = entry.message;
  const text = Object.entries(attributes)
    .filter(([k]) => k !== 'Time' && k !== 'EventSequenceNumber')
    .map(([k, v]) => `${k}=${summaryValue(v)}`)
    .join(' ');
  const arrow = entry.direction === 'out' ? '->' : '<-';
  const peer = entry.peer ? ` (${entry.peer})` : '';
  const problem = entry.problem ? ` [invalid: ${entry.problem}]` : '';
  const attrs = text ? ` ${text}` : '';
  const source = entry.source ? ` at ${entry.source.file}:${entry.source.line}` : '';
  return `#${entry.seq} ${entry.party} ${arrow} ${message}${attrs}${peer}${problem}${source}`.trimEnd();
}

/**
 * The Cause of the DISCONNECTED the T-Server journals for each connection when it restarts: every
 * call is lost with it (a connection merely dropped loses none).
 */
export const TSERVER_RESTARTED = 'the T-Server restarted';
