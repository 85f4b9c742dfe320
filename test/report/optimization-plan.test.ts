import { describe, expect, it } from 'vitest';
import { renderPlan } from '../../src/report/optimization-plan.js';
import { expectWellFormedTables, plan, rowStartingWith, tableWithHeader } from './fixtures.js';

describe('renderPlan', () => {
  it('ranks every item in one table, in rank order whatever the data order', () => {
    const md = renderPlan(plan());
    expectWellFormedTables(md);
    const t = tableWithHeader(md, 'rank', 'item', 'bucket', 'expected gain');
    expect(t.slice(1).map((r) => r[0])).toEqual(['1', '2', '3', '4']);
    expect(rowStartingWith(t, '1')).toEqual([
      '1',
      'Cache serialized user lists',
      'Quick wins',
      '20–35% latency',
      '0.5 days',
      'low',
      '52.5',
    ]);
    expect(rowStartingWith(t, '2').slice(3, 7)).toEqual(['10% latency', '3 days', 'medium', '3.3']);
  });

  it('groups items by bucket, quick wins first, with everything needed to act', () => {
    const md = renderPlan(plan());
    const quick = md.indexOf('## Quick wins');
    const strategic = md.indexOf('## Strategic');
    const major = md.indexOf('## Major refactoring');
    expect(quick).toBeGreaterThan(-1);
    expect(strategic).toBeGreaterThan(quick);
    expect(major).toBeGreaterThan(strategic);

    const quickWins = md.slice(quick, strategic);
    expect(quickWins).toContain('### 1. Cache serialized user lists');
    expect(quickWins).toContain('### 4. Fourth item');
    expect(quickWins.indexOf('### 1.')).toBeLessThan(quickWins.indexOf('### 4.'));

    const item1 = quickWins.slice(0, quickWins.indexOf('### 4.'));
    expect(item1).toContain(
      '**Hypothesis:** serializeUsers re-serializes the same 50 users on every request.',
    );
    expect(item1).toContain('- serializeUsers: 31.2% self time');
    expect(item1).toContain('1. Memoize the serialized page by ETag\n2. Invalidate on user write');
    expect(item1).toContain(
      '**Expected gain:** 20–35% latency. Self time of serializeUsers is 31% of CPU.',
    );
    expect(item1).toContain('**Effort:** 0.5 days · **Risk:** low');
    expect(item1).toContain('- list users p95 &lt; 35 ms');
    expect(item1).toContain('**Rollback:** Remove the cache middleware.');
    expect(item1).not.toContain('**Guidance:**');

    expect(md.slice(strategic, major)).toContain(
      '**Guidance:** Raised: guidance focuses on api latency.',
    );
  });

  it('lists what the plan rests on', () => {
    const md = renderPlan(plan());
    expect(md).toContain(
      '## What this plan rests on\n\n- baseline: 2 journeys\n- profile-analysis: 14,873 samples',
    );
  });

  it('says plainly when nothing significant was found', () => {
    const d = plan();
    d.items = [];
    const md = renderPlan(d);
    expect(md).toContain('Nothing significant was found to optimize');
    expect(md).not.toContain('## Quick wins');
    expect(md).not.toContain('| rank');
    expect(md).toContain('- baseline: 2 journeys');
  });

  it('leaves out a bucket with no items', () => {
    const d = plan();
    d.items = d.items.filter((i) => i.bucket !== 'major');
    expect(renderPlan(d)).not.toContain('## Major refactoring');
  });
});
