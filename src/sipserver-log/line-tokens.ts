/**
 * Reads, on the reading thread (line-cutter.ts), what the lines most of a log's T-Lib traffic is
 * printed in say, from their bytes: the `Trc 04541`/`Trc 04542` lines, the `@... message` lines,
 * `message` lines and attribute names. The parser then gets a few numbers per line instead of
 * reading it again (issue 14: reading these was a quarter of the parser's time). Their texts (names,
 * clients, dates: they recur line after line) travel as ids (TextIds), each text once.
 *
 * Only the plain forms are read here: a line in any other form of the spec (a locale timestamp, a
 * character that is not ASCII, an escape in a name) is left to the parser, which reads its text.
 */
import { bytesAre, decode } from './decode.ts';
import {
  CLIENT,
  DATE,
  MICROS,
  MILLIS,
  NAME,
  TOKEN,
  TOKEN_ATTRIBUTE,
  TOKEN_MESSAGE,
  TOKEN_NONE,
  TOKEN_PRINTED,
  TOKEN_RECEIVED,
  TOKEN_SENT,
  VALUE,
} from './line-batch.ts';

/**
 * Ids for byte ranges that recur (a log names the same clients and messages line after line): a
 * range is first looked for in a small cache, by its length and a few of its bytes, and compared
 * byte for byte: one pass over it, most of the time. Otherwise it is found by a hash of its bytes,
 * then compared. A text named for the first time is decoded once and noted in `fresh`, with the
 * record that first names it. Holds at most `max` texts: then starts afresh, reusing ids (a log may
 * name a million clients), but never within a record (`begin`): the ids a record names stand for
 * one text each.
 */
class TextIds {
  private known = new Map<number, Known>();
  private next = 0;
  /** The cache: a text known, by the slot its length and a few of its bytes give it (slotOf). */
  private readonly slots: Array<Known | undefined> = new Array(SLOTS).fill(undefined);
  /** Since last taken: for each text named anew, the record naming it, its id and its text. */
  fresh: Array<number | string> = [];
  /** The bytes texts are read from (a batch's), and a view of them to compare texts four bytes at a time. */
  private bytes: Buffer = Buffer.alloc(0);
  private view = viewOf(this.bytes);

  constructor(private readonly max: number) {}

  /** Reads texts from `bytes` from now on. */
  use(bytes: Buffer): void {
    this.bytes = bytes;
    this.view = viewOf(bytes);
  }

  /** The id of `bytes[start, end)` if it is in the cache, or -1. */
  cached(start: number, end: number): number {
    const known = this.slots[slotOf(this.bytes, start, end)];
    return known && sameBytes(known.view, this.view, start, end) ? known.id : -1;
  }

  /** The id of `bytes[start, end)`, named by record `record`. */
  idOf(start: number, end: number, record: number): number {
    const bytes = this.bytes;
    const hash = hashOf(bytes, start, end);
    let known = this.known.get(hash);
    if (!known || !sameBytes(known.view, this.view, start, end)) {
      known = { view: viewOf(Buffer.from(bytes.subarray(start, end))), id: this.next++ };
      this.known.set(hash, known);
      this.fresh.push(record, known.id, decode(bytes, start, end));
    }
    this.slots[slotOf(bytes, start, end)] = known;
    return known.id;
  }

  /** A record begins: room for the texts it may name is made, if need be by starting afresh. */
  begin(): void {
    if (this.next <= this.max - PER_RECORD) return;
    this.known = new Map();
    this.slots.fill(undefined);
    this.next = 0;
  }

  /** The texts named anew since the last call. */
  take(): Array<number | string> {
    const fresh = this.fresh;
    this.fresh = [];
    return fresh;
  }
}

interface Known {
  /** A copy of its bytes (in memory of its own, or a slice of Buffer's pool). */
  view: DataView;
  id: number;
}

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The cache's size (TextIds): a power of two. */
const SLOTS = 4096;

