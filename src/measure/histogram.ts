import * as hdr from 'hdr-histogram-js';
import type { JsHistogram } from 'hdr-histogram-js';
import type { LatencyStats } from '../data/common.js';

/**
 * Latency histograms: microsecond values, 3 significant digits, growing as needed.
 * Kept as HDR histograms end to end so that shards and repeated runs merge exactly:
 * percentiles are never averaged.
 */
export type LatencyHistogram = JsHistogram;

const HIGHEST_INITIAL_US = 60_000_000;

export function createLatencyHistogram(): LatencyHistogram {
  // useWebAssembly false always yields a JsHistogram; the typings only promise a Histogram.
  return hdr.build({
    bitBucketSize: 32,
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_INITIAL_US,
    numberOfSignificantValueDigits: 3,
    autoResize: true,
    useWebAssembly: false,
  }) as JsHistogram;
}

/** Records one response time given in (fractional) milliseconds. */
export function recordMs(histogram: LatencyHistogram, ms: number): void {
  histogram.recordValue(Math.max(1, Math.round(ms * 1000)));
}

export function encodeHistogram(histogram: LatencyHistogram): string {
  return hdr.encodeIntoCompressedBase64(histogram);
}

export function decodeHistogram(encoded: string): LatencyHistogram {
  const decoded = hdr.decodeFromCompressedBase64(encoded, 32, false) as JsHistogram;
  decoded.autoResize = true;
  return decoded;
}

export function mergeHistograms(histograms: Iterable<LatencyHistogram>): LatencyHistogram {
  const merged = createLatencyHistogram();
  for (const h of histograms) merged.add(h);
  return merged;
}

const us = (value: number) => value / 1000;

/**
 * Percentiles in milliseconds; an empty histogram gives zeros with count 0. Min and max are
 * read at bucket precision, as the percentiles are, so that a merged or decoded histogram
 * reports exactly what the one it came from did.
 */
export function latencyStats(histogram: LatencyHistogram): LatencyStats {
  const count = histogram.totalCount;
  if (count === 0) return { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, max: 0 };
  return {
    count,
    min: us(histogram.lowestEquivalentValue(histogram.minNonZeroValue)),
    mean: us(histogram.mean),
    p50: us(histogram.getValueAtPercentile(50)),
    p90: us(histogram.getValueAtPercentile(90)),
    p95: us(histogram.getValueAtPercentile(95)),
    p99: us(histogram.getValueAtPercentile(99)),
    max: us(histogram.getValueAtPercentile(100)),
  };
}

/**
 * How many recorded responses took longer than `ms`: the bad events of a latency SLO,
 * which its error budget counts. Values within the histogram's precision of the threshold
 * count as not above it.
 */
export function countAboveMs(histogram: LatencyHistogram, ms: number): number {
  const thresholdUs = ms * 1000;
  const iterator = histogram.recordedValuesIterator;
  iterator.reset();
  let above = 0;
  while (iterator.hasNext()) {
    const step = iterator.next();
    if (histogram.lowestEquivalentValue(step.valueIteratedTo) > thresholdUs) {
      above += step.countAtValueIteratedTo;
    }
  }
  return above;
}
