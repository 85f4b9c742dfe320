import { describe, expect, it } from 'vitest';
import type { CpuAnalysis, Hotspot, SloEvaluation } from '../../src/data/stages.js';
import { PlanItem } from '../../src/data/stages.js';
import { buildPlan, type PlanInput } from '../../src/plan/build-plan.js';
import { baselineWith, cpuWith, hotspot, noGuidance, sliResult, slo } from './plan-fixtures.js';

const plan = (input: Partial<PlanInput>) =>
  buildPlan({ cpu: null, baseline: null, sloEvaluations: [], guidance: noGuidance, ...input });

const burnCpu = hotspot({ functionName: 'burnCpu', file: 'src/x.js', line: 12, selfShare: 0.4 });

describe('buildPlan: hotspots', () => {
  it('turns a 40% service hotspot into a top item that names it and bounds its gain', () => {
    const { items } = plan({ cpu: cpuWith([burnCpu]) });
    // The half-day cache (memo-items.test.ts) ranks first; the strategic item follows it.
    expect(items.map((item) => item.id)).toEqual(['memoise-burncpu', 'hotspot-service-burncpu']);
    expect(items[0]!.title).toBe('Cache what burnCpu computes for inputs it has already seen');
    expect(items[0]!.expectedGain.latencyPctHigh).toBeLessThanOrEqual(40);
    const top = items.find((item) => item.id === 'hotspot-service-burncpu');
    expect(top).toMatchObject({
      rank: 2,
      kind: 'cpu',
      title: 'Optimise burnCpu at src/x.js:12',
      bucket: 'strategic',
      risk: 'medium',
    });
    expect(top!.hypothesis).toContain('burnCpu (src/x.js:12) holds 40%');
    expect(top!.evidence[0]).toMatch(
      /^burnCpu \(src\/x\.js:12\) holds 40% of active CPU time under load/,
    );
    expect(top!.expectedGain.latencyPctLow).toBeGreaterThan(0);
    expect(top!.expectedGain.latencyPctLow).toBeLessThanOrEqual(top!.expectedGain.latencyPctHigh);
    expect(top!.expectedGain.latencyPctHigh).toBeLessThanOrEqual(40);
    expect(top!.expectedGain.rationale).toContain("Amdahl's law");
    expect(top!.successCriteria[0]).toMatch(
      /^burnCpu below \d+(\.\d)?% of active CPU time in the next profile \(now 40%\)$/,
    );
    // ROI: the gain's midpoint per day of effort, discounted for medium risk.
    const mid = (top!.expectedGain.latencyPctLow + top!.expectedGain.latencyPctHigh) / 2;
    expect(top!.roi).toBeCloseTo((mid / top!.effortDays) * 0.7, 2);
  });

  it.each([
    { share: 0.02, items: 0 },
    { share: 0.049, items: 0 },
    { share: 0.05, items: 1 },
    { share: 0.149, items: 1 },
    // From 15% on, the service's own code gets a cache item as well.
    { share: 0.15, items: 2 },
    { share: 0.4, items: 2 },
  ])('a service hotspot at $share of CPU gives $items item(s)', ({ share, items }) => {
    const cpu = cpuWith([hotspot({ functionName: 'f', selfShare: share })]);
    const result = plan({ cpu });
    expect(result.items).toHaveLength(items);
    if (items === 0)
      expect(result.inputs).toContain(
        'no function holds 5% or more of active CPU time: no hotspot items',
      );
  });

  it('plans at most 8 hotspots and says how many it left out', () => {
    const hotspots = Array.from({ length: 10 }, (_, i) =>
      hotspot({ functionName: `f${i}`, selfShare: 0.09 - i * 0.001 }),
    );
    const result = plan({ cpu: cpuWith(hotspots) });
    expect(result.items.map((item) => item.id).sort()).toEqual(
      hotspots
        .slice(0, 8)
        .map((h) => `hotspot-service-${h.functionName}`)
        .sort(),
    );
    expect(result.inputs).toContain('2 further hotspot(s) left out: at most 8 are planned');
  });

  it.each([
    { category: 'regex', bucket: 'quick-win', effortDays: 0.5, kind: 'cpu' },
    { category: 'fs-sync', bucket: 'quick-win', effortDays: 0.5, kind: 'cpu' },
    { category: 'compression', bucket: 'quick-win', effortDays: 0.5, kind: 'cpu' },
    { category: 'json', bucket: 'strategic', effortDays: 1, kind: 'cpu' },
    { category: 'crypto', bucket: 'strategic', effortDays: 2, kind: 'cpu' },
    { category: 'service', bucket: 'strategic', effortDays: 2.5, kind: 'cpu' },
    { category: 'database-driver', bucket: 'strategic', effortDays: 3, kind: 'database' },
    { category: 'framework', bucket: 'major', effortDays: 6, kind: 'cpu' },
    { category: 'dependency', bucket: 'strategic', effortDays: 2, kind: 'cpu' },
    { category: 'node-internal', bucket: 'strategic', effortDays: 1, kind: 'cpu' },
    { category: 'unknown', bucket: 'strategic', effortDays: 1, kind: 'cpu' },
    { category: 'something-new', bucket: 'strategic', effortDays: 1, kind: 'cpu' },
  ])(
    '$category: $bucket ($effortDays days), gain within Amdahl',
    ({ category, bucket, effortDays, kind }) => {
      const h = hotspot({
        functionName: 'work',
        file: 'node_modules/pkg/index.js',
        category,
        selfShare: 0.3,
      });
      // Found by id: a service hotspot at 30% has a cache item beside it (memo-items.test.ts).
      const item = plan({ cpu: cpuWith([h]) }).items.find(
        (i) => i.id === `hotspot-${category}-work`,
      );
      expect(item).toMatchObject({ bucket, effortDays, kind });
      expect(item!.expectedGain.latencyPctHigh).toBeLessThanOrEqual(30);
      expect(item!.expectedGain.latencyPctLow).toBeLessThanOrEqual(
        item!.expectedGain.latencyPctHigh,
      );
      expect(item!.steps.length).toBeGreaterThanOrEqual(3);
    },
  );

  it('shows a regular expression as a reader writes it', () => {
    const h = hotspot({
      functionName: 'RegExp: ^(a+)+$',
      file: null,
      line: null,
      category: 'regex',
    });
    const [item] = plan({ cpu: cpuWith([h]) }).items;
    expect(item!.title).toBe('Make the regular expression /^(a+)+$/ cheaper');
    expect(item!.hypothesis).toMatch(/^RegExp: \^\(a\+\)\+\$ \(native code\) holds 40%/);
  });

  it('names the package of a dependency hotspot', () => {
    const h = hotspot({
      functionName: 'merge',
      file: 'node_modules/lodash/merge.js',
      category: 'dependency',
    });
    expect(plan({ cpu: cpuWith([h]) }).items[0]!.title).toBe(
      'Upgrade, call less or replace lodash (merge)',
    );
  });

  it('keeps ids unique when two hotspots share a name', () => {
    // Both at 15% or more: each gets a cache item too, and those share the name as well.
    const a = hotspot({ functionName: '(anonymous)', file: 'src/a.js', line: 3, selfShare: 0.2 });
    const b = hotspot({ functionName: '(anonymous)', file: 'src/b.js', line: 7, selfShare: 0.15 });
    const { items } = plan({ cpu: cpuWith([a, b]) });
    expect(items.map((item) => item.id)).toEqual([
      'memoise-anonymous',
      'memoise-anonymous-src-b-js-7',
      'hotspot-service-anonymous',
      'hotspot-service-anonymous-src-b-js-7',
    ]);
    // Each item of a pair cites its own function.
    const cites = (id: string) => items.find((item) => item.id === id)!.findings;
    expect(cites('memoise-anonymous')).toEqual(['cpu:anonymous@src-a-js-3']);
    expect(cites('memoise-anonymous-src-b-js-7')).toEqual(['cpu:anonymous@src-b-js-7']);
    expect(cites('hotspot-service-anonymous-src-b-js-7')).toEqual(['cpu:anonymous@src-b-js-7']);
  });

  it.each([
    { gcShare: 0.09, item: false },
    { gcShare: 0.1, item: true },
    { gcShare: 0.25, item: true },
  ])('garbage collection at $gcShare: allocation item $item', ({ gcShare, item }) => {
    const { items } = plan({ cpu: cpuWith([], { gcShare }) });
    const gc = items.find((i) => i.id === 'gc-allocation');
    expect(gc !== undefined).toBe(item);
    if (gc) {
      expect(gc.kind).toBe('memory');
      expect(gc.expectedGain.latencyPctHigh).toBeLessThanOrEqual(gcShare * 100);
    }
  });
});

