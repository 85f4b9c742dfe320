import type { TimelinePoint } from '../data/common.js';
import { formatMs, formatPct } from '../measure/format.js';

/** Where the phases of a base → peak → base run change, in seconds of the timeline. */
export interface SpikePhases {
  /** The first second of the peak (the base phase is every second before it). */
  peakStartSec: number;
  /** The first second after the peak: recovery is counted from here. */
  peakEndSec: number;
}

export interface SpikeOptions {
  /** A second is back to normal with p95 ≤ pre-spike p95 × (1 + tolerance)... */
  tolerance?: number;
  /** ...or ≤ pre-spike p95 + this, whichever is larger: a 1 ms p95 wobbles by more than 25%. */
  p95SlackMs?: number;
  /** ...and an error rate ≤ the pre-spike one + this. */
  errorRateSlack?: number;
  /** Seconds in a row that must be back to normal for the service to count as recovered. */
  consecutive?: number;
}

/**
 * Defaults. 25%: the spread of one-second p95s in a steady state on a shared runner. 1 ms:
 * below that, a one-second p95 moves with scheduling alone. 1 point of error rate: a few
 * stray errors in a second of low traffic are not a service still failing. 3 seconds: one
 * good second between bad ones is a lull in the queue, not a recovery.
 */
export const SPIKE_DEFAULTS = {
  tolerance: 0.25,
  p95SlackMs: 1,
  errorRateSlack: 0.01,
  consecutive: 3,
} as const;

export interface PhaseLevel {
  /** Median of the per-second p95s of the seconds that had requests; null when none did. */
  p95Ms: number | null;
  /** Errors over requests for the whole phase; null without requests. */
  errorRate: number | null;
  /** Seconds in the phase, and how many had requests. */
  seconds: number;
  secondsWithRequests: number;
}

export interface SpikeRecovery {
  pre: PhaseLevel;
  peak: PhaseLevel & {
    /** The worst one-second p95 in the peak. */
    p95MaxMs: number | null;
  };
  /** What a second must stay within to count as recovered; null without a pre-spike level. */
  limits: { p95Ms: number; errorRate: number } | null;
  /** Seconds from the end of the peak to the start of the first recovered run; null if none. */
  recoverySec: number | null;
  /** The timeline second where that run starts. */
  recoveredAtSecond: number | null;
  reason: string;
}

/**
 * The level before a spike, the spike itself, and how long after it the one-second p95 and
 * error rate come back within tolerance of the level before and stay there `consecutive`
 * seconds. A second without requests is not recovered: in a run whose base rate is steady,
 * a second in which nothing completed is a service still stalled, not a healthy one.
 */
export function spikeRecovery(
  timeline: readonly TimelinePoint[],
  phases: SpikePhases,
  options: SpikeOptions = {},
): SpikeRecovery {
  const o = { ...SPIKE_DEFAULTS, ...options };
  const { peakStartSec, peakEndSec } = phases;
  if (!(peakStartSec >= 0 && peakEndSec > peakStartSec)) {
    throw new RangeError(
      `the peak must start at or after 0 and end after it starts, got ${peakStartSec}..${peakEndSec}`,
    );
  }
  if (!(o.consecutive >= 1))
    throw new RangeError(`consecutive must be at least 1, got ${o.consecutive}`);
  const bySecond = new Map(timeline.map((p) => [p.second, p]));
  const lastSecond = timeline.reduce((max, p) => Math.max(max, p.second), -1);
  const range = (from: number, to: number) =>
    Array.from(
      { length: Math.max(0, to - from) },
      (_, i) => bySecond.get(from + i) ?? empty(from + i),
    );

  const preSeconds = range(0, peakStartSec);
  const peakSeconds = range(peakStartSec, peakEndSec);
  const pre = level(preSeconds);
  const peakLevel = level(peakSeconds);
  const peakP95s = peakSeconds.filter((p) => p.requests > 0).map((p) => p.p95);
  const peak = { ...peakLevel, p95MaxMs: peakP95s.length > 0 ? Math.max(...peakP95s) : null };

  if (pre.p95Ms === null || pre.errorRate === null) {
    return {
      pre,
      peak,
      limits: null,
      recoverySec: null,
      recoveredAtSecond: null,
      reason: 'no requests before the spike: there is no level to recover to',
    };
  }
  const limits = {
    p95Ms: Math.max(pre.p95Ms * (1 + o.tolerance), pre.p95Ms + o.p95SlackMs),
    errorRate: pre.errorRate + o.errorRateSlack,
  };
  const healthy = (p: TimelinePoint) =>
    p.requests > 0 && p.p95 <= limits.p95Ms && p.errors / p.requests <= limits.errorRate;

  const after = range(peakEndSec, lastSecond + 1);
  let streak = 0;
  for (const [i, p] of after.entries()) {
    streak = healthy(p) ? streak + 1 : 0;
    if (streak === o.consecutive) {
      const start = i - o.consecutive + 1;
      return {
        pre,
        peak,
        limits,
        recoverySec: start,
        recoveredAtSecond: peakEndSec + start,
        reason:
          `back within p95 ≤ ${formatMs(limits.p95Ms)} and error rate ≤ ${formatPct(limits.errorRate)} ` +
          `${start} s after the peak, for ${o.consecutive} s in a row`,
      };
    }
  }
  const tail =
    after.length === 0
      ? 'the run ends with the peak'
      : streak > 0
        ? `the last ${streak} s were back, fewer than the ${o.consecutive} in a row asked for`
        : `none of the ${after.length} s after the peak stayed back`;
  return {
    pre,
    peak,
    limits,
    recoverySec: null,
    recoveredAtSecond: null,
    reason: `not recovered to p95 ≤ ${formatMs(limits.p95Ms)} and error rate ≤ ${formatPct(limits.errorRate)} before the run ended: ${tail}`,
  };
}

function empty(second: number): TimelinePoint {
  return { second, requests: 0, errors: 0, p50: 0, p95: 0, p99: 0 };
}

function level(seconds: readonly TimelinePoint[]): PhaseLevel {
  const served = seconds.filter((p) => p.requests > 0);
  const requests = served.reduce((sum, p) => sum + p.requests, 0);
  const errors = served.reduce((sum, p) => sum + p.errors, 0);
  return {
    p95Ms: median(served.map((p) => p.p95)),
    errorRate: requests > 0 ? errors / requests : null,
    seconds: seconds.length,
    secondsWithRequests: served.length,
  };
}

/** The middle value (the mean of the two middle ones for an even count); null when empty. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
