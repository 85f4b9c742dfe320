import { describe, expect, it } from 'vitest';
import type { DatabaseAnalysisData, Finding, RuntimeSummary } from '../../src/data/stages.js';
import { PlanItem } from '../../src/data/stages.js';
import { collectFindings } from '../../src/plan/findings.js';
import type { LoadTestFinding } from '../../src/plan/load-test-findings.js';
import { runtimeItems, type RuntimeContext } from '../../src/plan/runtime-items.js';
import { baselineWith, cpuWith, sliResult } from './plan-fixtures.js';

const MIB = 1024 * 1024;

const cpuBound: Finding = {
  kind: 'cpu-bound',
  confidence: 'high',
  summary: 'The service is CPU-bound: it was on CPU 92% of the time under load.',
  evidence: ["on CPU 92% of the load's wall time (per process)"],
  functions: [],
};

const memoryGrowth: Finding = {
  kind: 'memory-growth',
  confidence: 'low',
  summary:
    "The heap's lows after garbage collection grew by 2 MiB a minute while the profile was taken: a leak, or a cache still filling. The soak scenario can tell which.",
  evidence: ['heap lows grow 2 MiB/min (95%: 1.5 MiB to 2.5 MiB): 1 MiB over 0.5 min'],
  functions: [],
};

const ioWait: Finding = {
  kind: 'io-wait',
  confidence: 'medium',
  summary:
    'Requests wait off the CPU: with 10 requests kept in flight the service was on CPU only 30% of the time.',
  evidence: [
    "on CPU 30% of the load's wall time",
    '10 requests in flight throughout (closed loop)',
  ],
  functions: [],
};

const soakLeak: LoadTestFinding = {
  id: 'load-test:soak-leak',
  kind: 'soak-leak',
  summary: 'Memory grew through the soak by 3 MiB a minute (heap-after-gc): a leak',
  evidence: [
    'heap after major GCs grow 3 MiB/min: 27 MiB over 9 min, beyond the 4.77 MiB a leak must exceed',
  ],
};

const spikeErrors: LoadTestFinding = {
  id: 'load-test:spike-errors',
  kind: 'spike-errors',
  summary: 'Under the spike, 5% of the requests failed at the peak',
  evidence: [],
};

const runtime: RuntimeSummary = {
  processes: 1,
  seconds: 30,
  eventLoopDelayMs: { p99: 12, max: 20 },
  gc: { pauseShare: 0.03, pausesPerSecond: 4, pauseMs: null, byKind: {} },
  heapUsedBytes: { first: 40 * MIB, last: 41 * MIB },
  heapTrend: { verdict: 'leak', bytesPerMinute: 2 * MIB, reason: 'heap lows grow 2 MiB/min' },
  activeResourcesMax: null,
  timeline: [],
};

/** Two journeys: orders (p95 400 ms, mean 200 ms) is the slowest. */
const baseline = baselineWith(sliResult(), {
  home: sliResult({
    latency: { count: 10_000, min: 1, mean: 50, p50: 40, p90: 90, p95: 100, p99: 150, max: 200 },
  }),
  orders: sliResult({
    latency: { count: 10_000, min: 5, mean: 200, p50: 180, p90: 350, p95: 400, p99: 600, max: 900 },
  }),
});

/** A database finding; orders runs 2 statements of 20 ms a request: 40 of its 200 ms. */
function database(withJourneys = true): DatabaseAnalysisData {
  return {
    status: 'complete',
    target: 'PostgreSQL at 127.0.0.1:5432, database "shop" as "app"',
    missing: [],
    top: [],
    journeys: withJourneys
      ? [
          {
            journey: 'orders',
            requests: 200,
            queriesPerRequest: 2,
            statements: [
              {
                text: 'SELECT * FROM orders WHERE id = $1',
                callsPerRequest: 2,
                rowsPerRequest: 2,
                meanMs: 20,
              },
            ],
          },
        ]
      : [],
    findings: [
      {
        kind: 'missing-index',
        summary: 'orders is read by a sequential scan',
        evidence: [],
        table: 'orders',
        statement: 'SELECT * FROM orders WHERE id = $1',
      },
    ],
    activity: null,
  };
}

const ctx = (overrides: Partial<RuntimeContext> = {}): RuntimeContext => ({
  cpu: cpuWith([], { utilization: 0.3 }),
  baseline,
  database: null,
  runtime,
  ...overrides,
});

const build = (
  diagnosis: Finding[],
  loadTest: LoadTestFinding[] = [],
  context: RuntimeContext = ctx(),
  ids = new Set<string>(),
) => runtimeItems(diagnosis, loadTest, context, ids);

describe('runtimeItems: nothing to act on', () => {
  it('plans nothing without memory-growth, io-wait or soak-leak', () => {
    expect(build([cpuBound], [spikeErrors])).toEqual([]);
    expect(build([], [])).toEqual([]);
  });
});

