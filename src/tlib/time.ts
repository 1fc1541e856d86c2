/** ISO-8601 UTC timestamps with microseconds, as tlib-json's `Time` attribute wants them. */
import { performance } from 'node:perf_hooks';

/** Epoch microseconds, from the high-resolution clock anchored at the process's time origin. */
export function nowMicros(): number {
  return Math.floor((performance.timeOrigin + performance.now()) * 1000);
}

/** `2026-11-23T10:15:00.123456Z` */
export function isoMicros(epochMicros: number = nowMicros()): string {
  const us = Math.floor(epochMicros);
  const ms = Math.floor(us / 1000);
  // Floored modulo: a negative remainder (before 1970) would print as "0000-1".
  const micros = String(((us % 1_000_000) + 1_000_000) % 1_000_000).padStart(6, '0');
  return `${new Date(ms).toISOString().slice(0, 19)}.${micros}Z`;
}
