import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import type { ShiftEstimate } from './paired-shift.js';
import { median } from './paired-shift.js';

/**
 * The shift between two independent samples (head minus base): the Hodges-Lehmann estimate
 * (the median of all head - base differences) with the interval of the Mann-Whitney test,
 * inverted (Hollander & Wolfe, 4.3), its critical value from the normal approximation of U
 * (fine from about ten values a side; ties make it slightly conservative). No normality is
 * assumed of the values themselves. With fewer than two values a side, or too few for the
 * level asked, the bounds are infinite.
 */
export function twoSampleShift(
  base: readonly number[],
  head: readonly number[],
  alpha: number,
): ShiftEstimate {
  const m = base.length;
  const n = head.length;
  if (m === 0 || n === 0) throw new RangeError('a shift needs at least one value on each side');
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
  if ([...base, ...head].some((v) => !Number.isFinite(v))) {
    throw new RangeError('values must be finite numbers');
  }
  const differences: number[] = [];
  for (const h of head) for (const b of base) differences.push(h - b);
  differences.sort((a, b) => a - b);
  const estimate = median(differences);
  const mn = m * n;
  const z = normalQuantile(1 - alpha / 2, 0, 1);
  // The interval drops the k - 1 smallest and largest differences.
  const k = Math.floor(mn / 2 - z * Math.sqrt((mn * (m + n + 1)) / 12));
  if (m < 2 || n < 2 || k < 1) {
    return { estimate, low: -Infinity, high: Infinity, n: Math.min(m, n), level: 1 };
  }
  return {
    estimate,
    low: differences[k - 1] as number,
    high: differences[mn - k] as number,
    n: Math.min(m, n),
    level: 1 - alpha,
  };
}