describe('buildPlan: SLOs', () => {
  const p95 = slo({ name: 'p95', observed: 180, target: '< 100ms' });

  it('plans an investigation for a failing latency SLO that no hotspot explains', () => {
    const result = plan({ sloEvaluations: [p95] });
    expect(result.items).toHaveLength(1);
    expect(result.items[0]).toMatchObject({
      id: 'slo-p95',
      kind: 'latency',
      bucket: 'strategic',
      risk: 'low',
      // 180 ms to below 100 ms: a 44.4% cut.
      expectedGain: { latencyPctLow: 44.4, latencyPctHigh: 44.4 },
      roi: 44.4,
    });
    expect(result.items[0]!.evidence[0]).toBe(
      'SLO p95 fails: latency.p95 is 180 ms, target < 100ms',
    );
    expect(result.items[0]!.successCriteria).toEqual([
      'SLO p95 passes (latency.p95 < 100ms; now 180 ms)',
    ]);
    expect(result.inputs).toContain('no CPU profile: hotspot rules not applied');
  });

  it('lets hotspot items answer a missed latency SLO, citing it', () => {
    const result = plan({ cpu: cpuWith([burnCpu]), sloEvaluations: [p95] });
    // No investigation item: the cache and the strategic item on burnCpu go after the miss.
    expect(result.items.map((item) => item.id)).toEqual([
      'memoise-burncpu',
      'hotspot-service-burncpu',
    ]);
    for (const item of result.items) {
      expect(item.findings).toContain('slo:p95');
      expect(item.evidence).toContain('SLO p95 fails: latency.p95 is 180 ms, target < 100ms');
      expect(item.successCriteria).toContain('SLO p95 passes (latency.p95 < 100ms; now 180 ms)');
    }
  });

  it.each([
    { status: 'warning' as const, items: 1 },
    { status: 'pass' as const, items: 0 },
    { status: 'inconclusive' as const, items: 0 },
  ])('a latency SLO in status $status gives $items item(s)', ({ status, items }) => {
    expect(plan({ sloEvaluations: [{ ...p95, status }] }).items).toHaveLength(items);
  });

  it('plans a throughput investigation with the latency cut a closed loop needs', () => {
    const rps = slo({ name: 'rps', sli: 'throughput', target: '>= 1000rps', observed: 800 });
    const [item] = plan({ sloEvaluations: [rps] }).items;
    expect(item).toMatchObject({
      kind: 'throughput',
      expectedGain: { latencyPctLow: 20, latencyPctHigh: 20 },
    });
  });

  it('plans an item about the errors of a journey, with its status codes', () => {
    const orders = sliResult({
      errors: 500,
      serverErrors: 400,
      statusCodes: { '200': 9500, '500': 400, '404': 100 },
      errorRate: 0.05,
      availability: 0.96,
    });
    const baseline = baselineWith(sliResult(), { orders });
    const sloEvaluations = [
      slo({
        name: 'orders-errors',
        sli: 'error_rate',
        journey: 'orders',
        target: '< 1%',
        observed: 0.05,
      }),
      slo({
        name: 'orders-up',
        sli: 'availability',
        journey: 'orders',
        target: '>= 99%',
        observed: 0.96,
      }),
    ];
    const { items } = plan({ baseline, sloEvaluations });
    expect(items).toHaveLength(1);
    const [item] = items;
    expect(item).toMatchObject({
      id: 'errors-orders',
      kind: 'errors',
      expectedGain: { latencyPctLow: 0, latencyPctHigh: 0 },
    });
    expect(item!.evidence).toContain(
      'orders: 500 of 10000 requests failed; status codes 500 × 400, 404 × 100; 0 timeouts, 0 transport errors',
    );
    expect(item!.steps.some((step) => step.startsWith('For 5xx'))).toBe(true);
    expect(item!.steps.some((step) => step.startsWith('For 4xx'))).toBe(true);
    // 5% errors down to under 1% is an 80% cut; 4% unavailable to 1% a 75% cut: the larger counts.
    expect(item!.roi).toBe(80);
    expect(item!.successCriteria).toHaveLength(2);
  });
});

