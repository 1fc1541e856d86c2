/** Parsers for command-line option values; each names the bad value. */
import { InvalidArgumentError } from 'commander';
import type { Seat } from '../domain/seats.ts';
import { type BreakageId, breakageId } from '../parties/breakages.ts';
import { dnProblem } from '../tlib/codec.ts';

export function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535)
    throw new InvalidArgumentError(`expected a TCP port from 0 to 65535, got "${value}"`);
  return n;
}

export function parseDnList(value: string, previous: string[] = []): string[] {
  const dns = value.split(',').map((d) => d.trim());
  for (const dn of dns) {
    const problem = dnProblem(dn);
    if (problem) throw new InvalidArgumentError(problem);
  }
  return [...previous, ...dns];
}

export function parseWorkers(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 64)
    throw new InvalidArgumentError(`expected a number of workers from 1 to 64, got "${value}"`);
  return n;
}

/** `host:port`, e.g. `127.0.0.1:7000` (a T-Server to connect to). */
export function parseEndpoint(value: string): { host: string; port: number } {
  const m = /^(.+):(\d+)$/.exec(value);
  if (!m) throw new InvalidArgumentError(`expected host:port, got "${value}"`);
  return { host: m[1] as string, port: parsePort(m[2] as string) };
}

/** A whole number from 1 up (agents, DNs). */
export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1)
    throw new InvalidArgumentError(`expected a whole number from 1 up, got "${value}"`);
  return n;
}

/** A number above 0 (a rate, a duration in seconds). */
export function parsePositiveNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError(`expected a number above 0, got "${value}"`);
  return n;
}

export function parseCount(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n))
    throw new InvalidArgumentError(`expected a whole number, got "${value}"`);
  return n;
}

/** A deliberately broken party (of `seat`, when given; empty: none, so an image can leave it unset). */
export function parseBreakage(seat?: Seat): (value: string) => BreakageId | undefined {
  return (value) => {
    if (value === '') return undefined;
    try {
      return breakageId(value, seat);
    } catch (e) {
      throw new InvalidArgumentError((e as Error).message);
    }
  };
}
