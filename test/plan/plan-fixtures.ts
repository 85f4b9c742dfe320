import type { GuidanceData, SliResult } from '../../src/data/common.js';
import type { BaselineData, CpuAnalysis, Hotspot, SloEvaluation } from '../../src/data/stages.js';

export function hotspot(overrides: Partial<Hotspot> & { functionName: string }): Hotspot {
  const selfShare = overrides.selfShare ?? 0.4;
  return {
    file: `src/${overrides.functionName}.js`,
    line: 12,
    column: 3,
    selfMs: selfShare * 10_000,
    totalMs: selfShare * 10_000,
    selfShare,
    totalShare: selfShare,
    category: 'service',
    ...overrides,
  };
}

/** A profile of 10 s on CPU whose topSelf is exactly the hotspots given. */
export function cpuWith(hotspots: Hotspot[], overrides: Partial<CpuAnalysis> = {}): CpuAnalysis {
  return {
    profileFiles: ['cpu/CPU.1.cpuprofile'],
    unit: 'ms',
    sampleCount: 10_000,
    durationMs: 12_000,
    activeMs: 10_000,
    idleShare: 0.1,
    gcShare: 0.02,
    programShare: 0.01,
    topSelf: hotspots,
    topTotal: hotspots,
    ...overrides,
  };
}

export function slo(overrides: Partial<SloEvaluation> & { name: string }): SloEvaluation {
  return {
    sli: 'latency.p95',
    target: '< 100ms',
    observed: 180,
    status: 'fail',
    score: 0,
    weight: 1,
    key: true,
    samples: 5000,
    reason: 'latency.p95 is 180.0 ms, target < 100ms',
    budget: null,
    ...overrides,
  };
}

export function sliResult(overrides: Partial<SliResult> = {}): SliResult {
  return {
    requests: 10_000,
    errors: 0,
    serverErrors: 0,
    timeouts: 0,
    transportErrors: 0,
    statusCodes: { '200': 10_000 },
    durationSec: 10,
    throughputRps: 1000,
    errorRate: 0,
    availability: 1,
    latency: { count: 10_000, min: 1, mean: 60, p50: 50, p90: 150, p95: 180, p99: 250, max: 400 },
    histogram: '',
    ...overrides,
  };
}

export const noGuidance: GuidanceData = { focus: [], targets: [], applied: [] };

export function baselineWith(
  overall: SliResult,
  journeys: Record<string, SliResult> = {},
): BaselineData {
  return {
    schema: 'perf-flow/baseline@1',
    provenance: {
      tool: 'perf-flow 0.1.0',
      createdAt: '2025-01-01T00:00:00.000Z',
      commit: null,
      configPath: 'perf-flow.yml',
      configHash: '0123456789abcdef',
      commands: [],
      node: 'v20.20.2',
      platform: 'linux',
      cpuModel: 'test',
      cpuCount: 2,
      totalMemoryBytes: 1,
      versions: {},
    },
    guidance: noGuidance,
    load: {
      model: 'closed',
      tool: 'autocannon',
      connections: 10,
      durationMs: 10_000,
      warmupMs: 1000,
      requestTimeoutMs: 5000,
    },
    journeys: Object.entries(journeys).map(([name, result]) => ({
      name,
      method: 'GET',
      path: `/${name}`,
      result,
      timeline: [],
    })),
    overall,
    service: null,
    slos: [],
  };
}