describe('buildPlan: guidance', () => {
  const service = hotspot({ functionName: 'render', selfShare: 0.3 });
  const driver = hotspot({
    functionName: 'parseRow',
    file: 'node_modules/pg-protocol/dist/parser.js',
    category: 'database-driver',
    selfShare: 0.3,
  });

  it('puts items that serve the focus first and says why', () => {
    // Both under 15%, so no cache item joins them: the service's own item ranks above the
    // driver's (less effort, same gain) until the focus on the database lifts the driver.
    const cpu = cpuWith([
      { ...service, selfShare: 0.14, totalShare: 0.14 },
      { ...driver, selfShare: 0.14, totalShare: 0.14 },
    ]);
    const neutral = plan({ cpu });
    expect(neutral.items.map((item) => item.id)).toEqual([
      'hotspot-service-render',
      'hotspot-database-driver-parserow',
    ]);
    expect(neutral.items.every((item) => item.guidanceNote === undefined)).toBe(true);

    const focused = plan({ cpu, guidance: { ...noGuidance, focus: ['database'] } });
    expect(focused.items.map((item) => item.id)).toEqual([
      'hotspot-database-driver-parserow',
      'hotspot-service-render',
    ]);
    const [db, other] = focused.items;
    expect(db!.roi).toBeCloseTo(neutral.items[1]!.roi * 1.5, 1);
    expect(db!.guidanceNote).toMatch(/^ROI × 1\.5: the guidance focuses on database/);
    expect(other!.guidanceNote).toBeUndefined();
    expect(focused.inputs).toContain('guidance focus: database');
  });

  it.each([
    { focus: ['latency'], boosted: ['gc-allocation', 'hotspot-service-render', 'memoise-render'] },
    {
      focus: ['throughput'],
      boosted: ['gc-allocation', 'hotspot-service-render', 'memoise-render'],
    },
    { focus: ['cost'], boosted: ['gc-allocation', 'hotspot-service-render', 'memoise-render'] },
    { focus: ['database'], boosted: [] },
    { focus: ['frontend'], boosted: [] },
  ])('focus $focus boosts $boosted', ({ focus, boosted }) => {
    const cpu = cpuWith([service], { gcShare: 0.2 });
    const { items } = plan({ cpu, guidance: { ...noGuidance, focus } });
    expect(
      items
        .filter((i) => i.guidanceNote !== undefined)
        .map((i) => i.id)
        .sort(),
    ).toEqual(boosted);
  });

  it('boosts an error item for no focus but an api focus boosts latency investigations', () => {
    const sloEvaluations = [
      slo({ name: 'p95' }),
      slo({ name: 'errors', sli: 'error_rate', target: '< 1%', observed: 0.02 }),
    ];
    const { items } = plan({ sloEvaluations, guidance: { ...noGuidance, focus: ['api'] } });
    expect(items.find((i) => i.id === 'slo-p95')!.guidanceNote).toContain('api');
    expect(items.find((i) => i.id === 'errors-overall')!.guidanceNote).toBeUndefined();
  });

  it('writes guidance targets into the success criteria of the items that move them', () => {
    const sloEvaluations = [
      slo({ name: 'errors', sli: 'error_rate', target: '< 1%', observed: 0.02 }),
    ];
    const guidance = { ...noGuidance, targets: ['latency.p95 < 100ms'] };
    const { items, inputs } = plan({ cpu: cpuWith([service]), sloEvaluations, guidance });
    const cpuItem = items.find((i) => i.kind === 'cpu')!;
    const errorsItem = items.find((i) => i.kind === 'errors')!;
    expect(cpuItem.successCriteria).toContain('meets guidance target latency.p95 < 100ms');
    expect(errorsItem.successCriteria).not.toContain('meets guidance target latency.p95 < 100ms');
    expect(inputs).toContain('guidance targets in success criteria: latency.p95 < 100ms');
  });
});

