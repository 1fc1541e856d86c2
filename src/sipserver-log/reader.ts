/**
 * Reads a log file as lines, streaming (memory does not grow with the file): LF or CRLF, each line
 * checked to be UTF-8, and the file's size and SHA-256 taken on the way.
 */
import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** No log line is this long; a longer one is reported, not buffered. */
const MAX_LINE_BYTES = 1024 * 1024;
const NEWLINE = 0x0a;

export interface LineHandler {
  /** A line without its line end; `truncated`: the file ends inside it (no line end follows). */
  line(text: string, line: number, truncated: boolean): void;
  /** A line whose text cannot be trusted (not UTF-8, or too long). */
  badLine(line: number, reason: string): void;
}

export interface FileDigest {
  bytes: number;
  sha256: string;
}

export async function readLines(path: string, handler: LineHandler): Promise<FileDigest> {
  const hash = createHash('sha256');
  let bytes = 0;
  let lineNo = 0;
  let carry: Buffer | undefined;
  /** Inside an over-long line: its bytes are dropped up to its line end. */
  let overlong = false;

  const emit = (buf: Buffer, truncated: boolean) => {
    if (isUtf8(buf)) {
      const lines = buf.toString('utf8').split('\n');
      const last = lines.length - 1;
      for (let i = 0; i <= last; i++) {
        const text = lines[i] as string;
        handler.line(text.endsWith('\r') ? text.slice(0, -1) : text, ++lineNo, truncated && i === last);
      }
      return;
    }
    // Rare: find the offending line(s) one by one.
    let start = 0;
    while (start <= buf.length) {
      const nl = buf.indexOf(NEWLINE, start);
      const end = nl === -1 ? buf.length : nl;
      const one = buf.subarray(start, end);
      if (isUtf8(one)) emit(one, truncated && nl === -1);
      else handler.badLine(++lineNo, 'not valid UTF-8');
      start = end + 1;
    }
  };

  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 16 }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
    let data = carry ? Buffer.concat([carry, chunk]) : chunk;
    carry = undefined;
    if (overlong) {
      const nl = data.indexOf(NEWLINE);
      if (nl === -1) continue;
      overlong = false;
      data = data.subarray(nl + 1);
    }
    const end = data.lastIndexOf(NEWLINE);
    if (end !== -1) emit(data.subarray(0, end), false);
    const rest = data.subarray(end + 1);
    if (rest.length > MAX_LINE_BYTES) {
      handler.badLine(++lineNo, `longer than ${MAX_LINE_BYTES} bytes`);
      overlong = true;
    } else if (rest.length > 0) {
      carry = rest;
    }
  }
  if (carry) emit(carry, true);
  return { bytes, sha256: hash.digest('hex') };
}
