import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/load/arrivals.js';
import type { PairedValue } from '../../src/slo/regression.js';
import {
  detectableChange,
  formatChange,
  judgeRegression,
  lookAlphas,
  pairsToDecide,
  pairSpread,
} from '../../src/slo/regression.js';
import {
  errorRateCriterion as errorRate,
  p95Criterion as p95,
  throughputCriterion as throughput,
} from '../helpers/regression-criteria.js';

const interim = { alpha: 0.01, final: false };
const last = { alpha: 0.05, final: true };

/** Pairs whose head is `factor` × base, each block off by up to ±noise (multiplicative). */
function pairs(n: number, factor: number, noise: number, seed = 7): PairedValue[] {
  const random = mulberry32(seed);
  const jitter = () => 1 + noise * (2 * random() - 1);
  return Array.from({ length: n }, () => {
    const drift = 10 * (0.8 + 0.4 * random());
    return { base: drift * jitter(), head: drift * factor * jitter() };
  });
}

describe('lookAlphas', () => {
  it('spends α·t² by the share of pairs seen, α in all', () => {
    const alphas = lookAlphas(0.05, [8, 12, 16, 20], 20);
    expect(alphas.reduce((a, b) => a + b, 0)).toBeCloseTo(0.05, 12);
    expect(alphas[0]).toBeCloseTo(0.05 * 0.16, 12);
    expect(alphas[3]).toBeCloseTo(0.05 * (1 - 0.64), 12);
  });
});

describe('judgeRegression', () => {
  it('calls a p95 30% higher regressed at an interim look, beyond the threshold', () => {
    const j = judgeRegression(p95, pairs(12, 1.3, 0.03), interim);
    expect(j?.verdict).toBe('regressed');
    expect(j?.change).toBeGreaterThan(0.25);
    expect(j?.change).toBeLessThan(0.35);
    expect(j?.low).toBeGreaterThan(0.1);
    expect(j?.reason).toMatch(/latency\.p95 got worse beyond the threshold \+10%: \+3\d%/);
  });

  it('calls the same service against itself unchanged once the interval is under θ', () => {
    const j = judgeRegression(p95, pairs(12, 1, 0.03), interim);
    expect(j?.verdict).toBe('unchanged');
    expect(j?.high).toBeLessThan(0.1);
    expect(j?.reason).toMatch(/did not get worse by the threshold \+10% or more/);
  });

  it('calls a clearly lower p95 improved', () => {
    expect(judgeRegression(p95, pairs(12, 0.7, 0.03), interim)?.verdict).toBe('improved');
  });

  it('waits at an interim look that cannot decide, and says inconclusive at the last', () => {
    const noisy = pairs(8, 1.05, 0.4);
    expect(judgeRegression(p95, noisy, interim)).toBeUndefined();
    const j = judgeRegression(p95, noisy, last);
    expect(j?.verdict).toBe('inconclusive');
    expect(j?.reason).toMatch(/holds both no change and the threshold/);
  });

  it('at the last look, worse with θ not ruled out is a regression', () => {
    // +9% ± a little: above 0 for sure, and +10% is inside the interval.
    const j = judgeRegression(p95, pairs(10, 1.09, 0.08), last);
    expect(j?.low).toBeGreaterThan(0);
    expect(j?.low).toBeLessThan(0.1);
    expect(j?.high).toBeGreaterThan(0.1);
    expect(j?.verdict).toBe('regressed');
    expect(j?.reason).toMatch(/by as much as the threshold \+10% cannot be ruled out/);
  });

  it('judges throughput the other way up: lower is worse', () => {
    const dropped = judgeRegression(throughput, pairs(12, 0.8, 0.02), interim);
    expect(dropped?.verdict).toBe('regressed');
    expect(dropped?.threshold).toBe(-0.05);
    expect(dropped?.high).toBeLessThan(-0.05);
    expect(judgeRegression(throughput, pairs(12, 1.2, 0.02), interim)?.verdict).toBe('improved');
  });

  it('judges the error rate by its difference, zeros included', () => {
    const none = Array.from({ length: 10 }, () => ({ base: 0, head: 0 }));
    const j = judgeRegression(errorRate, none, interim);
    expect(j).toMatchObject({ verdict: 'unchanged', change: 0, low: 0, high: 0 });
    const failing = Array.from({ length: 10 }, (_, i) => ({ base: 0, head: 0.05 + i * 0.001 }));
    const worse = judgeRegression(errorRate, failing, interim);
    expect(worse?.verdict).toBe('regressed');
    expect(worse?.reason).toMatch(/\+5\.\d\d pp/);
  });

  it('keeps false alarms under α/2 and catches a regression at θ, over a sequential run', () => {
    // 1000 simulated comparisons each, with looks after 8, 12, 16 and 20 pairs.
    const looks = [8, 12, 16, 20];
    const alphas = lookAlphas(0.05, looks, 20);
    const run = (factor: number, noise: number, seed: number) => {
      const all = pairs(20, factor, noise, seed);
      for (const [k, n] of looks.entries()) {
        const j = judgeRegression(p95, all.slice(0, n), {
          alpha: alphas[k] as number,
          final: k === looks.length - 1,
        });
        if (j) return { verdict: j.verdict, early: k < looks.length - 1 };
      }
      throw new Error('the last look always decides');
    };
    const trials = 1000;
    const aa = Array.from({ length: trials }, (_, i) => run(1, 0.15, 1000 + i));
    const falseAlarms = aa.filter((r) => r.verdict === 'regressed').length / trials;
    expect(falseAlarms).toBeLessThanOrEqual(0.025);
    // Noise well inside θ: most comparisons stop at an early look.
    const quiet = Array.from({ length: trials }, (_, i) => run(1, 0.05, 3000 + i));
    expect(quiet.filter((r) => r.early).length / trials).toBeGreaterThan(0.5);
    // Noise the 20 pairs can resolve: a regression of exactly θ is caught nearly always.
    const atTheta = Array.from({ length: trials }, (_, i) => run(1.1, 0.08, 5000 + i));
    expect(atTheta.filter((r) => r.verdict === 'regressed').length / trials).toBeGreaterThan(0.9);
  });

  it('holds its error rates when stalls of the machine wreck a third of the blocks', () => {
    // 40 pairs, looks after 12, 18, 24, 32 and 40; in each block, a 1 in 6 chance that a stall
    // multiplies its p95 by 1.5 to 4, whichever side it is.
    const looks = [12, 18, 24, 32, 40];
    const alphas = lookAlphas(0.05, looks, 40);
    const run = (factor: number, seed: number) => {
      const random = mulberry32(seed);
      const block = (value: number) =>
        value * (1 + 0.01 * (2 * random() - 1)) * (random() < 1 / 6 ? 1.5 + 2.5 * random() : 1);
      const all = Array.from({ length: 40 }, () => ({ base: block(10), head: block(10 * factor) }));
      for (const [k, n] of looks.entries()) {
        const j = judgeRegression(p95, all.slice(0, n), {
          alpha: alphas[k] as number,
          final: k === looks.length - 1,
        });
        if (j) return j.verdict;
      }
      throw new Error('the last look always decides');
    };
    const trials = 500;
    const share = (factor: number, verdict: string, seed: number) =>
      Array.from({ length: trials }, (_, i) => run(factor, seed + i)).filter((v) => v === verdict)
        .length / trials;
    expect(share(1, 'regressed', 100)).toBeLessThanOrEqual(0.025);
    expect(share(1, 'unchanged', 100)).toBeGreaterThan(0.9);
    expect(share(1.15, 'regressed', 9000)).toBeGreaterThan(0.9);
  });
});

