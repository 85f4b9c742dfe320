import { describe, expect, it } from 'vitest';
import type { RegressionResult } from '../../src/data/regression.js';
import { RegressionResult as RegressionSchema } from '../../src/data/regression.js';
import { formatSliValue } from '../../src/measure/format.js';
import { relativeSlos, uncomparedSlo } from '../../src/slo/relative-slos.js';
import { scoreGate } from '../../src/slo/score.js';
import {
  errorRateCriterion,
  p95Criterion,
  throughputCriterion,
} from '../helpers/regression-criteria.js';

function judgement(
  sli: 'latency.p95' | 'throughput' | 'error_rate',
  verdict: 'regressed' | 'unchanged' | 'improved' | 'inconclusive',
  change: number,
  threshold: number,
) {
  return {
    sli,
    verdict,
    change,
    low: null,
    high: null,
    level: 0.95,
    pairs: 9,
    threshold,
    reason: `${sli} ${verdict}`,
  };
}

function result(judgements: ReturnType<typeof judgement>[]): RegressionResult {
  return RegressionSchema.parse({
    baseRef: 'origin/main',
    baseSha: 'a'.repeat(40),
    headSha: null,
    confidence: 0.95,
    seed: 1,
    blockMs: 3000,
    blockWarmupMs: 500,
    maxPairs: 17,
    looks: [8, 10, 14, 17],
    decidedAfterPairs: 8,
    loadMs: 56_000,
    budgetMs: 119_000,
    criteria: [p95Criterion, throughputCriterion, errorRateCriterion],
    judgements,
    undecided: [],
    noise: [],
    saturatedBlocks: 0,
    pairs: [],
    verdict: 'PASS',
  });
}

const scoring = { pass: 0.9, partial: 0.75 };

describe('relativeSlos', () => {
  it('makes each verdict a key SLO against the base, with the change as its value', () => {
    const slos = relativeSlos(
      result([
        judgement('latency.p95', 'regressed', 0.18, 0.1),
        judgement('throughput', 'improved', 0.04, -0.05),
        judgement('error_rate', 'unchanged', 0.001, 0.01),
      ]),
    );
    expect(slos.map((s) => [s.name, s.status, s.key])).toEqual([
      ['latency.p95 against origin/main <= +10%', 'fail', true],
      ['throughput against origin/main >= -5.0%', 'pass', true],
      ['error_rate against origin/main <= +1.00 pp', 'pass', true],
    ]);
    expect(slos.map((s) => formatSliValue(s.sli, s.observed))).toEqual([
      '+18%',
      '+4.0%',
      '+0.10 pp',
    ]);
    expect(scoreGate(slos, scoring, ['FAIL']).verdict).toBe('FAIL');
  });

  it('leaves the gate inconclusive on an undecided SLI, and passes when all hold', () => {
    const undecided = relativeSlos(result([judgement('latency.p95', 'inconclusive', 0.06, 0.1)]));
    expect(scoreGate(undecided, scoring, ['FAIL']).verdict).toBe('INCONCLUSIVE');
    const held = relativeSlos(result([judgement('latency.p95', 'unchanged', 0.02, 0.1)]));
    expect(scoreGate(held, scoring, ['FAIL']).verdict).toBe('PASS');
  });

  it('makes a base that could not be compared an inconclusive key SLO', () => {
    const slo = uncomparedSlo('the base did not start');
    expect(slo).toMatchObject({ status: 'inconclusive', key: true });
    expect(scoreGate([slo], scoring, ['FAIL']).reasons[0]).toMatch(
      /not compared: the base did not start/,
    );
  });
});
