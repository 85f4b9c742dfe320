/**
 * Splits a whole number across weights by the largest-remainder method, giving every share
 * at least 1 (a journey with no connection would silently go unmeasured). The total is
 * raised to the number of shares when it is smaller. Ties go to the earlier share, so the
 * split is deterministic.
 */
export function splitByWeight(total: number, weights: readonly number[]): number[] {
  const n = weights.length;
  if (n === 0) return [];
  if (weights.some((w) => !(w > 0) || !Number.isFinite(w))) {
    throw new RangeError(`weights must be positive numbers, got ${weights.join(', ')}`);
  }
  const amount = Math.max(Math.round(total), n);
  const weightSum = weights.reduce((sum, w) => sum + w, 0);
  const quotas = weights.map((w) => (amount * w) / weightSum);
  const shares = quotas.map(Math.floor);
  const byRemainder = quotas
    .map((q, i) => ({ i, remainder: q - Math.floor(q) }))
    .sort((a, b) => b.remainder - a.remainder || a.i - b.i);
  let left = amount - sum(shares);
  for (const { i } of byRemainder) {
    if (left === 0) break;
    shares[i] = at(shares, i) + 1;
    left -= 1;
  }
  // Lift the zeros by taking from whichever share is furthest above its quota.
  for (let i = 0; i < n; i++) {
    if (at(shares, i) > 0) continue;
    let donor = -1;
    for (let j = 0; j < n; j++) {
      if (at(shares, j) < 2) continue;
      if (donor < 0 || at(shares, j) - at(quotas, j) > at(shares, donor) - at(quotas, donor))
        donor = j;
    }
    // amount >= n guarantees a donor while any share is zero.
    shares[donor] = at(shares, donor) - 1;
    shares[i] = 1;
  }
  return shares;
}

function sum(values: number[]): number {
  return values.reduce((total, v) => total + v, 0);
}

function at(values: number[], i: number): number {
  const value = values[i];
  if (value === undefined) throw new RangeError(`index ${i} out of range`);
  return value;
}
