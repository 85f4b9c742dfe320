import { describe, expect, it } from 'vitest';
import type { CpuAnalysis, Hotspot, RuntimeSummary } from '../../src/data/stages.js';
import { diagnose } from '../../src/profile/diagnosis.js';
import { analyzeMemoryLeak } from '../../src/scenarios/memory-leak.js';

const hotspot = (functionName: string, selfShare: number): Hotspot => ({
  functionName,
  file: 'server.mjs',
  line: 99,
  column: 1,
  selfMs: 100,
  totalMs: 100,
  selfShare,
  totalShare: selfShare,
  category: 'service',
});

const cpu = (over: Partial<CpuAnalysis> = {}): CpuAnalysis => ({
  profileFiles: ['a.cpuprofile'],
  unit: 'ms',
  sampleCount: 1000,
  durationMs: 1000,
  activeMs: 500,
  utilization: 0.5,
  idleShare: 0.5,
  gcShare: 0.02,
  programShare: 0.05,
  topSelf: [hotspot('scoreRecommendations', 0.6), hotspot('JSON.stringify', 0.1)],
  topTotal: [],
  ...over,
});

const runtime = (over: Partial<RuntimeSummary> = {}): RuntimeSummary => ({
  processes: 1,
  seconds: 10,
  eventLoopDelayMs: { p99: 2, max: 5 },
  gc: { pauseShare: 0.01, pausesPerSecond: 3, pauseMs: { p50: 1, p99: 3, max: 4 }, byKind: {} },
  heapUsedBytes: { first: 10e6, last: 11e6 },
  heapTrend: null,
  activeResourcesMax: 12,
  timeline: [],
  ...over,
});

const frame = { name: 'rebuildSearchIndex', file: '/srv/server.mjs', line: 240, column: 1 };

describe('diagnose', () => {
  it('calls a service on CPU nearly all the time CPU-bound, naming its top functions', () => {
    const [finding] = diagnose({
      cpu: cpu({ utilization: 0.95 }),
      runtime: runtime(),
      blocking: [],
      repoRoot: '/srv',
    });
    expect(finding).toMatchObject({ kind: 'cpu-bound', confidence: 'high' });
    expect(finding!.functions[0]).toMatchObject({ functionName: 'scoreRecommendations', line: 99 });
    expect(finding!.summary).toContain('scoreRecommendations');
  });

  it('calls blocking that the loop delay confirms high confidence, and names the function', () => {
    const findings = diagnose({
      cpu: cpu(),
      runtime: runtime({ eventLoopDelayMs: { p99: 180, max: 240 } }),
      blocking: [{ frame, longestMs: 200, count: 12, totalMs: 2300 }],
      repoRoot: '/srv',
    });
    expect(findings[0]).toMatchObject({ kind: 'event-loop-blocking', confidence: 'high' });
    expect(findings[0]!.functions[0]).toEqual({
      functionName: 'rebuildSearchIndex',
      file: 'server.mjs',
      line: 240,
      figure: 'up to 200 ms at a stretch',
    });
  });

  it('gives blocking seen by one measurement only medium confidence', () => {
    const byProbe = diagnose({
      cpu: cpu(),
      runtime: runtime({ eventLoopDelayMs: { p99: 120, max: 300 } }),
      blocking: [],
      repoRoot: '/srv',
    });
    expect(byProbe[0]).toMatchObject({
      kind: 'event-loop-blocking',
      confidence: 'medium',
      functions: [],
    });
  });

  it('finds GC pressure in the profile and the pauses, with pause percentiles as evidence', () => {
    const findings = diagnose({
      cpu: cpu({ gcShare: 0.22 }),
      runtime: runtime({
        gc: {
          pauseShare: 0.09,
          pausesPerSecond: 40,
          pauseMs: { p50: 1.5, p99: 12, max: 30 },
          byKind: {},
        },
      }),
      blocking: [],
      repoRoot: '/srv',
    });
    const gc = findings.find((f) => f.kind === 'gc-pressure');
    expect(gc).toMatchObject({ confidence: 'high' });
    expect(gc!.evidence.join('\n')).toMatch(/p99 12(\.0)? ms/);
  });

  it('calls a mostly idle service under concurrent load waiting off the CPU', () => {
    const findings = diagnose({
      cpu: cpu({ utilization: 0.1 }),
      runtime: null,
      blocking: [],
      repoRoot: '/srv',
      concurrency: 8,
    });
    expect(findings.map((f) => [f.kind, f.confidence])).toEqual([['io-wait', 'high']]);
  });

  it('says nothing was found when no rule holds, and says so', () => {
    const findings = diagnose({
      cpu: cpu({ utilization: 0.6 }),
      runtime: runtime(),
      blocking: [],
      repoRoot: '/srv',
      concurrency: 4,
    });
    expect(findings).toEqual([
      expect.objectContaining({ kind: 'nothing-found', confidence: 'medium' }),
    ]);
  });

  /** The heap trend of 60 one-second samples after GC, growing by `mbPerSecond`, with jitter. */
  const heapTrend = (mbPerSecond: number): RuntimeSummary['heapTrend'] => {
    const samples = Array.from({ length: 60 }, (_, i) => ({
      tMs: i * 1000,
      bytes: 50e6 + i * mbPerSecond * 1e6 + ((i * 7919) % 13) * 20e3,
      afterGc: true,
    }));
    const trend = analyzeMemoryLeak(samples, { kind: 'heap' });
    return { verdict: trend.verdict, bytesPerMinute: trend.bytesPerMinute, reason: trend.reason };
  };

  it('reports a heap whose lows after GC keep growing as memory growth, with low confidence', () => {
    const trend = heapTrend(1);
    expect(trend!.verdict).toBe('leak');
    const findings = diagnose({
      cpu: cpu(),
      runtime: runtime({ heapTrend: trend }),
      blocking: [],
      repoRoot: '/srv',
    });
    const growth = findings.find((f) => f.kind === 'memory-growth');
    expect(growth).toMatchObject({ confidence: 'low', evidence: [trend!.reason] });
    // 1 MB a second is 60 MB a minute.
    expect(growth!.summary).toMatch(/grew by 5\d(\.\d+)? MiB a minute/);
  });

  it('finds no memory growth in a heap whose lows stay flat', () => {
    const findings = diagnose({
      cpu: cpu(),
      runtime: runtime({ heapTrend: heapTrend(0) }),
      blocking: [],
      repoRoot: '/srv',
    });
    expect(findings.map((f) => f.kind)).not.toContain('memory-growth');
  });
});
