import type { TimelinePoint } from '../data/common.js';
import { formatNumber, formatPct } from '../measure/format.js';

// ---------------------------------------------------------------------------------------
// Student's t distribution, through the regularized incomplete beta function. Exact to
// double precision for any degrees of freedom, fractional ones included (which the
// autocorrelation adjustment below produces), where table-based or Hill-style
// approximations are tuned for whole ones.

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
  -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
  1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos, g = 7: about 15 significant digits). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let sum = LANCZOS[0] as number;
  for (let i = 1; i < LANCZOS.length; i++) sum += (LANCZOS[i] as number) / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** Continued fraction of the incomplete beta (modified Lentz), valid for x < (a+1)/(a+b+2). */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  // Converges in about sqrt(max(a, b)) terms: a million degrees of freedom stay well inside.
  for (let m = 1; m <= 100_000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < 1e-15) break;
  }
  return h;
}

/** I_x(a, b), the regularized incomplete beta function, for 0 ≤ x ≤ 1 and a, b > 0. */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(
    logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x),
  );
  // The fraction converges fast on one side of the mean only; the symmetry covers the other.
  return x < (a + 1) / (a + b + 2)
    ? (front * betaContinuedFraction(x, a, b)) / a
    : 1 - (front * betaContinuedFraction(1 - x, b, a)) / b;
}

/** P(T ≤ t) for Student's t with `df` degrees of freedom (df > 0, not necessarily whole). */
export function studentTCdf(t: number, df: number): number {
  if (!Number.isFinite(t)) return t > 0 ? 1 : 0;
  const tail = 0.5 * regularizedIncompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** The p-quantile of Student's t with `df` degrees of freedom, by bisection on the CDF. */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1) || !(df > 0)) {
    throw new RangeError(`studentTQuantile needs 0 < p < 1 and df > 0, got p=${p}, df=${df}`);
  }
  if (p === 0.5) return 0;
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  let low = 0;
  let high = 1;
  while (studentTCdf(high, df) < p) {
    low = high;
    high *= 2;
    if (high > 1e300) return Infinity;
  }
  // Each halving gains a bit; 200 is far more than double precision needs from [0, 2^k].
  for (let i = 0; i < 200 && high - low > 1e-14 * high; i++) {
    const mid = (low + high) / 2;
    if (studentTCdf(mid, df) < p) low = mid;
    else high = mid;
  }
  return (low + high) / 2;
}

// ---------------------------------------------------------------------------------------
// Least squares.

export interface LinearTrend {
  slope: number;
  intercept: number;
  /** The slope's two-sided confidence interval at the requested level. */
  slopeLow: number;
  slopeHigh: number;
  /** Points fitted. */
  n: number;
  /** Share of y's variance the line explains; 1 when y does not vary (the line is exact). */
  rSquared: number;
  /** Standard error of the slope (after the autocorrelation adjustment, when asked). */
  slopeStdError: number;
  /** Degrees of freedom of the interval: n − 2, or fewer for autocorrelated residuals. */
  degreesOfFreedom: number;
  /** Lag-1 autocorrelation of the residuals, in x order; null with fewer than 3 points. */
  residualAutocorrelation: number | null;
}

export interface TrendOptions {
  /**
   * Widen the interval for positively autocorrelated residuals (Santer et al. 2000: an
   * effective sample size n(1 − r₁)/(1 + r₁)). Series sampled every second drift together
   * over several seconds (GC cycles, caches, a noisy neighbour), so plain OLS would claim a
   * precision it does not have. Never narrows: a negative r₁ counts as 0.
   */
  adjustForAutocorrelation?: boolean;
}

/**
 * Ordinary least squares of y on x, with the slope's confidence interval from Student's t.
 * Null with fewer than two points or when every x is the same (no slope exists); with two
 * points the interval is unbounded (no degrees of freedom are left to estimate the noise).
 */
