import { describe, expect, it } from 'vitest';
import type { StoredRun } from '../../src/compare/across-runs.js';
import { compareAcrossRuns, machinesNote } from '../../src/compare/across-runs.js';
import { mulberry32 } from '../../src/load/arrivals.js';
import { errorRateCriterion, p95Criterion } from '../helpers/regression-criteria.js';

/** A 20-second steady load whose p95 is about `p95Ms`, jittering ±10% second to second. */
function run(p95Ms: number, seed: number, cpuModel = 'Xeon'): StoredRun {
  const random = mulberry32(seed);
  return {
    provenance: { cpuModel, cpuCount: 2 },
    timeline: Array.from({ length: 20 }, (_, second) => {
      const p95 = p95Ms * (0.9 + 0.2 * random());
      return { second, requests: 200, errors: 0, p50: p95 / 2, p95, p99: p95 * 1.5 };
    }),
  };
}

describe('compareAcrossRuns', () => {
  it('calls a p95 twice as long regressed, its whole interval past the threshold', () => {
    const [p95, errors] = compareAcrossRuns(
      [p95Criterion, errorRateCriterion],
      run(10, 1),
      run(20, 2),
      0.95,
    );
    expect(p95?.verdict).toBe('regressed');
    expect(p95?.change).toBeGreaterThan(0.8);
    expect(p95?.low).toBeGreaterThan(0.1);
    expect(errors?.verdict).toBe('unchanged');
  });

  it('does not call a change inside the threshold a regression, however sure it is', () => {
    // +6% against +10%: worse, but the machines alone could do that.
    const [p95] = compareAcrossRuns([p95Criterion], run(10, 1), run(10.6, 1), 0.95);
    expect(p95?.verdict).not.toBe('regressed');
  });

  it('says an SLI the timeline does not keep cannot be compared across runs', () => {
    const [p90] = compareAcrossRuns(
      [{ ...p95Criterion, sli: 'latency.p90' }],
      run(10, 1),
      run(20, 2),
      0.95,
    );
    expect(p90?.verdict).toBe('inconclusive');
    expect(p90?.reason).toMatch(/not kept per second/);
  });

  it('says what the interval leaves out: the machines', () => {
    expect(machinesNote(run(10, 1), run(10, 2))).toMatch(/both on Xeon × 2/);
    expect(machinesNote(run(10, 1), run(10, 2, 'EPYC'))).toMatch(
      /the base on Xeon × 2, the head on EPYC × 2/,
    );
  });
});