describe('noise and what it takes to decide', () => {
  it('measures the spread robustly, one wild pair aside', () => {
    const d = [0.01, -0.02, 0.015, -0.01, 0.0, 0.02, -0.015, 3];
    expect(pairSpread(d)).toBeLessThan(0.05);
    expect(pairSpread([0, 0, 0, 0, 1])).toBeGreaterThan(0);
    expect(pairSpread([1])).toBe(Infinity);
  });

  it('says what change a budget can detect, and how many pairs an undecided one needs', () => {
    const small = detectableChange(p95, 0.05, 20, 0.05);
    const large = detectableChange(p95, 0.2, 20, 0.05);
    expect(small).toBeGreaterThan(0);
    expect(large).toBeGreaterThan(3 * small);
    expect(detectableChange(p95, 0.05, 80, 0.05)).toBeLessThan(small);
    expect(detectableChange(throughput, 0.05, 20, 0.05)).toBeLessThan(0);
    const noisy = pairs(8, 1.05, 0.4);
    expect(pairsToDecide(p95, noisy, 0.05)).toBeGreaterThan(8);
    expect(pairsToDecide(p95, pairs(8, 1.05, 0.8), 0.05)).toBeGreaterThan(
      pairsToDecide(p95, noisy, 0.05),
    );
  });

  it('formats changes as the user reads them', () => {
    expect(formatChange(p95, 0.084)).toBe('+8.4%');
    expect(formatChange(p95, -0.25)).toBe('-25%');
    expect(formatChange(errorRate, 0.005)).toBe('+0.50 pp');
    expect(formatChange(p95, Infinity)).toBe('+∞');
    expect(formatChange(p95, 0)).toBe('±0.0%');
  });
});
