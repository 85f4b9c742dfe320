import { describe, expect, it } from 'vitest';
import type { SliResult } from '../../src/data/common.js';
import {
  createLatencyHistogram,
  encodeHistogram,
  latencyStats,
  recordMs,
} from '../../src/measure/histogram.js';
import { mixJourneys } from '../../src/stages/baseline.js';

function journey(count: number, ms: number, errors: number, durationSec: number): SliResult {
  const h = createLatencyHistogram();
  for (let i = 0; i < count; i++) recordMs(h, ms);
  return {
    requests: count,
    errors,
    serverErrors: errors,
    timeouts: 0,
    transportErrors: 0,
    statusCodes: { '200': count - errors, ...(errors > 0 ? { '500': errors } : {}) },
    durationSec,
    throughputRps: count / durationSec,
    errorRate: errors / count,
    availability: 1 - errors / count,
    latency: latencyStats(h),
    histogram: encodeHistogram(h),
  };
}

describe("the baseline's overall figures", () => {
  // A fast journey answers 100 times as many requests in the same time as a slow one.
  const fast = journey(10_000, 1, 0, 5);
  const slow = journey(100, 50, 10, 5);

  it('weigh journeys by the configured mix, not by how fast each one ran', () => {
    const mixed = mixJourneys([
      { result: fast, weight: 1 },
      { result: slow, weight: 1 },
    ]);
    expect(mixed.latency.p50).toBeCloseTo(1, 0);
    expect(mixed.latency.p95).toBeCloseTo(50, 0);
    expect(mixed.errorRate).toBeCloseTo(0.05, 6);
    expect(mixed.availability).toBeCloseTo(0.95, 6);
    expect(mixed.errors).toBe(Math.round(0.05 * 10_100));
  });

  it('follow the weights when they favour the fast journey', () => {
    const mixed = mixJourneys([
      { result: fast, weight: 98 },
      { result: slow, weight: 2 },
    ]);
    // 2% of the mix is slow: p95 is a fast request, p99 a slow one.
    expect(mixed.latency.p95).toBeCloseTo(1, 0);
    expect(mixed.latency.p99).toBeCloseTo(50, 0);
    expect(mixed.errorRate).toBeCloseTo(0.002, 6);
  });

  it('sum requests and time of journeys that ran one after another', () => {
    const mixed = mixJourneys([
      { result: fast, weight: 1 },
      { result: slow, weight: 1 },
    ]);
    expect(mixed.requests).toBe(10_100);
    expect(mixed.durationSec).toBe(10);
    expect(mixed.throughputRps).toBeCloseTo(1010, 6);
    expect(mixed.statusCodes).toEqual({ '200': 10_090, '500': 10 });
  });
});