export function linearTrend(
  points: readonly { x: number; y: number }[],
  confidence = 0.95,
  options: TrendOptions = {},
): LinearTrend | null {
  if (!(confidence > 0 && confidence < 1)) {
    throw new RangeError(`confidence must be between 0 and 1, got ${confidence}`);
  }
  const n = points.length;
  if (n < 2) return null;
  // Centred sums: x may be Date.now() in ms, whose squares would lose the signal to rounding.
  let meanX = 0;
  let meanY = 0;
  for (const p of points) {
    meanX += p.x;
    meanY += p.y;
  }
  meanX /= n;
  meanY /= n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (const p of points) {
    const dx = p.x - meanX;
    const dy = p.y - meanY;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  const intercept = meanY - slope * meanX;

  const ordered = [...points].sort((a, b) => a.x - b.x);
  const residuals = ordered.map((p) => p.y - (intercept + slope * p.x));
  const sse = residuals.reduce((sum, r) => sum + r * r, 0);
  const rSquared = syy === 0 ? 1 : Math.max(0, 1 - sse / syy);
  const r1 = lag1Autocorrelation(residuals);

  let df = n - 2;
  let stdError = df > 0 ? Math.sqrt(sse / df / sxx) : Infinity;
  if (options.adjustForAutocorrelation && r1 !== null && r1 > 0 && df > 0) {
    const effectiveN = (n * (1 - r1)) / (1 + r1);
    const effectiveDf = effectiveN - 2;
    stdError = effectiveDf > 0 ? stdError * Math.sqrt(df / effectiveDf) : Infinity;
    df = Math.max(0, effectiveDf);
  }
  const halfWidth =
    df > 0 && Number.isFinite(stdError)
      ? stdError === 0
        ? 0
        : studentTQuantile(1 - (1 - confidence) / 2, df) * stdError
      : Infinity;
  return {
    slope,
    intercept,
    slopeLow: slope - halfWidth,
    slopeHigh: slope + halfWidth,
    n,
    rSquared,
    slopeStdError: stdError,
    degreesOfFreedom: df,
    residualAutocorrelation: r1,
  };
}

/**
 * A confidence interval as text, "-0.2 to 1.3"; an end that is unbounded (no degrees of
 * freedom left to estimate the noise from) reads ∞ rather than as a missing value.
 */
export function formatInterval(
  low: number,
  high: number,
  format: (value: number) => string,
): string {
  const bound = (v: number) => (Number.isFinite(v) ? format(v) : v > 0 ? '∞' : '-∞');
  return `${bound(low)} to ${bound(high)}`;
}

function lag1Autocorrelation(values: readonly number[]): number | null {
  if (values.length < 3) return null;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  let numerator = 0;
  let denominator = 0;
  for (let i = 0; i < values.length; i++) {
    const d = (values[i] as number) - mean;
    denominator += d * d;
    if (i > 0) numerator += d * ((values[i - 1] as number) - mean);
  }
  return denominator === 0 ? 0 : numerator / denominator;
}

// ---------------------------------------------------------------------------------------
// Drift over a soak run.

export type DriftVerdict = 'stable' | 'degrading' | 'improving' | 'inconclusive';

export interface DriftEstimate {
  /** Change per minute of run: req/s per minute for throughput, ms per minute for p95. */
  perMinute: number | null;
  perMinuteLow: number | null;
  perMinuteHigh: number | null;
  /** Seconds that entered the fit. */
  points: number;
  /** Mean of the metric over those seconds. */
  mean: number | null;
  /** perMinute × the minutes the fitted seconds span: the change the trend implies. */
  driftOverRun: number | null;
  /** The practical threshold driftOverRun was held against: practicalFraction × mean. */
  threshold: number | null;
  verdict: DriftVerdict;
  reason: string;
}

export interface SoakDrift {
  throughput: DriftEstimate;
  p95: DriftEstimate;
}

export interface SoakDriftOptions {
  confidence?: number;
  /** Fewer usable seconds than this: inconclusive. */
  minPoints?: number;
  /** A second's p95 enters the fit only with at least this many requests. */
  minRequestsForP95?: number;
  /** A drift smaller than this share of the mean over the run is not worth calling. */
  practicalFraction?: number;
}

/**
 * Defaults. 30 points: the t interval is then close to the normal one and a lag-1
 * autocorrelation can be estimated at all. 20 requests: the fewest whose p95 is not simply
 * the slowest request. 5%: below that a soak's drift is within what two identical runs on a
 * shared runner differ by.
 */
export const SOAK_DRIFT_DEFAULTS = {
  confidence: 0.95,
  minPoints: 30,
  minRequestsForP95: 20,
  practicalFraction: 0.05,
} as const;

/**
 * Throughput and p95 drift over a soak run's one-second timeline, each with a confidence
 * interval and a verdict. Degrading (improving) needs the whole interval on the bad (good)
 * side and a change over the run beyond the practical threshold; a change that size whose
 * interval still crosses zero is inconclusive; anything smaller is stable.
 */
export function soakDrift(
  timeline: readonly TimelinePoint[],
  options: SoakDriftOptions = {},
): SoakDrift {
  const o = { ...SOAK_DRIFT_DEFAULTS, ...options };
  const seconds = [...timeline].sort((a, b) => a.second - b.second);
  // Every second counts for throughput, empty ones included: a second with nothing served
  // is the service's throughput falling, not a missing value.
  const throughput = seconds.map((p) => ({ x: p.second / 60, y: p.requests }));
  const p95 = seconds
    .filter((p) => p.requests >= o.minRequestsForP95 && Number.isFinite(p.p95))
    .map((p) => ({ x: p.second / 60, y: p.p95 }));
  return {
    throughput: drift(throughput, 'lower', 'req/s', o),
    p95: drift(p95, 'higher', 'ms', o),
  };
}

function drift(
  points: { x: number; y: number }[],
  bad: 'higher' | 'lower',
  unit: string,
  o: Required<SoakDriftOptions>,
): DriftEstimate {
  const empty = {
    perMinute: null,
    perMinuteLow: null,
    perMinuteHigh: null,
    points: points.length,
    mean: null,
    driftOverRun: null,
    threshold: null,
  };
  if (points.length < o.minPoints) {
    return {
      ...empty,
      verdict: 'inconclusive',
      reason: `${points.length} usable seconds, fewer than the ${o.minPoints} a trend needs`,
    };
  }
  const trend = linearTrend(points, o.confidence, { adjustForAutocorrelation: true });
  if (trend === null) {
    return { ...empty, verdict: 'inconclusive', reason: 'all the seconds are the same second' };
  }
  const mean = points.reduce((sum, p) => sum + p.y, 0) / points.length;
  const xs = points.map((p) => p.x);
  const spanMinutes = Math.max(...xs) - Math.min(...xs);
  const driftOverRun = trend.slope * spanMinutes;
  const threshold = o.practicalFraction * Math.abs(mean);
  const level = `${Math.round(o.confidence * 100)}%`;
  const interval = `${formatInterval(trend.slopeLow, trend.slopeHigh, formatNumber)} ${unit} per minute (${level})`;
  const change = `${formatNumber(driftOverRun)} ${unit} over ${formatNumber(spanMinutes)} min`;
  const practical = `${formatNumber(threshold)} ${unit}, ${formatPct(o.practicalFraction)} of the mean ${formatNumber(mean)} ${unit}`;
  const worse = bad === 'higher' ? trend.slopeLow > 0 : trend.slopeHigh < 0;
  const better = bad === 'higher' ? trend.slopeHigh < 0 : trend.slopeLow > 0;
  const large = Math.abs(driftOverRun) > threshold;
  let verdict: DriftVerdict;
  let reason: string;
  if (large && worse) {
    verdict = 'degrading';
    reason = `${change}, beyond ${practical}; interval ${interval}`;
  } else if (large && better) {
    verdict = 'improving';
    reason = `${change}, beyond ${practical}; interval ${interval}`;
  } else if (large) {
    verdict = 'inconclusive';
    reason = `${change} would matter (beyond ${practical}), but the interval ${interval} includes no change`;
  } else {
    verdict = 'stable';
    reason = `${change}, within ${practical}; interval ${interval}`;
  }
  return {
    perMinute: trend.slope,
    perMinuteLow: trend.slopeLow,
    perMinuteHigh: trend.slopeHigh,
    points: points.length,
    mean,
    driftOverRun,
    threshold,
    verdict,
    reason,
  };
}
