import type {
  GuidanceData,
  LoadParams,
  ProcessStats,
  Provenance,
  SliResult,
  TimelinePoint,
} from '../../src/data/common.js';
import type {
  BaselineData,
  Hotspot,
  JourneyResult,
  SteadyLoadTest,
  OptimizationPlanData,
  PlanItem,
  ProfileAnalysisData,
  SloEvaluation,
  SloGateData,
  SummaryData,
} from '../../src/data/stages.js';
import { createLatencyHistogram, encodeHistogram, recordMs } from '../../src/measure/histogram.js';

/**
 * Realistic stage data for the renderers. Each builder returns a fresh object, so a test may
 * change one field without touching the others. Figures are chosen to format to
 * recognisable strings, so a test can find them in the row they belong to.
 */

/** A real encoded histogram: renderers never read it, but the data should look as real. */
const HISTOGRAM = (() => {
  const h = createLatencyHistogram();
  for (let i = 1; i <= 200; i++) recordMs(h, 5 + (i % 40) * 1.1);
  return encodeHistogram(h);
})();

export function provenance(): Provenance {
  return {
    tool: 'perf-flow 0.1.0',
    createdAt: '2026-11-03T10:15:00.000Z',
    commit: '9f2c4e1a7b3d5f60812a4c6e8b0d2f4a6c8e0b1d',
    configPath: 'perf-flow.yml',
    configHash: '3a7bd3e2360a3d29',
    commands: ['perf-flow baseline --config perf-flow.yml', 'npm run build', 'node dist/server.js'],
    node: 'v24.11.0',
    platform: 'linux x64',
    cpuModel: 'AMD EPYC 7763 64-Core Processor',
    cpuCount: 4,
    totalMemoryBytes: 16 * 1024 ** 3,
    versions: { autocannon: '9.0.0', 'hdr-histogram-js': '3.0.1' },
  };
}

export function guidance(): GuidanceData {
  return {
    text: 'API latency is critical, p95 must be under 100ms',
    trigger: 'slo-breach',
    focus: ['api', 'latency'],
    targets: ['latency.p95 < 100ms'],
    applied: [
      'Added key SLO "guidance: latency.p95 < 100ms" from the guidance text.',
      'Focus api, latency: latency items ranked first.',
    ],
  };
}

export function noGuidance(): GuidanceData {
  return { focus: [], targets: [], applied: [] };
}

export function load(overrides: Partial<LoadParams> = {}): LoadParams {
  return {
    model: 'closed',
    tool: 'autocannon 9.0.0',
    connections: 10,
    durationMs: 30_000,
    warmupMs: 5_000,
    requestTimeoutMs: 10_000,
    ...overrides,
  };
}

export function sli(overrides: Partial<SliResult> = {}): SliResult {
  return {
    requests: 12_360,
    errors: 0,
    serverErrors: 0,
    timeouts: 0,
    transportErrors: 0,
    statusCodes: { '200': 12_360 },
    durationSec: 30,
    throughputRps: 412,
    errorRate: 0,
    availability: 1,
    latency: {
      count: 12_360,
      min: 0.42,
      mean: 21.4,
      p50: 18.2,
      p90: 39.6,
      p95: 48.7,
      p99: 97.3,
      max: 1234,
    },
    histogram: HISTOGRAM,
    ...overrides,
  };
}

/** `n` seconds with a slow, steady rise in latency and a spike at second 7. */
export function timeline(n: number): TimelinePoint[] {
  return Array.from({ length: n }, (_, second) => ({
    second,
    requests: 400 + (second % 5) * 5,
    errors: second === 7 ? 3 : 0,
    p50: 18 + second * 0.01,
    p95: second === 7 ? 250 : 48 + second * 0.02,
    p99: second === 7 ? 400 : 95 + second * 0.03,
  }));
}

export function service(): ProcessStats {
  return {
    cpuSeconds: 41.3,
    cpuPercentMean: 137.5,
    cpuPercentMax: 196.2,
    rssMeanBytes: 150 * 1024 ** 2,
    rssMaxBytes: 212 * 1024 ** 2,
    samples: [
      { t: 0, cpuPercent: 120, rssBytes: 140 * 1024 ** 2, processes: 1 },
      { t: 1000, cpuPercent: 196.2, rssBytes: 212 * 1024 ** 2, processes: 1 },
    ],
  };
}

