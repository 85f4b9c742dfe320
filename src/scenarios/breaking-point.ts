import { formatPct, formatRate } from '../measure/format.js';

export type SloStatus = 'pass' | 'warning' | 'fail' | 'inconclusive';

/** One step of a stress test: a fixed arrival rate held for a while, and what it gave. */
export interface StressStep {
  rateRps: number;
  achievedRps: number;
  p95Ms: number;
  p99Ms: number;
  /** 0..1. */
  errorRate: number;
  sloVerdicts: { name: string; status: SloStatus }[];
  /** The load generator could not keep up: the step measured it, not the service. */
  generatorSaturated: boolean;
}

export interface StressOptions {
  /** An error rate above this (0..1) breaks a step, whatever the SLOs say. */
  errorThreshold: number;
  /**
   * A step whose achieved throughput is below this share of its rate breaks too (unless the
   * generator saturated): the service is no longer keeping up with arrivals, and a queue
   * grows whether or not the SLOs in the config notice.
   */
  minAchievedFraction?: number;
}

/** 90%: Poisson arrivals and the window's edges move achieved throughput by a few percent. */
export const MIN_ACHIEVED_FRACTION = 0.9;

export type StepOutcome =
  | { kind: 'ok' }
  | { kind: 'slo'; slos: { name: string; status: 'warning' | 'fail' }[] }
  | { kind: 'errors'; errorRate: number }
  | { kind: 'throughput'; achievedFraction: number }
  | { kind: 'generator-saturated' };

/**
 * How one step ended. A warning is not met: slo/evaluate.ts gives 'warning' to an SLO that
 * misses its target and meets only the looser warning threshold, and the breaking point is
 * the rate where targets stop being met. An inconclusive SLO breaks nothing (nothing was
 * shown to fail). A saturated generator wins over everything: the step's figures are the
 * generator's, so nothing the service did can be read from them.
 */
export function stepOutcome(step: StressStep, options: StressOptions): StepOutcome {
  if (step.generatorSaturated) return { kind: 'generator-saturated' };
  const missed = step.sloVerdicts.filter(
    (v): v is { name: string; status: 'warning' | 'fail' } =>
      v.status === 'fail' || v.status === 'warning',
  );
  if (missed.length > 0) return { kind: 'slo', slos: missed };
  if (step.errorRate > options.errorThreshold) return { kind: 'errors', errorRate: step.errorRate };
  const achievedFraction = step.rateRps > 0 ? step.achievedRps / step.rateRps : 1;
  if (achievedFraction < (options.minAchievedFraction ?? MIN_ACHIEVED_FRACTION)) {
    return { kind: 'throughput', achievedFraction };
  }
  return { kind: 'ok' };
}

/**
 * Whether the stress test should stop after this step, and why: once a step breaks, or the
 * generator saturates, higher rates would only add load past a point already found (or
 * measure the generator again).
 */
export function shouldStop(
  step: StressStep,
  options: StressOptions,
): { stop: boolean; reason: string } {
  const outcome = stepOutcome(step, options);
  return outcome.kind === 'ok'
    ? { stop: false, reason: `${formatRate(step.rateRps)} met every SLO` }
    : { stop: true, reason: describe(step, outcome, options) };
}

export type BreakCause = 'slo' | 'errors' | 'throughput' | 'generator-saturated' | 'not-reached';

export interface BreakingPoint {
  /** The highest rate, before the first broken step, whose step met every SLO; null if none. */
  sustainableRps: number | null;
  /** That step's achieved throughput: what one instance served within its SLOs. */
  sustainableAchievedRps: number | null;
  /**
   * The true breaking point may be higher: the generator saturated before the service broke,
   * or the last rate tried still met every SLO.
   */
  lowerBound: boolean;
  /** The rate of the first step that broke (or saturated the generator); null if none. */
  brokenAtRps: number | null;
  cause: BreakCause;
  /** For cause 'slo': the SLOs missed at brokenAtRps, failed ones first. */
  brokenSlos: { name: string; status: 'warning' | 'fail' }[];
  /** SLOs that were inconclusive at a step up to the break: the verdict leans less on them. */
  inconclusive: { rateRps: number; names: string[] }[];
  reason: string;
}

/**
 * The breaking point of a stress test from its steps in the order run: the last rate before
 * the first step that broke, and what broke it. Steps after the first break (if the test
 * went on) do not raise it: a service that broke at 400 req/s and passed at 500 is not
 * reliable at 500.
 */
export function breakingPoint(steps: readonly StressStep[], options: StressOptions): BreakingPoint {
  let sustainable: StressStep | null = null;
  const inconclusive: { rateRps: number; names: string[] }[] = [];
  for (const step of steps) {
    const names = step.sloVerdicts.filter((v) => v.status === 'inconclusive').map((v) => v.name);
    if (names.length > 0) inconclusive.push({ rateRps: step.rateRps, names });
    const outcome = stepOutcome(step, options);
    if (outcome.kind === 'ok') {
      sustainable = step;
      continue;
    }
    const saturated = outcome.kind === 'generator-saturated';
    const found = describe(step, outcome, options);
    const before =
      sustainable === null
        ? saturated
          ? 'no step gave a figure of the service'
          : 'no rate met every SLO'
        : saturated
          ? `at least ${formatRate(sustainable.rateRps)}`
          : formatRate(sustainable.rateRps);
    return {
      sustainableRps: sustainable?.rateRps ?? null,
      sustainableAchievedRps: sustainable?.achievedRps ?? null,
      lowerBound: saturated && sustainable !== null,
      brokenAtRps: step.rateRps,
      cause: outcome.kind,
      brokenSlos:
        outcome.kind === 'slo'
          ? [...outcome.slos].sort((a, b) =>
              a.status === b.status ? 0 : a.status === 'fail' ? -1 : 1,
            )
          : [],
      inconclusive,
      reason: `breaking point ${before}: ${found}${noteInconclusive(inconclusive)}`,
    };
  }
  const last = sustainable;
  return {
    sustainableRps: last?.rateRps ?? null,
    sustainableAchievedRps: last?.achievedRps ?? null,
    lowerBound: last !== null,
    brokenAtRps: null,
    cause: 'not-reached',
    brokenSlos: [],
    inconclusive,
    reason:
      last === null
        ? 'no steps were run'
        : `breaking point at least ${formatRate(last.rateRps)}: every step met every SLO; raise the rates to find it${noteInconclusive(inconclusive)}`,
  };
}

function describe(step: StressStep, outcome: StepOutcome, options: StressOptions): string {
  const at = `at ${formatRate(step.rateRps)}`;
  switch (outcome.kind) {
    case 'ok':
      return `${at} every SLO was met`;
    case 'generator-saturated':
      return `${at} the load generator saturated, so that step and higher ones measure the generator, not the service`;
    case 'slo':
      return `${at} ${outcome.slos.map((s) => `SLO "${s.name}" ${s.status === 'fail' ? 'failed' : 'missed its target (warning)'}`).join(', ')}`;
    case 'errors':
      return `${at} the error rate ${formatPct(outcome.errorRate)} passed the threshold ${formatPct(options.errorThreshold)}`;
    case 'throughput':
      return `${at} the service answered only ${formatRate(step.achievedRps)} (${formatPct(outcome.achievedFraction)} of the rate): it no longer keeps up`;
  }
}

function noteInconclusive(list: readonly { rateRps: number; names: string[] }[]): string {
  if (list.length === 0) return '';
  const names = [...new Set(list.flatMap((l) => l.names))];
  return ` (inconclusive, not counted as broken: ${names.map((n) => `"${n}"`).join(', ')})`;
}
