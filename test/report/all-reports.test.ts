import { describe, expect, it } from 'vitest';
import { DATA_SCHEMAS } from '../../src/data/stages.js';
import {
  renderBaseline,
  renderLoadTest,
  renderPlan,
  renderProfileAnalysis,
  renderSloCompliance,
  renderSummary,
} from '../../src/report/index.js';
import {
  allStages,
  baseline,
  expectWellFormedTables,
  gate,
  hotspot,
  inconclusiveGate,
  loadTest,
  noGuidance,
  noProfile,
  outsideCode,
  plan,
  planItem,
  profile,
  rowStartingWith,
  summary,
  tableWithHeader,
} from './fixtures.js';

type Stages = ReturnType<typeof allStages>;

/** Every report, rendered from one consistent set of stage data. */
function renderAll(s: Stages): Record<string, string> {
  return {
    baseline: renderBaseline(s.baseline),
    profile: renderProfileAnalysis(s.profile),
    plan: renderPlan(s.plan),
    loadTest: renderLoadTest(s.loadTest),
    gate: renderSloCompliance(s.gate),
    summary: renderSummary(s),
  };
}

describe('fixtures', () => {
  it('satisfy the data schemas', () => {
    const check = [
      ['baseline', baseline()],
      ['profile-analysis', profile()],
      ['profile-analysis', noProfile()],
      ['optimization-plan', plan()],
      ['load-test', loadTest()],
      ['slo-gate', gate()],
      ['slo-gate', inconclusiveGate()],
      ['summary', summary()],
    ] as const;
    for (const [stage, data] of check) {
      const parsed = DATA_SCHEMAS[stage].safeParse(data);
      expect(parsed.error?.issues ?? [], stage).toEqual([]);
    }
  });
});

describe('every report', () => {
  it('ends with guidance and how it was measured, and keeps its tables well formed', () => {
    for (const [name, md] of Object.entries(renderAll(allStages()))) {
      expectWellFormedTables(md);
      const guidance = md.indexOf('\n## Guidance\n');
      const measured = md.indexOf('\n## How this was measured\n');
      expect(guidance, name).toBeGreaterThan(0);
      expect(measured, name).toBeGreaterThan(guidance);
      expect(md, name).toContain('**How it was applied:**');
      expect(md, name).toContain('- Focus api, latency: latency items ranked first.');
      // The summary (the PR comment) folds the measurement details away.
      expect(md.endsWith(name === 'summary' ? '```\n\n</details>\n' : '```\n'), name).toBe(true);
    }
  });

  it('says when no guidance was given', () => {
    const s = allStages();
    for (const data of Object.values(s)) data.guidance = noGuidance();
    for (const [name, md] of Object.entries(renderAll(s))) {
      expect(md, name).toContain('## Guidance\n\nNo guidance was given');
    }
  });

  it('renders hostile strings from an untrusted run as inert text', () => {
    const journey = 'a|b<script>';
    const fn = '`evil` | fn';
    const s = allStages();
    s.baseline.journeys[0]!.name = journey;
    s.loadTest.journeys[0]!.name = journey;
    s.gate.slos[1]!.journey = journey;
    s.summary.comparison!.rows[0]!.journey = journey;
    s.summary.headline = '<img src=x onerror=alert(1)> | headline';
    s.profile.cpu!.topSelf[0] = hotspot({ functionName: fn, file: 'src/[x](y).ts' });
    s.profile.cpu!.topTotal[0] = hotspot({ functionName: fn });
    s.plan.items[0] = planItem({ title: 'Fix `a|b` <b>now</b>', rollback: '# revert\n| x |' });
    for (const data of Object.values(s)) {
      data.guidance = { ...noGuidance(), text: 'p95 | <script>alert(1)</script>', applied: [] };
    }

    const rendered = renderAll(s);
    for (const [name, md] of Object.entries(rendered)) {
      expectWellFormedTables(md);
      const text = outsideCode(md);
      expect(text, name).not.toMatch(/<script|<img|<b>/);
      expect(text, name).toContain('> p95 \\| &lt;script&gt;alert(1)&lt;/script&gt;');
    }

    const journeyCell = 'a\\|b&lt;script&gt;';
    const fnCell = '\\`evil\\` \\| fn';
    expect(rowStartingWith(tableWithHeader(rendered.baseline!, 'journey'), journeyCell)[1]).toBe(
      'GET /api/users?limit=50',
    );
    expect(rendered.baseline).toContain(`### ${journeyCell}`);
    expect(rowStartingWith(tableWithHeader(rendered.loadTest!, 'journey'), journeyCell)[6]).toBe(
      '48.7 ms',
    );
    expect(rendered.loadTest).toContain(`| ${journeyCell}`);
    expect(
      rowStartingWith(tableWithHeader(rendered.gate!, 'SLO', 'SLI'), 'orders error rate')[2],
    ).toBe(journeyCell);

    const bySelf = tableWithHeader(rendered.profile!, '#', 'function');
    expect(rowStartingWith(bySelf, '1').slice(1, 3)).toEqual([fnCell, 'src/\\[x\\](y).ts:42']);
    expect(rowStartingWith(tableWithHeader(rendered.summary!, '#', 'function'), '1')[1]).toBe(
      fnCell,
    );

    expect(rowStartingWith(tableWithHeader(rendered.plan!, 'rank', 'item'), '1')[1]).toBe(
      'Fix \\`a\\|b\\` &lt;b&gt;now&lt;/b&gt;',
    );
    expect(rendered.plan).toContain('**Rollback:** \\# revert \\| x \\|');

    expect(rendered.summary).toContain(
      '**Verdict: PARTIAL ⚠️** · &lt;img src=x onerror=alert(1)&gt; \\| headline',
    );
    expect(rowStartingWith(tableWithHeader(rendered.summary!, 'metric'), 'latency.p95')[1]).toBe(
      journeyCell,
    );
  });
});
