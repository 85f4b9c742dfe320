import { describe, expect, it } from 'vitest';
import type { DatabaseAnalysisData, Finding, PlanItem as Item } from '../../src/data/stages.js';
import { PlanItem } from '../../src/data/stages.js';
import { buildPlan } from '../../src/plan/build-plan.js';
import { testingApproach } from '../../src/plan/testing.js';
import { baselineWith, cpuWith, hotspot, noGuidance, sliResult, slo } from './plan-fixtures.js';

const LINES = 'SELECT sku FROM order_lines WHERE order_id = $1';
const PRODUCTS = 'SELECT id FROM products WHERE category = $1';
const PRICES = 'SELECT price_cents FROM prices WHERE sku = ANY($1)';

/** A finding of every kind, and a heavy read none of them names (the cache item's). */
const database: DatabaseAnalysisData = {
  status: 'complete',
  target: 'PostgreSQL at 127.0.0.1:5432, database "shop" as "app"',
  missing: [],
  top: [
    {
      text: PRICES,
      calls: 400,
      totalMs: 4000,
      meanMs: 10,
      rows: 400,
      share: 0.6,
      samples: 80,
      waits: {},
    },
    {
      text: PRODUCTS,
      calls: 200,
      totalMs: 2000,
      meanMs: 10,
      rows: 4000,
      share: 0.3,
      samples: 40,
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
    {
      journey: 'products',
      requests: 200,
      queriesPerRequest: 3,
      statements: [
        { text: PRODUCTS, callsPerRequest: 1, rowsPerRequest: 20, meanMs: 10 },
        { text: PRICES, callsPerRequest: 2, rowsPerRequest: 2, meanMs: 10 },
      ],
    },
  ],
  findings: [
    {
      kind: 'n-plus-one',
      journey: 'order-history',
      statement: LINES,
      summary: 'N+1',
      evidence: [],
    },
    {
      kind: 'missing-index',
      table: 'public.products',
      statement: PRODUCTS,
      suggestedIndex: 'CREATE INDEX CONCURRENTLY ON public.products (category);',
      summary: 'public.products: sequential scans',
      evidence: [],
    },
    { kind: 'lock-wait', summary: 'statements waited on locks', evidence: [] },
    { kind: 'io-wait', summary: 'statements waited on I/O', evidence: [] },
    { kind: 'pool-saturated', summary: 'all 10 connections were busy', evidence: [] },
    { kind: 'connections-near-limit', summary: '90 of 100 connections in use', evidence: [] },
  ],
  activity: null,
};

const blocking: Finding = {
  kind: 'event-loop-blocking',
  confidence: 'high',
  summary: 'Synchronous work blocks the event loop: priceCart runs for up to 120 ms.',
  evidence: [],
  functions: [{ functionName: 'priceCart', file: 'src/priceCart.js', line: 12, figure: '120 ms' }],
};

const orders = sliResult({
  errors: 500,
  serverErrors: 500,
  statusCodes: { '200': 9500, '500': 500 },
  errorRate: 0.05,
  availability: 0.95,
});

/** A plan with an item from every rule that can run beside the others. */
const everyRule = buildPlan({
  cpu: cpuWith(
    [
      hotspot({ functionName: 'priceCart', selfShare: 0.3 }),
      hotspot({ functionName: 'matchRoute', category: 'regex', selfShare: 0.1 }),
      hotspot({ functionName: 'toJSON', category: 'json', selfShare: 0.1 }),
      hotspot({
        functionName: 'dispatch',
        category: 'framework',
        file: 'node_modules/express/lib/router/index.js',
        selfShare: 0.1,
      }),
    ],
    { gcShare: 0.15 },
  ),
  baseline: baselineWith(sliResult(), { orders }),
  sloEvaluations: [
    slo({ name: 'p95' }),
    slo({
      name: 'orders-errors',
      sli: 'error_rate',
      journey: 'orders',
      target: '< 1%',
      observed: 0.05,
    }),
  ],
  guidance: noGuidance,
  database,
  diagnosis: [blocking],
});

/** Investigations: planned only when no CPU or database item goes after the misses. */
const investigations = buildPlan({
  cpu: null,
  baseline: null,
  sloEvaluations: [
    slo({ name: 'p95' }),
    slo({ name: 'rps', sli: 'throughput', target: '>= 1000rps', observed: 800 }),
  ],
  guidance: noGuidance,
});

const items: Item[] = [...everyRule.items, ...investigations.items];

describe('the testing approach of every plan item', () => {
  it('the fixture has an item of every rule, and of every risk', () => {
    const prefixes = [
      'memoise-pricecart',
      'hotspot-service-pricecart',
      'hotspot-regex-',
      'hotspot-json-',
      'hotspot-framework-',
      'gc-allocation',
      'event-loop-pricecart',
      'n-plus-one-order-history',
      'index-public-products',
      'db-lock-waits',
      'db-io-waits',
      'db-pool-size',
      'db-connections',
      'cache-products',
      'errors-orders',
      'slo-p95',
      'slo-rps',
    ];
    for (const prefix of prefixes) {
      expect(items.map((item) => item.id)).toContainEqual(expect.stringMatching(`^${prefix}`));
    }
    expect([...new Set(items.map((item) => item.risk))].sort()).toEqual(['high', 'low', 'medium']);
  });

  it.each(items.map((item) => ({ id: item.id, risk: item.risk, item })))(
    '$id ($risk risk): behaviour, then performance, then a rollout exactly when not low-risk',
    ({ item }) => {
      const [behaviour, performance, ...rest] = item.testing;
      expect(behaviour).toMatch(/^Behaviour: \S/);
      expect(performance).toMatch(/^Performance: \S/);
      expect(rest).toEqual(item.risk === 'low' ? [] : [expect.stringMatching(/^Rollout: \S/)]);
      expect(PlanItem.parse(item).testing).toEqual(item.testing);
    },
  );

  it("says how to test each item's own change, not one text for all", () => {
    const behaviours = everyRule.items.map((item) => item.testing[0]);
    expect(new Set(behaviours).size).toBe(behaviours.length);
    const memo = everyRule.items.find((item) => item.id === 'memoise-pricecart')!;
    expect(memo.testing[0]).toContain('priceCart');
    expect(memo.testing[1]).toContain("priceCart's share of active CPU time");
  });
});

describe('testingApproach', () => {
  it.each([
    { risk: 'low' as const, lines: ['Behaviour', 'Performance'] },
    { risk: 'medium' as const, lines: ['Behaviour', 'Performance', 'Rollout'] },
    { risk: 'high' as const, lines: ['Behaviour', 'Performance', 'Rollout'] },
  ])('at $risk risk gives $lines', ({ risk, lines }) => {
    const testing = testingApproach('same answers', 'the next profile', risk);
    expect(testing.map((line) => line.split(':')[0])).toEqual(lines);
    expect(testing[0]).toBe('Behaviour: same answers');
    expect(testing[1]).toMatch(/^Performance: the next profile\. /);
  });

  it('reads a plan item written before the field as one without testing', () => {
    const { testing: _, ...older } = everyRule.items[0]!;
    expect(PlanItem.parse(older).testing).toEqual([]);
  });
});
