import { describe, expect, it } from 'vitest';
import { formatGain } from '../../src/report/optimization-plan.js';
import { roiSection } from '../../src/report/roi.js';
import { plan, planItem } from './fixtures.js';
import { capacity } from './scenario-fixtures.js';

describe('roiSection', () => {
  it('prices the CPU items off the cost per million requests and totals per bucket', () => {
    const md = roiSection(
      plan(),
      capacity({ costPerMillionRequests: { value: 2, reason: null } }),
    )!;
    const row = (title: string) => md.split('\n').find((line) => line.includes(title))!;
    // async-hash: a CPU item, 10% off the work per request: 1/0.9 - 1 = 11.1% more capacity,
    // and 10% of 2 per million requests.
    expect(row('Move password hashing')).toMatch(/\| +\+11\.1% \| +−0\.2000 EUR \|$/);
    // A caching item: no CPU figure to price it by.
    expect(row('Cache serialized user lists')).toMatch(/\| +– \| +– \|$/);
    expect(md).toContain('- Quick wins: 1.5 day(s) of work');
    expect(md).toContain('- The whole plan: 19.5 day(s) of work');
    expect(md).toContain('0.2000 EUR less per million requests');
    expect(md).not.toContain('No cost figures');
  });

  it('says when nothing was priced, and says nothing for an empty plan', () => {
    const md = roiSection(plan(), undefined)!;
    expect(md).toContain('_No cost figures:');
    expect(roiSection({ ...plan(), items: [] }, undefined)).toBeNull();
  });

  it('counts items on the same finding together for no more than that finding bounds', () => {
    const gain = (low: number, high: number) => ({
      latencyPctLow: low,
      latencyPctHigh: high,
      rationale: 'r',
    });
    const base = plan();
    const twoOnOneHotspot = {
      ...base,
      findings: [
        { id: 'hotspot:score', kind: 'hotspot' as const, summary: 's', gainBoundPct: 50 },
        { id: 'slo:p95', kind: 'slo-miss' as const, summary: 's', gainBoundPct: null },
      ],
      items: [
        // Apart, 40% and 30% off would leave 0.6 × 0.7 = 42%: 58% off. On one function that
        // holds 50% of the time (Amdahl's bound), they cannot take more than that.
        planItem({
          id: 'memo',
          rank: 1,
          kind: 'cpu',
          findings: ['hotspot:score', 'slo:p95'],
          expectedGain: gain(30, 50),
          effortDays: 0.5,
        }),
        planItem({
          id: 'algo',
          rank: 2,
          kind: 'cpu',
          findings: ['hotspot:score'],
          expectedGain: gain(20, 40),
          effortDays: 2,
        }),
        // An SLO miss bounds nothing: citing it does not join this item to the others.
        planItem({
          id: 'other',
          rank: 3,
          findings: ['slo:p95'],
          expectedGain: gain(10, 10),
          effortDays: 1,
        }),
      ],
    };
    const md = roiSection(twoOnOneHotspot, undefined)!;
    // 1 - (1 - 0.5) × (1 - 0.1) = 55%.
    expect(md).toContain('- The whole plan: 3.5 day(s) of work for about 55% off the p95');
    expect(md).toContain('Items citing the same finding cut the same work');
    // Priced the same way: 50% of 2 EUR per million requests, not 58%.
    const priced = roiSection(
      twoOnOneHotspot,
      capacity({ costPerMillionRequests: { value: 2, reason: null } }),
    )!;
    expect(priced).toContain('and 1.0000 EUR less per million requests');
    const apart = roiSection({ ...twoOnOneHotspot, findings: [] }, undefined)!;
    // No bounded finding in common: 1 - 0.6 × 0.7 × 0.9 = 62.2%.
    expect(apart).toContain('for about 62.2% off the p95');
    expect(apart).not.toContain('Items citing the same finding');
  });

  it('shows the capacity an item adds where it cuts no latency', () => {
    const gain = { latencyPctLow: 0, latencyPctHigh: 0, rationale: 'r' };
    expect(formatGain(gain)).toBe('0% latency');
    expect(formatGain({ ...gain, capacityPct: 50 })).toBe('+50% capacity');
    expect(formatGain({ ...gain, latencyPctLow: 5, latencyPctHigh: 10, capacityPct: 12 })).toBe(
      '5–10% latency, +12% capacity',
    );
  });
});
