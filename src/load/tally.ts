/**
 * What a load run counts: operations sent and their replies, indications received or timed out,
 * operations judged and failed by the rules, indication latency (overall and per operation), and
 * the same per second of the run. Memory stays flat however long the run: a second's histogram is
 * reduced to percentiles and reused.
 */
import type { Histogram } from 'hdr-histogram-js';
import { OPERATIONS, type Operation } from '../domain/screencap.ts';
import type { LoadOperations, Percentiles } from '../result/load.ts';
import { describeErrorCode } from '../tlib/errors.ts';
import { latencyHistogram, percentilesOf, recordMs } from './latency.ts';

export interface SecondCounts {
  /** Seconds since the first operation was offered. */
  second: number;
  sent: number;
  acked: number;
  errors: number;
  indications: number;
  /** Operations whose indication did not come within the answer timeout. */
  timedOut: number;
  /** Operations the rules judged in this second that failed a rule. */
  failed: number;
  /** Indication latency of the indications received in this second. */
  latencyMs: Pick<Percentiles, 'p50' | 'p99' | 'max'>;
}

/** What the progress display shows, about once a second. */
export interface LoadProgress {
  elapsedS: number;
  totals: LoadOperations;
  p99Ms: number;
}

const NO_REPLY_EXAMPLES = 20;

export class LoadTally {
  readonly totals: LoadOperations = {
    offered: 0,
    sent: 0,
    notSent: 0,
    acked: 0,
    errors: 0,
    noReply: 0,
    indications: 0,
    timedOut: 0,
    judged: 0,
    failed: 0,
  };
  readonly errorCodes = new Map<number, number>();
  readonly noReplyExamples: string[] = [];
  readonly indication = latencyHistogram();
  readonly ack = latencyHistogram();
  readonly byOperation = Object.fromEntries(OPERATIONS.map((op) => [op, latencyHistogram()])) as Record<
    Operation,
    Histogram
  >;
  readonly timeline: SecondCounts[] = [];
  private current = emptySecond(0);
  private readonly currentLatency = latencyHistogram();
  private startedAt = performance.now();

  /** Seconds count from here: call it when operations start to be offered. */
  begin(): void {
    this.startedAt = performance.now();
  }

  offered(sent: boolean): void {
    this.totals.offered++;
    if (!sent) {
      this.totals.notSent++;
      return;
    }
    this.totals.sent++;
    this.now().sent++;
  }

  acknowledged(ms: number): void {
    this.totals.acked++;
    this.now().acked++;
    recordMs(this.ack, ms);
  }

  refused(code: number): void {
    this.totals.errors++;
    this.now().errors++;
    this.errorCodes.set(code, (this.errorCodes.get(code) ?? 0) + 1);
  }

  unanswered(why: string): void {
    this.totals.noReply++;
    if (this.noReplyExamples.length < NO_REPLY_EXAMPLES) this.noReplyExamples.push(why);
  }

  /** The indication an agent awaited came: its latency counts (the rules judge whether it was right). */
  indicated(operation: Operation, ms: number): void {
    this.totals.indications++;
    this.now().indications++;
    recordMs(this.indication, ms);
    recordMs(this.byOperation[operation], ms);
    recordMs(this.currentLatency, ms);
  }

  timedOut(): void {
    this.totals.timedOut++;
    this.now().timedOut++;
  }

  /** The rules judged an operation. */
  judged(failed: boolean): void {
    this.totals.judged++;
    if (!failed) return;
    this.totals.failed++;
    this.now().failed++;
  }

  progress(): LoadProgress {
    return {
      elapsedS: (performance.now() - this.startedAt) / 1000,
      totals: { ...this.totals },
      p99Ms: this.indication.totalCount ? percentilesOf(this.indication).p99 : 0,
    };
  }

  /** Closes the current second; `timeline` is complete after this. */
  finish(): void {
    this.now();
    this.close(this.current);
  }

  errorsByCode(): Array<{ code: number; name: string; count: number }> {
    return [...this.errorCodes]
      .sort(([a], [b]) => a - b)
      .map(([code, count]) => ({ code, name: describeErrorCode(code), count }));
  }

  /** The bucket of the current second, closing the ones that have passed. */
  private now(): SecondCounts {
    const second = Math.floor((performance.now() - this.startedAt) / 1000);
    while (this.current.second < second) {
      this.close(this.current);
      this.current = emptySecond(this.current.second + 1);
    }
    return this.current;
  }

  private close(bucket: SecondCounts): void {
    const { p50, p99, max } = percentilesOf(this.currentLatency);
    bucket.latencyMs = { p50, p99, max };
    this.timeline.push(bucket);
    this.currentLatency.reset();
  }
}

function emptySecond(second: number): SecondCounts {
  return {
    second,
    sent: 0,
    acked: 0,
    errors: 0,
    indications: 0,
    timedOut: 0,
    failed: 0,
    latencyMs: { p50: 0, p99: 0, max: 0 },
  };
}
