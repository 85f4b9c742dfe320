import { describe, expect, it } from 'vitest';
import { LoadTestData, PlanItem, type CpuAnalysis } from '../../src/data/stages.js';
import type { DraftItem } from '../../src/plan/draft.js';
import { findingId } from '../../src/plan/finding-ids.js';
import { loadTestItems } from '../../src/plan/load-test-items.js';
import {
  MIN_HEADROOM,
  POOR_RPS_PER_VCPU,
  SLOW_RECOVERY_S,
  SPIKE_ERROR_RATE,
  loadTestFindings,
  type LoadTestFindingKind,
} from '../../src/plan/load-test-findings.js';
import { roi } from '../../src/plan/roi.js';
import { allScenarios, capacity, soak, spike } from '../report/scenario-fixtures.js';
import { buildPlan } from '../../src/plan/build-plan.js';
import { baselineWith, cpuWith, hotspot, noGuidance, sliResult } from './plan-fixtures.js';

const PEAK_RPS = 150;

/** Every scenario ran and every figure is healthy: no finding. Parsed, so it is realistic. */
function healthy(): LoadTestData {
  const data = allScenarios();
  return LoadTestData.parse({
    ...data,
    spike: { ...spike(), peak: { ...spike().peak, errorRate: 0 } },
    soak: soak('no-leak'),
    capacity: capacity({
      breakingPointRps: PEAK_RPS * MIN_HEADROOM + 100,
      peakRps: PEAK_RPS,
      rpsPerVcpu: { value: 1200, reason: null },
    }),
  });
}

type Change = (data: LoadTestData) => void;

function loadTestWith(...changes: Change[]): LoadTestData {
  const data = healthy();
  for (const change of changes) change(data);
  return LoadTestData.parse(data);
}

const peakErrors =
  (rate: number): Change =>
  (d) => {
    d.spike!.peak.errorRate = rate;
  };
const recovery =
  (seconds: number | null): Change =>
  (d) => {
    d.spike!.recoverySeconds = seconds;
  };
const breakingPoint =
  (rps: number): Change =>
  (d) => {
    d.capacity!.breakingPointRps = rps;
  };
const rpsPerVcpu =
  (value: number | null): Change =>
  (d) => {
    d.capacity!.rpsPerVcpu =
      value === null ? { value: null, reason: 'no CPU figures' } : { value, reason: null };
  };
const degrading =
  (drift: 'p95Drift' | 'throughputDrift', mean: number, driftOverRun: number): Change =>
  (d) => {
    d.soak![drift] = {
      ...d.soak![drift],
      mean,
      driftOverRun,
      verdict: 'degrading',
      reason: `${driftOverRun} over 0.5 min, beyond 5% of the mean ${mean}`,
    };
  };
const leaking: Change = (d) => {
  d.soak!.memory = soak('leak').memory;
};

function kinds(data: LoadTestData): LoadTestFindingKind[] {
  return loadTestFindings(data).map((f) => f.kind);
}

function items(data: LoadTestData, cpu: CpuAnalysis | null = null, ids = new Set<string>()) {
  const baseline = baselineWith(sliResult());
  return loadTestItems(loadTestFindings(data), { loadTest: data, cpu, baseline }, ids);
}

function only(list: DraftItem[], kind: LoadTestFindingKind): DraftItem {
  const found = list.filter((i) => i.id === `load-test-${kind}`);
  expect(found).toHaveLength(1);
  return found[0]!;
}

const text = (item: DraftItem) => [item.title, item.hypothesis, ...item.evidence].join('\n');

/** Two hotspots worth citing and one below 5% of CPU time, which must not be. */
const cpu = cpuWith([
  hotspot({ functionName: 'renderPage', selfShare: 0.3 }),
  hotspot({ functionName: 'hashPassword', selfShare: 0.1 }),
  hotspot({ functionName: 'logLine', selfShare: 0.04 }),
]);
const [render, hash, log] = cpu.topSelf as [
  (typeof cpu.topSelf)[0],
  (typeof cpu.topSelf)[0],
  (typeof cpu.topSelf)[0],
];

