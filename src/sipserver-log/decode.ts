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
