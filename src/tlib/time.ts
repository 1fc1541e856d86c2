/** ISO-8601 UTC timestamps with microseconds, as tlib-json's `Time` attribute wants them. */
import { performance } from 'node:perf_hooks';
import { sixDigits } from './decimal.ts';

/** The process's time origin: read once (its getter costs as much as the clock, and every event is stamped). */
const TIME_ORIGIN = performance.timeOrigin;

/** Epoch microseconds, from the high-resolution clock anchored at the process's time origin. */
export function nowMicros(): number {
  return Math.floor((TIME_ORIGIN + performance.now()) * 1000);
}

/** The last whole second formatted, and its `YYYY-MM-DDTHH:MM:SS`: every event is stamped, most in the same second. */
let cachedSecond = Number.NaN;
let cachedPrefix = '';

/** `2026-11-23T10:15:00.123456Z` */
export function isoMicros(epochMicros: number = nowMicros()): string {
  const us = Math.floor(epochMicros);
  // Floored: a second before 1970 still has a remainder from 0 to 999,999.
  const second = Math.floor(us / 1_000_000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedPrefix = new Date(second * 1000).toISOString().slice(0, 19);
  }
  return `${cachedPrefix}.${sixDigits(us - second * 1_000_000)}Z`;
}