/**
 * The cache slot of `bytes[start, end)`, by its length and bytes at its ends and middle: texts that
 * recur differ there (clients by their numbers, messages and attributes by their names).
 */
function slotOf(bytes: Uint8Array, start: number, end: number): number {
  const length = end - start;
  if (length === 0) return 0;
  let slot = hashStep(length, bytes[start] as number);
  slot = hashStep(slot, bytes[start + (length >> 1)] as number);
  slot = hashStep(slot, bytes[end - 1] as number);
  slot = hashStep(slot, bytes[end - (length > 1 ? 2 : 1)] as number);
  slot = hashStep(slot, bytes[end - (length > 2 ? 3 : 1)] as number);
  return (slot ^ (slot >>> 12)) & (SLOTS - 1);
}

/** The hash TextIds finds a range by: of its bytes, as `hashStep` takes them one by one (the bytes are compared too). */
function hashOf(bytes: Uint8Array, start: number, end: number): number {
  let hash = 0;
  for (let i = start; i < end; i++) hash = hashStep(hash, bytes[i] as number);
  return hash;
}

function hashStep(hash: number, byte: number): number {
  return (Math.imul(hash, 31) + byte) | 0;
}

/** Texts a record names at most: a message name, a client and a date. */
const PER_RECORD = 3;

/** Whether `a` holds the bytes `[start, end)` of `b`: four at a time (most texts are names of 10 to 30). */
function sameBytes(a: DataView, b: DataView, start: number, end: number): boolean {
  const length = a.byteLength;
  if (length !== end - start) return false;
  let i = 0;
  for (; i + 4 <= length; i += 4) if (a.getUint32(i) !== b.getUint32(start + i)) return false;
  for (; i < length; i++) if (a.getUint8(i) !== b.getUint8(start + i)) return false;
  return true;
}

/** Texts kept at once (TextIds): a log names few messages, but may name a million clients. */
const TEXTS_KEPT = 10_000;

const TAB = 0x09;
const TRC_TEXT = ' Trc 0454';
const RECEIVED_FROM = ' received from ';
const SENT_TO = ' sent to ';
const MESSAGE = 'message ';
const ATTRIBUTE = 'Attribute';
const PRINT_KINDS = [
  'send_to_client: message ',
  'distribute_event: message ',
  'distribute call event: message ',
  'distribute party event: message ',
];

/** The length of the PRINT_KINDS text at `at`, or -1. */
function printKindAt(bytes: Uint8Array, at: number): number {
  for (const text of PRINT_KINDS)
    if (bytes[at] === text.charCodeAt(0) && bytesAre(bytes, at, text)) return text.length;
  return -1;
}

/** The end of the run of printable ASCII characters other than a space from `at`. */
function wordEnd(bytes: Uint8Array, at: number, end: number): number {
  while (at < end) {
    const b = bytes[at] as number;
    if (b <= 32 || b >= 127) break;
    at++;
  }
  return at;
}

/** Whether `bytes[start, end)` is ASCII without a CR (a CR, or a character of several bytes, is read from text). */
function plainAscii(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const b = bytes[i] as number;
    if (b >= 128 || b === 13) return false;
  }
  return true;
}

function digitAt(bytes: Uint8Array, at: number): number {
  const d = (bytes[at] as number) - 48;
  return d >= 0 && d <= 9 ? d : Number.NaN;
}

/**
 * Microseconds since midnight of `HH:MM:SS.mmm` or `HH:MM:SS.ffff` at `bytes[start, end)`, as
 * lines.ts parseClock reads its text; or -1.
 */
