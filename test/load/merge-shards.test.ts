import { describe, expect, it } from 'vitest';
import type { LoadTestData } from '../../src/data/stages.js';
import { mergeShards } from '../../src/load/merge-shards.js';
import { toSliResult, emptyCounters } from '../../src/load/sli.js';
import {
  createLatencyHistogram,
  encodeHistogram,
  latencyStats,
  recordMs,
} from '../../src/measure/histogram.js';
import { loadTest } from '../report/fixtures.js';

/** A shard whose samples are given: overall, one journey, a two-second timeline. */
function shard(index: number, count: number, samples: number[][]): LoadTestData {
  const all = createLatencyHistogram();
  const seconds = samples.map((values) => {
    const h = createLatencyHistogram();
    for (const v of values) {
      recordMs(h, v);
      recordMs(all, v);
    }
    return h;
  });
  const counters = {
    ...emptyCounters(),
    requests: all.totalCount,
    statusCodes: { '200': all.totalCount },
  };
  const result = toSliResult(counters, all, samples.length);
  const base = loadTest();
  return {
    ...base,
    shard: { index, count },
    overall: result,
    journeys: [{ name: 'j', method: 'GET', path: '/', result, timeline: [] }],
    timeline: seconds.map((h, second) => ({
      second,
      requests: h.totalCount,
      errors: 0,
      ...(({ p50, p95, p99 }) => ({ p50, p95, p99 }))(latencyStats(h)),
      histogram: encodeHistogram(h),
    })),
  };
}

describe('merging load-test shards', () => {
  const a = [
    Array.from({ length: 500 }, (_, i) => 1 + (i % 17) * 0.37),
    Array.from({ length: 300 }, (_, i) => 2 + (i % 5)),
  ];
  const b = [
    Array.from({ length: 200 }, (_, i) => 40 + (i % 11)),
    Array.from({ length: 700 }, (_, i) => 0.2 + (i % 3) * 0.1),
  ];

  it('gives the percentiles of one histogram holding every sample, overall and per second', () => {
    const merged = mergeShards([shard(2, 2, b), shard(1, 2, a)]);
    const everything = createLatencyHistogram();
    for (const v of [...a.flat(), ...b.flat()]) recordMs(everything, v);
    expect(merged.overall.latency).toEqual(latencyStats(everything));
    expect(merged.overall.requests).toBe(1700);
    expect(merged.journeys[0]!.result.latency).toEqual(latencyStats(everything));
    const secondOne = createLatencyHistogram();
    for (const v of [...a[1]!, ...b[1]!]) recordMs(secondOne, v);
    const { p50, p95, p99 } = latencyStats(secondOne);
    expect(merged.timeline[1]).toMatchObject({ second: 1, requests: 1000, p50, p95, p99 });
    expect(merged.mergedShards).toBe(2);
    expect(merged.shard).toBeUndefined();
    expect(merged.load.connections).toBe(2 * loadTest().load.connections);
  });

  it('refuses an incomplete set', () => {
    expect(() => mergeShards([shard(1, 3, a), shard(3, 3, b)])).toThrow(
      'shards: shard 2 of 3 missing',
    );
  });

  it('refuses shards of another config or count, and duplicates', () => {
    const other = shard(2, 2, b);
    other.provenance = { ...other.provenance, configHash: 'ffffffffffffffff' };
    expect(() => mergeShards([shard(1, 2, a), other])).toThrow(/another config/);
    expect(() => mergeShards([shard(1, 2, a), shard(2, 3, b)])).toThrow(/disagree on their count/);
    expect(() => mergeShards([shard(1, 2, a), shard(1, 2, b)])).toThrow(/appears twice/);
  });
});
