/**
 * What a load run counts: operations sent and their replies, indications matched, wrong, missing or
 * unexpected, indication latency (overall and per operation), and the same per second of the run.
 * Memory stays flat however long the run: a second's histogram is reduced to percentiles and reused.
 */
import type { Histogram } from 'hdr-histogram-js';
import { type Indication, OPERATIONS, type Operation } from '../domain/screencap.ts';
import { describeErrorCode } from '../tlib/errors.ts';
import { latencyHistogram, type Percentiles, percentilesOf, recordMs } from './latency.ts';

export interface SecondCounts {
  /** Seconds since the first operation was offered. */
  second: number;
  sent: number;
  acked: number;
  errors: number;
  indications: number;
  missing: number;
  /** Indication latency of the indications received in this second. */
  latencyMs: Pick<Percentiles, 'p50' | 'p99' | 'max'>;
}

/** An indication that is not the one the operation calls for (value or ConnID). */
export interface WrongIndication {
  dn: string;
  operation: Operation;
  expected: { indication: Indication; connId: string | undefined };
  got: { indication: Indication; connId: string | undefined };
}

export interface Totals {
  /** Operations the schedule called for. */
  offered: number;
  sent: number;
  /** Offered but not sent: every agent was still waiting on its previous operation. */
  notSent: number;
  acked: number;
  errors: number;
  /** Requests with no EventACK/EventError in time, or whose link failed. */
  noReply: number;
  matched: number;
  wrong: number;
  missing: number;
  /** Indications received while the agent had no operation awaiting one. */
  unexpected: number;
}

/** What the progress display shows, about once a second. */
export interface LoadProgress {
  elapsedS: number;
  totals: Totals;
  p99Ms: number;
}

const WRONG_EXAMPLES = 20;

export class LoadTally {
  readonly totals: Totals = {
    offered: 0,
    sent: 0,
    notSent: 0,
    acked: 0,
    errors: 0,
    noReply: 0,
    matched: 0,
    wrong: 0,
    missing: 0,
    unexpected: 0,
  };
  readonly errorCodes = new Map<number, number>();
  readonly wrongExamples: WrongIndication[] = [];
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
    if (this.noReplyExamples.length < WRONG_EXAMPLES) this.noReplyExamples.push(why);
  }

  /** An indication answering the agent's operation: right or wrong, its latency counts. */
  indicated(operation: Operation, ms: number, wrong: WrongIndication | undefined): void {
    const second = this.now();
    second.indications++;
    recordMs(this.indication, ms);
    recordMs(this.byOperation[operation], ms);
    recordMs(this.currentLatency, ms);
    if (!wrong) {
      this.totals.matched++;
      return;
    }
    this.totals.wrong++;
    if (this.wrongExamples.length < WRONG_EXAMPLES) this.wrongExamples.push(wrong);
  }

  missed(): void {
    this.totals.missing++;
    this.now().missing++;
  }

  unexpected(): void {
    this.totals.unexpected++;
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
    missing: 0,
    latencyMs: { p50: 0, p99: 0, max: 0 },
  };
}
