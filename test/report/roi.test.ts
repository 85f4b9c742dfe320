import { describe, expect, it } from 'vitest';
import { roiSection } from '../../src/report/roi.js';
import { plan } from './fixtures.js';
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
});
