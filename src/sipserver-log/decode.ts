/** Decoding a line of the log from the bytes read: only the lines a reader needs are decoded. */

type Utf8Slice = (this: Buffer, start: number, end: number) => string;

/** Buffer's own decoder, without toString's handling of its arguments: lines are decoded by the million. */
const utf8Slice: Utf8Slice =
  (Buffer.prototype as unknown as { utf8Slice?: Utf8Slice }).utf8Slice ??
  function (this: Buffer, start: number, end: number) {
    return this.toString('utf8', start, end);
  };

/** `bytes[start, end)` as text (the reader has checked it is UTF-8). */
export function decode(bytes: Buffer, start: number, end: number): string {
  return utf8Slice.call(bytes, start, end);
}

/** Whether `bytes[start, start + text.length)` is `text` (ASCII). */
export function bytesAre(bytes: Uint8Array, start: number, text: string): boolean {
  for (let i = 0; i < text.length; i++) if (bytes[start + i] !== text.charCodeAt(i)) return false;
  return true;
}

/**
 * Decodes byte ranges that recur (a log names the same clients and messages line after line) once
 * while they recur: a range is found again by a hash of its bytes, then compared byte for byte.
 * Holds at most `max` of them (then starts afresh): a log may name a million clients.
 */
export class RecurringText {
  private known = new Map<number, { bytes: Buffer; text: string }>();

  constructor(private readonly max: number) {}

  decode(bytes: Buffer, start: number, end: number): string {
    let hash = end - start;
    for (let i = start; i < end; i++) hash = (Math.imul(hash, 31) + (bytes[i] as number)) | 0;
    const known = this.known.get(hash);
    if (known && sameBytes(known.bytes, bytes, start, end)) return known.text;
    const text = decode(bytes, start, end);
    if (this.known.size >= this.max) this.known = new Map();
    this.known.set(hash, { bytes: Buffer.from(bytes.subarray(start, end)), text });
    return text;
  }
}

function sameBytes(a: Uint8Array, bytes: Uint8Array, start: number, end: number): boolean {
  if (a.length !== end - start) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== bytes[start + i]) return false;
  return true;
}
