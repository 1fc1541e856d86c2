/**
 * Every benchmark case, in the order they run. To add one: a module exporting a BenchCase whose
 * `run()` returns rows (give throughput rows a `baseline` row id and targets where the issue sets
 * them), then list it here.
 */
import type { BenchCase } from '../types.ts';
import { latency } from './latency.ts';
import { publishSite } from './publish.ts';
import { recovery } from './recovery.ts';
import { relayMany, relayPair } from './relay.ts';
import { selfSuite } from './self-suite.ts';
import { sipServerLog } from './sipserver-log.ts';
import { startup } from './startup.ts';

export const CASES: readonly BenchCase[] = [
  startup,
  relayPair,
  relayMany,
  latency,
  recovery,
  selfSuite,
  sipServerLog,
  publishSite,
];
