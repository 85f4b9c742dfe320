import type { SliName, SloConfig, Threshold } from '../config/types.js';
import type { SliResult } from '../data/common.js';
import type { ErrorBudget, SloEvaluation } from '../data/stages.js';
import {
  formatNumber,
  formatPct,
  formatSliValue,
  formatSliValueUnrounded,
} from '../measure/format.js';
import type { LatencyHistogram } from '../measure/histogram.js';
import { countRecordedWhere, decodeHistogram } from '../measure/histogram.js';

/** The measurements an SLO is judged against: all journeys together, and each by name. */
export interface MeasuredSlis {
  overall: SliResult;
  journeys: Record<string, SliResult>;
}

const PERCENTILES: Partial<Record<SliName, number>> = {
  'latency.p50': 50,
  'latency.p90': 90,
  'latency.p95': 95,
  'latency.p99': 99,
};

/**
 * Below this many requests an error rate or availability is not estimated: one error in
 * fewer than 100 requests moves the rate by more than a percentage point.
 */
export const MIN_REQUESTS_FOR_RATES = 100;

/** A throughput measured over less than a second is mostly start-up and ramp. */
export const MIN_THROUGHPUT_SECONDS = 1;

const SCORE: Record<SloEvaluation['status'], number> = {
  pass: 1,
  warning: 0.5,
  fail: 0,
  inconclusive: 0,
};

/**
 * The fewest samples an SLI can be estimated from: completed responses for latency,
 * requests for error rate and availability; throughput is bounded by duration instead (0).
 * A percentile pXX needs 10 samples beyond it, ceil(10 / (1 - q)): p50 20, p90 100,
 * p95 200, p99 1000; otherwise the "p99" is just the largest of a handful of values.
 */
export function minimumSamples(sli: SliName): number {
  const p = PERCENTILES[sli];
  // Integer arithmetic on the percent: 10 / (1 - 0.9) is 100.00000000000003 in floating point.
  if (p !== undefined) return Math.ceil(1000 / (100 - p));
  if (sli === 'latency.max') return 1;
  if (sli === 'error_rate' || sli === 'availability') return MIN_REQUESTS_FOR_RATES;
  return 0;
}

/**
 * Whether an observed value meets a threshold. Values equal within floating-point noise
 * count as equal: "99.9%" parses to 0.9990000000000001, and an availability of exactly
 * 0.999 must meet ">= 99.9%".
 */
export function meetsThreshold(threshold: Threshold, observed: number): boolean {
  const tolerance = 1e-9 * Math.max(1, Math.abs(threshold.value));
  const diff = observed - threshold.value;
  switch (threshold.op) {
    case '<':
      return diff < -tolerance;
    case '<=':
      return diff <= tolerance;
    case '>':
      return diff > tolerance;
    case '>=':
      return diff >= -tolerance;
  }
}

/** Judges each SLO against the measurements. Pure: the same inputs give the same output. */
export function evaluateSlos(slos: SloConfig[], results: MeasuredSlis): SloEvaluation[] {
  // Several SLOs usually share one result's histogram: decode it once.
  const histograms = new Map<SliResult, LatencyHistogram>();
  const histogramOf = (result: SliResult): LatencyHistogram => {
    let h = histograms.get(result);
    if (!h) {
      try {
        h = decodeHistogram(result.histogram);
      } catch (error) {
        // A data file with a damaged histogram is refused when it is read (SliResult decodes
        // it, and the reader reports the file as the user's to fix); a result built in
        // memory that still fails here is refused too rather than judged by half.
        throw new Error(
          `the latency histogram of ${scopeOf(results, result)} cannot be decoded ` +
            `(${(error as Error).message}): the measurements are damaged; measure again`,
        );
      }
      histograms.set(result, h);
    }
    return h;
  };
  return slos.map((slo) => evaluateSlo(slo, results, histogramOf));
}