describe('runtimeItems: memory', () => {
  it('from the profile trend alone: confirm with the soak first, a day, a low ROI basis', () => {
    const items = build([cpuBound, memoryGrowth]);
    expect(items).toHaveLength(1);
    const item = items[0]!;
    expect(item).toMatchObject({
      id: 'memory-growth',
      kind: 'memory',
      effortDays: 1,
      risk: 'medium',
    });
    expect(item.findings).toEqual(['diagnosis:2:memory-growth']);
    expect(item.steps[0]).toMatch(
      /^Run the soak scenario to confirm: perf-flow load-test --scenarios soak/,
    );
    expect(item.steps.join('\n')).toContain('--heapsnapshot-signal');
    expect(item.steps.join('\n')).toContain('Comparison view');
    expect(item.steps.join('\n')).toContain('lru-cache with max');
    expect(item.expectedGain).toMatchObject({ latencyPctLow: 0, latencyPctHigh: 0 });
    expect(item.expectedGain.rationale).toContain('out-of-memory');
    expect(item.expectedGain.rationale).toContain('ROI counts 5%');
    // ROI: the 5% basis per day, discounted for medium risk.
    expect(item.roi).toBeCloseTo((5 / 1) * 0.7, 2);
    expect(item.evidence).toContain(memoryGrowth.summary);
    expect(item.evidence).toContain(
      "heap used 40 MiB at the profile's first second, 41 MiB at its last (30 s, runtime probe)",
    );
    expect(item.evidence).toContain(
      '2.81 GiB more a day at this load, if the growth does not level off',
    );
    expect(item.successCriteria[0]).toBe(
      "the soak scenario's memory verdict is 'no-leak' in the next perf-flow load-test",
    );
    expect(item.successCriteria).toContain(
      'no memory-growth finding in the next profile-analysis (now 2 MiB a minute)',
    );
  });

  it('from the soak leak alone: no confirming step, the fix in 2.5 days, a higher ROI', () => {
    const items = build([cpuBound], [spikeErrors, soakLeak], ctx({ runtime: null }));
    expect(items).toHaveLength(1);
    const item = items[0]!;
    expect(item.title).toBe('Find what the heap keeps and bound it');
    expect(item.findings).toEqual(['load-test:soak-leak']);
    expect(item.effortDays).toBe(2.5);
    expect(item.steps.some((s) => s.startsWith('Run the soak scenario to confirm'))).toBe(false);
    expect(item.steps[0]).toMatch(/^Take two heap snapshots/);
    expect(item.evidence).toEqual([soakLeak.summary, ...soakLeak.evidence]);
    expect(item.roi).toBeCloseTo((20 / 2.5) * 0.7, 2);
    expect(item.roi).toBeGreaterThan(build([memoryGrowth])[0]!.roi);
    expect(item.successCriteria[0]).toBe(
      "the soak scenario's memory verdict is 'no-leak' in the next perf-flow load-test (now: leak)",
    );
    expect(item.successCriteria[1]).toMatch(
      /^the heap lows grow by less than the leak threshold over the soak: /,
    );
    expect(item.successCriteria.some((c) => c.includes('memory-growth'))).toBe(false);
  });

  it('one item citing both when the profile and the soak agree', () => {
    const items = build([ioWait, memoryGrowth], [soakLeak]);
    const memory = items.filter((i) => i.kind === 'memory');
    expect(memory).toHaveLength(1);
    expect(memory[0]!.findings).toEqual(['diagnosis:2:memory-growth', 'load-test:soak-leak']);
    expect(memory[0]!.evidence).toEqual(
      expect.arrayContaining([soakLeak.summary, memoryGrowth.summary, ...soakLeak.evidence]),
    );
    // Confirmed: the soak's effort and basis.
    expect(memory[0]!.effortDays).toBe(2.5);
    // Every cited finding is in the plan's catalogue.
    const catalogue = collectFindings(
      {
        cpu: null,
        database: null,
        sloEvaluations: [],
        diagnosis: [ioWait, memoryGrowth],
        loadTest: [soakLeak],
      },
      items,
    ).map((f) => f.id);
    for (const item of items) for (const id of item.findings!) expect(catalogue).toContain(id);
  });
});