describe('loadTestFindings', () => {
  it('finds nothing in a healthy load test', () => {
    expect(kinds(healthy())).toEqual([]);
  });

  it('finds spike errors only past the peak error rate threshold', () => {
    expect(kinds(loadTestWith(peakErrors(SPIKE_ERROR_RATE * 0.99)))).toEqual([]);
    const found = loadTestFindings(loadTestWith(peakErrors(0.073)));
    expect(found.map((f) => [f.kind, f.id])).toEqual([
      ['spike-errors', findingId.loadTest('spike-errors')],
    ]);
    expect(found[0]!.summary).toContain('7.3%');
  });

  it('aims the spike item at the rate before the spike plus the threshold', () => {
    const item = only(
      items(
        loadTestWith(peakErrors(0.08), (d) => {
          d.spike!.pre.errorRate = 0.05;
        }),
      ),
      'spike-errors',
    );
    expect(item.successCriteria[0]).toContain('peak error rate under 6%');
    // From 8% to 6%: a quarter of the failed requests, which ROI counts.
    expect(item.roi).toBe(roi(25, item.effortDays, item.risk));
  });

  it('leaves out errors the service had before the spike: only the ones it added count', () => {
    const failingAnyway = (d: LoadTestData) => {
      d.spike!.pre.errorRate = 0.02;
    };
    expect(kinds(loadTestWith(failingAnyway, peakErrors(0.025)))).toEqual([]);
    expect(kinds(loadTestWith(failingAnyway, peakErrors(0.035)))).toEqual(['spike-errors']);
  });

  it('finds a slow recovery only past the recovery threshold, or without one', () => {
    expect(kinds(loadTestWith(recovery(SLOW_RECOVERY_S)))).toEqual([]);
    expect(kinds(loadTestWith(recovery(SLOW_RECOVERY_S + 1)))).toEqual(['slow-recovery']);
    expect(kinds(loadTestWith(recovery(null)))).toEqual(['slow-recovery']);
  });

  it('finds a low breaking point only below the headroom asked for', () => {
    expect(kinds(loadTestWith(breakingPoint(PEAK_RPS * MIN_HEADROOM)))).toEqual([]);
    expect(kinds(loadTestWith(breakingPoint(PEAK_RPS * MIN_HEADROOM - 1)))).toEqual([
      'low-breaking-point',
    ]);
    const lowerBound = loadTestWith(breakingPoint(PEAK_RPS), (d) => {
      d.capacity!.breakingPointIsLowerBound = true;
    });
    expect(kinds(lowerBound)).toEqual([]);
    // 1.99× must not print as "2.0×, less than the 2×".
    const justUnder = loadTestFindings(loadTestWith(breakingPoint(PEAK_RPS * 1.99)))[0]!;
    expect(justUnder.summary).toContain('1.99× the peak');
  });

  it('finds a service that broke at the first stress step, which it holds less than', () => {
    const brokeAtOnce = loadTestWith((d) => {
      d.capacity!.breakingPointRps = null;
      d.stress!.breakingPointRps = null;
      d.stress!.brokenAtRps = 50;
    });
    const [found] = loadTestFindings(brokeAtOnce);
    expect(found?.kind).toBe('low-breaking-point');
    expect(found?.summary).toMatch(/^The service breaks below 50 rps, 0\.33× the peak of 150 rps/);
    const item = only(items(brokeAtOnce), 'low-breaking-point');
    expect(item.findings).toContain(found!.id);
    // From 50 to 300 rps is +500%: capped at doubling.
    expect(item.expectedGain.capacityPct).toBe(100);
  });

  it('finds heavy CPU per request only below the requests per vCPU threshold', () => {
    expect(kinds(loadTestWith(rpsPerVcpu(POOR_RPS_PER_VCPU)))).toEqual([]);
    expect(kinds(loadTestWith(rpsPerVcpu(POOR_RPS_PER_VCPU - 1)))).toEqual(['poor-rps-per-vcpu']);
    expect(kinds(loadTestWith(rpsPerVcpu(null)))).toEqual([]);
  });

  it('finds a leak and a degradation over the soak from their verdicts', () => {
    expect(kinds(loadTestWith(leaking))).toEqual(['soak-leak']);
    expect(kinds(loadTestWith(degrading('p95Drift', 20, 4)))).toEqual(['soak-degrading']);
    expect(kinds(loadTestWith(degrading('throughputDrift', 150, -20)))).toEqual(['soak-degrading']);
  });
});

