import type { ProcessStats } from '../data/common.js';

/** A figure, or null with the reason it cannot be given. */
export type Figure = { value: number; reason: null } | { value: null; reason: string };

const known = (value: number): Figure => ({ value, reason: null });
const unknown = (reason: string): Figure => ({ value: null, reason });

/**
 * Requests per second per vCPU of the service's CPU time: achieved rps over the cores the
 * service kept busy (CPU seconds / wall seconds). `wallSeconds` defaults to the sampler's own
 * window (its last sample's time), so CPU and wall time cover the same stretch.
 */
export function rpsPerVcpu(
  achievedRps: number | null | undefined,
  service: ProcessStats | null | undefined,
  wallSeconds?: number,
): Figure {
  if (achievedRps == null || !(achievedRps >= 0)) return unknown('no achieved throughput');
  if (!service)
    return unknown('the service was not sampled (an external service has no CPU figures)');
  const wall = wallSeconds ?? samplerWindowSeconds(service);
  if (wall === null || !(wall > 0)) return unknown('the service was sampled over no time');
  const cores = service.cpuSeconds / wall;
  if (!(cores > 0)) return unknown('the service used no measurable CPU');
  return known(achievedRps / cores);
}

function samplerWindowSeconds(stats: ProcessStats): number | null {
  const last = stats.samples[stats.samples.length - 1];
  return last === undefined ? null : last.t / 1000;
}

/**
 * The highest rate one instance served within its SLOs (breaking-point.ts), or null with why
 * there is none: the reason every figure of the plan then gives.
 */
export type BreakingPointInput =
  | { breakingPointRps: number; noBreakingPointReason?: string }
  | { breakingPointRps: null; noBreakingPointReason: string };

export type CapacityInput = BreakingPointInput & {
  /** Whether the breaking point is only a lower bound: the instance counts are then upper bounds. */
  breakingPointIsLowerBound?: boolean;
  /** Today's peak demand, req/s. */
  peakRps: number | null;
  /** Expected demand as a multiple of today's, e.g. 1.5 for +50%. */
  growth: number;
  /** The share of the breaking point an instance is run at, leaving headroom: 0 < u ≤ 1. */
  targetUtilization: number;
  /** What one instance costs per hour, any currency; omitted: no cost figure. */
  instanceCostPerHour?: number | null;
};

export interface CapacityPlan {
  /** Breaking point × target utilisation: what one instance is planned to carry. */
  rpsPerInstance: Figure;
  instancesNow: Figure;
  instancesAfterGrowth: Figure;
  /** Cost of a million requests on instances run at the target utilisation. */
  costPerMillionRequests: Figure;
  /** The breaking point was a lower bound, so the counts may be more than needed. */
  upperBounds: boolean;
}

/**
 * Instances needed now and after growth, ceil(peak × growth / (breakingPoint × target
 * utilisation)), and the cost of a million requests at that utilisation.
 */
export function capacityPlan(input: CapacityInput): CapacityPlan {
  const { breakingPointRps, noBreakingPointReason, peakRps, growth, targetUtilization } = input;
  if (!(targetUtilization > 0 && targetUtilization <= 1)) {
    throw new RangeError(`targetUtilization must be in (0, 1], got ${targetUtilization}`);
  }
  if (!(growth > 0)) throw new RangeError(`growth must be positive, got ${growth}`);
  const perInstance =
    breakingPointRps === null
      ? unknown(noBreakingPointReason)
      : breakingPointRps > 0
        ? known(breakingPointRps * targetUtilization)
        : unknown('the breaking point is 0 req/s');
  const instances = (demand: number | null, what: string): Figure => {
    if (perInstance.value === null) return unknown(perInstance.reason);
    if (demand === null || !(demand >= 0)) return unknown(`no ${what}`);
    return known(ceilTolerant(demand / perInstance.value));
  };
  const cost = input.instanceCostPerHour;
  const costPerMillion =
    perInstance.value === null
      ? unknown(perInstance.reason)
      : cost == null
        ? unknown('no instance cost per hour given')
        : !(cost >= 0)
          ? unknown(`the instance cost per hour ${cost} is not a cost`)
          : known((cost / (perInstance.value * 3600)) * 1e6);
  return {
    rpsPerInstance: perInstance,
    instancesNow: instances(peakRps, 'peak demand given'),
    instancesAfterGrowth: instances(
      peakRps === null ? null : peakRps * growth,
      'peak demand given',
    ),
    costPerMillionRequests: costPerMillion,
    upperBounds: input.breakingPointIsLowerBound === true,
  };
}

/**
 * Math.ceil that forgives floating-point dust: 700 × 1.1 / (1100 × 0.7) is
 * 1.0000000000000002, and a second instance for that would be an error of the arithmetic,
 * not of the plan.
 */
export function ceilTolerant(value: number): number {
  return Math.ceil(value - 1e-9 * Math.max(1, Math.abs(value)));
}
