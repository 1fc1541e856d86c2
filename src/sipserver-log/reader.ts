/**
 * Reads a log file as lines, streaming (memory does not grow with the file): LF or CRLF, each line
 * checked to be UTF-8, and the file's size and SHA-256 taken on the way (on another thread: digest.ts).
 *
 * A line is handed over as the bytes it spans, not as a string: most lines of a busy log are SIP
 * traffic that no rule reads, and the handler decodes only the lines it needs (issue 19: a string
 * per line is what makes reading a log slow). Chunks are large, and the next one is read while the
 * current one is scanned.
 */
import { isUtf8 } from 'node:buffer';
import { open } from 'node:fs/promises';
import { HashingThread } from './digest.ts';

/** No log line is this long; a longer one is reported, not buffered. */
const MAX_LINE_BYTES = 1024 * 1024;
const CHUNK_BYTES = 1024 * 1024;
const NEWLINE = 0x0a;
const CR = 0x0d;

export interface LineHandler {
  /**
   * The line `bytes[start, end)`, without its line end, known to be UTF-8; `truncated`: the file
   * ends inside it (no line end follows). `bytes` is only valid during the call.
   */
  line(bytes: Buffer, start: number, end: number, line: number, truncated: boolean): void;
  /** A line whose text cannot be trusted (not UTF-8, or too long). */
  badLine(line: number, reason: string): void;
}

export interface FileDigest {
  bytes: number;
  sha256: string;
}

const OVERLONG = `longer than ${MAX_LINE_BYTES} bytes`;

export async function readLines(path: string, handler: LineHandler): Promise<FileDigest> {
  const file = await open(path, 'r');
  const hash = new HashingThread(path);
  let bytes = 0;
  let lineNo = 0;
  /** The start of a line that the previous chunk did not end (a copy: chunks' memory is read into again). */
  let carry: Buffer | undefined;
  /** Inside an over-long line: its bytes are dropped up to its line end. */
  let overlong = false;

  const one = (buf: Buffer, start: number, end: number, truncated: boolean) => {
    lineNo++;
    if (end - start > MAX_LINE_BYTES) return handler.badLine(lineNo, OVERLONG);
    if (!isUtf8(buf.subarray(start, end))) return handler.badLine(lineNo, 'not valid UTF-8');
    handler.line(buf, start, end > start && buf[end - 1] === CR ? end - 1 : end, lineNo, truncated);
  };

  /**
   * The lines of `buf[start, last]`, each ended by a line end (the last one at `last`): the hot
   * loop of verify-log, a native search and one call per line. No line of one chunk is over-long.
   */
  const lines = (buf: Buffer, start: number, last: number) => {
    // One check for the whole region; only a region that fails is checked line by line.
    if (!isUtf8(buf.subarray(start, last))) {
      for (let at = start; at <= last; ) {
        const nl = buf.indexOf(NEWLINE, at);
        one(buf, at, nl, false);
        at = nl + 1;
      }
      return;
    }
    let n = lineNo;
    for (let at = start; at <= last; ) {
      const nl = buf.indexOf(NEWLINE, at);
      handler.line(buf, at, nl > at && buf[nl - 1] === CR ? nl - 1 : nl, ++n, false);
      at = nl + 1;
    }
    lineNo = n;
  };

  let next: Promise<Buffer | undefined> | undefined;
  try {
    // Two buffers: one is scanned while the next chunk is read into the other.
    const buffers = [Buffer.allocUnsafeSlow(CHUNK_BYTES), Buffer.allocUnsafeSlow(CHUNK_BYTES)];
    let reads = 0;
    const read = async (): Promise<Buffer | undefined> => {
      const buf = buffers[reads++ % 2] as Buffer;
      const { bytesRead } = await file.read(buf, 0, CHUNK_BYTES, null);
      return bytesRead === 0 ? undefined : buf.subarray(0, bytesRead);
    };
    next = read();
    for (let chunk = await next; chunk; chunk = await next) {
      next = read();
      bytes += chunk.length;
      let start = 0;
      const first = chunk.indexOf(NEWLINE);
      if (overlong || carry) {
        if (first === -1) {
          if (!overlong) {
            carry = Buffer.concat([carry as Buffer, chunk]);
            if (carry.length > MAX_LINE_BYTES) {
              handler.badLine(++lineNo, OVERLONG);
              carry = undefined;
              overlong = true;
            }
          }
          continue;
        }
        if (carry) {
          const joined = Buffer.concat([carry, chunk.subarray(0, first + 1)]);
          lines(joined, 0, joined.length - 1);
        }
        overlong = false;
        carry = undefined;
        start = first + 1;
      }
      const last = chunk.lastIndexOf(NEWLINE);
      if (last >= start) {
        lines(chunk, start, last);
        start = last + 1;
      }
      if (chunk.length - start > MAX_LINE_BYTES) {
        handler.badLine(++lineNo, OVERLONG);
        overlong = true;
      } else if (start < chunk.length) {
        carry = Buffer.from(chunk.subarray(start));
      }
    }
    if (carry) one(carry, 0, carry.length, true);
    return { bytes, sha256: await hash.digest(bytes) };
  } finally {
    await next?.catch(() => undefined);
    await hash.close();
    await file.close();
  }
}
