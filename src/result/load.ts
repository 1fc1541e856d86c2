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
  /** With `--chaos`: the drops and recoveries. */
  chaos?: ChaosFigures;
  /** The process's peak resident memory (the embedded simulator and mock recorder are in it). */
  peakRssBytes: number;
}

/** What `load --chaos` measured: harness-side connections dropped during the run, and how they came back. */
export interface ChaosFigures {
  /** Seconds between drops. */
  everyS: number;
  /** Connections dropped, by the party's role. */
  drops: number;
  recorderDrops: number;
  desktopDrops: number;
  /** Drops after which the party re-registered every DN it monitored before the run ended. */
  recovered: number;
  /** From the drop to the party's last DN registered again, over the recovered drops. */
  recoveryMs: { p50: number; p95: number; max: number };
  /**
   * Operations unanswered (no reply, or no indication) that were in flight while their desktop or
   * the recorder was away (no one to deliver to): counted apart, not lost.
   */
  sentWhileAway: number;
  /** Operations sent and ended with every party present that got no indication: must be 0. */
  lostAfterRecovery: number;
  /** Indications the mock recorder failed to send because its connection was down: not its failures. */
  recorderSendsCutOff: number;
}

/** The chaos figures in a sentence, as every report gives them. */
export function describeChaos(c: ChaosFigures): string {
  const r = c.recoveryMs;
  return `${c.drops} connection(s) dropped, one every ${c.everyS} s (${c.recorderDrops} the recorder's, ${c.desktopDrops} a desktop's); ${c.recovered} recovered (every DN registered again), in p50 ${r.p50} ms, p95 ${r.p95} ms, max ${r.max} ms. ${c.sentWhileAway} operation(s) unanswered because a party was away while in flight (not lost); ${c.lostAfterRecovery} lost after recovery.${c.recorderSendsCutOff ? ` ${c.recorderSendsCutOff} indication(s) the recorder was sending when its connection dropped.` : ''}`;
}
