/** Parsers for command-line option values; each names the bad value. */
import { InvalidArgumentError } from 'commander';
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
  if (!/^\d+$/.test(value) || n < 1 || n > 64) throw new InvalidArgumentError(`expected a number of workers from 1 to 64, got "${value}"`);
  return n;
}