function scopeOf(results: MeasuredSlis, result: SliResult): string {
  if (result === results.overall) return 'all journeys';
  const name = Object.keys(results.journeys).find((key) => results.journeys[key] === result);
  return name === undefined ? 'a result' : `journey ${name}`;
}

function evaluateSlo(
  slo: SloConfig,
  results: MeasuredSlis,
  histogramOf: (result: SliResult) => LatencyHistogram,
): SloEvaluation {
  const base = {
    name: slo.name,
    sli: slo.sli,
    ...(slo.journey !== undefined ? { journey: slo.journey } : {}),
    target: slo.target.text,
    ...(slo.warning ? { warning: slo.warning.text } : {}),
    weight: slo.weight,
    key: slo.key,
  };
  const inconclusive = (observed: number | null, samples: number, reason: string) => ({
    ...base,
    observed,
    status: 'inconclusive' as const,
    score: SCORE.inconclusive,
    samples,
    reason,
    // A budget from too little data would read as a finding; it is left out.
    budget: null,
  });

  // Object.hasOwn: a journey named "constructor" must not find Object.prototype's.
  const result =
    slo.journey === undefined
      ? results.overall
      : Object.hasOwn(results.journeys, slo.journey)
        ? results.journeys[slo.journey]
        : undefined;
  if (!result) return inconclusive(null, 0, `no measurements for journey ${slo.journey}`);

  const scope = slo.journey ?? 'all journeys';
  const label = SLI_LABELS[slo.sli];
  const samples = samplesOf(slo.sli, result);
  const observed = observedOf(slo.sli, result);

  if (slo.sli === 'throughput') {
    if (result.durationSec < MIN_THROUGHPUT_SECONDS) {
      return inconclusive(
        result.durationSec > 0 ? observed : null,
        samples,
        `the measured window for ${scope} lasted ${formatNumber(result.durationSec)} s: ` +
          `throughput needs at least ${MIN_THROUGHPUT_SECONDS} s`,
      );
    }
  } else {
    const minimum = minimumSamples(slo.sli);
    if (samples < minimum) {
      const noun = slo.sli.startsWith('latency.') ? 'responses' : 'requests';
      const count = samples === 0 ? `no ${noun}` : `only ${samples} ${plural(samples, noun)}`;
      return inconclusive(
        samples === 0 ? null : observed,
        samples,
        `${count} for ${scope}: ${label} needs at least ${minimum}`,
      );
    }
  }

  const status: SloEvaluation['status'] = meetsThreshold(slo.target, observed)
    ? 'pass'
    : slo.warning && meetsThreshold(slo.warning, observed)
      ? 'warning'
      : 'fail';

  const what = `${label} of ${scope} ${describeObserved(slo.sli, observed, slo.target)}`;
  let reason =
    status === 'pass'
      ? `${what} meets ${slo.target.text}`
      : status === 'warning'
        ? `${what} misses ${slo.target.text} but meets the warning ${slo.warning?.text ?? ''}`
        : `${what} misses ${slo.target.text}` +
          (slo.warning ? ` and the warning ${slo.warning.text}` : '');
  const allowedFraction = allowedFractionOf(slo.sli, slo.target);
  // Judged all the same, but the reader should know one error decides it.
  if (allowedFraction !== null && allowedFraction > 0 && result.requests * allowedFraction < 1) {
    reason +=
      ` (only ${result.requests} ${plural(result.requests, 'requests')}: a single error is ` +
      `already ${formatPct(1 / result.requests)}, more than the ${formatPct(allowedFraction)} allowed)`;
  }

  return {
    ...base,
    observed,
    status,
    score: SCORE[status],
    samples,
    reason,
    budget: budgetOf(slo, result, histogramOf),
  };
}

const SLI_LABELS: Record<SliName, string> = {
  'latency.p50': 'p50',
  'latency.p90': 'p90',
  'latency.p95': 'p95',
  'latency.p99': 'p99',
  'latency.max': 'max latency',
  error_rate: 'error rate',
  availability: 'availability',
  throughput: 'throughput',
};

