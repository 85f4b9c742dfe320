import { describe, expect, it } from 'vitest';
import type { RequestOutcome } from '../../src/load/sli.js';
import { countOutcome, emptyCounters, mergeSliResults, toSliResult } from '../../src/load/sli.js';
import { createLatencyHistogram, decodeHistogram, recordMs } from '../../src/measure/histogram.js';
import { SliResult } from '../../src/data/common.js';

function result(outcomes: RequestOutcome[], latenciesMs: number[], durationSec: number) {
  const counters = emptyCounters();
  for (const o of outcomes) countOutcome(counters, o);
  const histogram = createLatencyHistogram();
  for (const ms of latenciesMs) recordMs(histogram, ms);
  return toSliResult(counters, histogram, durationSec);
}

const ok = { kind: 'response', status: 200 } as const;
const notFound = { kind: 'response', status: 404 } as const;
const unavailable = { kind: 'response', status: 503 } as const;
const timeout = { kind: 'timeout' } as const;
const reset = { kind: 'transport' } as const;

describe('toSliResult', () => {
  it('counts 4xx as errors, 5xx, timeouts and transport errors as server errors too', () => {
    const r = result([ok, ok, ok, notFound, unavailable, timeout, reset, ok], [1, 2, 3, 4, 5], 2);
    expect(r).toMatchObject({
      requests: 8,
      errors: 4,
      serverErrors: 3,
      timeouts: 1,
      transportErrors: 1,
      statusCodes: { '200': 4, '404': 1, '503': 1 },
      durationSec: 2,
      throughputRps: 4,
      errorRate: 0.5,
      availability: 1 - 3 / 8,
    });
    expect(r.latency.count).toBe(5);
    expect(r.latency.p50).toBeCloseTo(3, 2);
    expect(() => SliResult.parse(r)).not.toThrow();
  });

  it('keeps microseconds', () => {
    const r = result([ok, ok], [0.25, 0.75], 1);
    expect(r.latency.min).toBeCloseTo(0.25, 3);
    expect(r.latency.max).toBeCloseTo(0.75, 3);
  });

  it('reports a run with no requests as the worst case, never as healthy', () => {
    const r = result([], [], 1);
    expect(r).toMatchObject({ requests: 0, errorRate: 1, availability: 0, throughputRps: 0 });
    expect(r.latency.count).toBe(0);
    expect(() => SliResult.parse(r)).not.toThrow();
  });
});

describe('mergeSliResults', () => {
  it('adds counters, merges histograms exactly, takes the longest window and adds throughputs', () => {
    const a = result([ok, ok, unavailable], [1, 2, 100], 2);
    const b = result([notFound, timeout], [3], 1.5);
    const merged = mergeSliResults([a, b]);
    expect(merged).toMatchObject({
      requests: 5,
      errors: 3,
      serverErrors: 2,
      timeouts: 1,
      transportErrors: 0,
      statusCodes: { '200': 2, '503': 1, '404': 1 },
      durationSec: 2,
      throughputRps: a.throughputRps + b.throughputRps,
      errorRate: 3 / 5,
      availability: 1 - 2 / 5,
    });
    const histogram = decodeHistogram(merged.histogram);
    expect(histogram.totalCount).toBe(4);
    expect(merged.latency.max).toBeCloseTo(100, 0);
    expect(merged.latency).toEqual(result([ok, ok, ok, ok], [1, 2, 100, 3], 1).latency);
  });

  it('gives an empty result for nothing', () => {
    expect(mergeSliResults([])).toMatchObject({ requests: 0, durationSec: 0, throughputRps: 0 });
  });
});
