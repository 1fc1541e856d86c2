/**
 * What a load run measured beside its rule outcomes: the operations offered and sent, their
 * replies, indication latency and throughput. The load certificate shows them; load.json holds them.
 */

/** Milliseconds; all 0 when nothing was recorded. */
export interface Percentiles {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

export interface LoadOperations {
  /** Operations the schedule called for (rate × duration). */
  offered: number;
  sent: number;
  /** Offered but not sent: every agent was still waiting on its previous operation. */
  notSent: number;
  acked: number;
  errors: number;
  /** Requests with no EventACK/EventError in time, or whose link failed. */
  noReply: number;
  /** Indications the desktops received while awaiting one. */
  indications: number;
  /** Operations whose indication did not come within the answer timeout (the desktop moved on). */
  timedOut: number;
  /** Operations judged by the rules, and those that failed one. */
  judged: number;
  failed: number;
}

export interface LoadFigures {
  agents: number;
  /** Operations per second offered, all agents together. */
  rate: number;
  durationS: number;
  /** Where the T-Server was, in words. */
  tserver: string;
  recorder: string;
  operations: LoadOperations;
  throughput: { sentPerS: number; indicationsPerS: number };
  latencyMs: {
    /** From the desktop sending the operation to the desktop receiving its indication. */
    indication: Percentiles;
    byOperation: Record<string, Percentiles>;
    /** From sending to EventACK. */
    ack: Percentiles;
  };
  /** The process's peak resident memory (the embedded simulator and mock recorder are in it). */
  peakRssBytes: number;
}