describe('buildPlan: the plan as a whole', () => {
  const hotspots: Hotspot[] = [
    hotspot({ functionName: 'a', selfShare: 0.2 }),
    hotspot({ functionName: 'b', selfShare: 0.2 }),
    hotspot({ functionName: 'c', category: 'regex', selfShare: 0.1 }),
    hotspot({
      functionName: 'd',
      category: 'framework',
      file: 'node_modules/express/x.js',
      selfShare: 0.15,
    }),
  ];
  const input = (cpu: CpuAnalysis, slos: SloEvaluation[]): PlanInput => ({
    cpu,
    baseline: baselineWith(sliResult()),
    sloEvaluations: slos,
    guidance: { ...noGuidance, focus: ['latency'] },
  });
  const slos = [
    slo({ name: 'p95' }),
    slo({ name: 'err', sli: 'error_rate', target: '< 1%', observed: 0.03 }),
  ];

  it('ranks by ROI, ties by id, 1..n, and every item is a valid PlanItem', () => {
    const { items } = buildPlan(input(cpuWith(hotspots, { gcShare: 0.12 }), slos));
    expect(items.map((item) => item.rank)).toEqual(items.map((_, i) => i + 1));
    for (let i = 1; i < items.length; i++) {
      const [prev, next] = [items[i - 1]!, items[i]!];
      expect(prev.roi > next.roi || (prev.roi === next.roi && prev.id < next.id)).toBe(true);
    }
    // a and b differ only in name: equal ROI, ordered by id.
    const ab = items.filter(
      (item) => item.id === 'hotspot-service-a' || item.id === 'hotspot-service-b',
    );
    expect(ab.map((item) => item.id)).toEqual(['hotspot-service-a', 'hotspot-service-b']);
    for (const item of items) expect(() => PlanItem.parse(item)).not.toThrow();
  });

  it('gives the same plan whatever the order of its inputs', () => {
    const forward = buildPlan(input(cpuWith(hotspots), slos));
    const backward = buildPlan(input(cpuWith([...hotspots].reverse()), [...slos].reverse()));
    expect(backward.items).toEqual(forward.items);
    expect(buildPlan(input(cpuWith(hotspots), slos))).toEqual(forward);
  });

  it('says what it rests on and what was missing', () => {
    const { inputs } = plan({});
    expect(inputs).toEqual([
      'no CPU profile: hotspot rules not applied',
      'no baseline: success criteria state relative changes only, and error items lack status codes',
      'no SLO evaluations: SLO rules not applied',
      'no database analysis: database rules not applied',
      'no guidance focus: items ranked by ROI alone',
    ]);
  });
});
