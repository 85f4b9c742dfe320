import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/load/arrivals.js';
import { pairedShift, walshAverages } from '../../src/measure/paired-shift.js';

/** Laplace noise (heavy-tailed, symmetric): what normal-theory intervals get wrong. */
function laplace(random: () => number, scale: number): number {
  const u = random() - 0.5;
  return -scale * Math.sign(u) * Math.log(1 - 2 * Math.abs(u));
}

describe('walshAverages', () => {
  it('averages every pair i <= j, ascending', () => {
    expect(walshAverages([3, 1, 2])).toEqual([1, 1.5, 2, 2, 2.5, 3]);
  });
});

describe('pairedShift', () => {
  it('estimates the median of the Walsh averages', () => {
    expect(pairedShift([1, 2, 3], 0.5).estimate).toBe(2);
    expect(pairedShift([0, 10], 0.5).estimate).toBe(5);
  });

  it('takes the interval of the signed-rank table: n = 6 at 93.75% is [W(2), W(20)]', () => {
    // P(T+ <= 1) = 2/64 for n = 6: the 1 - 2·(2/64) interval drops one Walsh average a side.
    const d = [-0.4, 0.1, 0.3, 0.35, 0.9, 1.6];
    const walsh = walshAverages(d);
    expect(walsh).toHaveLength(21);
    const shift = pairedShift(d, 0.0625);
    expect(shift.low).toBe(walsh[1]);
    expect(shift.high).toBe(walsh[19]);
    expect(shift.level).toBeCloseTo(0.9375, 12);
    // Asking for a hair more coverage drops to the next table entry: [W(1), W(21)].
    const wider = pairedShift(d, 0.06);
    expect([wider.low, wider.high]).toEqual([walsh[0], walsh[20]]);
    expect(wider.level).toBeCloseTo(1 - 2 / 64, 12);
  });

  it('cannot bound the shift with too few pairs for the level asked', () => {
    // Five pairs reach at best 1 - 2/32 = 93.75%.
    const shift = pairedShift([0.1, 0.2, 0.3, 0.4, 0.5], 0.05);
    expect(shift.low).toBe(-Infinity);
    expect(shift.high).toBe(Infinity);
    expect(shift.estimate).toBeCloseTo(0.3, 12);
  });

  it('covers the true shift at least as often as promised, under heavy-tailed noise', () => {
    const random = mulberry32(42);
    const trueShift = 0.3;
    const trials = 2000;
    let covered = 0;
    let levelSum = 0;
    for (let t = 0; t < trials; t++) {
      const d = Array.from({ length: 12 }, () => trueShift + laplace(random, 0.2));
      const shift = pairedShift(d, 0.1);
      levelSum += shift.level;
      if (shift.low <= trueShift && trueShift <= shift.high) covered += 1;
    }
    const level = levelSum / trials;
    expect(level).toBeGreaterThanOrEqual(0.9);
    // The seeded run's coverage, within two binomial standard errors of the stated level.
    const se = Math.sqrt((level * (1 - level)) / trials);
    expect(covered / trials).toBeGreaterThan(level - 2 * se);
    expect(covered / trials).toBeLessThan(level + 2 * se);
  });

  it('refuses no data, a bad alpha and non-finite differences', () => {
    expect(() => pairedShift([], 0.05)).toThrow(/at least one/);
    expect(() => pairedShift([1], 0)).toThrow(/alpha/);
    expect(() => pairedShift([1, Number.NaN], 0.05)).toThrow(/finite/);
  });
});
