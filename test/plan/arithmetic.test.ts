import { describe, expect, it } from 'vitest';
import { amdahlGainPct, shareAfterCut } from '../../src/plan/expected-gain.js';
import { bucketFor, roi } from '../../src/plan/roi.js';
import { neededCutPct } from '../../src/plan/slo-gap.js';
import { slug } from '../../src/plan/text.js';
import { slo } from './plan-fixtures.js';

describe('amdahlGainPct', () => {
  it.each([
    { share: 0.4, cut: { low: 0.3, high: 0.7 }, low: 12, high: 28 },
    { share: 0.1, cut: { low: 0.5, high: 0.9 }, low: 5, high: 9 },
    { share: 0.05, cut: { low: 1, high: 1 }, low: 5, high: 5 },
    { share: 0, cut: { low: 0.3, high: 0.7 }, low: 0, high: 0 },
    // Rounding up must never lift the gain above the share itself.
    { share: 0.12355, cut: { low: 0.99, high: 1 }, low: 12.2, high: 12.3 },
    { share: 0.29, cut: { low: 1, high: 1 }, low: 29, high: 29 },
  ])('share $share, cut $cut.low-$cut.high: $low-$high%', ({ share, cut, low, high }) => {
    const gain = amdahlGainPct(share, cut);
    expect(gain.low).toBeCloseTo(low, 6);
    expect(gain.high).toBeCloseTo(high, 6);
    expect(gain.high).toBeLessThanOrEqual(share * 100 + 1e-9);
  });
});

describe('shareAfterCut', () => {
  it.each([
    { share: 0.4, cut: 0.3, after: 0.28 / 0.88 },
    { share: 0.5, cut: 1, after: 0 },
    { share: 0.5, cut: 0, after: 0.5 },
    { share: 1, cut: 0.5, after: 1 },
  ])('$share cut by $cut leaves $after', ({ share, cut, after }) => {
    expect(shareAfterCut(share, cut)).toBeCloseTo(after, 10);
  });
});

describe('roi and buckets', () => {
  it.each([
    { gain: 20, days: 2, risk: 'low' as const, roi: 10 },
    { gain: 20, days: 2, risk: 'medium' as const, roi: 7 },
    { gain: 20, days: 2, risk: 'high' as const, roi: 4 },
    { gain: 10, days: 0.5, risk: 'low' as const, roi: 20 },
    { gain: 10, days: 3, risk: 'medium' as const, roi: 2.33 },
  ])('$gain% in $days days at $risk risk: $roi', ({ gain, days, risk, roi: expected }) => {
    expect(roi(gain, days, risk)).toBe(expected);
  });

  it.each([
    [0.5, 'quick-win'],
    [0.99, 'quick-win'],
    [1, 'strategic'],
    [5, 'strategic'],
    [5.5, 'major'],
    [6, 'major'],
  ])('%s days is %s', (days, bucket) => {
    expect(bucketFor(days)).toBe(bucket);
  });
});

describe('neededCutPct', () => {
  it.each([
    { sli: 'latency.p95', target: '< 100ms', observed: 200, cut: 50 },
    { sli: 'latency.p99', target: '<= 1s', observed: 1500, cut: 33.3 },
    { sli: 'latency.p95', target: '< 100ms', observed: 80, cut: 0 },
    { sli: 'error_rate', target: '< 1%', observed: 0.04, cut: 75 },
    { sli: 'availability', target: '>= 99.9%', observed: 0.99, cut: 90 },
    { sli: 'throughput', target: '>= 500rps', observed: 400, cut: 20 },
    { sli: 'throughput', target: '>= 500rps', observed: 600, cut: 0 },
    { sli: 'latency.p95', target: 'fast please', observed: 200, cut: null },
    { sli: 'latency.p95', target: '< 100ms', observed: null, cut: null },
  ])('$sli $target observed $observed: cut $cut%', ({ sli, target, observed, cut }) => {
    expect(neededCutPct(slo({ name: 's', sli, target, observed }))).toBe(cut);
  });
});

describe('slug', () => {
  it.each([
    ['burnCpu', 'burncpu'],
    ['(anonymous)', 'anonymous'],
    ['RegExp: ^(a+)+$', 'regexp-a'],
    ['src/a.js:12', 'src-a-js-12'],
    ['()', 'unnamed'],
    ['a'.repeat(50), 'a'.repeat(40)],
  ])('%s -> %s', (text, expected) => {
    expect(slug(text)).toBe(expected);
  });
});
