import { describe, expect, it } from 'vitest';
import { splitByWeight } from '../../src/load/weights.js';

describe('splitByWeight', () => {
  it.each([
    [4, [3, 1], [3, 1]],
    [8, [3, 1], [6, 2]],
    [10, [1, 1, 1], [4, 3, 3]],
    [10, [5, 3, 2], [5, 3, 2]],
    [7, [1, 1], [4, 3]],
    [100, [0.5, 0.25, 0.25], [50, 25, 25]],
    // Largest remainder: 3.5/2.5/1 -> 3,2,1 plus one to the largest remainder (tie: first).
    [7, [7, 5, 2], [4, 2, 1]],
    // At least one each: the share furthest above its quota gives it up.
    [3, [100, 1, 1], [1, 1, 1]],
    [4, [100, 1, 1], [2, 1, 1]],
    [10, [98, 1, 1], [8, 1, 1]],
    // Fewer than the shares: raised to one each.
    [1, [3, 1], [1, 1]],
    [0, [1], [1]],
    [2.6, [1, 1], [2, 1]],
  ])('splits %d by %j into %j', (total, weights, expected) => {
    const shares = splitByWeight(total, weights);
    expect(shares).toEqual(expected);
    expect(shares.reduce((a, b) => a + b, 0)).toBe(Math.max(Math.round(total), weights.length));
  });

  it('returns nothing for no weights', () => {
    expect(splitByWeight(5, [])).toEqual([]);
  });

  it.each([[[1, 0]], [[1, -1]], [[Number.NaN]], [[Number.POSITIVE_INFINITY]]])(
    'refuses weights %j',
    (weights) => {
      expect(() => splitByWeight(4, weights)).toThrow(RangeError);
    },
  );
});
