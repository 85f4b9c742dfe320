import type { TimelinePoint } from '../data/common.js';
import type { JourneyResult, LoadTestData, SteadyLoadTest } from '../data/stages.js';
import { steadyLoad } from '../data/stages.js';
import { ConfigError } from '../errors.js';
import {
  decodeHistogram,
  encodeHistogram,
  latencyStats,
  mergeHistograms,
} from '../measure/histogram.js';
import { mergeSliResults } from './sli.js';

/**
 * The shards of one load test, run side by side (one matrix leg each), as one result. Latency
 * histograms add exactly, so the merged percentiles are those of one histogram holding every
 * sample; counts and rates add up. Refuses an incomplete or mixed set rather than judging part
 * of the load as all of it.
 */
export function mergeShards(results: LoadTestData[]): SteadyLoadTest {
  const shards = results.map((result) => {
    const steady = steadyLoad(result);
    if (!steady) {
      throw new ConfigError(
        `shard ${result.shard?.index ?? '?'} ran no steady load (scenarios ${result.scenarios.join(', ')}): only the load scenario is sharded`,
        'shards',
      );
    }
    return steady;
  });
  const first = shards[0];
  if (!first) throw new ConfigError('no shard results to merge', 'shards');
  const count = first.shard?.count;
  if (count === undefined)
    throw new ConfigError('a result to merge is not a shard (it has no shard index)', 'shards');
  const seen = new Set<number>();
  for (const s of shards) {
    if (!s.shard || s.shard.count !== count) {
      throw new ConfigError(
        `shards disagree on their count (${count} and ${s.shard?.count ?? 'none'})`,
        'shards',
      );
    }
    if (seen.has(s.shard.index))
      throw new ConfigError(`shard ${s.shard.index} of ${count} appears twice`, 'shards');
    seen.add(s.shard.index);
    if (s.provenance.configHash !== first.provenance.configHash) {
      throw new ConfigError(
        `shard ${s.shard.index} ran with another config (hash ${s.provenance.configHash}, shard ${first.shard?.index} ${first.provenance.configHash})`,
        'shards',
      );
    }
  }
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !seen.has(i));
  if (missing.length > 0) {
    throw new ConfigError(
      `shard${missing.length > 1 ? 's' : ''} ${missing.join(', ')} of ${count} missing`,
      'shards',
    );
  }
  const ordered = [...shards].sort((a, b) => a.shard!.index - b.shard!.index);
  const rates = ordered.map((s) => s.load.rateRps);
  const { shard: _shard, ...rest } = first;
  return {
    ...rest,
    provenance: {
      ...first.provenance,
      createdAt: ordered
        .map((s) => s.provenance.createdAt)
        .sort()
        .at(-1)!,
      commands: [...new Set(ordered.flatMap((s) => s.provenance.commands))],
    },
    mergedShards: count,
    load: {
      ...first.load,
      connections: ordered.reduce((sum, s) => sum + s.load.connections, 0),
      ...(rates.every((r) => r !== undefined)
        ? { rateRps: rates.reduce((sum, r) => sum + r!, 0) }
        : {}),
    },
    overall: mergeSliResults(ordered.map((s) => s.overall)),
    journeys: first.journeys.map((journey): JourneyResult => {
      const parts = ordered.map((s) => s.journeys.find((j) => j.name === journey.name));
      const present = parts.filter((p): p is JourneyResult => p !== undefined);
      return {
        ...journey,
        result: mergeSliResults(present.map((p) => p.result)),
        timeline: mergeTimelines(present.map((p) => p.timeline)),
      };
    }),
    timeline: mergeTimelines(ordered.map((s) => s.timeline)),
    // CPU and memory of separate runs do not add up to one service's.
    service: null,
  };
}

/** Second by second: requests and errors add, percentiles come from the added histograms. */
export function mergeTimelines(timelines: TimelinePoint[][]): TimelinePoint[] {
  const bySecond = new Map<number, TimelinePoint[]>();
  for (const timeline of timelines) {
    for (const point of timeline)
      bySecond.set(point.second, [...(bySecond.get(point.second) ?? []), point]);
  }
  return [...bySecond.entries()]
    .sort(([a], [b]) => a - b)
    .map(([second, points]) => {
      if (points.some((p) => p.histogram === undefined)) {
        throw new ConfigError(
          `second ${second} of a shard's timeline has no histogram, so it cannot be merged exactly: measure again with this version`,
          'shards',
        );
      }
      const histogram = mergeHistograms(points.map((p) => decodeHistogram(p.histogram!)));
      const { p50, p95, p99 } = latencyStats(histogram);
      return {
        second,
        requests: points.reduce((sum, p) => sum + p.requests, 0),
        errors: points.reduce((sum, p) => sum + p.errors, 0),
        p50,
        p95,
        p99,
        histogram: encodeHistogram(histogram),
      };
    });
}
