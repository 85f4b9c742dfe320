import { describe, expect, it } from 'vitest';
import type { Hotspot } from '../../src/data/stages.js';
import { buildPlan, type PlanInput } from '../../src/plan/build-plan.js';
import { cpuWith, hotspot, noGuidance, slo } from './plan-fixtures.js';

const plan = (input: Partial<PlanInput>) =>
  buildPlan({ cpu: null, baseline: null, sloEvaluations: [], guidance: noGuidance, ...input });

const priceCart = (selfShare: number, overrides: Partial<Hotspot> = {}) =>
  hotspot({
    functionName: 'priceCart',
    file: 'src/cart.js',
    line: 21,
    selfShare,
    totalShare: selfShare,
    ...overrides,
  });

const FINDING = 'cpu:pricecart@src-cart-js-21';
const isMemo = (id: string) => id.startsWith('memoise-');

describe('the cache item on a dominant function of the service', () => {
  it.each([0.15, 0.4])(
    'a service hotspot at %s gives a cache quick win and the strategic item, both citing it',
    (share) => {
      const { items, findings } = plan({ cpu: cpuWith([priceCart(share)]) });
      expect(items.map((item) => item.id).sort()).toEqual([
        'hotspot-service-pricecart',
        'memoise-pricecart',
      ]);
      const memo = items.find((item) => item.id === 'memoise-pricecart')!;
      const strategic = items.find((item) => item.id === 'hotspot-service-pricecart')!;
      expect(memo).toMatchObject({
        title: 'Cache what priceCart computes for inputs it has already seen',
        kind: 'cpu',
        bucket: 'quick-win',
        effortDays: 0.5,
        risk: 'medium',
        findings: [FINDING],
      });
      expect(strategic).toMatchObject({
        bucket: 'strategic',
        effortDays: 2.5,
        risk: 'medium',
        findings: [FINDING],
      });
      // The finding both cite is in the plan's catalogue, bounded by the function's share.
      const finding = findings.find((f) => f.id === FINDING)!;
      expect(finding.kind).toBe('hotspot');
      expect(finding.gainBoundPct).toBeCloseTo(share * 100, 5);
      expect(memo.hypothesis).toMatch(/^priceCart \(src\/cart\.js:21\) holds \d+% /);
      expect(memo.evidence[0]).toBe(strategic.evidence[0]);
    },
  );

  it('cites the missed latency SLO the function helps miss, as the strategic item does', () => {
    const { items } = plan({
      cpu: cpuWith([priceCart(0.3)]),
      sloEvaluations: [slo({ name: 'p95' })],
    });
    const memo = items.find((item) => item.id === 'memoise-pricecart')!;
    expect(memo.findings).toEqual([FINDING, 'slo:p95']);
    expect(memo.successCriteria).toContain('SLO p95 passes (latency.p95 < 100ms; now 180 ms)');
  });

  it.each([
    { what: 'a service hotspot at 14%', h: priceCart(0.14) },
    { what: 'a service hotspot just under 15%', h: priceCart(0.1499) },
    ...[
      'json',
      'dependency',
      'regex',
      'crypto',
      'fs-sync',
      'compression',
      'template',
      'database-driver',
      'framework',
      'node-internal',
      'unknown',
    ].map((category) => ({
      what: `a hotspot of category ${category} at 40%`,
      h: priceCart(0.4, { category, file: 'node_modules/pkg/cart.js' }),
    })),
  ])('gives no cache item for $what, only the hotspot item', ({ h }) => {
    const { items } = plan({ cpu: cpuWith([h]) });
    expect(items.map((item) => item.id)).toEqual([`hotspot-${h.category}-pricecart`]);
  });

  it('gives a cache item to each service hotspot at 15% or more, and none to the rest', () => {
    const { items } = plan({
      cpu: cpuWith([
        hotspot({ functionName: 'a', selfShare: 0.3 }),
        hotspot({ functionName: 'b', selfShare: 0.2 }),
        hotspot({ functionName: 'c', selfShare: 0.1 }),
        hotspot({ functionName: 'd', category: 'json', selfShare: 0.2 }),
      ]),
    });
    expect(
      items
        .map((item) => item.id)
        .filter(isMemo)
        .sort(),
    ).toEqual(['memoise-a', 'memoise-b']);
  });

  it.each([0.15, 0.29, 0.4, 0.9, 1].map((share) => ({ share })))(
    "at $share of CPU time promises 30 to 90 percent of the function's share, never more (Amdahl)",
    ({ share }) => {
      const memo = plan({ cpu: cpuWith([priceCart(share)]) }).items.find((i) => isMemo(i.id))!;
      const { latencyPctLow: low, latencyPctHigh: high, rationale } = memo.expectedGain;
      expect(high).toBeLessThanOrEqual(share * 100);
      expect(low).toBeGreaterThan(0);
      expect(low).toBeLessThanOrEqual(high);
      expect(low).toBeCloseTo(share * 30, 1);
      expect(high).toBeCloseTo(share * 90, 1);
      expect(rationale).toContain("Amdahl's law");
    },
  );

  it('ranks first among the quick wins, and first in the plan, for a 40% service hotspot', () => {
    const { items } = plan({
      cpu: cpuWith(
        [
          priceCart(0.4),
          hotspot({ functionName: 'RegExp: ^/api/(\\w+)+$', category: 'regex', selfShare: 0.15 }),
          hotspot({ functionName: 'readTemplate', category: 'fs-sync', selfShare: 0.1 }),
          hotspot({ functionName: 'gzip', category: 'compression', selfShare: 0.05 }),
        ],
        { gcShare: 0.12 },
      ),
    });
    const quickWins = items.filter((item) => item.bucket === 'quick-win');
    expect(quickWins.map((item) => item.id)).toEqual([
      'memoise-pricecart',
      'hotspot-regex-regexp-api-w',
      'hotspot-fs-sync-readtemplate',
      'hotspot-compression-gzip',
    ]);
    expect(quickWins[0]!.rank).toBe(1);
    // Ahead of the strategic item on the same function: the same cut for a fifth of the work.
    const strategic = items.find((item) => item.id === 'hotspot-service-pricecart')!;
    expect(quickWins[0]!.roi).toBeGreaterThan(strategic.roi);
  });
});
