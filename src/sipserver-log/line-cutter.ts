/**
 * Cuts a log file into batches of lines for the parser (reader.ts): it finds the lines, checks
 * they are UTF-8, passes over the lines of no form the parser reads (most of a busy log: SIP
 * traffic) and tokenizes the rest (line-tokens.ts). Run on a thread of its own for a big log
 * (line-thread.ts). Every byte read is handed over in order to be hashed by the parser's thread:
 * of the two, this is the busier one.
 *
 * A line passed over still dates the dateless lines after it (parser.ts): one that starts with a
 * date is handed over unless the last one passed over had that date and no line was handed over
 * since (the parser's date is then that date already, or one it could not read).
 */
import { isUtf8 } from 'node:buffer';
import { readSync } from 'node:fs';
import {
  type BatchMemory,
  CHUNK_BYTES,
  END,
  KIND,
  LINE,
  type LineBatch,
  MARKER,
  MARKER_UNKNOWN,
  MAX_LINE_BYTES,
  NOT_UTF8,
  OVERLONG,
  PASSED_OVER,
  READ,
  RECORD,
  START,
  TOKEN,
  TOKEN_NONE,
  TRUNCATED,
} from './line-batch.ts';
import { LineTokenizer } from './line-tokens.ts';
import { leadingDateBytes, markerAt, mayBeRead } from './lines.ts';

const NEWLINE = 0x0a;
const CR = 0x0d;
const TAB = 0x09;

/** Where batches are made, and where they go once made. */
export interface BatchMemories {
  take(): BatchMemory;
  hand(batch: LineBatch): void;
}

/** The memory of one batch: room for a line begun before and a chunk. */
export function batchMemory(): BatchMemory {
  return { bytes: new ArrayBuffer(MAX_LINE_BYTES + CHUNK_BYTES), table: new Int32Array(RECORD * 16_384) };
}

class LineBatcher {
  private memory: BatchMemory;
  /** The batch's bytes, to fill: a line begun before, and a chunk's whole lines. */
  bytes: Buffer;
  private count = 0;
  private lineNo = 0;
  /** The last record is a PASSED_OVER run that goes on. */
  private passing = false;
  /** The date (its bytes) of the last dated line passed over and handed over, since no other line was. */
  private lastDate: Buffer | undefined;
  private readonly tokens = new LineTokenizer();
  /** The bytes of the file read into this memory (LineBatch hashFrom, hashTo). */
  private hashFrom = 0;
  private hashTo = 0;

  constructor(private readonly memories: BatchMemories) {
    this.memory = memories.take();
    this.bytes = Buffer.from(this.memory.bytes);
  }

  /** Adds a record (its token: none); returns where its row starts. */
  private record(kind: number, start: number, end: number, line: number, marker = MARKER_UNKNOWN): number {
    let table = this.memory.table;
    if (this.count * RECORD === table.length) {
      table = new Int32Array(table.length * 2);
      table.set(this.memory.table);
      this.memory.table = table;
    }
    const at = this.count++ * RECORD;
    table[at + KIND] = kind;
    table[at + START] = start;
    table[at + END] = end;
    table[at + LINE] = line;
    table[at + MARKER] = marker;
    table[at + TOKEN] = TOKEN_NONE;
    this.passing = kind === PASSED_OVER;
    if (kind !== PASSED_OVER) this.lastDate = undefined;
    return at;
  }

  /** A line to read, with what the tokenizer reads of it. */
  private read(buf: Buffer, start: number, end: number, line: number, marker: number): void {
    const at = this.record(READ, start, end, line, marker);
    this.tokens.read(buf, start, end, marker, this.memory.table, at, this.count - 1);
  }

  /** Line `buf[start, end)` (line end and CR excluded), known to be UTF-8. */
  private line(buf: Buffer, start: number, end: number): void {
    const line = ++this.lineNo;
    const c = buf[start] as number;
    const digit = c >= 48 && c <= 57;
    // A line starting with a digit is read if it holds a marker (mayBeRead): where, the parser is told.
    const marker = digit ? markerAt(buf, start, end) : MARKER_UNKNOWN;
    if (c === TAB || marker >= 0 || (!digit && mayBeRead(buf, start, end)))
      return this.read(buf, start, end, line, marker);
    const date = digit ? leadingDateBytes(buf, start, end) : 0;
    if (date > 0 && !this.lastDate?.equals(buf.subarray(start, start + date))) {
      this.record(READ, start, end, line, marker);
      this.lastDate = Buffer.from(buf.subarray(start, start + date));
      return;
    }
    if (!this.passing) this.record(PASSED_OVER, 0, 0, line);
  }

