import { describe, expect, it } from 'vitest';
import {
  countAboveMs,
  createLatencyHistogram,
  decodeHistogram,
  encodeHistogram,
  latencyStats,
  mergeHistograms,
  recordMs,
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
    expect(countAboveMs(h, 90)).toBe(100);
    expect(countAboveMs(h, 200)).toBe(0);
    expect(countAboveMs(h, 0)).toBe(1000);
  });

  it('reports an empty histogram as zeros', () => {
    expect(latencyStats(createLatencyHistogram()).count).toBe(0);
  });
});
