import type { SliResult } from '../data/common.js';
import type { LatencyHistogram } from '../measure/histogram.js';
import {
  createLatencyHistogram,
  decodeHistogram,
  encodeHistogram,
  latencyStats,
  mergeHistograms,
} from '../measure/histogram.js';

/** The counts an SliResult is computed from; `requests` includes the failed ones. */
export interface SliCounters {
  requests: number;
  errors: number;
  serverErrors: number;
  timeouts: number;
  transportErrors: number;
  /** Responses by status code, the code as a string ("200", "503"). */
  statusCodes: Record<string, number>;
}

/** How one request ended. */
export type RequestOutcome =
  | { kind: 'response'; status: number }
  | { kind: 'timeout' }
  /** The connection failed or was reset before a response came: ECONNRESET, EPIPE, ... */
  | { kind: 'transport' };

// Outcomes are immutable and shared: one per status code, instead of an object per response.
export const TIMEOUT_OUTCOME: RequestOutcome = { kind: 'timeout' };
export const TRANSPORT_OUTCOME: RequestOutcome = { kind: 'transport' };
const RESPONSE_OUTCOMES = new Map<number, RequestOutcome>();

export function responseOutcome(status: number): RequestOutcome {
  let outcome = RESPONSE_OUTCOMES.get(status);
  if (outcome === undefined) {
    outcome = { kind: 'response', status };
    RESPONSE_OUTCOMES.set(status, outcome);
  }
  return outcome;
}

export function emptyCounters(): SliCounters {
  return {
    requests: 0,
    errors: 0,
    serverErrors: 0,
    timeouts: 0,
    transportErrors: 0,
    statusCodes: {},
  };
}

export function isErrorOutcome(outcome: RequestOutcome): boolean {
  return outcome.kind !== 'response' || outcome.status >= 400;
}

export function countOutcome(counters: SliCounters, outcome: RequestOutcome): void {
  counters.requests += 1;
  if (isErrorOutcome(outcome)) counters.errors += 1;
  switch (outcome.kind) {
    case 'response': {
      const code = String(outcome.status);
      counters.statusCodes[code] = (counters.statusCodes[code] ?? 0) + 1;
      if (outcome.status >= 500) counters.serverErrors += 1;
      break;
    }
    case 'timeout':
      counters.timeouts += 1;
      counters.serverErrors += 1;
      break;
    case 'transport':
      counters.transportErrors += 1;
      counters.serverErrors += 1;
      break;
  }
}

/**
 * With no requests at all the rates have no value; they are reported as the worst case
 * (errorRate 1, availability 0) so that a run that measured nothing never looks healthy.
 * Callers that judge SLOs should still call such a run inconclusive by its request count.
 */
export function toSliResult(
  counters: SliCounters,
  histogram: LatencyHistogram,
  durationSec: number,
): SliResult {
  const { requests } = counters;
  return {
    requests,
    errors: counters.errors,
    serverErrors: counters.serverErrors,
    timeouts: counters.timeouts,
    transportErrors: counters.transportErrors,
    statusCodes: { ...counters.statusCodes },
    durationSec,
    throughputRps: durationSec > 0 ? requests / durationSec : 0,
    errorRate: requests > 0 ? counters.errors / requests : 1,
    availability: requests > 0 ? 1 - counters.serverErrors / requests : 0,
    latency: latencyStats(histogram),
    histogram: encodeHistogram(histogram),
  };
}

/**
 * Results measured side by side over the same window (journeys of one run, load shards):
 * histograms merge exactly, counters add up, the window is the longest of them and the
 * throughputs add up. Results measured one after another need their own duration.
 */
export function mergeSliResults(results: SliResult[]): SliResult {
  const counters = emptyCounters();
  for (const r of results) {
    counters.requests += r.requests;
    counters.errors += r.errors;
    counters.serverErrors += r.serverErrors;
    counters.timeouts += r.timeouts;
    counters.transportErrors += r.transportErrors;
    for (const [code, count] of Object.entries(r.statusCodes)) {
      counters.statusCodes[code] = (counters.statusCodes[code] ?? 0) + count;
    }
  }
  const histogram =
    results.length > 0
      ? mergeHistograms(results.map((r) => decodeHistogram(r.histogram)))
      : createLatencyHistogram();
  const durationSec = results.reduce((max, r) => Math.max(max, r.durationSec), 0);
  const merged = toSliResult(counters, histogram, durationSec);
  return { ...merged, throughputRps: results.reduce((total, r) => total + r.throughputRps, 0) };
}
