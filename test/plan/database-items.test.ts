import { describe, expect, it } from 'vitest';
import type { DatabaseAnalysisData } from '../../src/data/stages.js';
import { buildPlan, type PlanInput } from '../../src/plan/build-plan.js';
import { baselineWith, noGuidance, sliResult } from './plan-fixtures.js';

const LINES = 'SELECT sku FROM order_lines WHERE order_id = $1';
const ORDERS = 'SELECT id FROM orders WHERE customer_id = $1';
const PRODUCTS = 'SELECT id FROM products WHERE category = $1 ORDER BY price_cents DESC LIMIT $2';

function analysis(overrides: Partial<DatabaseAnalysisData> = {}): DatabaseAnalysisData {
  return {
    status: 'complete',
    target: 'PostgreSQL at 127.0.0.1:5432, database "shop" as "app"',
    missing: [],
    top: [
      {
        text: PRODUCTS,
        calls: 200,
        totalMs: 2000,
        meanMs: 10,
        rows: 4000,
        share: 0.9,
        samples: 50,
        waits: {},
      },
      {
        text: LINES,
        calls: 1600,
        totalMs: 48,
        meanMs: 0.03,
        rows: 9600,
        share: 0.02,
        samples: 2,
        waits: {},
      },
    ],
    journeys: [
      {
        journey: 'order-history',
        requests: 200,
        queriesPerRequest: 9,
        statements: [
          { text: LINES, callsPerRequest: 8, rowsPerRequest: 48, meanMs: 0.03 },
          { text: ORDERS, callsPerRequest: 1, rowsPerRequest: 8, meanMs: 0.05 },
        ],
      },
      {
        journey: 'products',
        requests: 200,
        queriesPerRequest: 1,
        statements: [{ text: PRODUCTS, callsPerRequest: 1, rowsPerRequest: 20, meanMs: 10 }],
      },
    ],
    findings: [
      {
        kind: 'n-plus-one',
        journey: 'order-history',
        statement: LINES,
        summary:
          'order-history: N+1 queries, one statement per row of another (8 calls per request)',
        evidence: [`${LINES}: 8 calls per request`],
      },
      {
        kind: 'missing-index',
        table: 'public.products',
        statement: PRODUCTS,
        suggestedIndex: 'CREATE INDEX CONCURRENTLY ON public.products (category);',
        summary: 'public.products: sequential scans of 50000 rows',
        evidence: ['200 sequential scans read 10000000 rows under the load'],
      },
    ],
    activity: null,
    ...overrides,
  };
}

const plan = (input: Partial<PlanInput>) =>
  buildPlan({ cpu: null, baseline: null, sloEvaluations: [], guidance: noGuidance, ...input });

describe('database plan items', () => {
  const baseline = baselineWith(sliResult(), {
    'order-history': sliResult({ latency: { ...sliResult().latency, p50: 10 } }),
    products: sliResult({ latency: { ...sliResult().latency, p50: 12 } }),
  });

  it('an N+1 item and an index item, with gains from the journeys their statements serve', () => {
    const { items, inputs } = plan({ database: analysis(), baseline });
    const nPlusOne = items.find((i) => i.id === 'n-plus-one-order-history')!;
    expect(nPlusOne).toMatchObject({
      kind: 'database',
      effortDays: 1,
      risk: 'low',
      bucket: 'strategic',
    });
    expect(nPlusOne.title).toBe(
      "Fetch order-history's rows in one query instead of one query per row",
    );
    // 7 round trips fewer at 0.1-0.5 ms, plus half the statement's 0.03 ms, of a 10 ms p50.
    expect(nPlusOne.expectedGain).toMatchObject({ latencyPctLow: 7, latencyPctHigh: 36.1 });
    expect(nPlusOne.successCriteria[0]).toContain('at most twice per order-history request');

    const index = items.find((i) => i.id === 'index-public-products')!;
    expect(index.steps[0]).toBe(
      'Run CREATE INDEX CONCURRENTLY ON public.products (category); (CONCURRENTLY: no lock on writes)',
    );
    // One 10 ms execution per request of a 12 ms p50, 70-95% of it saved.
    expect(index.expectedGain).toMatchObject({ latencyPctLow: 58.3, latencyPctHigh: 79.2 });
    expect(index.evidence).toContain("the statement takes 90% of the database's time under load");
    expect(index.rollback).toContain('DROP INDEX CONCURRENTLY');
    // The index has the better ROI: more gain for less effort.
    expect(items[0]!.id).toBe('index-public-products');
    expect(inputs.some((line) => line.startsWith('database analysis (complete)'))).toBe(true);
  });

  it('without a baseline, states the gain as a generic range and says why', () => {
    const item = plan({ database: analysis() }).items.find((i) => i.id.startsWith('n-plus-one'))!;
    expect(item.expectedGain).toMatchObject({ latencyPctLow: 5, latencyPctHigh: 30 });
    expect(item.expectedGain.rationale).toContain('no baseline for the journey');
  });

  it('a cache item for a heavy read that no finding explains, and none otherwise', () => {
    const unexplained = analysis({ findings: [] });
    const cache = plan({ database: unexplained, baseline }).items;
    expect(cache.map((i) => i.id)).toEqual(['cache-products']);
    expect(cache[0]!.hypothesis).toContain('90% of the database');
    expect(
      plan({ database: analysis(), baseline }).items.some((i) => i.id.startsWith('cache')),
    ).toBe(false);
  });

  it('lock waits and a saturated pool get items of their own', () => {
    const findings: DatabaseAnalysisData['findings'] = [
      {
        kind: 'lock-wait',
        statement: ORDERS,
        summary: 'statements waited on locks in 30% of the samples',
        evidence: [],
      },
      { kind: 'pool-saturated', summary: 'all 10 connections were busy', evidence: [] },
    ];
    const ids = plan({ database: analysis({ findings, top: [] }) })
      .items.map((i) => i.id)
      .sort();
    expect(ids).toEqual(['db-lock-waits', 'db-pool-size']);
  });

  it('nothing without a database analysis, and says so', () => {
    const { items, inputs } = plan({});
    expect(items).toEqual([]);
    expect(inputs).toContain('no database analysis: database rules not applied');
  });

  it('ranks database items higher when the guidance focuses on the database', () => {
    const neutral = plan({ database: analysis(), baseline }).items;
    const focused = plan({
      database: analysis(),
      baseline,
      guidance: { ...noGuidance, focus: ['database'] },
    }).items;
    expect(focused[0]!.roi).toBeCloseTo(neutral[0]!.roi * 1.5, 5);
    expect(focused[0]!.guidanceNote).toContain('database');
  });
});
