import { describe, expect, it } from 'vitest';
import {
  countAboveMs,
  countRecordedWhere,
  createLatencyHistogram,
  decodeHistogram,
  encodeHistogram,
  latencyStats,
  mergeHistograms,
  recordMs,
  weightedMixture,
} from '../../src/measure/histogram.js';

describe('latency histograms', () => {
  it('keeps sub-millisecond resolution', () => {
    const h = createLatencyHistogram();
    for (let i = 0; i < 100; i++) recordMs(h, 0.3);
    for (let i = 0; i < 100; i++) recordMs(h, 0.9);
    const stats = latencyStats(h);
    expect(stats.count).toBe(200);
    expect(stats.p50).toBeCloseTo(0.3, 2);
    expect(stats.max).toBeCloseTo(0.9, 2);
  });

  it('survives encoding and merges exactly', () => {
    const a = createLatencyHistogram();
    const b = createLatencyHistogram();
    const all = createLatencyHistogram();
    for (let i = 1; i <= 5000; i++) {
      const ms = (i % 97) * 1.37 + (i % 5);
      recordMs(i % 2 ? a : b, ms);
      recordMs(all, ms);
    }
    const merged = mergeHistograms([
      decodeHistogram(encodeHistogram(a)),
      decodeHistogram(encodeHistogram(b)),
    ]);
    expect(latencyStats(merged)).toEqual(latencyStats(all));
  });

  it('counts the responses above a threshold', () => {
    const h = createLatencyHistogram();
    for (let i = 1; i <= 1000; i++) recordMs(h, i / 10); // 0.1 ms .. 100 ms
    expect(countAboveMs(h, 90.05)).toBe(100);
    // 90 ms itself reads 90.047 ms, the top of its bucket, as the percentiles do.
    expect(countAboveMs(h, 90)).toBe(101);
    expect(countAboveMs(h, 200)).toBe(0);
    expect(countAboveMs(h, 0)).toBe(1000);
  });

  it('reports an empty histogram as zeros', () => {
    expect(latencyStats(createLatencyHistogram()).count).toBe(0);
  });
});

/** A histogram of [ms, count] groups. */
function histogramOf(...groups: Array<[ms: number, count: number]>) {
  const h = createLatencyHistogram();
  for (const [ms, count] of groups) for (let i = 0; i < count; i++) recordMs(h, ms);
  return h;
}

describe('readings at one edge of the bucket', () => {
  // 99.99 ms and 100.02 ms share the HDR bucket [99.968, 100.031] ms: at 3 significant
  // digits the histogram cannot tell them apart, so both must read the same, and the SLO
  // verdict (from the percentile) and its budget (from countAboveMs) must agree.
  it.each([99.99, 100.02])('1000 responses at %d ms read above 100 ms everywhere', (ms) => {
    const h = histogramOf([ms, 1000]);
    const stats = latencyStats(h);
    expect(stats.p95).toBeGreaterThan(100);
    expect(stats.p95).toBeLessThan(100.1);
    expect(countAboveMs(h, 100)).toBe(1000);
    expect(countRecordedWhere(h, (reading) => reading > 100)).toBe(1000);
  });

  it('never reads a percentile, the min or the max below the value recorded', () => {
    for (const ms of [0.001, 1, 9.999, 10, 99.99, 1000, 10_000, 60_000]) {
      const stats = latencyStats(histogramOf([ms, 3]));
      for (const figure of [stats.min, stats.p50, stats.p99, stats.max]) {
        expect(figure).toBeGreaterThanOrEqual(ms);
        expect(figure).toBeLessThanOrEqual(ms * 1.001 + 0.001);
      }
      expect(stats.min).toBe(stats.max);
    }
  });
});

