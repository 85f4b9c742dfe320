import { describe, expect, it } from 'vitest';
import type { ProcessStats } from '../../src/data/common.js';
import { capacityPlan, ceilTolerant, rpsPerVcpu } from '../../src/scenarios/capacity.js';

function stats(cpuSeconds: number, windowMs: number): ProcessStats {
  return {
    cpuSeconds,
    cpuPercentMean: (cpuSeconds / (windowMs / 1000)) * 100,
    cpuPercentMax: 100,
    rssMeanBytes: 1,
    rssMaxBytes: 1,
    samples: [
      { t: windowMs / 2, cpuPercent: 50, rssBytes: 1, processes: 1 },
      { t: windowMs, cpuPercent: 50, rssBytes: 1, processes: 1 },
    ],
  };
}

describe('rpsPerVcpu', () => {
  it('divides throughput by the cores the service kept busy', () => {
    // 45 CPU seconds over 30 s of wall time: 1.5 cores; 600 req/s / 1.5 = 400 per vCPU.
    expect(rpsPerVcpu(600, stats(45, 30_000))).toEqual({ value: 400, reason: null });
    // The same run with a wall time given: 45 / 60 = 0.75 cores, 800 per vCPU.
    expect(rpsPerVcpu(600, stats(45, 30_000), 60)).toEqual({ value: 800, reason: null });
  });

  it('says why when it cannot', () => {
    expect(rpsPerVcpu(null, stats(1, 1000)).reason).toBe('no achieved throughput');
    expect(rpsPerVcpu(600, null).reason).toMatch(/not sampled/);
    expect(rpsPerVcpu(600, { ...stats(1, 1000), samples: [] }).reason).toMatch(/over no time/);
    expect(rpsPerVcpu(600, stats(0, 1000)).reason).toMatch(/no measurable CPU/);
  });
});

describe('capacityPlan', () => {
  it('computes instances and cost from hand-worked numbers', () => {
    // 500 req/s breaking point × 0.7 = 350 per instance. Now: 1000 / 350 = 2.86 → 3.
    // After ×1.5: 1500 / 350 = 4.29 → 5. Cost: $0.42/h over 350 × 3600 = 1,260,000
    // requests an hour: $0.333... per million.
    const plan = capacityPlan({
      breakingPointRps: 500,
      peakRps: 1000,
      growth: 1.5,
      targetUtilization: 0.7,
      instanceCostPerHour: 0.42,
    });
    expect(plan.rpsPerInstance.value).toBeCloseTo(350, 12);
    expect(plan.instancesNow).toEqual({ value: 3, reason: null });
    expect(plan.instancesAfterGrowth).toEqual({ value: 5, reason: null });
    expect(plan.costPerMillionRequests.value).toBeCloseTo(1 / 3, 12);
    expect(plan.upperBounds).toBe(false);
  });

  it('does not add an instance for floating-point dust', () => {
    // 700 × 1.1 = 770.0000000000001 and 1100 × 0.7 = 770: exactly one instance.
    const plan = capacityPlan({
      breakingPointRps: 1100,
      peakRps: 700,
      growth: 1.1,
      targetUtilization: 0.7,
    });
    expect(plan.instancesAfterGrowth.value).toBe(1);
    expect(ceilTolerant(2.5)).toBe(3);
    expect(ceilTolerant(3)).toBe(3);
    expect(ceilTolerant(3.000001)).toBe(4);
  });

  it('gives nulls with reasons for missing inputs', () => {
    const noBreak = capacityPlan({
      breakingPointRps: null,
      noBreakingPointReason: 'the stress scenario did not run: no breaking point',
      peakRps: 1000,
      growth: 1.5,
      targetUtilization: 0.7,
      instanceCostPerHour: 1,
    });
    expect(noBreak.instancesNow).toEqual({
      value: null,
      reason: 'the stress scenario did not run: no breaking point',
    });
    expect(noBreak.costPerMillionRequests.value).toBeNull();
    const noPeak = capacityPlan({
      breakingPointRps: 500,
      peakRps: null,
      growth: 1.5,
      targetUtilization: 0.7,
    });
    expect(noPeak.instancesNow.reason).toBe('no peak demand given');
    expect(noPeak.rpsPerInstance.value).toBeCloseTo(350, 12);
    expect(noPeak.costPerMillionRequests.reason).toBe('no instance cost per hour given');
  });

  it('marks the counts as upper bounds when the breaking point was a lower bound', () => {
    const plan = capacityPlan({
      breakingPointRps: 500,
      breakingPointIsLowerBound: true,
      peakRps: 100,
      growth: 1,
      targetUtilization: 1,
    });
    expect(plan).toMatchObject({ upperBounds: true, instancesNow: { value: 1 } });
  });

  it('refuses a utilisation or growth that cannot be', () => {
    const input = { breakingPointRps: 1, peakRps: 1, growth: 1, targetUtilization: 0.5 };
    expect(() => capacityPlan({ ...input, targetUtilization: 0 })).toThrow(RangeError);
    expect(() => capacityPlan({ ...input, targetUtilization: 1.2 })).toThrow(RangeError);
    expect(() => capacityPlan({ ...input, growth: 0 })).toThrow(RangeError);
  });
});
