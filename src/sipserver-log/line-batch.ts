/**
 * What the reading thread (line-thread.ts) hands the reader (reader.ts): a batch of a log's
 * lines. The batch's bytes are whole lines (a line the file's chunks cut in two is joined), and its
 * table says, RECORD numbers per record, what each record is, where its bytes are, and its line
 * number. Both sides share this one description of it.
 */
import type { MessagePort } from 'node:worker_threads';

/** The fields of one record of a batch's table. */
export const RECORD = 11;
export const KIND = 0;
export const START = 1;
export const END = 2;
export const LINE = 3;
/** Of a line starting with a digit: where its first marker stands (lines.ts markerAt), or -1. */
export const MARKER = 4;
/** MARKER of other lines: not looked for. */
export const MARKER_UNKNOWN = -2;
/**
 * What the reading thread read of a READ line (line-tokens.ts), a TOKEN_*; TOKEN_NONE: nothing, the
 * parser reads its text. The fields after it are the token's.
 */
export const TOKEN = 5;
/** The text id (line-tokens.ts TextIds) of the message name, or of an attribute's name (without `Attribute`). */
export const NAME = 6;
/** Received and sent: the text id of the client (`[612] (0000000b App 10.0.0.7:51234)`). */
export const CLIENT = 7;
/** An attribute line: where its value starts (after the tab), or -1 when it has no tab. */
export const VALUE = 7;
/** Received and sent: the text id of the timestamp's date, or -1 for a time of day alone. */
export const DATE = 8;
/** Received, sent and printed: the time of day in microseconds, as milliseconds and the rest. */
export const MILLIS = 9;
export const MICROS = 10;

/** Token kinds (TOKEN). */
export const TOKEN_NONE = 0;
/** `<stamp> Trc 04541 <name> received from <client>` */
export const TOKEN_RECEIVED = 1;
/** `<stamp> Trc 04542 <name> sent to <client>` */
export const TOKEN_SENT = 2;
/** `@<time> [n] <version> <kind>: message <name>` */
export const TOKEN_PRINTED = 3;
/** `message <name>` */
export const TOKEN_MESSAGE = 4;
/** `\tAttribute<name>\t<value>` (one tab deep) */
export const TOKEN_ATTRIBUTE = 5;

/** A line to read: `[START, END)`, without its line end. */
export const READ = 0;
/** The file's last line, which the file ends inside (no line end follows). */
export const TRUNCATED = 1;
/**
 * A run of lines of no form the parser reads, that change nothing (no new date): one record, the
 * run's first line number. A parser passing over lines does the same for one as for many.
 */
export const PASSED_OVER = 2;
/** A line that is not UTF-8: not read. */
export const NOT_UTF8 = 3;
/** A line longer than MAX_LINE_BYTES: not read. */
export const OVERLONG = 4;

/** No log line is this long; a longer one is reported, not buffered. */
export const MAX_LINE_BYTES = 1024 * 1024;

/** Read at a time: a batch holds at most a line begun before and this much. */
export const CHUNK_BYTES = MAX_LINE_BYTES;

/**
 * The memory of a batch: handed to the reader with it, and back to the thread once read (both
 * times transferred, not copied), so that a few of them serve the whole file.
 */
export interface BatchMemory {
  /** Whole lines' bytes, from 0. */
  bytes: ArrayBuffer;
  /** RECORD numbers per record. */
  table: Int32Array<ArrayBuffer>;
}

export interface LineBatch extends BatchMemory {
  kind: 'lines';
  /** The bytes used, and the records. */
  length: number;
  count: number;
  /**
   * The texts its tokens name for the first time (or anew: ids are reused once the table is full),
   * as triples: the first record that names it, its id, its text.
   */
  texts: Array<number | string>;
  /**
   * `bytes[hashFrom, hashTo)`: the bytes of the file read into this memory, in the file's order
   * across batches (a line carried over is the batch's it was read into; an over-long line's
   * dropped bytes are handed over too). The reader hashes them: that thread has time to spare.
   */
  hashFrom: number;
  hashTo: number;
}

export interface LinesEnd {
  kind: 'end';
  /** The bytes read. */
  bytes: number;
}

export interface LinesFailed {
  kind: 'failed';
  message: string;
  code?: string;
}

export type FromLineThread = LineBatch | LinesEnd | LinesFailed;

export interface LineThreadData {
  /** An open descriptor of the file (the reader opened it: its errors are the reader's). */
  fd: number;
  /** Batches read by the reader so far: the thread waits while `ahead` are handed over and not read. */
  consumed: Int32Array;
  ahead: number;
  /** Where the reader hands each batch's memory back (BatchMemory), before it counts it read. */
  returns: MessagePort;
}
