import { describe, expect, it } from 'vitest';
import type { GuidanceData } from '../../../src/data/common.js';
import { buildPlan } from '../../../src/plan/build-plan.js';
import type { RefinedItem } from '../../../src/plan/claude/answer-schema.js';
import { mergeRefinements } from '../../../src/plan/claude/merge-refinements.js';
import type { PlanItem } from '../../../src/data/stages.js';
import { roi } from '../../../src/plan/roi.js';
import { cpuWith, hotspot, noGuidance, slo } from '../plan-fixtures.js';

const BURN = 'cpu:burncpu@src-x-js-12';
const PARSE = 'cpu:parse@src-p-js-3';

const plan = buildPlan({
  cpu: cpuWith([
    hotspot({ functionName: 'burnCpu', file: 'src/x.js', line: 12, selfShare: 0.4 }),
    hotspot({ functionName: 'parse', file: 'src/p.js', line: 3, selfShare: 0.1 }),
  ]),
  baseline: null,
  sloEvaluations: [slo({ name: 'p95' })],
  guidance: noGuidance,
});

function item(overrides: Partial<RefinedItem> = {}): RefinedItem {
  return {
    refines: 'hotspot-service-burncpu',
    title: 'Memoise burnCpu',
    kind: 'cpu',
    hypothesis: 'burnCpu recomputes the same result per request.',
    findings: [BURN],
    steps: ['Memoise it'],
    expectedGain: { latencyPctLow: 10, latencyPctHigh: 30, rationale: 'most of it is repeated' },
    effortDays: 0.5,
    risk: 'low',
    successCriteria: ['burnCpu below 10% of active CPU time'],
    rollback: 'Remove the memo.',
    ...overrides,
  };
}

const merge = (items: RefinedItem[], guidance: GuidanceData = noGuidance) =>
  mergeRefinements({
    items: plan.items,
    findings: plan.findings,
    answer: { items },
    model: 'claude-x',
    guidance,
  });

