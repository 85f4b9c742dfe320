import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/load/arrivals.js';
import { pairedShift } from '../../src/measure/paired-shift.js';

/** Laplace noise (heavy-tailed, symmetric): what normal-theory intervals get wrong. */
function laplace(random: () => number, scale: number): number {
  const u = random() - 0.5;
  return -scale * Math.sign(u) * Math.log(1 - 2 * Math.abs(u));
}

describe('pairedShift', () => {
  it('estimates the median of the differences', () => {
    expect(pairedShift([3, 1, 2], 0.5).estimate).toBe(2);
    expect(pairedShift([0, 10], 0.5).estimate).toBe(5);
  });

  it('takes the interval of the binomial table: n = 10 at 97.85% is [d(2), d(9)]', () => {
    // P(B <= 1) = 11/1024 for n = 10: the 1 - 2·(11/1024) interval drops one value a side.
    const d = [0.9, -0.4, 0.1, 1.6, 0.3, 0.35, 2.2, -1.1, 0.5, 0.7];
    const sorted = [...d].sort((a, b) => a - b);
    const shift = pairedShift(d, 2 * (11 / 1024));
    expect([shift.low, shift.high]).toEqual([sorted[1], sorted[8]]);
    expect(shift.level).toBeCloseTo(1 - 22 / 1024, 12);
    // Asking for a hair more coverage drops to the next table entry: [d(1), d(10)].
    const wider = pairedShift(d, 0.02);
    expect([wider.low, wider.high]).toEqual([sorted[0], sorted[9]]);
    expect(wider.level).toBeCloseTo(1 - 2 / 1024, 12);
    // Less coverage asked: P(B <= 2) = 56/1024, so [d(3), d(8)].
    const narrower = pairedShift(d, 0.12);
    expect([narrower.low, narrower.high]).toEqual([sorted[2], sorted[7]]);
  });

  it('stays as narrow as the clean pairs when a third of them are wrecked', () => {
    // 40 pairs: a shift of 0.05 with little noise, and 14 pairs where a stall hit one side
    // (either side, so the wild values fall on both sides of the shift).
    const random = mulberry32(7);
    const d = Array.from({ length: 40 }, (_, i) =>
      i % 3 === 0 ? (random() < 0.5 ? -1 : 1) * (0.2 + random()) : 0.05 + (random() - 0.5) * 0.01,
    );
    const shift = pairedShift(d, 0.02);
    expect(shift.low).toBeGreaterThan(0.025);
    expect(shift.high).toBeLessThan(0.075);
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
