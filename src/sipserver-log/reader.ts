/**
 * Reads a log file as lines, streaming (memory does not grow with the file): LF or CRLF, each line
 * checked to be UTF-8, and the file's size and SHA-256 taken on the way.
 *
 * The file is read and cut into lines (line-cutter.ts), a big one on another thread
 * (line-thread.ts), passing over the lines of no form the parser reads, and hashed here as its
 * batches come (the reading thread is the busier one). The handler gets the rest
 * as the bytes each spans, not as a string (issue 19: a string per line is what makes reading a
 * log slow), and is told of a run of lines passed over once.
 */
import { createHash, type Hash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MessageChannel, Worker } from 'node:worker_threads';
import { COMPILED, HARNESS_ROOT, tsxThread } from '../harness-root.ts';
import {
  type BatchMemory,
  CLIENT,
  DATE,
  END,
  type FromLineThread,
  KIND,
  LINE,
  type LineBatch,
  type LineThreadData,
  MARKER,
  MAX_LINE_BYTES,
  MICROS,
  MILLIS,
  NAME,
  NOT_UTF8,
  OVERLONG,
  PASSED_OVER,
  RECORD,
  START,
  TOKEN,
  TOKEN_ATTRIBUTE,
  TOKEN_MESSAGE,
  TOKEN_PRINTED,
  TOKEN_RECEIVED,
  TOKEN_SENT,
  TRUNCATED,
  VALUE,
} from './line-batch.ts';
import { batchMemory, cutLines } from './line-cutter.ts';

export interface LineHandler {
  /**
   * The line `bytes[start, end)`, without its line end, known to be UTF-8, in no form the reading
   * thread read (line-tokens.ts); `truncated`: the file ends inside it (no line end follows).
   * `bytes` is only valid during the call. `marker`: of a line starting with a digit, where its
   * first marker stands (lines.ts markerAt) or -1; of another, MARKER_UNKNOWN.
   */
  line(bytes: Buffer, start: number, end: number, line: number, truncated: boolean, marker: number): void;
  /**
   * A `Trc 04541 <name> received from <client>` line (`received`), or a `Trc 04542 <name> sent to
   * <client>` one: `date`, its timestamp's date as printed, if it has one; `timeOfDay` in µs.
   */
  traced(
    received: boolean,
    name: string,
    client: string,
    date: string | undefined,
    timeOfDay: number,
    line: number,
  ): void;
  /** A `@<time> ... message <name>` line. */
  printedLine(name: string, timeOfDay: number, line: number): void;
  /** A `message <name>` line. */
  messageLine(name: string, line: number): void;
  /**
   * An attribute line, one tab deep: its name without `Attribute`, and its value, `bytes[value,
   * end)` (`value` -1: it has none).
   */
  attribute(name: string, bytes: Buffer, value: number, end: number, line: number): void;
  /** Lines from `line` on, up to the next one handed over, are of no form the parser reads and set no date. */
  passedOver(line: number): void;
  /** A line whose text cannot be trusted (not UTF-8, or too long). */
  badLine(line: number, reason: string): void;
}

export interface FileDigest {
  bytes: number;
  /** SHA-256 (hex) of the file's bytes. */
  sha256: string;
}

const OVERLONG_REASON = `longer than ${MAX_LINE_BYTES} bytes`;

/** Batches the thread may have handed over and the handler not yet read. */
const AHEAD = 2;

/** The reading thread: from the compiled package, its own file in dist/; from a checkout, its source. */
function lineThread(data: LineThreadData): Worker {
  const options = { workerData: data, transferList: [data.returns] };
  if (COMPILED) return new Worker(join(HARNESS_ROOT, 'dist', 'line-thread.js'), options);
  return tsxThread(pathToFileURL(join(HARNESS_ROOT, 'src', 'sipserver-log', 'line-thread.ts')), options);
}

/** What reading a file needs across its batches: its texts by id so far (line-tokens.ts TextIds), and its hash. */
interface FileState {
  texts: string[];
  hash: Hash;
}

/**
 * Hands a batch's records to the handler, in order (the batch's texts are added to the file's as
 * its records name them), and hashes the bytes read into it.
 */
