import { describe, expect, it } from 'vitest';
import type { OptimizationPlanData } from '../../src/data/stages.js';
import { renderPlan } from '../../src/report/optimization-plan.js';
import { renderSummary } from '../../src/report/summary.js';
import { allStages, expectWellFormedTables, plan, planItem, tableWithHeader } from './fixtures.js';

function refinedPlan(): OptimizationPlanData {
  const data = plan();
  data.items[1] = planItem({
    refinedBy: 'claude-test-1',
    findings: ['cpu:serializeusers@src-routes-users-ts-42'],
  });
  data.findings = [
    {
      id: 'cpu:serializeusers@src-routes-users-ts-42',
      kind: 'hotspot',
      summary: 'serializeUsers (src/routes/users.ts:42, program) holds 31.2% of active CPU time',
      gainBoundPct: 31.2,
    },
    { id: 'slo:p95', kind: 'slo-miss', summary: 'SLO p95 fails', gainBoundPct: null },
    // A hand-edited file: an id that is not ours stays inert text.
    { id: 'x|<b>`', kind: 'diagnosis', summary: 'edited', gainBoundPct: null },
  ];
  data.source = {
    plan: 'refined',
    model: 'claude-test-1',
    reason: 'Claude refined 1 item(s) and added 0; 1 of its 2 item(s) dropped',
    notes: [`Claude's item 2 ("<img src=x>") cites no finding: dropped`],
  };
  return data;
}

describe('the plan report says which plan it shows', () => {
  it('names Claude and its model, lists what was dropped, and marks what Claude wrote', () => {
    const md = renderPlan(refinedPlan());
    expectWellFormedTables(md);
    expect(md.split('\n\n')[1]).toBe(
      '**Plan:** refined by Claude (claude-test-1): Claude refined 1 item(s) and added 0; 1 of its 2 item(s) dropped.',
    );
    // Claude's text is data: escaped like any other.
    expect(md).toContain(`- Claude's item 2 ("&lt;img src=x&gt;") cites no finding: dropped`);
    expect(md).toContain(
      '**Written by:** Claude (claude-test-1), citing `cpu:serializeusers@src-routes-users-ts-42`',
    );
    const findings = tableWithHeader(md, 'id', 'finding', 'gain bound');
    expect(findings.slice(1).map((row) => [row[0], row[2]])).toEqual([
      ['`cpu:serializeusers@src-routes-users-ts-42`', '31.2%'],
      ['`slo:p95`', 'none'],
      ['x\\|&lt;b&gt;\\`', 'none'],
    ]);
  });

  it('says why the rule-based plan is shown', () => {
    const data = plan();
    data.source = {
      plan: 'rule-based',
      model: 'claude-test-1',
      reason: 'Claude is overloaded (529): Overloaded: rule-based plan shown',
      notes: [],
    };
    const md = renderPlan(data);
    expect(md).toContain(
      '**Plan:** rule-based: Claude is overloaded (529): Overloaded: rule-based plan shown.',
    );
    expect(md).not.toContain("Left out of Claude's answer");
  });

  it('tells the summary too, once Claude was asked', () => {
    const refined = renderSummary({ ...allStages(), plan: refinedPlan() });
    expect(refined).toContain('**Plan:** refined by Claude (claude-test-1)');
    const noKey = plan();
    noKey.source = {
      plan: 'rule-based',
      reason: 'no anthropic-api-key given: rule-based plan shown',
      notes: [],
    };
    expect(renderSummary({ ...allStages(), plan: noKey })).not.toContain('**Plan:**');
  });
});
