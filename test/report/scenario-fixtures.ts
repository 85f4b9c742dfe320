import type { GeneratorHealth } from '../../src/data/common.js';
import type {
  CapacityResult,
  SoakResult,
  SpikeResult,
  StressResult,
} from '../../src/data/scenarios.js';
import type { LoadTestData } from '../../src/data/stages.js';
import { load, loadTest, overall, service, timeline } from './fixtures.js';

export function generator(overrides: Partial<GeneratorHealth> = {}): GeneratorHealth {
  return {
    eventLoopUtilization: 0.21,
    cpuCores: 0.25,
    sendLagMs: { p50: 0.2, p99: 3.1, max: 9.4 },
    lateStarts: 12,
    lateThresholdMs: 5,
    unsent: 0,
    saturated: false,
    reasons: [],
    ...overrides,
  };
}

const openLoad = (rateRps: number) =>
  load({ model: 'open', tool: 'perf-flow open model', arrival: 'poisson', rateRps });

export function stress(): StressResult {
  const step = (rateRps: number, p95: number, broke: string | null) => ({
    rateRps,
    achievedRps: rateRps * 0.99,
    load: openLoad(rateRps),
    overall: overall({ latency: { ...overall().latency, p95 } }),
    slos: [
      {
        name: 'API | p95 <b>',
        status: broke ? ('fail' as const) : ('pass' as const),
        observed: p95,
      },
    ],
    generator: generator(),
    broke,
  });
  return {
    steps: [step(100, 20, null), step(200, 40, null), step(300, 400, 'SLO "API | p95 <b>" failed')],
    breakingPointRps: 200,
    breakingPointAchievedRps: 198,
    lowerBound: false,
    brokenAtRps: 300,
    cause: 'slo',
    brokenSlos: [{ name: 'API | p95 <b>', status: 'fail' }],
    reason: 'breaking point 200 req/s: at 300 req/s SLO "API | p95 <b>" failed',
    service: service(),
  };
}

export function spike(recoverySeconds: number | null = 4): SpikeResult {
  return {
    load: load({
      model: 'open',
      tool: 'perf-flow open model',
      arrival: 'poisson',
      rateRps: 200,
      phases: [
        { rateRps: 100, durationMs: 5000 },
        { rateRps: 600, durationMs: 5000 },
        { rateRps: 100, durationMs: 10_000 },
      ],
    }),
    overall: overall(),
    timeline: timeline(20),
    generator: generator(),
    service: service(),
    peakStartSecond: 5,
    peakEndSecond: 10,
    pre: { p95Ms: 12, errorRate: 0, seconds: 5, secondsWithRequests: 5 },
    peak: { p95Ms: 180, errorRate: 0.02, seconds: 5, secondsWithRequests: 5, p95MaxMs: 310 },
    limits: { p95Ms: 15, errorRate: 0.01 },
    tolerance: 0.25,
    recoverySeconds,
    reason: recoverySeconds === null ? 'never back within limits' : 'back 4 s after the peak',
  };
}

export function soak(verdict: 'leak' | 'no-leak' = 'leak'): SoakResult {
  const drift = {
    perMinute: -1.5,
    perMinuteLow: -3,
    perMinuteHigh: 0.2,
    points: 60,
    mean: 150,
    driftOverRun: -1.5,
    threshold: 7.5,
    verdict: 'stable' as const,
    reason: 'within 5% of the mean',
  };
  return {
    load: openLoad(150),
    overall: overall(),
    timeline: timeline(60),
    generator: generator(),
    service: service(),
    throughputDrift: drift,
    p95Drift: { ...drift, perMinute: 0.1, perMinuteLow: -0.1, perMinuteHigh: 0.3, mean: 20 },
    memory: {
      verdict,
      source: 'heap-after-gc',
      bytesPerMinute: verdict === 'leak' ? 8 * 2 ** 20 : 1000,
      bytesPerMinuteLow: verdict === 'leak' ? 6 * 2 ** 20 : -2000,
      bytesPerMinuteHigh: verdict === 'leak' ? 10 * 2 ** 20 : 4000,
      projectedBytesPerHour: verdict === 'leak' ? 480 * 2 ** 20 : 60_000,
      growthOverRun: verdict === 'leak' ? 8 * 2 ** 20 : 1000,
      threshold: 5_000_000,
      startBytes: 20 * 2 ** 20,
      lows: [
        { t: 10_000, bytes: 20 * 2 ** 20 },
        { t: 30_000, bytes: 23 * 2 ** 20 },
        { t: 50_000, bytes: 27 * 2 ** 20 },
      ],
      reason: verdict === 'leak' ? 'heap after GC grows 8 MiB/min' : 'flat',
    },
  };
}

export function capacity(overrides: Partial<CapacityResult> = {}): CapacityResult {
  return {
    rpsPerVcpu: { value: 1200, reason: null },
    breakingPointRps: 200,
    breakingPointIsLowerBound: false,
    peakRps: 150,
    peakSource: 'config',
    growth: 1.5,
    targetUtilization: 0.7,
    rpsPerInstance: { value: 140, reason: null },
    instancesNow: { value: 2, reason: null },
    instancesAfterGrowth: { value: 2, reason: null },
    costPerMillionRequests: { value: 0.165, reason: null },
    currency: 'EUR',
    upperBounds: false,
    ...overrides,
  };
}

/** A load test that ran every scenario. */
export function allScenarios(): LoadTestData {
  return {
    ...loadTest(),
    scenarios: ['load', 'stress', 'spike', 'soak'],
    stress: stress(),
    spike: spike(),
    soak: soak(),
    capacity: capacity(),
  };
}
