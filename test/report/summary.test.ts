import { describe, expect, it } from 'vitest';
import { renderBaseline } from '../../src/report/baseline.js';
import { renderPlan } from '../../src/report/optimization-plan.js';
import { renderSummary } from '../../src/report/summary.js';
import {
  allStages,
  expectWellFormedTables,
  loadTest,
  noProfile,
  rowStartingWith,
  summary,
  tableWithHeader,
} from './fixtures.js';

describe('renderSummary', () => {
  it('opens with the verdict, the headline and the key figures', () => {
    const md = renderSummary(allStages());
    const paragraphs = md.split('\n\n');
    expect(paragraphs[1]).toBe(
      '**Verdict: PARTIAL ⚠️** · p95 102.5 ms misses the 100 ms target; error rate within budget.',
    );
    expect(paragraphs[2]).toContain('SLO score 83.3%');
    const figures = tableWithHeader(md, 'measured by', 'p50', 'p95');
    expect(figures[1]).toEqual([
      'load test',
      '22.6 ms',
      '102.5 ms',
      '288.1 ms',
      '498.7 req/s',
      '0.24%',
      '99.93%',
      '16,360',
    ]);
    expect(figures[0]?.at(-1)).toBe('requests');
  });

  it('prints the key figures with the very table the baseline report leads with', () => {
    const { loadTest: _, ...rest } = allStages();
    const figures = tableWithHeader(renderSummary(rest), 'measured by', 'p50');
    const headline = tableWithHeader(renderBaseline(rest.baseline), 'p50', 'p95');
    expect(figures.map((row) => row.slice(1))).toEqual(headline);
  });

  it('prints the top plan items with the very table the plan report ranks them in', () => {
    const input = allStages();
    const top = [...input.plan.items].sort((a, b) => a.rank - b.rank).slice(0, 3);
    const inSummary = tableWithHeader(renderSummary(input), 'rank', 'item', 'bucket');
    const inPlan = tableWithHeader(
      renderPlan({ ...input.plan, items: top }),
      'rank',
      'item',
      'bucket',
    );
    expect(inSummary).toEqual(inPlan);
    expect(inSummary[0]).toContain('risk');
  });

  it('falls back to the baseline for key figures when there is no load test', () => {
    const { loadTest: _, ...rest } = allStages();
    const figures = tableWithHeader(renderSummary(rest), 'measured by', 'p50');
    expect(figures[1]?.slice(0, 2)).toEqual(['baseline', '22.6 ms']);
  });

  it('shows before and after with the change, its direction and whether it is better', () => {
    const md = renderSummary(allStages());
    expectWellFormedTables(md);
    expect(md).toContain(
      "Compared with the default branch's run 41 (commit 1111111aaaaa) (measured 2026-11-02T09:00:00.000Z, commit 1111111aaaaaaa).",
    );
    const t = tableWithHeader(md, 'metric', 'journey', 'before', 'after', 'change');
    expect(rowStartingWith(t, 'latency.p95')).toEqual([
      'latency.p95',
      'all',
      '91.3 ms',
      '102.5 ms',
      '▲ +12.3% 🔴 worse',
    ]);
    expect(rowStartingWith(t, 'throughput')).toEqual([
      'throughput',
      'all',
      '470 req/s',
      '498.7 req/s',
      '▲ +6.1% 🟢 better',
    ]);
    expect(rowStartingWith(t, 'error\\_rate')).toEqual([
      'error\\_rate',
      'create order',
      '0%',
      '1%',
      'n/a (before was 0)',
    ]);
  });

  it('shows a drop in latency as down and better', () => {
    const input = allStages();
    input.summary.comparison!.rows = [
      { metric: 'latency.p99', before: 300, after: 240, changePct: -20, better: true },
    ];
    const t = tableWithHeader(renderSummary(input), 'metric', 'journey');
    expect(rowStartingWith(t, 'latency.p99').slice(2)).toEqual([
      '300 ms',
      '240 ms',
      '▼ -20.0% 🟢 better',
    ]);
  });

  it('has no before/after section without a comparison', () => {
    const input = allStages();
    input.summary.comparison = null;
    expect(renderSummary(input)).not.toContain('## Before and after');
  });

  it('summarizes SLO status compactly', () => {
    const md = renderSummary(allStages());
    expect(md).toContain('3 SLOs: 2 ✅ pass · 1 ⚠️ warning.');
    const t = tableWithHeader(md, 'SLO', 'observed', 'target', 'status');
    expect(rowStartingWith(t, 'p95 under 100ms ★')).toEqual([
      'p95 under 100ms ★',
      '102.5 ms',
      '&lt; 100ms',
      '⚠️ warning',
    ]);
  });

  it('lists the top five bottlenecks and the top plan items', () => {
    const md = renderSummary(allStages());
    const bottlenecks = tableWithHeader(md, '#', 'function', 'file:line', 'self %');
    expect(bottlenecks).toHaveLength(6);
    // The profile's strongest finding leads the list.
    expect(md).toContain('**Diagnosis:** The service is CPU-bound: it was on CPU 93%');
    expect(rowStartingWith(bottlenecks, '1')).toEqual([
      '1',
      'serializeUsers',
      'src/routes/users.ts:42',
      '31.2%',
    ]);
    expect(md).not.toContain('sixthFunction');

    const planTable = tableWithHeader(md, 'rank', 'item', 'bucket');
    expect(planTable.slice(1).map((r) => r[1])).toEqual([
      'Cache serialized user lists',
      'Move password hashing off the event loop',
      'Split the orders service',
    ]);
    expect(md).toContain('The top 3 of 4:');
  });

  it('lists next steps as tasks with an owner to fill in', () => {
    expect(renderSummary(allStages())).toContain(
      '## Next steps\n\n- [ ] Apply plan item 1: Cache serialized user lists. · owner: ____',
    );
  });

  it('gives each plan item its effort, p95 cut and capacity, and totals per bucket', () => {
    const md = renderSummary(allStages());
    const section = md.slice(md.indexOf('## Return on investment'));
    expect(section).toMatch(/^## Return on investment\n\n\| item /);
    expect(section).toContain('- The whole plan: ');
    // The fixture's load test priced no instance: said, not left blank.
    expect(section).toContain('_No cost figures:');
  });

  it('says which stages are missing and what that leaves out', () => {
    const md = renderSummary({
      summary: {
        ...summary(),
        verdict: null,
        stagesPresent: ['baseline', 'summary'],
        stagesMissing: ['profile-analysis', 'optimization-plan', 'load-test', 'slo-gate'],
      },
      baseline: allStages().baseline,
      profile: noProfile(),
    });
    expect(md).toContain('**No verdict**: the SLO gate did not run.');
    expect(md).toContain('**Missing:** profile-analysis, optimization-plan, load-test, slo-gate.');
    expect(md).toContain('## SLOs\n\nThe SLO gate did not run.');
    expect(md).toContain('## Optimization plan\n\nThe optimization-plan stage did not run.');
    expect(md).toContain('No CPU profile was analyzed. The service was not started by perf-flow');
  });

  it('says when the plan found nothing', () => {
    const input = allStages();
    input.plan.items = [];
    expect(renderSummary(input)).toContain(
      '## Optimization plan\n\nNothing significant was found to optimize.',
    );
  });

  it('takes the load parameters for "How this was measured" from the load test', () => {
    const t = tableWithHeader(renderSummary(allStages()), 'Item', 'Value');
    expect(rowStartingWith(t, 'Connections')[1]).toBe('50');
  });
});

describe('the summary as a PR comment', () => {
  it('shows charts (before/after, latency and throughput over time) folded in a details block', () => {
    const md = renderSummary({ summary: summary(), loadTest: loadTest(12) });
    const charts = md.slice(md.indexOf('<summary>Charts</summary>'));
    expect(charts.indexOf('</details>')).toBeGreaterThan(0);
    const folded = charts.slice(0, charts.indexOf('</details>'));
    expect(folded.match(/xychart-beta/g)).toHaveLength(3);
    expect(folded).toContain('title "Latency before and after (ms)"');
    expect(folded).toMatch(
      /x-axis \[p95\]\n {2}y-axis "latency \(ms\)"\n {2}bar \[91\.3\]\n {2}bar \[102\.5\]/,
    );
  });

  it('draws no chart without a load test or a comparison', () => {
    const md = renderSummary({ summary: { ...summary(), comparison: null } });
    expect(md).not.toContain('xychart-beta');
    expect(md).not.toContain('<summary>Charts</summary>');
  });
});