export function journeys(): JourneyResult[] {
  return [
    {
      name: 'list users',
      method: 'GET',
      path: '/api/users?limit=50',
      result: sli(),
      timeline: timeline(30),
    },
    {
      name: 'create order',
      method: 'POST',
      path: '/api/orders',
      result: sli({
        requests: 4_000,
        errors: 40,
        serverErrors: 12,
        timeouts: 2,
        statusCodes: { '201': 3_960, '422': 28, '503': 10 },
        throughputRps: 133.3,
        errorRate: 0.01,
        availability: 0.997,
        latency: {
          count: 3_998,
          min: 3.1,
          mean: 66.2,
          p50: 61.5,
          p90: 120.4,
          p95: 151.9,
          p99: 310.6,
          max: 2_870,
        },
      }),
      timeline: timeline(30),
    },
  ];
}

export function overall(overrides: Partial<SliResult> = {}): SliResult {
  return {
    ...sli({
      requests: 16_360,
      errors: 40,
      serverErrors: 12,
      timeouts: 2,
      statusCodes: { '200': 12_360, '201': 3_960, '422': 28, '503': 10 },
      throughputRps: 545.3,
      errorRate: 0.00244,
      availability: 0.99927,
      latency: {
        count: 16_358,
        min: 0.42,
        mean: 32.4,
        p50: 22.6,
        p90: 71.8,
        p95: 102.5,
        p99: 288.1,
        max: 2_870,
      },
    }),
    ...overrides,
  };
}

export function baseline(): BaselineData {
  return {
    schema: 'perf-flow/baseline@1',
    provenance: provenance(),
    guidance: guidance(),
    load: load(),
    journeys: journeys(),
    overall: overall(),
    service: service(),
    slos: [
      {
        name: 'p95 under 100ms',
        sli: 'latency.p95',
        target: '< 100ms',
        warning: '< 150ms',
        weight: 2,
        key: true,
        source: 'config',
      },
      {
        name: 'orders error rate',
        sli: 'error_rate',
        journey: 'create order',
        target: '< 0.5%',
        weight: 1,
        key: false,
        source: 'config',
      },
    ],
  };
}

export function hotspot(overrides: Partial<Hotspot> = {}): Hotspot {
  return {
    functionName: 'serializeUsers',
    file: 'src/routes/users.ts',
    line: 42,
    column: 7,
    selfMs: 3_120,
    totalMs: 4_410,
    selfShare: 0.312,
    totalShare: 0.441,
    category: 'program',
    ...overrides,
  };
}

export function profile(): ProfileAnalysisData {
  return {
    schema: 'perf-flow/profile-analysis@1',
    provenance: provenance(),
    guidance: guidance(),
    status: 'analyzed',
    source: 'probe',
    load: load({ durationMs: 15_000, warmupMs: 2_000 }),
    underProfiling: sli({ throughputRps: 287.6 }),
    diagnosis: [
      {
        kind: 'cpu-bound',
        confidence: 'high',
        summary:
          'The service is CPU-bound: it was on CPU 93% of the time under load, so requests queue for the CPU.',
        evidence: ["on CPU 93% of the load's wall time (per process)"],
        functions: [
          {
            functionName: 'serializeUsers',
            file: 'src/routes/users.ts',
            line: 42,
            figure: '31.2% of CPU time',
          },
        ],
      },
    ],
    cpu: {
      profileFiles: ['working/profiles/CPU.20261103.101500.4242.0.001.cpuprofile'],
      unit: 'ms',
      sampleCount: 14_873,
      durationMs: 15_020,
      activeMs: 10_000,
      idleShare: 0.334,
      gcShare: 0.087,
      programShare: 0.579,
      topSelf: [
        hotspot(),
        hotspot({
          functionName: 'JSON.stringify',
          file: null,
          line: null,
          column: null,
          selfShare: 0.156,
          totalShare: 0.156,
          category: 'native',
        }),
        hotspot({
          functionName: 'hashPassword',
          file: 'src/auth/hash.ts',
          line: 17,
          selfShare: 0.098,
          totalShare: 0.101,
        }),
        hotspot({ functionName: '', file: 'node:internal/streams', line: 3, selfShare: 0.04 }),
        hotspot({ functionName: 'parseQuery', line: 88, selfShare: 0.031 }),
        hotspot({ functionName: 'sixthFunction', line: 99, selfShare: 0.012 }),
      ],
      topTotal: [
        hotspot({ functionName: 'handleRequest', line: 10, selfShare: 0.01, totalShare: 0.93 }),
        hotspot(),
      ],
    },
  };
}

export function noProfile(): ProfileAnalysisData {
  return {
    ...profile(),
    status: 'no-profile',
    reason:
      'The service was not started by perf-flow (service.start is not set), so no profiler could be attached.',
    cpu: null,
  };
}