describe('mergeRefinements', () => {
  it('replaces the refined item, keeps the rest, and ranks the result by ROI', () => {
    const result = merge([item()]);
    expect(result).toMatchObject({ refined: 1, added: 0, notes: [] });
    expect(result.items.map((i) => i.id).sort()).toEqual(plan.items.map((i) => i.id).sort());
    const burn = result.items.find((i) => i.id === 'hotspot-service-burncpu')!;
    expect(burn).toMatchObject({
      title: 'Memoise burnCpu',
      refinedBy: 'claude-x',
      bucket: 'quick-win',
    });
    // ROI follows from the refined gain, effort and risk as for any item: 20 / 0.5 × 1.
    expect(burn.roi).toBe(40);
    // The refined item (ROI 40) now ranks above the rules' cache item on burnCpu (33.6).
    expect(result.items.map((i) => i.id)).toEqual([
      'hotspot-service-burncpu',
      'memoise-burncpu',
      'hotspot-service-parse',
    ]);
    expect(result.items.map((i) => i.rank)).toEqual([1, 2, 3]);
  });

  it("takes Claude's testing, else the refined item's, else a generic one by the risk", () => {
    const rules = (id: string) => plan.items.find((i) => i.id === id)!.testing;
    const own = ['Behaviour: the memo returns what burnCpu returns', 'Performance: profile it'];
    const byId = (result: ReturnType<typeof merge>, id: string) =>
      result.items.find((i) => i.id === id)!.testing;

    expect(byId(merge([item({ testing: own })]), 'hotspot-service-burncpu')).toEqual(own);
    // Without testing of its own (or an empty list), the refinement keeps the rules' testing.
    expect(rules('hotspot-service-burncpu')[0]).toMatch(/^Behaviour: keep the old burnCpu/);
    expect(byId(merge([item()]), 'hotspot-service-burncpu')).toEqual(
      rules('hotspot-service-burncpu'),
    );
    expect(byId(merge([item({ testing: [] })]), 'hotspot-service-burncpu')).toEqual(
      rules('hotspot-service-burncpu'),
    );
    // A new item has no rule item to take it from: behaviour and performance, and a rollout
    // line only when it is not low-risk.
    const added = (risk: RefinedItem['risk']) =>
      byId(merge([item({ refines: undefined, title: 'New', risk })]), 'claude-new');
    expect(added('low').map((line) => line.split(':')[0])).toEqual(['Behaviour', 'Performance']);
    expect(added('medium').map((line) => line.split(':')[0])).toEqual([
      'Behaviour',
      'Performance',
      'Rollout',
    ]);
  });

  it("ranks Claude's items by what the trigger counts, as the rules' are", () => {
    // A database item Claude adds: under cost-reduction it saves no CPU time and comes last.
    const added = item({
      refines: undefined,
      title: 'Batch the lookups',
      kind: 'database',
      findings: [PARSE],
      expectedGain: { latencyPctLow: 5, latencyPctHigh: 9, rationale: 'fewer round trips' },
      effortDays: 0.25,
    });
    const result = merge([added], { ...noGuidance, trigger: 'cost-reduction' });
    const batched = result.items.find((i) => i.title === 'Batch the lookups')!;
    expect(batched.roi).toBe(0);
    expect(batched.rank).toBe(result.items.length);
    expect(batched.guidanceNote).toMatch(/ranked last/);
  });

  it.each([
    {
      name: 'no finding',
      change: { findings: [] },
      note: 'cites no finding',
    },
    {
      name: 'an unknown finding',
      change: { findings: [BURN, 'cpu:ghost', 'cpu:ghost'] },
      note: 'cites a finding the plan does not have ("cpu:ghost")',
    },
    {
      name: 'a rule item that does not exist',
      change: { refines: 'hotspot-service-nothing' },
      note: 'refines "hotspot-service-nothing", which is not an item of the rule-based plan',
    },
    {
      name: 'a gain range upside down',
      change: { expectedGain: { latencyPctLow: 30, latencyPctHigh: 10, rationale: 'x' } },
      note: 'gives a gain range whose low end (30%) is above its high end (10%)',
    },
    {
      name: 'more than Amdahl allows',
      change: { expectedGain: { latencyPctLow: 10, latencyPctHigh: 40.1, rationale: 'x' } },
      note: 'promises up to 40.1% latency, more than the 40% the findings it cites bound (Amdahl)',
    },
    {
      name: 'a gain on a finding that bounds none',
      change: {
        findings: ['slo:p95'],
        expectedGain: { latencyPctLow: 0, latencyPctHigh: 1, rationale: 'x' },
      },
      note: 'promises up to 1% latency, more than the 0% the findings it cites bound (Amdahl)',
    },
  ])('drops an item citing $name, with a note', ({ change, note }) => {
    const result = merge([item(change as Partial<RefinedItem>)]);
    expect(result.notes).toEqual([`Claude's item 1 ("Memoise burnCpu") ${note}: dropped`]);
    expect(result.refined + result.added).toBe(0);
    expect(result.items.map((i) => i.title)).toEqual(plan.items.map((i) => i.title));
  });

  it('accepts a gain exactly at the bound, summed over the findings cited', () => {
    const result = merge([
      item({
        refines: undefined,
        title: 'Both',
        findings: [BURN, PARSE],
        expectedGain: { latencyPctLow: 20, latencyPctHigh: 50, rationale: 'all of both' },
      }),
    ]);
    expect(result.notes).toEqual([]);
    expect(result.added).toBe(1);
    expect(result.items.find((i) => i.id === 'claude-both')!.expectedGain.rationale).toBe(
      'all of both (The findings cited bound the gain at 50%.)',
    );
  });

  it('drops a second refinement of the same item, and keeps new ids unique', () => {
    const result = merge([
      item(),
      item({ title: 'Again' }),
      item({ refines: undefined, title: 'New' }),
      item({ refines: undefined, title: 'New' }),
    ]);
    expect(result.notes).toEqual([
      `Claude's item 2 ("Again") refines "hotspot-service-burncpu", which an earlier item of the answer already refined: dropped`,
    ]);
    expect(result.items.map((i) => i.id).filter((id) => id.startsWith('claude-'))).toEqual(
      expect.arrayContaining(['claude-new', 'claude-new-2']),
    );
  });

  it("drops an item outside the plan's scope, and the rule item it would replace stays", () => {
    const result = mergeRefinements({
      items: plan.items,
      findings: plan.findings,
      answer: { items: [item({ effortDays: 3 })] },
      model: 'claude-x',
      guidance: noGuidance,
      scope: { depth: 'quick-wins', riskTolerance: 'high' },
    });
    expect(result.notes).toEqual([
      `Claude's item 1 ("Memoise burnCpu") is strategic work of low risk, outside the plan's scope (plan depth quick-wins, risk tolerance high): dropped`,
    ]);
    expect(result.refined).toBe(0);
    expect(result.items.find((i) => i.id === 'hotspot-service-burncpu')!.refinedBy).toBeUndefined();
  });

  it('applies the guidance to refined items as to the rules, without repeating a target', () => {
    const guidance: GuidanceData = {
      focus: ['latency'],
      targets: ['latency.p95 < 100ms'],
      applied: [],
    };
    const result = merge(
      [
        item({
          successCriteria: ['burnCpu below 10%', 'meets guidance target latency.p95 < 100ms'],
        }),
      ],
      guidance,
    );
    const burn = result.items.find((i) => i.id === 'hotspot-service-burncpu')!;
    expect(burn.roi).toBe(60);
    expect(burn.guidanceNote).toMatch(/^ROI × 1.5: the guidance focuses on latency/);
    expect(burn.successCriteria).toEqual([
      'burnCpu below 10%',
      'meets guidance target latency.p95 < 100ms',
    ]);
  });
});

describe('mergeRefinements of an item that claims no latency', () => {
  // A rule item whose ROI counts something else than latency (here the errors a spike adds),
  // and whose breaking-point figure capacity-planning ranks by.
  const shed: PlanItem = {
    ...plan.items[0]!,
    id: 'load-test-spike-errors',
    kind: 'errors',
    findings: [BURN],
    expectedGain: { latencyPctLow: 0, latencyPctHigh: 0, capacityPct: 40, rationale: 'r' },
    effortDays: 2,
    risk: 'medium',
    roi: roi(86, 2, 'medium'),
  };
  const refine = (gain: { latencyPctLow: number; latencyPctHigh: number }) =>
    mergeRefinements({
      items: [...plan.items, shed],
      findings: plan.findings,
      answer: {
        items: [
          item({
            refines: shed.id,
            kind: 'errors',
            effortDays: 1,
            risk: 'low',
            expectedGain: { ...gain, rationale: 'shedding at the peak' },
          }),
        ],
      },
      model: 'claude-x',
      guidance: noGuidance,
    }).items.find((i) => i.id === shed.id)!;

  it("keeps what the rule's ROI counted, at the refined effort and risk, and its capacity", () => {
    const refined = refine({ latencyPctLow: 0, latencyPctHigh: 0 });
    expect(refined.refinedBy).toBe('claude-x');
    expect(refined.roi).toBe(roi(86, 1, 'low'));
    expect(refined.expectedGain.capacityPct).toBe(40);
  });

  it('counts the latency a refinement claims, when it claims some', () => {
    expect(refine({ latencyPctLow: 4, latencyPctHigh: 8 }).roi).toBe(roi(6, 1, 'low'));
  });
});
