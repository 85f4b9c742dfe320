import { formatBytes, formatNumber } from '../measure/format.js';
import { formatInterval, linearTrend } from './drift.js';

/** One memory reading of one process. */
export interface MemorySample {
  /** Milliseconds on any clock shared by the samples (Date.now() from the runtime probe). */
  tMs: number;
  bytes: number;
  /** Heap used right after a major GC: the heap's true low at that moment. */
  afterGc?: boolean;
}

export type LeakVerdict = 'leak' | 'no-leak' | 'inconclusive';
export type LeakSource = 'heap-after-gc' | 'heap-lows' | 'rss-lows';

export interface LeakAnalysis {
  verdict: LeakVerdict;
  source: LeakSource;
  /** Growth of the lows, bytes per minute, and its confidence interval; null without a fit. */
  bytesPerMinute: number | null;
  bytesPerMinuteLow: number | null;
  bytesPerMinuteHigh: number | null;
  /** bytesPerMinute × 60: what an hour more of the same load would add. */
  projectedBytesPerHour: number | null;
  /** The growth the fitted line implies over the analysed part of the run. */
  growthOverRun: number | null;
  /** The growth a leak must exceed: max(minGrowthBytes, growthFraction × the starting low). */
  threshold: number | null;
  /** The fitted low at the start of the analysed part. */
  startBytes: number | null;
  /** The lows the trend was fitted on, after the warm-up was dropped. */
  lows: { tMs: number; bytes: number }[];
  reason: string;
}

export interface LeakOptions {
  /** What plain (not afterGc) samples measure: the JS heap or the resident set. */
  kind?: 'heap' | 'rss';
  confidence?: number;
  /** Share of the run dropped at its start: heaps grow while the JIT and caches fill. */
  warmupFraction?: number;
  /** Width of the windows whose minimum is a low; default a tenth of the run. */
  windowMs?: number;
  /** Fewer lows than this after the warm-up: inconclusive. */
  minPoints?: number;
  /** Growth over the run below this many bytes is never a leak. */
  minGrowthBytes?: number;
  /** Growth over the run below this share of the starting low is never a leak. */
  growthFraction?: number;
}

/**
 * Defaults. 10% warm-up: long enough for the JIT's code and a service's lazily filled caches
 * on the runs perf-flow makes (a minute to an hour), short enough to leave most of the run.
 * Five lows: the fewest that leave a t interval of useful width (3 degrees of freedom).
 * 1 MiB: heap lows of a healthy Node service move by that much from JIT code, inline caches
 * and allocator slack alone. 5%: on a large heap a fixed floor would flag a slow fill of a
 * bounded cache; a leak worth acting on grows by more than that within a soak.
 */
export const LEAK_DEFAULTS = {
  kind: 'heap',
  confidence: 0.95,
  warmupFraction: 0.1,
  minPoints: 5,
  minGrowthBytes: 1024 * 1024,
  growthFraction: 0.05,
} as const;

/**
 * Whether memory leaks, from the lows of memory over time rather than its GC sawtooth:
 * post-GC heap readings when there are enough of them, else the minimum of each window.
 * A leak needs the growth's whole confidence interval above zero and a growth over the run
 * beyond the threshold; a growth that size whose interval reaches zero is inconclusive.
 */