describe('loadTestItems', () => {
  it('plans nothing for a healthy load test', () => {
    expect(items(healthy(), cpu)).toEqual([]);
  });

  it('has an item exactly when its finding fires, on both sides of each threshold', () => {
    const cases: Array<[LoadTestFindingKind, Change, Change]> = [
      ['spike-errors', peakErrors(SPIKE_ERROR_RATE * 0.99), peakErrors(SPIKE_ERROR_RATE * 1.01)],
      ['slow-recovery', recovery(SLOW_RECOVERY_S), recovery(SLOW_RECOVERY_S + 1)],
      [
        'low-breaking-point',
        breakingPoint(PEAK_RPS * MIN_HEADROOM),
        breakingPoint(PEAK_RPS * MIN_HEADROOM - 1),
      ],
      ['poor-rps-per-vcpu', rpsPerVcpu(POOR_RPS_PER_VCPU), rpsPerVcpu(POOR_RPS_PER_VCPU - 1)],
      ['soak-degrading', (d) => d, degrading('p95Drift', 20, 4)],
    ];
    for (const [kind, below, past] of cases) {
      expect(items(loadTestWith(below), cpu), kind).toEqual([]);
      const planned = items(loadTestWith(past), cpu);
      expect(planned.map((i) => i.id)).toEqual([`load-test-${kind}`]);
      expect(planned[0]!.findings?.[0]).toBe(findingId.loadTest(kind));
    }
  });

  it("plans no item for the soak leak: the memory item is the runtime rules'", () => {
    const data = loadTestWith(leaking);
    expect(kinds(data)).toEqual(['soak-leak']);
    expect(items(data, cpu)).toEqual([]);
  });

  it('gives every item a valid plan item shape, a testing approach and a rollback', () => {
    const data = loadTestWith(
      peakErrors(0.073),
      recovery(37),
      breakingPoint(200),
      rpsPerVcpu(40),
      degrading('p95Drift', 20, 4),
    );
    const planned = items(data, cpu);
    expect(planned.map((i) => i.id).sort()).toEqual([
      'load-test-low-breaking-point',
      'load-test-poor-rps-per-vcpu',
      'load-test-slow-recovery',
      'load-test-soak-degrading',
      'load-test-spike-errors',
    ]);
    for (const item of planned) {
      expect(() => PlanItem.parse({ ...item, rank: 1 }), item.id).not.toThrow();
      expect(item.testing[0], item.id).toMatch(/^Behaviour: /);
      expect(item.testing[1], item.id).toMatch(/^Performance: /);
      expect(item.successCriteria.length, item.id).toBeGreaterThan(0);
      expect(item.steps.length, item.id).toBeGreaterThanOrEqual(3);
      expect(item.rollback.length, item.id).toBeGreaterThan(0);
      expect(item.expectedGain.latencyPctLow).toBeLessThanOrEqual(item.expectedGain.latencyPctHigh);
    }
  });

  it('gives a second item the same id a suffix', () => {
    const ids = new Set(['load-test-spike-errors']);
    const [item] = items(loadTestWith(peakErrors(0.073)), null, ids);
    expect(item!.id).toBe('load-test-spike-errors-2');
    expect(ids.has('load-test-spike-errors-2')).toBe(true);
  });

  describe('spike errors', () => {
    const item = only(items(loadTestWith(peakErrors(0.073)), cpu), 'spike-errors');

    it('sheds load, quoting the peak error rate and the failures', () => {
      expect(item.kind).toBe('errors');
      expect(item.title).toMatch(/shed load/i);
      expect(item.findings).toEqual([findingId.loadTest('spike-errors')]);
      expect(text(item)).toContain('7.3%');
      expect(text(item)).toContain('600 rps');
      expect(item.steps.join('\n')).toMatch(/503 with Retry-After/);
    });

    it("sizes the admission limit from the breaking step by Little's law", () => {
      // The fixture's stress holds 200 rps (198 achieved) at the overall fixture's mean latency.
      const step = allScenarios().stress!.steps[1]!;
      const inFlight = Math.round((step.achievedRps * step.overall.latency.mean) / 1000);
      expect(item.steps[0]).toContain(`about ${inFlight} requests in flight`);
    });

    it('claims no latency gain; ROI counts the error cut to 1%', () => {
      expect(item.expectedGain).toMatchObject({ latencyPctLow: 0, latencyPctHigh: 0 });
      const cut = Math.round((1 - SPIKE_ERROR_RATE / 0.073) * 1000) / 10;
      expect(item.expectedGain.rationale).toContain(`${cut}%`);
      expect(item.roi).toBe(roi(cut, item.effortDays, item.risk));
      expect(item.roi).toBeGreaterThan(0);
    });

    it('reads the failures: timeouts point at queueing, server errors at what gives way', () => {
      const timeouts = loadTestWith(peakErrors(0.073), (d) => {
        d.spike!.overall = { ...d.spike!.overall, errors: 40, timeouts: 30, serverErrors: 5 };
      });
      expect(only(items(timeouts), 'spike-errors').hypothesis).toMatch(/most are timeouts/);
      const errors = loadTestWith(peakErrors(0.073), (d) => {
        d.spike!.overall = { ...d.spike!.overall, errors: 40, timeouts: 0, serverErrors: 35 };
      });
      expect(only(items(errors), 'spike-errors').hypothesis).toMatch(/most are server errors/);
    });

    it('names the next spike scenario in its criteria', () => {
      expect(item.successCriteria).toContain(
        'peak error rate under 1% in the next spike scenario (now 7.3%)',
      );
    });
  });

  describe('slow recovery', () => {
    it('quotes the recovery time and asks for the next spike scenario to recover within 10 s', () => {
      const item = only(items(loadTestWith(recovery(37))), 'slow-recovery');
      expect(item.kind).toBe('latency');
      expect(item.findings).toEqual([findingId.loadTest('slow-recovery')]);
      expect(text(item)).toContain('37 s');
      expect(item.evidence.join('\n')).toMatch(
        /after the peak before recovery: worst one-second p95/,
      );
      expect(item.successCriteria).toEqual([
        `recovery within ${SLOW_RECOVERY_S} s of the peak's end in the next spike scenario (now 37 s)`,
      ]);
      expect(item.expectedGain).toMatchObject({ latencyPctLow: 0, latencyPctHigh: 0 });
      const cut = Math.round(((37 - SLOW_RECOVERY_S) / 37) * 1000) / 10;
      expect(item.roi).toBe(roi(cut, item.effortDays, item.risk));
    });

    it('plans nothing when there was no level before the spike to recover to', () => {
      const noLevel = loadTestWith(recovery(null), (d) => {
        d.spike!.limits = null;
      });
      expect(kinds(noLevel)).toEqual([]);
      expect(items(noLevel)).toEqual([]);
    });

    it('counts the whole recovery when the service never recovered', () => {
      const item = only(items(loadTestWith(recovery(null))), 'slow-recovery');
      expect(item.successCriteria[0]).toContain('(now not recovered before the run ended)');
      expect(item.roi).toBe(roi(100, item.effortDays, item.risk));
    });
  });

  describe('low breaking point', () => {
    const item = only(items(loadTestWith(breakingPoint(200)), cpu), 'low-breaking-point');

    it('quotes the breaking point, the peak and what broke it', () => {
      expect(item.kind).toBe('throughput');
      expect(text(item)).toContain('200 rps');
      expect(text(item)).toContain('150 rps');
      expect(item.hypothesis).toContain('"API | p95 <b>"');
      expect(item.evidence).toContain(allScenarios().stress!.reason);
    });

    it('cites the hotspots worth citing, and not the one under 5%', () => {
      expect(item.findings).toEqual([
        findingId.loadTest('low-breaking-point'),
        findingId.hotspot(render),
        findingId.hotspot(hash),
      ]);
      expect(item.findings).not.toContain(findingId.hotspot(log));
      expect(item.steps[0]).toContain('renderPage (30%)');
    });

    it('scales out to twice the peak at the measured breaking point per instance', () => {
      expect(item.steps.join('\n')).toContain(
        '2 instances at the measured 200 rps each carry 300 rps',
      );
      expect(item.successCriteria).toEqual([
        'breaking point at or above 2× the peak, 300 rps, in the next stress scenario (now 200 rps, 1.33×)',
      ]);
    });

    it('claims no latency gain; ROI counts the headroom gap, capped at 100%', () => {
      expect(item.expectedGain).toMatchObject({ latencyPctLow: 0, latencyPctHigh: 0 });
      expect(item.roi).toBe(roi(50, item.effortDays, item.risk));
      const far = only(items(loadTestWith(breakingPoint(50))), 'low-breaking-point');
      expect(far.roi).toBe(roi(100, far.effortDays, far.risk));
    });
  });

  describe('poor requests per vCPU', () => {
    const item = only(items(loadTestWith(rpsPerVcpu(40)), cpu), 'poor-rps-per-vcpu');

    it('quotes the CPU time per request and names the top hotspots', () => {
      expect(item.kind).toBe('cpu');
      expect(text(item)).toContain('25 ms'); // 1000 / 40
      expect(item.hypothesis).toContain('renderPage (30%), hashPassword (10%)');
      expect(item.findings).toEqual([
        findingId.loadTest('poor-rps-per-vcpu'),
        findingId.hotspot(render),
        findingId.hotspot(hash),
      ]);
    });

    it("bounds the gain by the cited hotspots' shares", () => {
      const { latencyPctLow, latencyPctHigh } = item.expectedGain;
      expect(latencyPctLow).toBeGreaterThan(0);
      expect(latencyPctHigh).toBeLessThanOrEqual((render.selfShare + hash.selfShare) * 100);
      // A modest cut of their cost, not all of it.
      expect(latencyPctHigh).toBeLessThanOrEqual(((render.selfShare + hash.selfShare) * 100) / 2);
      expect(item.effortDays).toBeGreaterThanOrEqual(2);
      expect(item.effortDays).toBeLessThanOrEqual(3);
      expect(item.bucket).toBe('strategic');
    });

    it('asks the next load test for more requests per vCPU', () => {
      const target = 40 / (1 - item.expectedGain.latencyPctLow / 100);
      expect(item.successCriteria[0]).toBe(
        `at least ${Math.round(target * 10) / 10} requests per second per vCPU in the next load test (now 40, 25 ms of CPU per request)`,
      );
      expect(target).toBeGreaterThan(40);
    });

    it('without a profile, says to profile and claims nothing', () => {
      const blind = only(items(loadTestWith(rpsPerVcpu(40))), 'poor-rps-per-vcpu');
      expect(blind.findings).toEqual([findingId.loadTest('poor-rps-per-vcpu')]);
      expect(blind.expectedGain).toMatchObject({ latencyPctLow: 0, latencyPctHigh: 0 });
      expect(blind.steps[0]).toMatch(/profile/i);
      expect(blind.successCriteria[0]).toContain(`at least ${POOR_RPS_PER_VCPU} requests`);
    });
  });

  describe('soak degrading', () => {
    // p95 20 ms on average, 4 ms more at the end than at the start: 18 ms → 22 ms.
    const data = loadTestWith(degrading('p95Drift', 20, 4));
    const item = only(items(data), 'soak-degrading');

    it('quotes the drift and names the next soak scenario', () => {
      expect(item.findings).toEqual([findingId.loadTest('soak-degrading')]);
      expect(text(item)).toContain(data.soak!.p95Drift.reason);
      expect(item.evidence).toContain('p95 from about 18 ms at the start to 22 ms at the end');
      expect(item.successCriteria).toEqual([
        `p95 drift not degrading in the next soak scenario (now ${data.soak!.p95Drift.reason})`,
      ]);
    });

    it('bounds the gain by the rise measured over the run', () => {
      const { latencyPctLow, latencyPctHigh } = item.expectedGain;
      expect(latencyPctHigh).toBeLessThanOrEqual((4 / 22) * 100);
      expect(latencyPctHigh).toBeGreaterThan(0);
      expect(latencyPctLow).toBe(10); // half the rise, over the mean
    });

    it('puts the leak first when the soak found one too', () => {
      const both = only(
        items(loadTestWith(leaking, degrading('p95Drift', 20, 4))),
        'soak-degrading',
      );
      expect(both.steps[0]).toMatch(/memory leak first/);
    });

    it('counts lost throughput in ROI when only throughput degrades', () => {
      const slower = loadTestWith(degrading('throughputDrift', 150, -30));
      const item = only(items(slower), 'soak-degrading');
      expect(item.expectedGain).toMatchObject({ latencyPctLow: 0, latencyPctHigh: 0 });
      // 165 → 135 rps: 18.18% lost, rounded down.
      expect(item.roi).toBe(roi(18.1, item.effortDays, item.risk));
      expect(item.successCriteria[0]).toMatch(/^throughput drift not degrading in the next soak/);
    });
  });
});

