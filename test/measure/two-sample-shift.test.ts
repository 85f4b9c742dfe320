import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/load/arrivals.js';
import { twoSampleShift } from '../../src/measure/two-sample-shift.js';

describe('twoSampleShift', () => {
  it('estimates the median of all head - base differences', () => {
    const base = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    const shift = twoSampleShift(
      base,
      base.map((v) => v + 5),
      0.05,
    );
    expect(shift.estimate).toBe(5);
    expect(shift.low).toBeLessThan(5);
    expect(shift.high).toBeGreaterThan(5);
    expect(shift.level).toBe(0.95);
  });

  it('covers the true shift about as often as promised, skewed data and all', () => {
    const random = mulberry32(3);
    const exponential = () => -Math.log(1 - random());
    let covered = 0;
    const trials = 1000;
    for (let t = 0; t < trials; t++) {
      const base = Array.from({ length: 20 }, exponential);
      const head = Array.from({ length: 20 }, () => exponential() + 0.5);
      const shift = twoSampleShift(base, head, 0.05);
      if (shift.low <= 0.5 && 0.5 <= shift.high) covered += 1;
    }
    // The normal approximation of U at 20 a side: within two binomial errors of 95%.
    expect(covered / trials).toBeGreaterThan(0.93);
    expect(covered / trials).toBeLessThan(0.975);
  });

  it('cannot bound a shift from one value a side', () => {
    const shift = twoSampleShift([1], [2], 0.05);
    expect(shift).toMatchObject({ estimate: 1, low: -Infinity, high: Infinity });
  });

  it('refuses empty samples, a bad alpha and non-finite values', () => {
    expect(() => twoSampleShift([], [1], 0.05)).toThrow(/each side/);
    expect(() => twoSampleShift([1], [1], 1)).toThrow(/alpha/);
    expect(() => twoSampleShift([1, Number.NaN], [1], 0.05)).toThrow(/finite/);
  });
});