export function planItem(overrides: Partial<PlanItem> = {}): PlanItem {
  return {
    id: 'cache-user-serialization',
    rank: 1,
    title: 'Cache serialized user lists',
    kind: 'caching',
    bucket: 'quick-win',
    hypothesis: 'serializeUsers re-serializes the same 50 users on every request.',
    evidence: ['serializeUsers: 31.2% self time', 'list users p95 48.7 ms'],
    steps: ['Memoize the serialized page by ETag', 'Invalidate on user write'],
    expectedGain: {
      latencyPctLow: 20,
      latencyPctHigh: 35,
      rationale: 'Self time of serializeUsers is 31% of CPU.',
    },
    effortDays: 0.5,
    risk: 'low',
    roi: 52.5,
    successCriteria: ['list users p95 < 35 ms'],
    testing: ['Behaviour: the cached page equals a freshly serialized one after a user write'],
    rollback: 'Remove the cache middleware.',
    ...overrides,
  };
}

export function plan(): OptimizationPlanData {
  return {
    schema: 'perf-flow/optimization-plan@1',
    provenance: provenance(),
    guidance: guidance(),
    items: [
      // Out of rank order on purpose: the renderer must sort.
      planItem({
        id: 'async-hash',
        rank: 2,
        title: 'Move password hashing off the event loop',
        kind: 'cpu',
        bucket: 'strategic',
        expectedGain: { latencyPctLow: 10, latencyPctHigh: 10, rationale: 'hashPassword 9.8%.' },
        effortDays: 3,
        risk: 'medium',
        roi: 3.3,
        guidanceNote: 'Raised: guidance focuses on api latency.',
      }),
      planItem(),
      planItem({
        id: 'split-orders',
        rank: 3,
        title: 'Split the orders service',
        kind: 'architecture',
        bucket: 'major',
        effortDays: 15,
        risk: 'high',
        roi: 1.7,
      }),
      planItem({ id: 'q4', rank: 4, title: 'Fourth item', effortDays: 1, roi: 1.2 }),
    ],
    inputs: ['baseline: 2 journeys', 'profile-analysis: 14,873 samples'],
  };
}

export function loadTest(timelineSeconds = 30): SteadyLoadTest {
  return {
    schema: 'perf-flow/load-test@2',
    provenance: provenance(),
    guidance: guidance(),
    scenarios: ['load'],
    load: load({ connections: 50, rateRps: 500, durationMs: timelineSeconds * 1000 }),
    overall: overall({ throughputRps: 498.7 }),
    journeys: journeys(),
    timeline: timeline(timelineSeconds),
    service: service(),
    slos: baseline().slos,
  };
}

export function sloEvaluation(overrides: Partial<SloEvaluation> = {}): SloEvaluation {
  return {
    name: 'p95 under 100ms',
    sli: 'latency.p95',
    target: '< 100ms',
    warning: '< 150ms',
    observed: 102.5,
    status: 'warning',
    score: 0.5,
    weight: 2,
    key: true,
    samples: 16_358,
    reason: 'p95 102.5 ms misses < 100ms but meets < 150ms',
    budget: { allowed: 818, consumed: 1_024, burned: 1.2518 },
    ...overrides,
  };
}

export function gate(): SloGateData {
  return {
    schema: 'perf-flow/slo-gate@1',
    provenance: provenance(),
    guidance: guidance(),
    source: 'load-test',
    verdict: 'PARTIAL',
    score: 0.8333,
    scoring: { pass: 0.9, partial: 0.7 },
    failOn: ['FAIL', 'INCONCLUSIVE'],
    failed: false,
    reasons: ['p95 under 100ms missed its target but met its warning threshold.'],
    slos: [
      sloEvaluation(),
      sloEvaluation({
        name: 'orders error rate',
        sli: 'error_rate',
        journey: 'create order',
        target: '< 0.5%',
        warning: undefined,
        observed: 0.00244,
        status: 'pass',
        score: 1,
        weight: 1,
        key: false,
        samples: 4_000,
        reason: 'error rate 0.24% meets < 0.5%',
        budget: { allowed: 20, consumed: 12, burned: 0.6 },
      }),
      sloEvaluation({
        name: 'throughput floor',
        sli: 'throughput',
        target: '>= 400rps',
        warning: undefined,
        observed: 498.7,
        status: 'pass',
        score: 1,
        weight: 1,
        key: false,
        samples: 30,
        reason: 'throughput meets >= 400rps',
        budget: null,
      }),
    ],
  };
}

export function inconclusiveGate(): SloGateData {
  return {
    ...gate(),
    verdict: 'INCONCLUSIVE',
    score: null,
    failed: true,
    reasons: ['Too few samples: 12 requests, at least 100 needed to judge p95.'],
    slos: [
      sloEvaluation({
        observed: null,
        status: 'inconclusive',
        score: 0,
        samples: 12,
        reason: 'too few samples',
        budget: null,
      }),
    ],
  };
}