function samplesOf(sli: SliName, result: SliResult): number {
  return sli.startsWith('latency.') ? result.latency.count : result.requests;
}

export function observedOf(sli: SliName, result: SliResult): number {
  switch (sli) {
    case 'latency.p50':
      return result.latency.p50;
    case 'latency.p90':
      return result.latency.p90;
    case 'latency.p95':
      return result.latency.p95;
    case 'latency.p99':
      return result.latency.p99;
    case 'latency.max':
      return result.latency.max;
    case 'error_rate':
      return result.errorRate;
    case 'availability':
      return result.availability;
    case 'throughput':
      return result.throughputRps;
  }
}

/**
 * The share of requests an error_rate or availability SLO lets fail. Null for other SLIs and
 * for thresholds pointing the wrong way (an error rate "above" something has no budget).
 */
function allowedFractionOf(sli: SliName, target: Threshold): number | null {
  const upper = target.op === '<' || target.op === '<=';
  if (sli === 'error_rate' && upper) return Math.max(0, target.value);
  if (sli === 'availability' && !upper) return Math.max(0, 1 - target.value);
  return null;
}

function budgetOf(
  slo: SloConfig,
  result: SliResult,
  histogramOf: (result: SliResult) => LatencyHistogram,
): ErrorBudget | null {
  const upper = slo.target.op === '<' || slo.target.op === '<=';
  const p = PERCENTILES[slo.sli];
  if (p !== undefined || slo.sli === 'latency.max') {
    // A latency floor ("p95 > 10ms") has no bad events to count.
    if (!upper) return null;
    // A bad event is a response whose reading misses the target, judged by the very
    // comparison that judges the percentile, on readings taken at the same bucket edge
    // (measure/histogram.ts readingMs): "< 100ms" counts a response read at exactly 100 ms,
    // "<= 100ms" does not, and the budget is exhausted exactly when the verdict fails.
    const consumed = countRecordedWhere(
      histogramOf(result),
      (readingMs) => !meetsThreshold(slo.target, readingMs),
    );
    // pXX < T allows (1 - q) of the responses above T; max < T allows none.
    const allowed = p === undefined ? 0 : ((100 - p) * result.latency.count) / 100;
    return budget(allowed, consumed);
  }
  const fraction = allowedFractionOf(slo.sli, slo.target);
  if (fraction === null) return null;
  const consumed = slo.sli === 'error_rate' ? result.errors : result.serverErrors;
  return budget(fraction * result.requests, consumed);
}

function budget(allowed: number, consumed: number): ErrorBudget {
  // Fractions such as 1 - 0.999 are inexact in binary; nine decimals are far below one event.
  const tidyAllowed = tidy(allowed);
  return {
    allowed: tidyAllowed,
    consumed,
    burned: tidyAllowed > 0 ? tidy(consumed / tidyAllowed) : null,
  };
}

function tidy(n: number): number {
  return Math.round(n * 1e9) / 1e9;
}

function plural(n: number, noun: string): string {
  return n === 1 ? noun.replace(/s$/, '') : noun;
}

/**
 * The observed value as the reports print it (measure/format.ts). When that rounds to the
 * target's own figure while the verdict tells them apart, the unrounded reading follows, so
 * that "100 ms misses < 100ms" does not read as a contradiction.
 */
function describeObserved(sli: SliName, observed: number, target: Threshold): string {
  const shown = formatSliValue(sli, observed);
  const looksEqual = shown === formatSliValue(sli, target.value);
  const equal =
    !meetsThreshold({ ...target, op: '<' }, observed) &&
    !meetsThreshold({ ...target, op: '>' }, observed);
  if (!looksEqual || equal) return shown;
  return `${shown} (${formatSliValueUnrounded(sli, observed)} before rounding)`;
}
