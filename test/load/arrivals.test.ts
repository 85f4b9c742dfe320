import { describe, expect, it } from 'vitest';
import type { ArrivalPhase } from '../../src/data/common.js';
import type { ScheduleOptions, ScheduledArrival } from '../../src/load/arrivals.js';
import { arrivals, expectedArrivals, mulberry32 } from '../../src/load/arrivals.js';

function all(phases: ArrivalPhase[], options: ScheduleOptions): ScheduledArrival[] {
  return [...arrivals(phases, options)];
}

function gaps(times: number[]): number[] {
  return times.slice(1).map((t, i) => t - (times[i] as number));
}

function mean(values: number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}

function coefficientOfVariation(values: number[]): number {
  const m = mean(values);
  const variance = values.reduce((s, v) => s + (v - m) ** 2, 0) / values.length;
  return Math.sqrt(variance) / m;
}

describe('arrivals, uniform', () => {
  it('spaces requests exactly 1000 / rate ms apart, from 0, rate × duration of them', () => {
    const times = all([{ rateRps: 200, durationMs: 2000 }], {
      arrival: 'uniform',
      weights: [1],
    }).map((a) => a.atMs);
    expect(times).toHaveLength(400);
    expect(times[0]).toBe(0);
    expect(times.at(-1)).toBe(1995);
    for (const gap of gaps(times)) expect(gap).toBeCloseTo(5, 9);
  });

  it('changes rate exactly at a phase boundary, none dropped or doubled', () => {
    const times = all(
      [
        { rateRps: 100, durationMs: 500 },
        { rateRps: 400, durationMs: 500 },
        { rateRps: 3, durationMs: 1000 },
      ],
      { arrival: 'uniform', weights: [1] },
    ).map((a) => a.atMs);
    expect(times).toHaveLength(50 + 200 + 3);
    expect(times.filter((t) => t < 500)).toHaveLength(50);
    // The first arrival of the faster phase is due on its boundary, not a hair before.
    expect(times[50]).toBe(500);
    expect(times[249]).toBe(997.5);
    expect(times.slice(250)).toEqual([1000, 1333.333333, 1666.666667]);
  });

  it('picks journeys by smooth weighted round robin: shares exact and evenly spread', () => {
    const picks = all([{ rateRps: 1000, durationMs: 1000 }], {
      arrival: 'uniform',
      weights: [3, 1],
    }).map((a) => a.journey);
    expect(picks.filter((j) => j === 1)).toHaveLength(250);
    // Every window of 4 holds exactly one of the weight-1 journey.
    for (let i = 0; i + 4 <= picks.length; i += 4) {
      expect(picks.slice(i, i + 4).filter((j) => j === 1)).toHaveLength(1);
    }
  });

  it('is lazy: a schedule of a billion requests yields its first ones at once', () => {
    const schedule = arrivals([{ rateRps: 1e6, durationMs: 1e6 }], {
      arrival: 'poisson',
      weights: [1],
    });
    const first = [schedule.next(), schedule.next(), schedule.next()];
    expect(first.every((r) => !r.done)).toBe(true);
  });
});

describe('arrivals, Poisson', () => {
  const phases = [{ rateRps: 1000, durationMs: 100_000 }];

  it('has exponential gaps: mean 1000 / rate within 2%, coefficient of variation about 1', () => {
    const times = all(phases, { arrival: 'poisson', weights: [1] }).map((a) => a.atMs);
    // 100,000 expected; Poisson sd is about 316.
    expect(Math.abs(times.length - 100_000)).toBeLessThan(2000);
    const g = gaps(times);
    expect(mean(g)).toBeGreaterThan(0.98);
    expect(mean(g)).toBeLessThan(1.02);
    expect(coefficientOfVariation(g)).toBeGreaterThan(0.97);
    expect(coefficientOfVariation(g)).toBeLessThan(1.03);
    expect(times.every((t, i) => i === 0 || t >= (times[i - 1] as number))).toBe(true);
  });

  it('follows each phase’s rate', () => {
    const times = all(
      [
        { rateRps: 500, durationMs: 20_000 },
        { rateRps: 2000, durationMs: 20_000 },
      ],
      { arrival: 'poisson', weights: [1] },
    ).map((a) => a.atMs);
    const first = times.filter((t) => t < 20_000).length;
    const second = times.length - first;
    // 10,000 and 40,000 expected; sd 100 and 200.
    expect(Math.abs(first - 10_000)).toBeLessThan(500);
    expect(Math.abs(second - 40_000)).toBeLessThan(1000);
    expect(times.at(-1)).toBeLessThan(40_000);
  });

  it('picks journeys at random by weight', () => {
    const picks = all([{ rateRps: 1000, durationMs: 60_000 }], {
      arrival: 'poisson',
      weights: [1, 2, 7],
    }).map((a) => a.journey);
    const share = (j: number) => picks.filter((p) => p === j).length / picks.length;
    expect(share(0)).toBeCloseTo(0.1, 2);
    expect(share(1)).toBeCloseTo(0.2, 2);
    expect(share(2)).toBeCloseTo(0.7, 2);
  });

  it('is the same schedule for the same seed, and another for another seed', () => {
    const run = (seed?: number) =>
      all([{ rateRps: 100, durationMs: 2000 }], {
        arrival: 'poisson',
        weights: [1, 1],
        ...(seed === undefined ? {} : { seed }),
      });
    expect(run(42)).toEqual(run(42));
    expect(run()).toEqual(run());
    expect(run(42)).not.toEqual(run(43));
  });
});

describe('arrivals helpers', () => {
  it('expects Σ rate × duration requests', () => {
    expect(
      expectedArrivals([
        { rateRps: 100, durationMs: 1500 },
        { rateRps: 10, durationMs: 200 },
      ]),
    ).toBe(152);
  });

  it('mulberry32 draws in [0, 1), reproducibly', () => {
    const a = mulberry32(7);
    const b = mulberry32(7);
    const draws = Array.from({ length: 10_000 }, () => a());
    expect(draws.every((d) => d >= 0 && d < 1)).toBe(true);
    expect(Math.abs(mean(draws) - 0.5)).toBeLessThan(0.01);
    expect(Array.from({ length: 10_000 }, () => b())).toEqual(draws);
  });

  it('refuses a phase without a positive rate or duration, and weights that are not positive', () => {
    expect(() =>
      all([{ rateRps: 0, durationMs: 1000 }], { arrival: 'uniform', weights: [1] }),
    ).toThrow(RangeError);
    expect(() =>
      all([{ rateRps: 10, durationMs: 0 }], { arrival: 'uniform', weights: [1] }),
    ).toThrow(RangeError);
    expect(() =>
      all([{ rateRps: 10, durationMs: 10 }], { arrival: 'poisson', weights: [1, 0] }),
    ).toThrow(RangeError);
  });
});