function replay(batch: LineBatch, handler: LineHandler, { texts, hash }: FileState): void {
  hash.update(new Uint8Array(batch.bytes, batch.hashFrom, batch.hashTo - batch.hashFrom));
  const bytes = Buffer.from(batch.bytes, 0, batch.length);
  const { table, texts: fresh } = batch;
  let next = 0;
  for (let record = 0, at = 0; record < batch.count; record++, at += RECORD) {
    for (; next < fresh.length && (fresh[next] as number) <= record; next += 3)
      texts[fresh[next + 1] as number] = fresh[next + 2] as string;
    const line = table[at + LINE] as number;
    switch (table[at + KIND]) {
      case PASSED_OVER:
        handler.passedOver(line);
        break;
      case NOT_UTF8:
        handler.badLine(line, 'not valid UTF-8');
        break;
      case OVERLONG:
        handler.badLine(line, OVERLONG_REASON);
        break;
      default:
        token(bytes, table, at, line, handler, texts);
    }
  }
}

/** A line to read: what the reading thread read of it, or its bytes. */
function token(
  bytes: Buffer,
  table: Int32Array,
  at: number,
  line: number,
  handler: LineHandler,
  texts: string[],
) {
  switch (table[at + TOKEN]) {
    case TOKEN_ATTRIBUTE:
      return handler.attribute(
        textAt(texts, table, at + NAME),
        bytes,
        table[at + VALUE] as number,
        table[at + END] as number,
        line,
      );
    case TOKEN_RECEIVED:
    case TOKEN_SENT:
      return handler.traced(
        table[at + TOKEN] === TOKEN_RECEIVED,
        textAt(texts, table, at + NAME),
        textAt(texts, table, at + CLIENT),
        table[at + DATE] === -1 ? undefined : textAt(texts, table, at + DATE),
        timeOfDay(table, at),
        line,
      );
    case TOKEN_PRINTED:
      return handler.printedLine(textAt(texts, table, at + NAME), timeOfDay(table, at), line);
    case TOKEN_MESSAGE:
      return handler.messageLine(textAt(texts, table, at + NAME), line);
    default:
      return handler.line(
        bytes,
        table[at + START] as number,
        table[at + END] as number,
        line,
        table[at + KIND] === TRUNCATED,
        table[at + MARKER] as number,
      );
  }
}

function textAt(texts: string[], table: Int32Array, at: number): string {
  return texts[table[at] as number] as string;
}

function timeOfDay(table: Int32Array, at: number): number {
  return (table[at + MILLIS] as number) * 1000 + (table[at + MICROS] as number);
}

/**
 * A log smaller than this is read on the calling thread: starting a thread costs more than it
 * saves (and, from the sources, compiling its TypeScript again).
 */
const THREAD_FROM_BYTES = 16 * 1024 * 1024;

/** `threadFromBytes`: the size from which the file is read on the reading thread. */
export async function readLines(
  path: string,
  handler: LineHandler,
  threadFromBytes = THREAD_FROM_BYTES,
): Promise<FileDigest> {
  // Opened here, so that a file that cannot be opened fails as it always did.
  const file = await open(path, 'r');
  try {
    const state: FileState = { texts: [], hash: createHash('sha256') };
    let bytes: number;
    if ((await file.stat()).size < threadFromBytes) {
      const memory = batchMemory();
      bytes = cutLines(file.fd, { take: () => memory, hand: (batch) => replay(batch, handler, state) });
    } else bytes = await onThread(file.fd, path, handler, state);
    return { bytes, sha256: state.hash.digest('hex') };
  } finally {
    await file.close();
  }
}

/** The file open at `fd`, read on the reading thread (line-thread.ts). */
async function onThread(fd: number, path: string, handler: LineHandler, state: FileState): Promise<number> {
  const consumed = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
  const { port1: returns, port2: returnsTo } = new MessageChannel();
  const thread = lineThread({ fd, consumed, ahead: AHEAD, returns: returnsTo });
  try {
    return await new Promise<number>((resolve, reject) => {
      thread.on('message', (m: FromLineThread) => {
        if (m.kind === 'end') return resolve(m.bytes);
        if (m.kind === 'failed')
          return reject(Object.assign(new Error(m.message), m.code ? { code: m.code } : {}));
        try {
          replay(m, handler, state);
        } catch (e) {
          return reject(e);
        }
        // Its memory goes back for the next batch, then the thread may go on.
        returns.postMessage({ bytes: m.bytes, table: m.table } satisfies BatchMemory, [
          m.bytes,
          m.table.buffer,
        ]);
        Atomics.add(consumed, 0, 1);
        Atomics.notify(consumed, 0);
      });
      thread.once('error', reject);
      thread.once('exit', (code) => reject(new Error(`the thread reading ${path} stopped (exit ${code})`)));
    });
  } finally {
    thread.removeAllListeners('exit');
    await thread.terminate();
    returns.close();
  }
}
