import { describe, expect, it } from 'vitest';
import type { RegressionConfig } from '../../src/config/types.js';
import type { BlockOutcome, Side } from '../../src/compare/interleave.js';
import { compareInterleaved, MIN_PAIRS, planBlocks } from '../../src/compare/interleave.js';
import { mulberry32 } from '../../src/load/arrivals.js';
import { toSliResult } from '../../src/load/sli.js';
import { createLatencyHistogram, recordMs } from '../../src/measure/histogram.js';
import {
  errorRateCriterion as errorRate,
  p95Criterion as p95,
} from '../helpers/regression-criteria.js';

const regression = (overrides: Partial<RegressionConfig> = {}): RegressionConfig => ({
  criteria: [p95, errorRate],
  confidence: 0.95,
  budgetMs: 120_000,
  blockMs: 3_000,
  calibrate: false,
  baseline: 'branch',
  ...overrides,
});

/**
 * A simulated service: each block 600 requests with exponential latencies around `meanMs`,
 * the head's scaled by `headFactor`, and the machine drifting slowly (both sides alike).
 */
function simulated(headFactor: number, seed: number) {
  const random = mulberry32(seed);
  const order: Side[] = [];
  let block = 0;
  const runBlock = (side: Side): Promise<BlockOutcome> => {
    order.push(side);
    const drift = 1 + 0.2 * Math.sin(block++ / 5);
    const mean = 10 * drift * (side === 'head' ? headFactor : 1);
    const histogram = createLatencyHistogram();
    for (let i = 0; i < 600; i++) recordMs(histogram, -mean * Math.log(1 - random()));
    const counters = {
      requests: 600,
      errors: 0,
      serverErrors: 0,
      timeouts: 0,
      transportErrors: 0,
      statusCodes: { '200': 600 },
    };
    return Promise.resolve({
      result: toSliResult(counters, histogram, 3),
      generatorSaturated: false,
    });
  };
  return { runBlock, order };
}

describe('planBlocks', () => {
  it('fits pairs of blocks and warm-ups into the budget, and looks from the first that can decide', () => {
    const plan = planBlocks(regression());
    expect(plan.maxPairs).toBe(17); // 120 s / (2 × 3.5 s)
    // 30% of 17 is 5 pairs, and 6 (the fewest the interval needs) reach only 1 - 2^-5: at the
    // alpha 6 of 17 pairs spend, not enough. 8 pairs are the first that can decide.
    expect(plan.looks).toEqual([8, 10, 14, 17]);
    expect(plan.alphas[0]).toBeGreaterThanOrEqual(2 ** -7);
    expect(plan.alphas.reduce((a, b) => a + b, 0)).toBeCloseTo(0.05, 12);
  });

  it('never looks before the signed-rank interval can bound anything', () => {
    const plan = planBlocks(regression({ budgetMs: 60_000, blockMs: 4_000 }));
    expect(plan.looks[0]).toBeGreaterThanOrEqual(MIN_PAIRS);
    expect(plan.looks.at(-1)).toBe(plan.maxPairs);
  });
});

describe('compareInterleaved', () => {
  it('finds a 30% slower head regressed at the first look, and stops there', async () => {
    const { runBlock, order } = simulated(1.3, 1);
    const plan = planBlocks(regression());
    const result = await compareInterleaved(runBlock, [p95, errorRate], plan, { seed: 9 });
    expect(result.decidedAfterPairs).toBe(8);
    expect(result.pairs).toHaveLength(8);
    expect(order).toHaveLength(16);
    const latency = result.judgements.find((j) => j.sli === 'latency.p95');
    expect(latency?.verdict).toBe('regressed');
    expect(latency?.change).toBeGreaterThan(0.15);
    expect(result.judgements.find((j) => j.sli === 'error_rate')?.verdict).toBe('unchanged');
    expect(result.loadMs).toBe(8 * 7000);
    expect(result.budgetMs).toBe(17 * 7000);
  });

  it('draws the order of each pair at random, reproducibly from the seed', async () => {
    const a = simulated(1, 2);
    const b = simulated(1, 2);
    const plan = planBlocks(regression());
    await compareInterleaved(a.runBlock, [p95], plan, { seed: 5 });
    await compareInterleaved(b.runBlock, [p95], plan, { seed: 5 });
    expect(a.order).toEqual(b.order);
    const firsts = a.order.filter((_, i) => i % 2 === 0);
    expect(firsts).toContain('base');
    expect(firsts).toContain('head');
    // Each pair runs both sides.
    for (let i = 0; i < a.order.length; i += 2) expect(a.order[i]).not.toBe(a.order[i + 1]);
  });

  it('calls head against itself unchanged, and states the noise and what the budget detects', async () => {
    const { runBlock } = simulated(1, 3);
    const result = await compareInterleaved(runBlock, [p95], planBlocks(regression()), {
      seed: 4,
    });
    expect(result.judgements[0]?.verdict).toBe('unchanged');
    const noise = result.noise[0];
    expect(noise?.spread).toBeGreaterThan(0);
    expect(noise?.detectable).toBeGreaterThan(0);
    expect(noise?.detectable).toBeLessThan(0.1);
    expect(noise?.unreachable).toBe(false);
  });

  it('runs out of budget on a change it cannot resolve, and says how much more it needs', async () => {
    // +5% against a +4% threshold with this noise: the interval keeps holding both.
    const { runBlock } = simulated(1.04, 11);
    const criterion = { ...p95, threshold: 0.04 };
    const plan = planBlocks(regression({ budgetMs: 90_000, criteria: [criterion] }));
    const result = await compareInterleaved(runBlock, [criterion], plan, { seed: 1 });
    expect(result.pairs).toHaveLength(plan.maxPairs);
    expect(result.decidedAfterPairs).toBeNull();
    expect(result.judgements[0]?.verdict).toBe('inconclusive');
    const [undecided] = result.undecided;
    expect(undecided?.sli).toBe('latency.p95');
    expect(undecided?.pairsNeeded).toBeGreaterThan(plan.maxPairs);
    expect(undecided?.extraMs).toBe((undecided!.pairsNeeded - plan.maxPairs) * 7000);
    expect(result.noise[0]?.unreachable).toBe(true);
    expect(result.judgements[0]?.reason).toMatch(
      /about \d+ pairs \(\d+ s more load: raise regression\.budget\) would likely decide it$/,
    );
  });

  it('stops between blocks when aborted', async () => {
    const { runBlock } = simulated(1, 5);
    const controller = new AbortController();
    const reason = new Error('stop');
    const result = compareInterleaved(
      async (side) => {
        const outcome = await runBlock(side);
        controller.abort(reason);
        return outcome;
      },
      [p95],
      planBlocks(regression()),
      { seed: 1, signal: controller.signal },
    );
    await expect(result).rejects.toBe(reason);
  });
});
