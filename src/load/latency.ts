/** Latency histograms (HdrHistogram, pure JS build) and the percentiles reports print. */
import { build, type Histogram } from 'hdr-histogram-js';
import type { Percentiles } from '../result/load.ts';

/** Records microseconds, from 1 µs to 10 minutes, to 3 significant digits. */
export function latencyHistogram(): Histogram {
  return build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 600_000_000,
    numberOfSignificantValueDigits: 3,
  });
}

/** Records a duration given in milliseconds (what performance.now() differences are). */
export function recordMs(histogram: Histogram, ms: number): void {
  histogram.recordValue(Math.max(1, Math.round(ms * 1000)));
}

export function percentilesOf(histogram: Histogram): Percentiles {
  const ms = (us: number) => us / 1000;
  return {
    count: histogram.totalCount,
    mean: Math.round(histogram.totalCount ? histogram.mean : 0) / 1000,
    p50: ms(histogram.getValueAtPercentile(50)),
    p90: ms(histogram.getValueAtPercentile(90)),
    p99: ms(histogram.getValueAtPercentile(99)),
    p999: ms(histogram.getValueAtPercentile(99.9)),
    // Not `maxValue` (the exact value): percentiles are bucket tops, and the max must not fall below them.
    max: ms(histogram.getValueAtPercentile(100)),
  };
}