export function summary(): SummaryData {
  return {
    schema: 'perf-flow/summary@1',
    provenance: provenance(),
    guidance: guidance(),
    verdict: 'PARTIAL',
    headline: 'p95 102.5 ms misses the 100 ms target; error rate within budget.',
    stagesPresent: [
      'baseline',
      'profile-analysis',
      'optimization-plan',
      'load-test',
      'slo-gate',
      'summary',
    ],
    stagesMissing: [],
    comparison: {
      source: "the default branch's run 41 (commit 1111111aaaaa)",
      beforeCreatedAt: '2026-11-02T09:00:00.000Z',
      beforeCommit: '1111111aaaaaaa',
      rows: [
        {
          metric: 'latency.p95',
          before: 91.3,
          after: 102.5,
          changePct: 12.267,
          better: false,
        },
        {
          metric: 'throughput',
          before: 470,
          after: 498.7,
          changePct: 6.106,
          better: true,
        },
        {
          metric: 'error_rate',
          journey: 'create order',
          before: 0,
          after: 0.01,
          changePct: null,
          better: false,
        },
      ],
    },
    comparisonNote: null,
    nextSteps: ['Apply plan item 1: Cache serialized user lists.'],
  };
}

/** Every stage's data at once, as the summary stage would read them. */
export function allStages() {
  return {
    summary: summary(),
    baseline: baseline(),
    profile: profile(),
    plan: plan(),
    loadTest: loadTest(),
    gate: gate(),
  };
}

// --- reading rendered markdown back -----------------------------------------------------

/** A row's cells, splitting on pipes that are not backslash-escaped. */
export function cells(row: string): string[] {
  const out: string[] = [];
  let current = '';
  for (let i = 0; i < row.length; i++) {
    const c = row[i];
    if (c === '\\') {
      current += c + (row[i + 1] ?? '');
      i++;
    } else if (c === '|') {
      out.push(current.trim());
      current = '';
    } else {
      current += c;
    }
  }
  out.push(current.trim());
  // A row starts and ends with a pipe: drop the empty edges.
  return out.slice(1, -1);
}

/** Every GFM table in the markdown, as arrays of rows of cells (header first, delimiter dropped). */
export function tables(markdown: string): string[][][] {
  const found: string[][][] = [];
  let current: string[] | null = null;
  for (const line of [...markdown.split('\n'), '']) {
    if (line.startsWith('|')) {
      (current ??= []).push(line);
    } else if (current !== null) {
      found.push(current.filter((_, i) => i !== 1).map(cells));
      current = null;
    }
  }
  return found;
}

/** The table whose header row starts with these cells. */
export function tableWithHeader(markdown: string, ...header: string[]): string[][] {
  const match = tables(markdown).find((t) => header.every((h, i) => t[0]?.[i] === h));
  if (match === undefined) throw new Error(`no table with header ${header.join(' | ')}`);
  return match;
}

/** The first body row whose first cell is `first`. */
export function rowStartingWith(table: string[][], first: string): string[] {
  const row = table.slice(1).find((r) => r[0] === first);
  if (row === undefined) throw new Error(`no row starting with ${first}`);
  return row;
}

/** Every table has as many cells in each row as in its header, and a delimiter row. */
export function expectWellFormedTables(markdown: string): void {
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (!line.startsWith('|') || (lines[i - 1] ?? '').startsWith('|')) continue;
    const width = cells(line).length;
    const delimiter = lines[i + 1] ?? '';
    if (!/^\|(\s*:?-+:?\s*\|)+$/.test(delimiter)) {
      throw new Error(`table at line ${i + 1} has no delimiter row: ${delimiter}`);
    }
    for (let j = i + 1; (lines[j] ?? '').startsWith('|'); j++) {
      const got = cells(lines[j] ?? '').length;
      if (got !== width) {
        throw new Error(`line ${j + 1} has ${got} cells, header has ${width}: ${lines[j]}`);
      }
    }
  }
}

/** The markdown outside fenced code blocks (where text is shown verbatim, not rendered). */
export function outsideCode(markdown: string): string {
  return markdown.replace(/^(`{3,})[^\n]*\n[\s\S]*?\n\1$/gm, '');
}

/** Values of each `line [...]` in the markdown's Mermaid charts. */
export function chartLines(markdown: string): number[][] {
  return [...markdown.matchAll(/^\s*line \[([^\]]*)\]$/gm)].map((m) =>
    (m[1] ?? '').split(',').map((v) => Number(v.trim())),
  );
}