function clockOfBytes(bytes: Uint8Array, start: number, end: number): number {
  const length = end - start;
  if ((length !== 12 && length !== 13) || bytes[start + 2] !== 58 || bytes[start + 5] !== 58) return -1;
  if (bytes[start + 8] !== 46 /* . */) return -1;
  const h = digitAt(bytes, start) * 10 + digitAt(bytes, start + 1);
  const min = digitAt(bytes, start + 3) * 10 + digitAt(bytes, start + 4);
  const s = digitAt(bytes, start + 6) * 10 + digitAt(bytes, start + 7);
  let fraction = 0;
  for (let i = start + 9; i < end; i++) {
    const d = digitAt(bytes, i);
    if (Number.isNaN(d)) return -1;
    fraction = fraction * 10 + d;
  }
  // NaN fails every comparison: a non-digit is no clock.
  if (!(h <= 23 && min <= 59 && s <= 60)) return -1;
  return ((h * 60 + min) * 60 + s) * 1_000_000 + (length === 12 ? fraction * 1000 : fraction * 100);
}

/** Writes the tokens of READ lines into a batch's table (the fields line-batch.ts names). */
export class LineTokenizer {
  readonly texts = new TextIds(TEXTS_KEPT);
  /** The line being read: its batch's bytes, the batch's table, where its row starts, its record. */
  private bytes: Buffer = Buffer.alloc(0);
  private table: Int32Array = new Int32Array(0);
  private at = 0;
  private record = 0;

  /**
   * Reads line `bytes[start, end)`, record `record` of the batch whose table row starts at `at`;
   * `marker`: where its first marker stands (lines.ts markerAt), -1 or MARKER_UNKNOWN.
   */
  read(
    bytes: Buffer,
    start: number,
    end: number,
    marker: number,
    table: Int32Array,
    at: number,
    record: number,
  ): void {
    // A batch's lines share its bytes and table: stored when they change, not per line.
    if (this.bytes !== bytes) {
      this.bytes = bytes;
      this.texts.use(bytes);
    }
    if (this.table !== table) this.table = table;
    this.at = at;
    this.record = record;
    this.texts.begin();
    const c = bytes[start];
    let token = TOKEN_NONE;
    if (c === TAB) token = this.attribute(start, end);
    else if (marker >= 0) token = this.trc(start, end, marker);
    else if (c === 64 /* @ */) token = this.printed(start, end);
    else if (c === 109 /* m */) token = this.message(start, end);
    table[at + TOKEN] = token;
  }

  private put(field: number, value: number): void {
    this.table[this.at + field] = value;
  }

  /** The id of the text `bytes[start, end)`. */
  private text(start: number, end: number): number {
    const id = this.texts.cached(start, end);
    return id !== -1 ? id : this.texts.idOf(start, end, this.record);
  }

  /** A time of day (µs) into MILLIS and MICROS. */
  private time(clock: number): void {
    this.put(MILLIS, Math.floor(clock / 1000));
    this.put(MICROS, clock % 1000);
  }

  /** `\tAttribute<name>\t<value>`: a name of printable ASCII without an escape (`\`) in it. */
  private attribute(start: number, end: number): number {
    const bytes = this.bytes;
    let from = start + 1;
    if (bytes[from] === TAB) return TOKEN_NONE;
    if (bytesAre(bytes, from, ATTRIBUTE)) from += ATTRIBUTE.length;
    // The name: printable ASCII up to a tab (or the end), with no escape (`\`) in it.
    let to = from;
    for (; to < end; to++) {
      const b = bytes[to] as number;
      if (b <= 32 || b >= 127 || b === 0x5c) break;
    }
    if (to !== end && bytes[to] !== TAB) return TOKEN_NONE;
    this.put(NAME, this.text(from, to));
    this.put(VALUE, to === end ? -1 : to + 1);
    return TOKEN_ATTRIBUTE;
  }

