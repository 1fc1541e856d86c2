/**
 * Decimal text of the integers every relayed event carries (EventSequenceNumber, ReferenceID, the
 * microseconds of Time), made from tables of three digits rather than by `${n}` or String(n). V8
 * keeps each number it converts that way in its number-string cache, a table in the old generation:
 * the strings of the last few thousand events it points at are young, so each scavenge copies
 * them, promotes them, and grows the young generation (the simulator kept 280 KB per scavenge where
 * an echo of the same traffic kept 20 KB; its scavenges paused 5-7 times as long).
 */

/** `000` to `999`. */
const PADDED: readonly string[] = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
/** `0` to `999`. */
const PLAIN: readonly string[] = Array.from({ length: 1000 }, (_, i) => String(i));

/** `${n}` (the same text) for any number; made from the tables for a non-negative integer below 10^15. */
export function decimal(n: number): string {
  if (!(n >= 0 && n < 1e15 && Number.isInteger(n))) return `${n}`;
  if (n < 1000) return PLAIN[n] as string;
  let text = PADDED[n % 1000] as string;
  let rest = Math.floor(n / 1000);
  while (rest >= 1000) {
    text = (PADDED[rest % 1000] as string) + text;
    rest = Math.floor(rest / 1000);
  }
  return (PLAIN[rest] as string) + text;
}

/** `n` (an integer from 0 to 999,999) as six digits, zeros first. */
export function sixDigits(n: number): string {
  return (PADDED[Math.floor(n / 1000)] as string) + (PADDED[n % 1000] as string);
}