describe('weightedMixture', () => {
  const fastJourney = () => histogramOf([1, 10_000]);
  const slowJourney = () => histogramOf([50, 100]);

  it('weights journeys by their share of the traffic, not by how many samples each has', () => {
    const raw = latencyStats(mergeHistograms([fastJourney(), slowJourney()]));
    // The raw merge is what goes wrong: the fast journey outnumbers the slow one 100 to 1.
    expect(raw.p95).toBeCloseTo(1, 2);

    const mixture = weightedMixture([
      { histogram: fastJourney(), weight: 1 },
      { histogram: slowJourney(), weight: 1 },
    ]);
    expect(mixture.totalCount).toBe(10_100);
    const stats = latencyStats(mixture);
    expect(stats.p50).toBeCloseTo(1, 2);
    expect(mixture.getValueAtPercentile(75) / 1000).toBeCloseTo(50, 1);
    expect(stats.p95).toBeCloseTo(50, 1);
    expect(stats.mean).toBeCloseTo(25.5, 0);
  });

  it('gives each part weight_j / Σweight of the total, rounding with little error', () => {
    const parts = [
      { histogram: histogramOf([1, 7], [2, 5]), weight: 3 },
      { histogram: histogramOf([10, 1], [11, 1], [12, 1]), weight: 1 },
      { histogram: histogramOf([100, 1000]), weight: 2 },
    ];
    const total = 12 + 3 + 1000;
    const mixture = weightedMixture(parts);
    expect(mixture.totalCount).toBe(total);
    const below = (ms: number) => total - countAboveMs(mixture, ms);
    expect(Math.abs(below(5) - (total * 3) / 6)).toBeLessThanOrEqual(1);
    expect(Math.abs(below(50) - below(5) - total / 6)).toBeLessThanOrEqual(1);
    expect(Math.abs(countAboveMs(mixture, 50) - (total * 2) / 6)).toBeLessThanOrEqual(1);
    // Within a part the values keep their proportions: 7:5 at 1 ms and 2 ms.
    const atOne = total - countAboveMs(mixture, 1.01);
    expect(Math.abs(atOne - (total * 3 * 7) / (6 * 12))).toBeLessThanOrEqual(1);
  });

  it('leaves out a part without samples and renormalises the others', () => {
    const mixture = weightedMixture([
      { histogram: fastJourney(), weight: 1 },
      { histogram: createLatencyHistogram(), weight: 5 },
      { histogram: slowJourney(), weight: 3 },
    ]);
    expect(mixture.totalCount).toBe(10_100);
    expect(countAboveMs(mixture, 10)).toBe((10_100 * 3) / 4);
  });

  it('leaves out a part of weight 0, and gives an empty histogram for nothing', () => {
    const mixture = weightedMixture([
      { histogram: fastJourney(), weight: 0 },
      { histogram: slowJourney(), weight: 2 },
    ]);
    expect(mixture.totalCount).toBe(10_100);
    expect(latencyStats(mixture).p50).toBeCloseTo(50, 1);
    expect(weightedMixture([]).totalCount).toBe(0);
    expect(weightedMixture([{ histogram: createLatencyHistogram(), weight: 1 }]).totalCount).toBe(
      0,
    );
  });

  it('survives encoding like any other histogram', () => {
    const mixture = weightedMixture([
      { histogram: fastJourney(), weight: 1 },
      { histogram: slowJourney(), weight: 1 },
    ]);
    expect(latencyStats(decodeHistogram(encodeHistogram(mixture)))).toEqual(latencyStats(mixture));
  });

  it.each([
    [[-1, 1], /^part 0 has weight -1: weights must be finite and >= 0$/],
    [[1, Number.NaN], /^part 1 has weight NaN: weights must be finite and >= 0$/],
    [[Number.POSITIVE_INFINITY, 1], /^part 0 has weight Infinity/],
    [[0, 0], /^the parts with samples have weights summing to 0/],
  ])('refuses weights %j', (weights, message) => {
    const parts = weights.map((weight) => ({ histogram: fastJourney(), weight }));
    expect(() => weightedMixture(parts)).toThrow(RangeError);
    expect(() => weightedMixture(parts)).toThrow(message);
  });
});