  /** `<stamp> Trc 04541 <name> received from <client>`, `<stamp> Trc 04542 <name> sent to <client>`. */
  private trc(start: number, end: number, marker: number): number {
    const bytes = this.bytes;
    if (!bytesAre(bytes, marker, TRC_TEXT)) return TOKEN_NONE;
    const kind = bytes[marker + 9];
    if ((kind !== 49 && kind !== 50) /* 1, 2 */ || bytes[marker + 10] !== 32) return TOKEN_NONE;
    const nameStart = marker + 11;
    const nameEnd = wordEnd(bytes, nameStart, end);
    if (nameEnd === nameStart || bytes[nameEnd] !== 32) return TOKEN_NONE;
    const received = kind === 49;
    const words = received ? RECEIVED_FROM : SENT_TO;
    if (!bytesAre(bytes, nameEnd, words)) return TOKEN_NONE;
    const clientStart = nameEnd + words.length;
    // The client: ASCII without a CR (a character of several bytes, or a CR, is read from its text);
    // one known already is.
    const client = this.texts.cached(clientStart, end);
    if (client === -1 && !plainAscii(bytes, clientStart, end)) return TOKEN_NONE;
    if (!this.stamp(start, marker)) return TOKEN_NONE;
    this.put(NAME, this.text(nameStart, nameEnd));
    this.put(CLIENT, client !== -1 ? client : this.text(clientStart, end));
    return received ? TOKEN_RECEIVED : TOKEN_SENT;
  }

  /**
   * The timestamp `bytes[start, end)` into DATE, MILLIS and MICROS, if in a form most logs print
   * (`HH:MM:SS.mmm`, `YYYY-MM-DDTHH:MM:SS.mmm`, `YYYY-MM-DD HH:MM:SS.mmm`); false otherwise.
   */
  private stamp(start: number, end: number): boolean {
    const bytes = this.bytes;
    const length = end - start;
    if ((length === 12 || length === 13) && bytes[start + 2] === 58 /* : */) {
      const clock = clockOfBytes(bytes, start, end);
      if (clock === -1) return false;
      this.put(DATE, -1);
      this.time(clock);
      return true;
    }
    const sep = bytes[start + 10];
    if ((length !== 23 && length !== 24) || bytes[start + 4] !== 45 /* - */ || (sep !== 84 && sep !== 32))
      return false;
    const clock = clockOfBytes(bytes, start + 11, end);
    if (clock === -1 || !plainAscii(bytes, start, start + 10)) return false;
    this.put(DATE, this.text(start, start + 10));
    this.time(clock);
    return true;
  }

  /** `@<time> [<thread>] <version> <kind>: message <name>` */
  private printed(start: number, end: number): number {
    const bytes = this.bytes;
    let i = start + 1;
    while (i < end && bytes[i] !== 32) i++;
    const clock = clockOfBytes(bytes, start + 1, i);
    if (clock === -1 || bytes[++i] !== 91 /* [ */) return TOKEN_NONE;
    for (i++; i < end && bytes[i] !== 93 /* ] */; i++) if (Number.isNaN(digitAt(bytes, i))) return TOKEN_NONE;
    if (bytes[++i] !== 32) return TOKEN_NONE;
    // The version: up to the next space.
    const version = wordEnd(bytes, ++i, end);
    if (version === i || bytes[version] !== 32) return TOKEN_NONE;
    const kind = printKindAt(bytes, version + 1);
    if (kind === -1) return TOKEN_NONE;
    const nameStart = version + 1 + kind;
    const nameEnd = wordEnd(bytes, nameStart, end);
    if (nameEnd === nameStart || nameEnd !== end) return TOKEN_NONE;
    this.put(NAME, this.text(nameStart, nameEnd));
    this.time(clock);
    return TOKEN_PRINTED;
  }

  /** `message <name>` */
  private message(start: number, end: number): number {
    if (!bytesAre(this.bytes, start, MESSAGE)) return TOKEN_NONE;
    const nameStart = start + MESSAGE.length;
    const nameEnd = wordEnd(this.bytes, nameStart, end);
    if (nameEnd === nameStart || nameEnd !== end) return TOKEN_NONE;
    this.put(NAME, this.text(nameStart, nameEnd));
    return TOKEN_MESSAGE;
  }
}