  /** The lines of `bytes[from, last]`, each ended by a line end (the last one at `last`). */
  lines(from: number, last: number): void {
    const buf = this.bytes;
    const whole = isUtf8(buf.subarray(from, last));
    for (let at = from; at <= last; ) {
      const nl = buf.indexOf(NEWLINE, at);
      const end = nl > at && buf[nl - 1] === CR ? nl - 1 : nl;
      if (nl - at > MAX_LINE_BYTES) this.record(OVERLONG, 0, 0, ++this.lineNo);
      else if (whole || isUtf8(buf.subarray(at, end))) this.line(buf, at, end);
      else this.record(NOT_UTF8, 0, 0, ++this.lineNo);
      at = nl + 1;
    }
  }

  /** The last line, `bytes[0, length)`, that the file ends inside. */
  truncated(length: number): void {
    const line = ++this.lineNo;
    const buf = this.bytes.subarray(0, length);
    if (!isUtf8(buf)) {
      this.record(NOT_UTF8, 0, 0, line);
      return;
    }
    this.record(TRUNCATED, 0, length > 0 && buf[length - 1] === CR ? length - 1 : length, line);
  }

  /** A line too long to hold: reported, and its bytes passed over up to its line end. */
  overlong(): void {
    this.record(OVERLONG, 0, 0, ++this.lineNo);
  }

  /** Reads the next chunk of the file open at `fd` into this memory at `at`: the bytes read. */
  readAt(fd: number, at: number): number {
    const n = readSync(fd, this.bytes, at, CHUNK_BYTES, null);
    // Reads into one memory follow each other: their bytes are one range.
    if (this.hashTo === this.hashFrom) this.hashFrom = at;
    this.hashTo = at + n;
    return n;
  }

  /**
   * Hands over the records so far, with the `length` bytes they point into, and the bytes read
   * into this memory (to be hashed); the next batch is made in other memory.
   */
  flush(length: number): void {
    if (this.count === 0 && this.hashTo === this.hashFrom) return;
    this.memories.hand({
      kind: 'lines',
      ...this.memory,
      length,
      count: this.count,
      texts: this.tokens.texts.take(),
      hashFrom: this.hashFrom,
      hashTo: this.hashTo,
    });
    this.memory = this.memories.take();
    this.bytes = Buffer.from(this.memory.bytes);
    this.count = 0;
    this.passing = false;
    this.hashFrom = 0;
    this.hashTo = 0;
  }
}

/**
 * Reads the file open at `fd` to its end, in batches made and handed on through `memories`: every
 * byte read is in one batch's hashed range, in order. Returns the bytes read.
 */
export function cutLines(fd: number, memories: BatchMemories): number {
  const batcher = new LineBatcher(memories);
  let bytes = 0;
  /** The bytes of a line that the previous chunk did not end, at the start of the batch's memory. */
  let head = 0;
  /** Inside an over-long line: its bytes are dropped up to its line end. */
  let overlong = false;
  for (;;) {
    // Each chunk is read into the batch's own memory, after the line begun before: never copied.
    const n = batcher.readAt(fd, head);
    if (n === 0) break;
    const buf = batcher.bytes;
    const end = head + n;
    bytes += n;
    /** Where this chunk's lines start. */
    let from = 0;
    if (overlong) {
      const nl = buf.indexOf(NEWLINE);
      if (nl === -1 || nl >= end) {
        // Dropped, but hashed: handed over before the memory is read into again.
        batcher.flush(0);
        continue;
      }
      overlong = false;
      from = nl + 1;
    }
    const last = buf.lastIndexOf(NEWLINE, end - 1);
    if (last < from) {
      // No line ends in this chunk: it all goes on the line begun before.
      if (end - from > MAX_LINE_BYTES) {
        batcher.overlong();
        batcher.flush(0);
        head = 0;
        overlong = true;
      } else if (from > 0) {
        // After an over-long line's end: the line begun is carried to fresh memory, what was read handed over.
        const rest = Buffer.from(buf.subarray(from, end));
        batcher.flush(0);
        head = rest.copy(batcher.bytes, 0);
      } else head = end;
      continue;
    }
    // The batch: the line begun before (at most MAX_LINE_BYTES), and this chunk's whole lines.
    batcher.lines(from, last);
    // What follows the chunk's last line end is carried over (a chunk is no longer than a line may be).
    const rest = last + 1 < end ? Buffer.from(buf.subarray(last + 1, end)) : undefined;
    batcher.flush(last + 1);
    head = rest ? rest.copy(batcher.bytes, 0) : 0;
  }
  if (head > 0) batcher.truncated(head);
  batcher.flush(head);
  return bytes;
}