describe('runtimeItems: io-wait', () => {
  it('bounds the gain by the share off the CPU and names the slowest journey', () => {
    const items = build([cpuBound, ioWait]);
    expect(items).toHaveLength(1);
    const item = items[0]!;
    expect(item).toMatchObject({ id: 'io-wait', kind: 'latency', effortDays: 2, risk: 'medium' });
    expect(item.findings).toEqual(['diagnosis:2:io-wait']);
    // 70% off the CPU × 20-50%.
    expect(item.expectedGain.latencyPctLow).toBeCloseTo(14, 5);
    expect(item.expectedGain.latencyPctHigh).toBeCloseTo(35, 5);
    expect(item.expectedGain.latencyPctHigh).toBeLessThanOrEqual(70);
    expect(item.expectedGain.rationale).toContain('70% of the time off the CPU (1 − 30% on CPU)');
    expect(item.steps[0]).toBe(
      'Start with orders (GET /orders), the slowest journey: p95 400 ms in the baseline',
    );
    expect(item.title).toContain('orders');
    expect(item.steps.join('\n')).toContain('Promise.all');
    expect(item.steps.join('\n')).toContain('diagnostics_channel');
    expect(item.steps.join('\n')).toContain('pg Pool max');
    expect(item.steps.join('\n')).not.toContain('database items');
    expect(item.successCriteria).toContain(
      'orders p95 drops by at least 14% in the next baseline (from 400 ms to at most 344 ms)',
    );
  });

  it('never promises more than the share off the CPU, however little the CPU did', () => {
    for (const utilization of [0, 0.05, 0.2, 0.49]) {
      const item = build([ioWait], [], ctx({ cpu: cpuWith([], { utilization }) }))[0]!;
      expect(item.expectedGain.latencyPctHigh).toBeLessThanOrEqual((1 - utilization) * 100);
      expect(item.expectedGain.latencyPctLow).toBeLessThan(item.expectedGain.latencyPctHigh);
    }
  });

  it("without the CPU figure, takes the rule's threshold as the least the service waited", () => {
    const item = build([ioWait], [], ctx({ cpu: null }))[0]!;
    expect(item.expectedGain.latencyPctLow).toBeCloseTo(10, 5);
    expect(item.expectedGain.latencyPctHigh).toBeCloseTo(25, 5);
  });

  it('leaves the database to the database items and excludes its share from the gain', () => {
    const item = build([ioWait], [], ctx({ database: database() }))[0]!;
    expect(item.steps[0]).toMatch(/^The database items above cover the database's share/);
    expect(item.steps[1]).toMatch(/^Start with orders/);
    // orders spends 40 of its 200 ms mean in statements: 20% of 70% off the CPU is the database's.
    expect(item.expectedGain.latencyPctLow).toBeCloseTo(10, 5);
    expect(item.expectedGain.latencyPctHigh).toBeCloseTo(25, 5);
    expect(item.expectedGain.rationale).toContain('its statements take 20%');
    expect(item.evidence.some((e) => e.includes('acted on by the database items'))).toBe(true);
    // The database findings are the database items' to cite.
    expect(item.findings).toEqual(['diagnosis:1:io-wait']);
  });

  it('without per-journey database figures, takes half the waiting as the database share', () => {
    const item = build([ioWait], [], ctx({ database: database(false) }))[0]!;
    expect(item.steps[0]).toMatch(/^The database items above cover/);
    expect(item.expectedGain.latencyPctHigh).toBeCloseTo(17.5, 5);
  });

  it('a database analysis without findings leaves the whole wait to the item', () => {
    const item = build([ioWait], [], ctx({ database: { ...database(), findings: [] } }))[0]!;
    expect(item.steps.join('\n')).not.toContain('database items');
    expect(item.expectedGain.latencyPctHigh).toBeCloseTo(35, 5);
  });

  it('without a baseline, says to start with the slowest journey', () => {
    const item = build([ioWait], [], ctx({ baseline: null }))[0]!;
    expect(item.steps[0]).toMatch(/^Start with the slowest journey of the baseline/);
    expect(item.successCriteria[0]).toBe('p95 latency drops by at least 14% in the next baseline');
  });
});

describe('runtimeItems: ids and shape', () => {
  it('takes a suffix when the id is taken', () => {
    const items = build([memoryGrowth, ioWait], [], ctx(), new Set(['io-wait', 'memory-growth']));
    expect(items.map((i) => i.id)).toEqual(['memory-growth-2', 'io-wait-2']);
  });

  it('every item is a whole plan item, tested for behaviour, performance and, when risky, rollout', () => {
    const items = build([memoryGrowth, ioWait], [soakLeak], ctx({ database: database() }));
    expect(items).toHaveLength(2);
    for (const [i, item] of items.entries()) {
      expect(() => PlanItem.parse({ ...item, rank: i + 1 })).not.toThrow();
      for (const field of ['findings', 'evidence', 'steps', 'successCriteria'] as const) {
        expect(item[field]!.length).toBeGreaterThan(0);
      }
      expect(item.hypothesis).not.toBe('');
      expect(item.rollback).not.toBe('');
      expect(item.expectedGain.rationale).not.toBe('');
      expect(item.testing[0]).toMatch(/^Behaviour: /);
      expect(item.testing[1]).toMatch(/^Performance: /);
      expect(item.testing.some((line) => line.startsWith('Rollout: '))).toBe(item.risk !== 'low');
      expect(item.testing).toHaveLength(item.risk === 'low' ? 2 : 3);
    }
  });
});
