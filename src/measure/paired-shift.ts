import signrankCdf from '@stdlib/stats-base-dists-signrank-cdf';

/** A shift and its confidence interval; the bounds are infinite when the data cannot bound it. */
export interface ShiftEstimate {
  /** Hodges-Lehmann estimate: the median of the Walsh averages. */
  estimate: number;
  low: number;
  high: number;
  /** Pairs the estimate rests on. */
  n: number;
  /** Two-sided coverage the interval was built for (≥ what was asked, never less). */
  level: number;
}

/**
 * The shift of paired differences (head minus base, one per pair of blocks) with the
 * confidence interval of the Wilcoxon signed-rank test, inverted (Hollander & Wolfe, 3.2):
 * exact at any n, and valid without assuming normality. It assumes the differences are
 * symmetric about the shift, which randomising the order of each pair makes true under no
 * change: base-first and head-first blocks are then exchangeable.
 *
 * `alpha` is two-sided: the interval covers the true shift with probability at least
 * 1 - alpha. The signed-rank distribution is discrete; the interval is the narrowest whose
 * coverage is not below what was asked. With too few pairs for that (n pairs reach at best
 * 1 - 2^(1-n)), the bounds are -Infinity and Infinity.
 */
export function pairedShift(differences: readonly number[], alpha: number): ShiftEstimate {
  const n = differences.length;
  if (n === 0) throw new RangeError('a shift needs at least one paired difference');
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
  if (differences.some((d) => !Number.isFinite(d))) {
    throw new RangeError('paired differences must be finite numbers');
  }
  const walsh = walshAverages(differences);
  const m = walsh.length;
  const estimate = median(walsh);
  // The interval is [W(c), W(m + 1 - c)] (1-based) for the largest c with P(T+ <= c - 1) <= alpha/2.
  // stdlib sums the tail as weights × exp(-n ln 2): exact table entries come out an ulp high.
  const tailLimit = (alpha / 2) * (1 + 1e-9);
  let c = 0;
  while (c < m && signrankCdf(c, n) <= tailLimit) c += 1;
  if (c === 0) {
    return { estimate, low: -Infinity, high: Infinity, n, level: 1 };
  }
  const tail = Math.min(alpha / 2, signrankCdf(c - 1, n));
  return {
    estimate,
    low: walsh[c - 1] as number,
    high: walsh[m - c] as number,
    n,
    level: 1 - 2 * tail,
  };
}

/** (d_i + d_j) / 2 for every i <= j, ascending: n(n+1)/2 of them. */
export function walshAverages(values: readonly number[]): number[] {
  const averages: number[] = [];
  for (let i = 0; i < values.length; i++) {
    for (let j = i; j < values.length; j++) {
      averages.push(((values[i] as number) + (values[j] as number)) / 2);
    }
  }
  return averages.sort((a, b) => a - b);
}

/** Median of ascending values. */
export function median(sorted: readonly number[]): number {
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
