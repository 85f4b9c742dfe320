import { describe, expect, it } from 'vitest';
import { draftItem, type DraftItem } from '../../src/plan/draft.js';
import { buildPlan } from '../../src/plan/build-plan.js';
import { applyTrigger, capacityGainPct } from '../../src/plan/trigger.js';
import { cpuWith, hotspot, noGuidance } from './plan-fixtures.js';

function item(id: string, kind: string, gain: number, effortDays: number, findings: string[] = []) {
  return draftItem({
    id,
    title: id,
    kind,
    hypothesis: 'h',
    evidence: [],
    findings,
    steps: [],
    expectedGain: { latencyPctLow: gain, latencyPctHigh: gain, rationale: 'r' },
    effortDays,
    risk: 'low',
    successCriteria: [],
    testing: [],
    rollback: 'r',
  });
}

// A database item that cuts latency most per day, a CPU item, and an error fix citing an SLO.
const items: DraftItem[] = [
  item('db', 'database', 30, 1),
  item('cpu', 'cpu', 20, 2),
  item('errors', 'errors', 5, 1, ['slo:error-rate']),
];
const order = (shaped: DraftItem[]) => [...shaped].sort((a, b) => b.roi - a.roi).map((i) => i.id);

describe('applyTrigger', () => {
  it('leaves the latency ROI alone without a trigger that ranks', () => {
    expect(order(applyTrigger(items, undefined).items)).toEqual(['db', 'cpu', 'errors']);
    expect(applyTrigger(items, 'proactive').note).toBeNull();
  });

  it('cost-reduction: CPU time per request first, items that save none last', () => {
    const { items: shaped, note } = applyTrigger(items, 'cost-reduction');
    expect(order(shaped)[0]).toBe('cpu');
    expect(shaped.find((i) => i.id === 'db')!.roi).toBe(0);
    expect(shaped.find((i) => i.id === 'db')!.guidanceNote).toMatch(/ranked last/);
    expect(note).toMatch(/CPU time per request/);
  });

  it('capacity-planning: the rise of the breaking point per day', () => {
    const { items: shaped } = applyTrigger(items, 'capacity-planning');
    expect(order(shaped)).toEqual(['db', 'cpu', 'errors']);
    // 30% less work per request: 1/0.7 - 1 = 42.9% more requests, in one day.
    expect(shaped.find((i) => i.id === 'db')!.roi).toBeCloseTo(42.86, 2);
    expect(shaped.find((i) => i.id === 'errors')!.roi).toBe(0);
    expect(capacityGainPct(20)).toBeCloseTo(25, 10);
  });

  it('slo-breach: the items citing a breached SLO first', () => {
    const { items: shaped, note } = applyTrigger(items, 'slo-breach');
    const errors = shaped.find((i) => i.id === 'errors')!;
    expect(errors.roi).toBe(items[2]!.roi * 2);
    expect(errors.guidanceNote).toMatch(/breached SLO/);
    expect(note).toMatch(/1 item\(s\) citing a breached SLO/);
    const none = applyTrigger(items.slice(0, 2), 'slo-breach');
    expect(none.items).toEqual(items.slice(0, 2));
    expect(none.note).toMatch(/no item cites a breached SLO/);
  });
});

describe('buildPlan with a trigger', () => {
  it('says in its inputs how the trigger ranked the plan', () => {
    const cpu = cpuWith([
      hotspot({ functionName: 'burnCpu', file: 'src/x.js', line: 3, selfShare: 0.3 }),
    ]);
    const { items, inputs } = buildPlan({
      cpu,
      baseline: null,
      sloEvaluations: [],
      guidance: { ...noGuidance, trigger: 'capacity-planning' },
    });
    expect(inputs).toContain(
      'trigger capacity-planning: ranked by the rise of the breaking point per day of work (1/(1 - cut) - 1 for a cut of the work per request); items that move no capacity come last',
    );
    expect(items[0]!.guidanceNote).toMatch(/^ranked by breaking point: about [\d.]+% for/);
  });
});
