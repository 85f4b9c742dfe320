import { describe, expect, it } from 'vitest';
import { compareResults } from '../../src/stages/compare.js';
import { journeys, overall } from '../report/fixtures.js';

describe('before/after rows', () => {
  const before = { overall: overall(), journeys: journeys() };

  it('says which way each change goes, given which direction is good', () => {
    const after = {
      overall: overall({
        latency: { ...before.overall.latency, p95: before.overall.latency.p95 * 1.5 },
        throughputRps: before.overall.throughputRps * 1.2,
        errorRate: 0,
      }),
      journeys: journeys(),
    };
    const rows = compareResults(before, after);
    const p95 = rows.find((r) => r.metric === 'latency.p95' && !r.journey)!;
    expect(p95.changePct).toBeCloseTo(50, 6);
    expect(p95.better).toBe(false);
    const throughput = rows.find((r) => r.metric === 'throughput')!;
    expect(throughput.changePct).toBeCloseTo(20, 6);
    expect(throughput.better).toBe(true);
    const p50 = rows.find((r) => r.metric === 'latency.p50')!;
    expect(p50).toMatchObject({ changePct: 0, better: null });
  });

  it('has no percentage from a zero before, and a p95 row per journey both runs measured', () => {
    const zeroErrors = { overall: overall({ errorRate: 0 }), journeys: journeys() };
    const someErrors = { overall: overall({ errorRate: 0.02 }), journeys: journeys().slice(1) };
    const rows = compareResults(zeroErrors, someErrors);
    expect(rows.find((r) => r.metric === 'error_rate')).toMatchObject({
      changePct: null,
      better: false,
    });
    expect(rows.filter((r) => r.journey).map((r) => r.journey)).toEqual(
      journeys()
        .slice(1)
        .map((j) => j.name),
    );
  });
});
