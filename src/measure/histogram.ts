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
 * What a recorded value reads as, in milliseconds: the highest value of its HDR bucket, the
 * edge getValueAtPercentile reports. Every figure this module gives (percentiles, min, max,
 * and the counts an error budget is made of) reads at this one edge, so an SLO's verdict and
 * its budget always agree. A reading is never below the latency measured and exceeds it by
 * less than 0.1% (3 significant digits): 99.99 ms and 100.02 ms share the bucket
 * [99.968, 100.031] ms and both read 100.031 ms, which misses "< 100ms" and counts against
 * its budget. Erring high is the safe side for a gate, and keeps a censored value (a timeout
 * recorded at the request timeout) at or above the timeout.
 */
function readingMs(histogram: LatencyHistogram, valueUs: number): number {
  return us(histogram.highestEquivalentValue(valueUs));
}

/**
 * Percentiles in milliseconds; an empty histogram gives zeros with count 0. Every figure but
 * the mean is a reading (see readingMs), so that a merged or decoded histogram reports
 * exactly what the one it came from did.
 */
export function latencyStats(histogram: LatencyHistogram): LatencyStats {
  const count = histogram.totalCount;
  if (count === 0) return { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, max: 0 };
  return {
    count,
    min: readingMs(histogram, histogram.minNonZeroValue),
    mean: us(histogram.mean),
    p50: us(histogram.getValueAtPercentile(50)),
    p90: us(histogram.getValueAtPercentile(90)),
    p95: us(histogram.getValueAtPercentile(95)),
    p99: us(histogram.getValueAtPercentile(99)),
    max: us(histogram.getValueAtPercentile(100)),
  };
}

/**
 * How many recorded responses read (at the edge latencyStats uses, see readingMs) as a
 * value in milliseconds that `predicate` accepts. An SLO counts its bad events with this,
 * through the same comparison that judges its percentile.
 */
export function countRecordedWhere(
  histogram: LatencyHistogram,
  predicate: (readingMs: number) => boolean,
): number {
  const iterator = histogram.recordedValuesIterator;
  iterator.reset();
  let matching = 0;
  while (iterator.hasNext()) {
    const step = iterator.next();
    if (predicate(readingMs(histogram, step.valueIteratedTo))) {
      matching += step.countAtValueIteratedTo;
    }
  }
  return matching;
}

/** How many recorded responses read as longer than `ms` (see readingMs). */
export function countAboveMs(histogram: LatencyHistogram, ms: number): number {
  return countRecordedWhere(histogram, (reading) => reading > ms);
}

/** One part of a traffic mix: a journey's histogram and its share of the requests. */
export interface MixturePart {
  histogram: LatencyHistogram;
  /** Relative: part j is drawn with probability weight_j / Σ weight. Finite, >= 0. */
  weight: number;
}

/**
 * The latency of a request drawn from a traffic mix where part j has probability
 * weight_j / Σ weight, built from histograms that hold very different numbers of samples.
 * Measured alone at full speed, a fast journey collects far more samples than a slow one:
 * merging the raw histograms would weight journeys by their speed, not by their traffic.
 *
 * Each part's counts are scaled so that it makes up weight_j / Σ weight of a total equal to
 * the sum of the parts' counts (the mixture has as many samples as were measured, so sample
 * thresholds such as minimumSamples keep their meaning). Scaled counts are rounded
 * cumulatively across all values, so each value is off by less than one sample and the
 * total is exact. A part without samples has no distribution to contribute: it is left out
 * and the others are renormalised; so is a part of weight 0.
 * Throws a RangeError for a negative or non-finite weight, and when the parts that have
 * samples all have weight 0 (no mix to draw from).
 */
export function weightedMixture(parts: readonly MixturePart[]): LatencyHistogram {
  parts.forEach(({ weight }, j) => {
    if (!Number.isFinite(weight) || weight < 0) {
      throw new RangeError(`part ${j} has weight ${weight}: weights must be finite and >= 0`);
    }
  });
  const mixture = createLatencyHistogram();
  const measured = parts.filter((p) => p.histogram.totalCount > 0);
  if (measured.length === 0) return mixture;
  const totalWeight = measured.reduce((sum, p) => sum + p.weight, 0);
  if (totalWeight <= 0) {
    throw new RangeError(
      'the parts with samples have weights summing to 0: there is no traffic mix to draw from',
    );
  }
  const total = measured.reduce((sum, p) => sum + p.histogram.totalCount, 0);
  let exact = 0;
  let recorded = 0;
  for (const { histogram, weight } of measured) {
    if (weight === 0) continue;
    const scale = (total * weight) / totalWeight / histogram.totalCount;
    const iterator = histogram.recordedValuesIterator;
    iterator.reset();
    while (iterator.hasNext()) {
      const step = iterator.next();
      exact += step.countAtValueIteratedTo * scale;
      const count = Math.round(exact) - recorded;
      if (count > 0) {
        mixture.recordValueWithCount(step.valueIteratedTo, count);
        recorded += count;
      }
    }
  }
  return mixture;
}
