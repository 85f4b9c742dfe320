import type { Config } from '../../config/types.js';
import type { CapacityResult, StressResult } from '../../data/scenarios.js';
import type { SteadyLoadTest } from '../../data/stages.js';
import { capacityPlan, rpsPerVcpu } from '../../scenarios/capacity.js';

/**
 * What one instance carries and how many are needed: requests per second per vCPU of the
 * service's CPU time from the steady load, the breaking point from the stress staircase, and
 * the instances and cost from the config's capacity section. Undefined when neither ran.
 */
export function capacityOf(
  config: Config,
  steady: Pick<SteadyLoadTest, 'overall' | 'service' | 'load'> | undefined,
  stress: StressResult | undefined,
): CapacityResult | undefined {
  if (!steady && !stress) return undefined;
  const { capacity } = config;
  // The service's CPU is sampled per session: only the steady load's is one load's CPU (a
  // stress session's mixes every step's).
  const efficiency = steady
    ? rpsPerVcpu(steady.overall.throughputRps, steady.service)
    : { value: null, reason: 'the load scenario did not run: no steady load to measure CPU under' };
  const peakRps = capacity.peakRps ?? steady?.load.rateRps ?? null;
  const plan = capacityPlan({
    breakingPointRps: stress?.breakingPointRps ?? null,
    noBreakingPointReason: stress
      ? 'no breaking point: the stress test did not find a rate that met every SLO'
      : 'the stress scenario did not run: no breaking point',
    breakingPointIsLowerBound: stress?.lowerBound ?? false,
    peakRps,
    growth: capacity.growth,
    targetUtilization: capacity.targetUtilization,
    instanceCostPerHour: capacity.instanceCostPerHour ?? null,
  });
  return {
    rpsPerVcpu: efficiency,
    breakingPointRps: stress?.breakingPointRps ?? null,
    breakingPointIsLowerBound: stress?.lowerBound ?? false,
    peakRps,
    peakSource:
      capacity.peakRps !== undefined ? 'config' : peakRps !== null ? 'load-test rate' : 'none',
    growth: capacity.growth,
    targetUtilization: capacity.targetUtilization,
    rpsPerInstance: plan.rpsPerInstance,
    instancesNow: plan.instancesNow,
    instancesAfterGrowth: plan.instancesAfterGrowth,
    costPerMillionRequests: plan.costPerMillionRequests,
    currency: capacity.currency,
    upperBounds: plan.upperBounds,
  };
}