export function analyzeMemoryLeak(
  samples: readonly MemorySample[],
  options: LeakOptions = {},
): LeakAnalysis {
  const o = { ...LEAK_DEFAULTS, ...options };
  const ordered = samples
    .filter((s) => Number.isFinite(s.tMs) && Number.isFinite(s.bytes))
    .sort((a, b) => a.tMs - b.tMs);
  const lowsSource: LeakSource = o.kind === 'rss' ? 'rss-lows' : 'heap-lows';
  const none = {
    bytesPerMinute: null,
    bytesPerMinuteLow: null,
    bytesPerMinuteHigh: null,
    projectedBytesPerHour: null,
    growthOverRun: null,
    threshold: null,
    startBytes: null,
  };
  const first = ordered[0];
  const last = ordered[ordered.length - 1];
  if (first === undefined || last === undefined || last.tMs === first.tMs) {
    return {
      ...none,
      verdict: 'inconclusive',
      source: lowsSource,
      lows: [],
      reason: `${ordered.length} memory samples, not spread over time`,
    };
  }
  const span = last.tMs - first.tMs;
  const warmEnd = first.tMs + o.warmupFraction * span;
  const measured = ordered.filter((s) => s.tMs >= warmEnd);

  const afterGc = measured.filter((s) => s.afterGc);
  let source: LeakSource;
  let lows: { tMs: number; bytes: number }[];
  if (afterGc.length >= o.minPoints) {
    source = 'heap-after-gc';
    lows = afterGc.map(({ tMs, bytes }) => ({ tMs, bytes }));
  } else {
    source = lowsSource;
    const plain = measured.filter((s) => !s.afterGc);
    lows = windowMinima(plain, o.windowMs ?? defaultWindowMs(ordered, span));
  }

  if (lows.length < o.minPoints) {
    return {
      ...none,
      verdict: 'inconclusive',
      source,
      lows,
      reason:
        `${lows.length} ${source === 'heap-after-gc' ? 'post-GC readings' : 'lows'} after the ` +
        `warm-up, fewer than the ${o.minPoints} a trend needs; run longer`,
    };
  }
  // The lows are a window apart, which makes them close to independent, and with ~10 of
  // them a lag-1 autocorrelation would be too noisy an estimate to adjust by.
  const trend = linearTrend(
    lows.map((l) => ({ x: (l.tMs - first.tMs) / 60_000, y: l.bytes })),
    o.confidence,
  );
  const lowFirst = lows[0];
  const lowLast = lows[lows.length - 1];
  if (trend === null || lowFirst === undefined || lowLast === undefined) {
    return { ...none, verdict: 'inconclusive', source, lows, reason: 'the lows share one time' };
  }
  const minutes = (lowLast.tMs - lowFirst.tMs) / 60_000;
  const startBytes = trend.intercept + trend.slope * ((lowFirst.tMs - first.tMs) / 60_000);
  const growthOverRun = trend.slope * minutes;
  const threshold = Math.max(o.minGrowthBytes, o.growthFraction * Math.max(0, startBytes));

  const what = {
    'heap-after-gc': 'heap after major GCs',
    'heap-lows': 'heap lows',
    'rss-lows': 'RSS lows',
  }[source];
  const level = `${Math.round(o.confidence * 100)}%`;
  const rate = `${formatBytes(trend.slope)}/min (${level}: ${formatInterval(trend.slopeLow, trend.slopeHigh, formatBytes)})`;
  const growth = `${formatBytes(growthOverRun)} over ${formatNumber(minutes)} min`;
  const bar = `the ${formatBytes(threshold)} a leak must exceed`;
  let verdict: LeakVerdict;
  let reason: string;
  if (growthOverRun <= threshold) {
    verdict = 'no-leak';
    reason = `${what} grow ${rate}: ${growth}, within ${bar}`;
  } else if (trend.slopeLow > 0) {
    verdict = 'leak';
    reason = `${what} grow ${rate}: ${growth}, beyond ${bar}; ${formatBytes(trend.slope * 60)} more per hour at this load`;
  } else {
    verdict = 'inconclusive';
    reason = `${what} grow ${rate}: ${growth}, beyond ${bar}, but the interval reaches zero; run longer`;
  }
  if (source === 'heap-lows' && verdict === 'leak') {
    reason += ' (no post-GC readings: garbage awaiting a major GC can raise heap lows too)';
  }
  return {
    verdict,
    source,
    bytesPerMinute: trend.slope,
    bytesPerMinuteLow: trend.slopeLow,
    bytesPerMinuteHigh: trend.slopeHigh,
    projectedBytesPerHour: trend.slope * 60,
    growthOverRun,
    threshold,
    startBytes,
    lows,
    reason,
  };
}

/**
 * A tenth of the run, so there are about ten lows whatever its length, but never less than
 * the usual spacing of the samples: a window must hold a sample to have a low.
 */
function defaultWindowMs(ordered: readonly MemorySample[], span: number): number {
  const gaps: number[] = [];
  for (let i = 1; i < ordered.length; i++) {
    const gap = (ordered[i] as MemorySample).tMs - (ordered[i - 1] as MemorySample).tMs;
    if (gap > 0) gaps.push(gap);
  }
  gaps.sort((a, b) => a - b);
  const spacing = gaps[Math.floor(gaps.length / 2)] ?? 0;
  return Math.max(span / 10, spacing);
}

/**
 * The lowest sample of each window, placed at its own time (not the window's), counting
 * windows from the first sample. Empty windows are skipped.
 */
export function windowMinima(
  samples: readonly { tMs: number; bytes: number }[],
  windowMs: number,
): { tMs: number; bytes: number }[] {
  if (!(windowMs > 0)) throw new RangeError(`windowMs must be positive, got ${windowMs}`);
  const first = samples[0];
  if (first === undefined) return [];
  const byWindow = new Map<number, { tMs: number; bytes: number }>();
  for (const s of samples) {
    const index = Math.floor((s.tMs - first.tMs) / windowMs);
    const low = byWindow.get(index);
    if (low === undefined || s.bytes < low.bytes)
      byWindow.set(index, { tMs: s.tMs, bytes: s.bytes });
  }
  return [...byWindow.entries()].sort((a, b) => a[0] - b[0]).map(([, low]) => low);
}
