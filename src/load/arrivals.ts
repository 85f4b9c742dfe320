import type { ArrivalPhase } from '../data/common.js';

/** How an open model spaces its requests. */
export type ArrivalPattern = 'uniform' | 'poisson';

/** One request of the schedule: when it is due, in ms from the run's start, and for which journey. */
export interface ScheduledArrival {
  atMs: number;
  journey: number;
}

export interface ScheduleOptions {
  arrival: ArrivalPattern;
  /** Relative weights of the journeys, each positive and finite. */
  weights: readonly number[];
  /** Seeds the PRNG behind Poisson gaps and journey picks; the same seed gives the same schedule. */
  seed?: number;
}

/** Fixed so that two runs with the same settings send the same schedule unless asked otherwise. */
export const DEFAULT_SEED = 0x5eed_f10e;

/**
 * mulberry32: a 32-bit state PRNG, uniform in [0, 1). Statistically plenty for spacing requests
 * and picking journeys, a handful of integer operations a draw, and reproducible from a seed
 * (Math.random is not seedable; node:crypto is neither seedable nor cheap).
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** How many requests the phases ask for on average: Σ rate × duration. */
export function expectedArrivals(phases: readonly ArrivalPhase[]): number {
  return phases.reduce((sum, p) => sum + (p.rateRps * p.durationMs) / 1000, 0);
}

export function totalDurationMs(phases: readonly ArrivalPhase[]): number {
  return phases.reduce((sum, p) => sum + p.durationMs, 0);
}

/**
 * The send schedule, lazily: each arrival's due time (ms from the start of the first phase,
 * ascending) and journey, ending with the last phase.
 *
 * Both patterns are a unit-rate process mapped through the inverse of the cumulative rate
 * Λ(t) = ∫ rate: arrival k is due when Λ reaches its k-th point. Uniform takes the points
 * 0, 1, 2, ... (gaps of exactly 1000 / rate ms); Poisson takes a unit-rate Poisson process
 * (exponential gaps of mean 1), which the time change turns into a Poisson process of the
 * phase's rate, exactly, also across a change of rate. So a phase boundary neither drops nor
 * doubles an arrival, and a warm-up phase flows into the measured window without a seam.
 *
 * Journeys: Poisson picks each request's journey at random by weight (same PRNG), which
 * splits a Poisson process into independent Poisson processes, one per journey, at rate ×
 * share: each journey then sees Poisson traffic too. Uniform uses smooth weighted round robin
 * instead: deterministic, each journey within one request of its share at every point and its
 * requests spread evenly, where random picks would bring back the very noise a uniform
 * schedule is chosen to avoid.
 */
export function* arrivals(
  phases: readonly ArrivalPhase[],
  options: ScheduleOptions,
): Generator<ScheduledArrival, void, undefined> {
  validatePhases(phases);
  const random = mulberry32(options.seed ?? DEFAULT_SEED);
  const pick = journeyPicker(options.weights, options.arrival, random);
  const endMs = totalDurationMs(phases);
  const poisson = options.arrival === 'poisson';

  let phase = 0;
  let phaseStartMs = 0;
  let phaseStartWork = 0;
  let phaseEndWork = workOf(phases, 0, 0);
  // Uniform: an integer count, so the k-th arrival of a phase that starts on a whole point
  // lands exactly on phaseStartMs + k × gap.
  let work = poisson ? exponential(random) : 0;
  for (;;) {
    while (work >= phaseEndWork) {
      phaseStartMs += at(phases, phase).durationMs;
      phase += 1;
      if (phase >= phases.length) return;
      phaseStartWork = phaseEndWork;
      phaseEndWork = workOf(phases, phase, phaseStartWork);
    }
    const { rateRps } = at(phases, phase);
    // Snap to a nanosecond: float noise must not put an arrival due on a phase boundary (the
    // start of the measured window) a hair before it.
    const atMs =
      Math.round((phaseStartMs + ((work - phaseStartWork) * 1000) / rateRps) * 1e6) / 1e6;
    if (atMs >= endMs) return;
    yield { atMs, journey: pick() };
    work += poisson ? exponential(random) : 1;
  }
}

/** The cumulative rate at the end of `phase`, rounded so that whole counts stay whole. */
function workOf(phases: readonly ArrivalPhase[], phase: number, startWork: number): number {
  const { rateRps, durationMs } = at(phases, phase);
  return Math.round((startWork + (rateRps * durationMs) / 1000) * 1e9) / 1e9;
}

/** An exponential variate of mean 1; 1 - u is in (0, 1], so the logarithm is finite. */
function exponential(random: () => number): number {
  return -Math.log(1 - random());
}

export function journeyPicker(
  weights: readonly number[],
  arrival: ArrivalPattern,
  random: () => number,
): () => number {
  if (weights.length === 0) throw new RangeError('at least one journey weight is needed');
  if (weights.some((w) => !(w > 0) || !Number.isFinite(w))) {
    throw new RangeError(`weights must be positive numbers, got ${weights.join(', ')}`);
  }
  if (weights.length === 1) return () => 0;
  const total = weights.reduce((sum, w) => sum + w, 0);
  if (arrival === 'poisson') {
    return () => {
      let r = random() * total;
      for (let i = 0; i < weights.length - 1; i++) {
        r -= at(weights, i);
        if (r < 0) return i;
      }
      return weights.length - 1;
    };
  }
  // Smooth weighted round robin (as nginx balances upstreams): every pick adds each weight to
  // its credit and takes the largest credit, which then pays the total back.
  const credit = weights.map(() => 0);
  return () => {
    let best = 0;
    for (let i = 0; i < weights.length; i++) {
      credit[i] = at(credit, i) + at(weights, i);
      if (at(credit, i) > at(credit, best)) best = i;
    }
    credit[best] = at(credit, best) - total;
    return best;
  };
}

function validatePhases(phases: readonly ArrivalPhase[]): void {
  if (phases.length === 0) throw new RangeError('at least one arrival phase is needed');
  phases.forEach((p, i) => {
    if (!(p.rateRps > 0) || !Number.isFinite(p.rateRps)) {
      throw new RangeError(`phase ${i}: rate must be a positive number, got ${p.rateRps}`);
    }
    if (!(p.durationMs > 0) || !Number.isFinite(p.durationMs)) {
      throw new RangeError(`phase ${i}: duration must be a positive number, got ${p.durationMs}`);
    }
  });
}

function at<T>(values: readonly T[], i: number): T {
  const value = values[i];
  if (value === undefined) throw new RangeError(`index ${i} out of range`);
  return value;
}
