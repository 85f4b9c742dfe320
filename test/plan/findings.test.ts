import { describe, expect, it } from 'vitest';
import type { DatabaseAnalysisData, Finding } from '../../src/data/stages.js';
import { buildPlan, type PlanInput } from '../../src/plan/build-plan.js';
import { gainBoundOf } from '../../src/plan/findings.js';
import { baselineWith, cpuWith, hotspot, noGuidance, sliResult, slo } from './plan-fixtures.js';

const LINES = 'SELECT sku FROM order_lines WHERE order_id = $1';

const database: DatabaseAnalysisData = {
  status: 'complete',
  target: 'PostgreSQL at 127.0.0.1:5432, database "shop" as "app"',
  missing: [],
  top: [
    {
      text: LINES,
      calls: 1600,
      totalMs: 48,
      meanMs: 0.03,
      rows: 9600,
      share: 0.6,
      samples: 2,
      waits: {},
    },
  ],
  journeys: [
    {
      journey: 'order-history',
      requests: 200,
      queriesPerRequest: 9,
      statements: [{ text: LINES, callsPerRequest: 8, rowsPerRequest: 48, meanMs: 0.03 }],
    },
  ],
  findings: [
    {
      kind: 'n-plus-one',
      journey: 'order-history',
      statement: LINES,
      summary: 'order-history: N+1 queries, one statement per row of another (8 calls per request)',
      evidence: ['8 calls per request'],
    },
  ],
  activity: null,
};

const diagnosis: Finding[] = [
  { kind: 'nothing-found', confidence: 'low', summary: 'nothing', evidence: [], functions: [] },
  {
    kind: 'event-loop-blocking',
    confidence: 'high',
    summary: 'burnCpu blocks the event loop for 40 ms at a time',
    evidence: [],
    functions: [],
  },
];

const input = (overrides: Partial<PlanInput> = {}): PlanInput => ({
  cpu: cpuWith(
    [
      hotspot({ functionName: 'burnCpu', file: 'src/x.js', line: 12, selfShare: 0.29 }),
      hotspot({ functionName: '(anonymous)', file: 'src/a.js', line: 3, selfShare: 0.1 }),
      hotspot({ functionName: '(anonymous)', file: 'src/b.js', line: 7, selfShare: 0.06 }),
    ],
    { gcShare: 0.15 },
  ),
  baseline: baselineWith(sliResult(), { 'order-history': sliResult() }),
  sloEvaluations: [
    slo({ name: 'p95 under 100ms' }),
    slo({ name: 'errors', sli: 'error_rate', target: '< 1%', observed: 0.05 }),
    slo({ name: 'p50 fine', sli: 'latency.p50', status: 'pass', score: 1 }),
  ],
  guidance: noGuidance,
  database,
  diagnosis,
  ...overrides,
});

describe('the findings a plan cites', () => {
  const plan = buildPlan(input());
  const byId = new Map(plan.findings.map((f) => [f.id, f]));

  it('gives each finding an id derived from what it is', () => {
    expect(plan.findings.map((f) => [f.id, f.kind])).toEqual([
      ['cpu:burncpu@src-x-js-12', 'hotspot'],
      ['cpu:anonymous@src-a-js-3', 'hotspot'],
      ['cpu:anonymous@src-b-js-7', 'hotspot'],
      ['cpu:gc', 'gc'],
      ['db:1:n-plus-one', 'database'],
      ['db:statement:1', 'statement'],
      ['slo:p95-under-100ms', 'slo-miss'],
      ['slo:errors', 'slo-miss'],
      ['diagnosis:2:event-loop-blocking', 'diagnosis'],
    ]);
  });

  it('bounds a share of CPU time by Amdahl: the share itself, never rounded up past it', () => {
    expect(byId.get('cpu:burncpu@src-x-js-12')!.gainBoundPct).toBe(29);
    expect(byId.get('cpu:anonymous@src-b-js-7')!.gainBoundPct).toBe(6);
    expect(byId.get('cpu:gc')!.gainBoundPct).toBe(15);
  });

  it('bounds a database finding by what the rule-based item built on it promises', () => {
    const item = plan.items.find((i) => i.findings?.includes('db:1:n-plus-one'))!;
    expect(item.id).toMatch(/^n-plus-one-/);
    expect(item.expectedGain.latencyPctHigh).toBeGreaterThan(0);
    expect(byId.get('db:1:n-plus-one')!.gainBoundPct).toBe(item.expectedGain.latencyPctHigh);
  });

  it('lets SLO misses and the diagnosis bound nothing, and leaves out what found nothing', () => {
    expect(byId.get('slo:p95-under-100ms')!.gainBoundPct).toBeNull();
    expect(byId.get('diagnosis:2:event-loop-blocking')!.gainBoundPct).toBeNull();
    expect(byId.has('slo:p50-fine')).toBe(false);
  });

  it('has every id a rule-based item cites, and every item cites one', () => {
    for (const item of plan.items) {
      expect(item.findings?.length, item.id).toBeGreaterThan(0);
      for (const id of item.findings!) expect(byId.has(id), `${item.id} cites ${id}`).toBe(true);
    }
  });

  it('keeps every rule-based gain within the bound of what the item cites', () => {
    for (const item of plan.items.filter((i) => i.kind === 'cpu' || i.kind === 'memory')) {
      expect(item.expectedGain.latencyPctHigh).toBeLessThanOrEqual(
        gainBoundOf(item.findings!, plan.findings),
      );
    }
  });
});

describe('gainBoundOf', () => {
  const findings = buildPlan(input()).findings;
  it.each([
    { ids: ['cpu:burncpu@src-x-js-12'], bound: 29 },
    { ids: ['cpu:burncpu@src-x-js-12', 'cpu:anonymous@src-a-js-3'], bound: 39 },
    // Citing a finding twice does not double its share.
    { ids: ['cpu:burncpu@src-x-js-12', 'cpu:burncpu@src-x-js-12'], bound: 29 },
    { ids: ['slo:p95-under-100ms'], bound: 0 },
    { ids: ['cpu:burncpu@src-x-js-12', 'slo:p95-under-100ms'], bound: 29 },
    { ids: ['nope'], bound: 0 },
  ])('$ids: $bound%', ({ ids, bound }) => {
    expect(gainBoundOf(ids, findings)).toBe(bound);
  });

  it('never exceeds 100%', () => {
    const big = [
      { id: 'a', kind: 'hotspot' as const, summary: '', gainBoundPct: 70 },
      { id: 'b', kind: 'hotspot' as const, summary: '', gainBoundPct: 60 },
    ];
    expect(gainBoundOf(['a', 'b'], big)).toBe(100);
  });
});
