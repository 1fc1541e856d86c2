/** tlib-json framing: one UTF-8 JSON object per `\n`-terminated line, at most 1 MiB a line. */
import { isUtf8 } from 'node:buffer';
import { show } from './codec.ts';
import { MAX_JSON_DEPTH, mayNestDeeperThan, nestsDeeperThan } from './depth.ts';
import { TErr } from './errors.ts';
import type { WireMessage } from './messages.ts';

export const MAX_LINE_BYTES = 1024 * 1024;
const NEWLINE = 0x0a;

export type Frame =
  /** `bytes`: the line's length, without its newline; `text`: the line, as parsed. */
  | { ok: true; message: WireMessage; bytes: number; text: string }
  | { ok: false; code: typeof TErr.MSG_TYPE | typeof TErr.BAD_MSG_LENGTH; reason: string };

/** Parses one line (without its `\n`) into a message or a framing error. */
export function parseLine(line: Buffer): Frame {
  if (line.length > MAX_LINE_BYTES) return tooLong(line.length);
  if (!isUtf8(line)) return { ok: false, code: TErr.MSG_TYPE, reason: 'line is not valid UTF-8' };
  // Refused before parsing: every later reader of the message (journal, SIP log, reports) recurses.
  // A line too short to nest that deep as JSON is not scanned first (the scan costs a third of the
  // parse, for every relayed event): only if it is no JSON, to refuse it for what the scan finds.
  const scanned = mayNestDeeperThan(line.length);
  if (scanned && nestsDeeperThan(line)) return tooDeep();
  let value: unknown;
  const text = line.toString('utf8');
  try {
    value = JSON.parse(text);
  } catch (e) {
    if (!scanned && nestsDeeperThan(line)) return tooDeep();
    return { ok: false, code: TErr.MSG_TYPE, reason: `line is not valid JSON (${(e as Error).message})` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, code: TErr.MSG_TYPE, reason: `line is not a JSON object: ${show(value)}` };
  }
  const message = (value as { message?: unknown }).message;
  if (typeof message !== 'string') {
    return {
      ok: false,
      code: TErr.MSG_TYPE,
      reason:
        message === undefined ? 'object has no "message"' : `"message" is not a string: ${show(message)}`,
    };
  }
  return { ok: true, message: value as WireMessage, bytes: line.length, text };
}

function tooDeep(): Frame {
  return { ok: false, code: TErr.MSG_TYPE, reason: `line nests JSON more than ${MAX_JSON_DEPTH} deep` };
}

function tooLong(bytes: number): Frame {
  return {
    ok: false,
    code: TErr.BAD_MSG_LENGTH,
    reason: `line is over ${MAX_LINE_BYTES} bytes (${bytes} so far)`,
  };
}

/**
 * Splits a byte stream into frames. After the first framing error it yields nothing more: the
 * protocol closes the connection there. A line that outgrows the limit fails at once, without
 * waiting for its newline, so a client cannot make the reader buffer without bound.
 */
export class FrameReader {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private failed = false;

  constructor(private readonly maxLineBytes = MAX_LINE_BYTES) {}

  push(chunk: Buffer): Frame[] {
    if (this.failed) return [];
    const frames: Frame[] = [];
    let start = 0;
    for (let nl = chunk.indexOf(NEWLINE, start); nl !== -1; nl = chunk.indexOf(NEWLINE, start)) {
      const piece = chunk.subarray(start, nl);
      start = nl + 1;
      let line = piece;
      if (this.pendingBytes > 0) {
        this.pending.push(piece);
        line = Buffer.concat(this.pending, this.pendingBytes + piece.length);
        // Not a new empty array per line: each would live until the client's next line, long
        // enough for a scavenge to copy it (a thousand idle clients: a thousand arrays each time).
        this.pending.length = 0;
        this.pendingBytes = 0;
      }
      const frame = line.length > this.maxLineBytes ? tooLong(line.length) : parseLine(line);
      frames.push(frame);
      if (!frame.ok) return this.fail(frames);
    }
    if (start < chunk.length) {
      // Copy: the socket may reuse the chunk's memory once we return.
      const rest = Buffer.from(chunk.subarray(start));
      this.pending.push(rest);
      this.pendingBytes += rest.length;
      if (this.pendingBytes > this.maxLineBytes) {
        frames.push(tooLong(this.pendingBytes));
        return this.fail(frames);
      }
    }
    return frames;
  }

  /** Bytes of an unfinished line (a truncated last message when the peer closes). */
  get bufferedBytes(): number {
    return this.pendingBytes;
  }

  /** Lets go of the unfinished line (the connection is being closed); returns its size. */
  discard(): number {
    const bytes = this.pendingBytes;
    this.fail([]);
    return bytes;
  }

  private fail(frames: Frame[]): Frame[] {
    this.failed = true;
    this.pending = [];
    this.pendingBytes = 0;
    return frames;
  }
}
