import type { RuntimeSummary } from '../data/stages.js';
import { analyzeMemoryLeak } from '../scenarios/memory-leak.js';
import type { LoadWindow } from './busy-profiles.js';
import { heapSamples, type ProcessRuntime, type RuntimeSample } from './runtime-probe.js';

/**
 * The probe's seconds inside the load, summarised: the worst event-loop delay of any process,
 * and the GC and heap of the busiest one (the service, not a wrapper such as npm, which the
 * probe samples too). Null when no process reported a second inside the load.
 */
export function summarizeRuntime(
  processes: readonly ProcessRuntime[],
  window: LoadWindow,
): RuntimeSummary | null {
  const inWindow = (s: RuntimeSample) => s.t > window.startMs && s.t <= window.endMs;
  const reporting = processes
    .map((p) => ({ ...p, samples: p.samples.filter(inWindow) }))
    .filter((p) => p.samples.length > 0);
  if (reporting.length === 0) return null;
  // Busiest: the most GC and event-loop work, which a waiting wrapper barely has.
  const work = (p: ProcessRuntime) =>
    p.samples.reduce((sum, s) => sum + gcMs(s) + (s.eventLoopDelayMs?.p50 ?? 0), 0) +
    p.samples.length;
  const busiest = [...reporting].sort((a, b) => work(b) - work(a))[0]!;
  const all = reporting.flatMap((p) => p.samples);

  const maxOf = (values: Array<number | null | undefined>) => {
    const known = values.filter((v): v is number => typeof v === 'number');
    return known.length > 0 ? Math.max(...known) : null;
  };
  const seconds = busiest.samples.length;
  const pauses = busiest.samples.flatMap((s) => s.gcPausesMs ?? []).sort((a, b) => a - b);
  const byKind: Record<string, { count: number; totalMs: number }> = {};
  for (const s of busiest.samples) {
    for (const [kind, { count, ms }] of Object.entries(s.gc)) {
      const entry = (byKind[kind] ??= { count: 0, totalMs: 0 });
      entry.count += count;
      entry.totalMs += ms;
    }
  }
  const totalGcMs = busiest.samples.reduce((sum, s) => sum + gcMs(s), 0);
  const pauseCount = Object.values(byKind).reduce((sum, k) => sum + k.count, 0);
  const heap = analyzeMemoryLeak(heapSamples(busiest.samples), { kind: 'heap' });
  const first = busiest.samples[0]!;
  const last = busiest.samples[busiest.samples.length - 1]!;
  return {
    processes: reporting.length,
    seconds,
    eventLoopDelayMs: {
      p99: maxOf(all.map((s) => s.eventLoopDelayMs?.p99)),
      max: maxOf(all.map((s) => s.eventLoopDelayMs?.max)),
    },
    gc: {
      pauseShare: Math.min(1, totalGcMs / (seconds * 1000)),
      pausesPerSecond: pauseCount / seconds,
      pauseMs:
        pauses.length === 0
          ? null
          : { p50: quantile(pauses, 0.5), p99: quantile(pauses, 0.99), max: pauses.at(-1)! },
      byKind,
    },
    heapUsedBytes: { first: first.heapUsed, last: last.heapUsed },
    heapTrend: {
      verdict: heap.verdict,
      bytesPerMinute: heap.bytesPerMinute,
      reason: heap.reason,
    },
    activeResourcesMax: maxOf(all.map((s) => s.activeResources)),
    timeline: busiest.samples.map((s) => ({
      // A sample sums the second before it: sample t belongs to second (t - start) / 1000 - 1.
      second: Math.max(0, Math.ceil((s.t - window.startMs) / 1000) - 1),
      eventLoopDelayP99Ms: maxOf(
        reporting.map(
          (p) => p.samples.find((o) => Math.abs(o.t - s.t) < 500)?.eventLoopDelayMs?.p99,
        ),
      ),
      gcPauseMs: gcMs(s),
      heapUsedBytes: s.heapUsed,
    })),
  };
}

function gcMs(sample: RuntimeSample): number {
  return Object.values(sample.gc).reduce((sum, kind) => sum + kind.ms, 0);
}

/** The nearest-rank quantile of sorted values. */
function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