describe('buildPlan with the load test of the same run', () => {
  const leakyAndFragile = loadTestWith(leaking, peakErrors(0.073), breakingPoint(200));
  const plan = (trigger?: string) =>
    buildPlan({
      cpu,
      baseline: baselineWith(sliResult()),
      sloEvaluations: [],
      guidance: { ...noGuidance, ...(trigger === undefined ? {} : { trigger }) },
      loadTest: leakyAndFragile,
    });

  it("plans the load test's findings, and catalogues them for the items to cite", () => {
    const { items: planned, findings, inputs } = plan();
    const ids = planned.map((i) => i.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'load-test-spike-errors',
        'load-test-low-breaking-point',
        // The soak's leak is the memory item's, which cites it.
        'memory-growth',
      ]),
    );
    expect(planned.find((i) => i.id === 'memory-growth')!.findings).toContain(
      findingId.loadTest('soak-leak'),
    );
    const catalogued = findings.filter((f) => f.kind === 'load-test').map((f) => f.id);
    expect(catalogued.sort()).toEqual(
      ['low-breaking-point', 'soak-leak', 'spike-errors'].map((k) => findingId.loadTest(k)).sort(),
    );
    // Every finding an item cites is in the catalogue.
    const known = new Set(findings.map((f) => f.id));
    for (const item of planned) for (const id of item.findings ?? []) expect(known).toContain(id);
    expect(inputs).toContain(
      'load test (load, stress, spike, soak): 3 finding(s): spike-errors, low-breaking-point, soak-leak',
    );
  });

  it('ranks the breaking point item by the capacity it adds under capacity-planning', () => {
    const ranked = plan('capacity-planning').items;
    const item = ranked.find((i) => i.id === 'load-test-low-breaking-point')!;
    // From 200 to 300 rps: +50%, for 3 days at medium risk.
    expect(item.expectedGain.capacityPct).toBe(50);
    expect(item.roi).toBe(roi(50, 3, 'medium'));
    expect(item.guidanceNote).toContain('ranked by breaking point');
    expect(ranked.find((i) => i.id === 'load-test-spike-errors')!.guidanceNote).toMatch(
      /^ranked last/,
    );
  });
});
