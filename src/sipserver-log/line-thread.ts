/**
 * The reading thread of a log (reader.ts): it reads the file, takes its SHA-256, finds its lines
 * and checks they are UTF-8, and hands them to the parser's thread in batches, with the lines of no
 * form the parser reads (most of a busy log: SIP traffic) already passed over. Finding a busy log's
 * lines and hashing it cost as much as parsing what is left: on another core, they cost no time.
 *
 * A line passed over still dates the dateless lines after it (parser.ts): one that starts with a
 * date is handed over unless the last one passed over had that date and no line was handed over
 * since (the parser's date is then that date already, or one it could not read).
 */
import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import {
  END,
  type FromLineThread,
  KIND,
  LINE,
  type LineThreadData,
  MAX_LINE_BYTES,
  NOT_UTF8,
  OVERLONG,
  PASSED_OVER,
  READ,
  RECORD,
  START,
  TRUNCATED,
} from './line-batch.ts';
import { leadingDateBytes, mayBeRead } from './lines.ts';

const CHUNK_BYTES = MAX_LINE_BYTES;
const NEWLINE = 0x0a;
const CR = 0x0d;
const TAB = 0x09;

class LineBatcher {
  private table = new Int32Array(RECORD * 16_384);
  private count = 0;
  private lineNo = 0;
  /** The last record is a PASSED_OVER run that goes on. */
  private passing = false;
  /** The date (its bytes) of the last dated line passed over and handed over, since no other line was. */
  private lastDate: Buffer | undefined;

  constructor(private readonly post: (m: FromLineThread, transfer: ArrayBuffer[]) => void) {}

  private record(kind: number, start: number, end: number, line: number): void {
    if (this.count * RECORD === this.table.length) {
      const bigger = new Int32Array(this.table.length * 2);
      bigger.set(this.table);
      this.table = bigger;
    }
    const at = this.count++ * RECORD;
    this.table[at + KIND] = kind;
    this.table[at + START] = start;
    this.table[at + END] = end;
    this.table[at + LINE] = line;
    this.passing = kind === PASSED_OVER;
    if (kind !== PASSED_OVER) this.lastDate = undefined;
  }

  /** Line `buf[start, end)` (line end and CR excluded), known to be UTF-8. */
  private line(buf: Buffer, start: number, end: number): void {
    const line = ++this.lineNo;
    const c = buf[start] as number;
    if (c === TAB || mayBeRead(buf, start, end)) return this.record(READ, start, end, line);
    const date = c >= 48 && c <= 57 ? leadingDateBytes(buf, start, end) : 0;
    if (date > 0 && !this.lastDate?.equals(buf.subarray(start, start + date))) {
      this.record(READ, start, end, line);
      this.lastDate = Buffer.from(buf.subarray(start, start + date));
      return;
    }
    if (!this.passing) this.record(PASSED_OVER, 0, 0, line);
  }

  /** The lines of `buf[0, last]`, each ended by a line end (the last one at `last`). */
  lines(buf: Buffer, last: number): void {
    const whole = isUtf8(buf.subarray(0, last));
    for (let at = 0; at <= last; ) {
      const nl = buf.indexOf(NEWLINE, at);
      const end = nl > at && buf[nl - 1] === CR ? nl - 1 : nl;
      if (nl - at > MAX_LINE_BYTES) this.record(OVERLONG, 0, 0, ++this.lineNo);
      else if (whole || isUtf8(buf.subarray(at, end))) this.line(buf, at, end);
      else this.record(NOT_UTF8, 0, 0, ++this.lineNo);
      at = nl + 1;
    }
  }

  /** The last line, that the file ends inside. */
  truncated(buf: Buffer): void {
    const line = ++this.lineNo;
    if (buf.length > MAX_LINE_BYTES) return this.record(OVERLONG, 0, 0, line);
    if (!isUtf8(buf)) return this.record(NOT_UTF8, 0, 0, line);
    const end = buf.length > 0 && buf[buf.length - 1] === CR ? buf.length - 1 : buf.length;
    this.record(TRUNCATED, 0, end, line);
  }

  /** A line too long to hold: reported, and its bytes passed over up to its line end. */
  overlong(): void {
    this.record(OVERLONG, 0, 0, ++this.lineNo);
  }

  /** Hands over the records so far, with the bytes they point into. */
  flush(bytes: Buffer): void {
    if (this.count === 0) return;
    // `bytes` is the batch's own memory (allocated for it, whole): handed over, not copied.
    const table = this.table.slice(0, this.count * RECORD);
    this.post({ kind: 'lines', bytes: bytes.buffer as ArrayBuffer, table, count: this.count }, [
      bytes.buffer as ArrayBuffer,
      table.buffer,
    ]);
    this.count = 0;
    this.passing = false;
  }
}

function readLog({ fd, consumed, ahead }: LineThreadData, port: NonNullable<typeof parentPort>): void {
  const hash = createHash('sha256');
  const chunk = Buffer.allocUnsafeSlow(CHUNK_BYTES);
  let sent = 0;
  const batcher = new LineBatcher((m, transfer) => {
    // Not more than `ahead` batches wait for the reader: memory stays bounded, whatever the file.
    while (sent - Atomics.load(consumed, 0) >= ahead) Atomics.wait(consumed, 0, sent - ahead);
    port.postMessage(m, transfer);
    sent++;
  });
  let bytes = 0;
  /** The start of a line that the previous chunk did not end. */
  let carry: Buffer | undefined;
  /** Inside an over-long line: its bytes are dropped up to its line end. */
  let overlong = false;
  for (;;) {
    const n = readSync(fd, chunk, 0, CHUNK_BYTES, null);
    if (n === 0) break;
    const read = chunk.subarray(0, n);
    hash.update(read);
    bytes += n;
    let start = 0;
    if (overlong) {
      const nl = read.indexOf(NEWLINE);
      if (nl === -1) continue;
      overlong = false;
      start = nl + 1;
    }
    const last = read.lastIndexOf(NEWLINE);
    if (last < start) {
      // No line ends in this chunk: it all goes on the line begun before.
      carry = carry ? Buffer.concat([carry, read.subarray(start)]) : Buffer.from(read.subarray(start));
      if (carry.length > MAX_LINE_BYTES) {
        batcher.overlong();
        carry = undefined;
        overlong = true;
      }
      continue;
    }
    // The batch's bytes: the line begun before, and this chunk's whole lines (one copy, its own memory).
    const head = carry?.length ?? 0;
    const batch = Buffer.allocUnsafeSlow(head + last + 1 - start);
    if (carry) carry.copy(batch, 0);
    read.copy(batch, head, start, last + 1);
    batcher.lines(batch, batch.length - 1);
    batcher.flush(batch);
    // A chunk is no longer than a line may be: what follows its last line end is carried over.
    carry = last + 1 < n ? Buffer.from(read.subarray(last + 1)) : undefined;
  }
  if (carry) {
    const rest = Buffer.allocUnsafeSlow(carry.length);
    carry.copy(rest);
    batcher.truncated(rest);
    batcher.flush(rest);
  } else {
    batcher.flush(Buffer.allocUnsafeSlow(0));
  }
  port.postMessage({ kind: 'end', bytes, sha256: hash.digest('hex') } satisfies FromLineThread);
}

const port = parentPort;
if (port) {
  try {
    readLog(workerData as LineThreadData, port);
  } catch (e) {
    const error = e as NodeJS.ErrnoException;
    port.postMessage({
      kind: 'failed',
      message: error.message,
      ...(error.code ? { code: error.code } : {}),
    } satisfies FromLineThread);
  }
}
