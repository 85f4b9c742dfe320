import { z } from 'zod';
import { RegressionResult } from './regression.js';
import {
  GeneratorHealth,
  GuidanceData,
  LoadParams,
  ProcessStats,
  Provenance,
  SliResult,
  TimelinePoint,
  Verdict,
} from './common.js';
import { CapacityResult, SoakResult, SpikeResult, StressResult } from './scenarios.js';

export const STAGES = [
  'baseline',
  'profile-analysis',
  'optimization-plan',
  'load-test',
  'slo-gate',
  'summary',
] as const;
export type Stage = (typeof STAGES)[number];

/** Bump a stage's major when a reader of the old shape would misread the new one. */
export const SCHEMA_MAJOR: Record<Stage, number> = {
  baseline: 1,
  'profile-analysis': 1,
  'optimization-plan': 1,
  // 2: scenarios (stress, spike, soak) beside the steady load, which became optional.
  'load-test': 2,
  'slo-gate': 1,
  summary: 1,
};

const header = <S extends Stage>(stage: S) => ({
  schema: z.literal(`perf-flow/${stage}@${SCHEMA_MAJOR[stage]}`),
  provenance: Provenance,
  guidance: GuidanceData,
});

export const SloDefinition = z.object({
  name: z.string(),
  sli: z.string(),
  journey: z.string().optional(),
  target: z.string(),
  warning: z.string().optional(),
  weight: z.number(),
  key: z.boolean(),
  source: z.enum(['config', 'guidance']),
});

export const JourneyResult = z.object({
  name: z.string(),
  method: z.string(),
  path: z.string(),
  result: SliResult,
  timeline: z.array(TimelinePoint),
});
export type JourneyResult = z.infer<typeof JourneyResult>;

export const BaselineData = z.object({
  ...header('baseline'),
  load: LoadParams,
  journeys: z.array(JourneyResult),
  /**
   * All journeys as the configured mix would see them: latency and error rates weight each
   * journey by its configured weight (each ran alone, at its own speed), and the error
   * counts follow those rates; requests and status codes are the plain sums.
   */
  overall: SliResult,
  /** CPU and RSS of the service's process tree; null when perf-flow did not start it. */
  service: ProcessStats.nullable(),
  /** The generator watching itself, over all journeys' runs (saturated if any run was). */
  generator: GeneratorHealth.optional(),
  slos: z.array(SloDefinition),
});
export type BaselineData = z.infer<typeof BaselineData>;

export const Hotspot = z.object({
  functionName: z.string(),
  /** Path relative to the repository when inside it, else the URL as the profile has it. */
  file: z.string().nullable(),
  /** 1-based. */
  line: z.number().int().nullable(),
  column: z.number().int().nullable(),
  /** Null when the profiles count samples without saying how long one lasts (folded stacks). */
  selfMs: z.number().nonnegative().nullable(),
  totalMs: z.number().nonnegative().nullable(),
  /** Share of all non-idle samples, 0..1. */
  selfShare: z.number().min(0).max(1),
  totalShare: z.number().min(0).max(1),
  category: z.string(),
  /**
   * Amdahl's bound, 0..1: the most a request's latency could drop if the function cost
   * nothing (its total share of the CPU work, times the share of the time the service was on
   * CPU under the load; the share alone when the profiles cannot say).
   */
  latencyCutBound: z.number().min(0).max(1).optional(),
  /**
   * The journeys that make the function work (its share of the CPU time while each journey ran
   * alone, at least 1%), most first; absent when the journeys were not run alone.
   */
  journeys: z.array(z.object({ journey: z.string(), share: z.number().min(0).max(1) })).optional(),
  /** The lines around `line`, when the file is in the repository. */
  excerpt: z
    .object({ firstLine: z.number().int().positive(), lines: z.array(z.string()) })
    .optional(),
});
export type Hotspot = z.infer<typeof Hotspot>;

export const CpuAnalysis = z.object({
  profileFiles: z.array(z.string()),
  /** Profiles left out of the figures (a wrapper such as npm that mostly waits), and why. */
  excludedProfiles: z.array(z.object({ file: z.string(), reason: z.string() })).optional(),
  /** The formats the profiles came in (cpuprofile, pprof, speedscope, folded). */
  formats: z.array(z.string()).optional(),
  /** What selfMs and the like measure: times, or sample counts (then the ms fields are null). */
  unit: z.enum(['ms', 'samples']).default('ms'),
  sampleCount: z.number().int().nonnegative(),
  /** Wall time the profile covers, ms; null when the profiles have no timeline. */
  durationMs: z.number().nonnegative().nullable(),
  /** Time on CPU (all samples but idle), ms; null for sample counts. */
  activeMs: z.number().nonnegative().nullable(),
  /**
   * Share of the load's wall time the profiled processes were on CPU, 0..1 (per process); null
   * when the profiles have no timeline.
   */
  utilization: z.number().min(0).max(1).nullable().optional(),
  idleShare: z.number().min(0).max(1),
  gcShare: z.number().min(0).max(1),
  programShare: z.number().min(0).max(1),
  topSelf: z.array(Hotspot),
  topTotal: z.array(Hotspot),
});
export type CpuAnalysis = z.infer<typeof CpuAnalysis>;

/** The service's runtime while the profile was taken, from perf-flow's probe (Node only). */
export const RuntimeSummary = z.object({
  /** Node processes that reported, and the seconds of samples inside the load. */
  processes: z.number().int().nonnegative(),
  seconds: z.number().int().nonnegative(),
  /** Event-loop delay beyond the monitor's 10 ms resolution: the worst second's p99, the max. */
  eventLoopDelayMs: z.object({ p99: z.number().nullable(), max: z.number().nullable() }),
  gc: z.object({
    /** Share of the wall time the busiest process spent in GC pauses, 0..1. */
    pauseShare: z.number().min(0).max(1),
    pausesPerSecond: z.number().nonnegative(),
    /** Pause durations, ms; null without pauses. */
    pauseMs: z.object({ p50: z.number(), p99: z.number(), max: z.number() }).nullable(),
    byKind: z.record(z.string(), z.object({ count: z.number().int(), totalMs: z.number() })),
  }),
  /** Heap used at the first and the last second (busiest process), bytes. */
  heapUsedBytes: z.object({ first: z.number(), last: z.number() }).nullable(),
  /** The memory-leak analysis of the soak scenario over the profile's seconds. */
  heapTrend: z
    .object({
      verdict: z.string(),
      bytesPerMinute: z.number().nullable(),
      reason: z.string(),
    })
    .nullable(),
  activeResourcesMax: z.number().int().nullable(),
  /** Second by second from the load's start (busiest process; delay: the worst process's). */
  timeline: z
    .array(
      z.object({
        second: z.number().int().nonnegative(),
        eventLoopDelayP99Ms: z.number().nullable(),
        gcPauseMs: z.number().nonnegative(),
        heapUsedBytes: z.number().nonnegative(),
      }),
    )
    .default([]),
});
export type RuntimeSummary = z.infer<typeof RuntimeSummary>;

export const DIAGNOSIS_KINDS = [
  'cpu-bound',
  'event-loop-blocking',
  'gc-pressure',
  'io-wait',
  'memory-growth',
  'nothing-found',
] as const;

/** One conclusion about where the time goes, with what supports it. */
export const Finding = z.object({
  kind: z.enum(DIAGNOSIS_KINDS),
  confidence: z.enum(['high', 'medium', 'low']),
  summary: z.string(),
  evidence: z.array(z.string()),
  /** The functions the finding names (blocking calls, the top of a CPU-bound profile). */
  functions: z
    .array(
      z.object({
        functionName: z.string(),
        file: z.string().nullable(),
        line: z.number().int().nullable(),
        /** What the figure is: the longest blocking stretch, or the share of CPU time. */
        figure: z.string(),
      }),
    )
    .default([]),
});
export type Finding = z.infer<typeof Finding>;

/** What allocates: sampled allocations by function (heap profiles). */
export const AllocationAnalysis = z.object({
  profileFiles: z.array(z.string()),
  /** Bytes the samples stand for, all functions together. */
  sampledBytes: z.number().nonnegative(),
  top: z.array(
    z.object({
      functionName: z.string(),
      file: z.string().nullable(),
      line: z.number().int().nullable(),
      bytes: z.number().nonnegative(),
      /** Of sampledBytes, 0..1. */
      share: z.number().min(0).max(1),
      category: z.string(),
    }),
  ),
});
export type AllocationAnalysis = z.infer<typeof AllocationAnalysis>;

/** A function whose share of the CPU time changed from the base's profile to the head's. */
export const FunctionChange = z.object({
  functionName: z.string(),
  file: z.string().nullable(),
  line: z.number().int().nullable(),
  /** Self share of the active CPU time, 0..1. */
  baseShare: z.number().min(0).max(1),
  headShare: z.number().min(0).max(1),
  /** headShare - baseShare. */
  change: z.number(),
  /** Lines the head changed inside the function (git diff against the base). */
  changedLines: z.array(z.number().int().positive()),
});
export type FunctionChange = z.infer<typeof FunctionChange>;

/** What the service's PostgreSQL did under the profile's load (database: in the config). */
export const DatabaseAnalysisData = z.object({
  /** incomplete: the database could not be watched; `missing` says why. */
  status: z.enum(['complete', 'incomplete']),
  /** Host, port, database and user: never the password. */
  target: z.string(),
  /** Why the analysis is incomplete, or what it lacked (pg_stat_statements, rights). */
  missing: z.array(z.string()),
  /** Statements by their share of the database's time, literals removed. */
  top: z.array(
    z.object({
      text: z.string(),
      /** Null without pg_stat_statements: the figures then come from the sampling alone. */
      calls: z.number().nullable(),
      totalMs: z.number().nullable(),
      meanMs: z.number().nullable(),
      rows: z.number().nullable(),
      share: z.number().min(0).max(1),
      samples: z.number().int().nonnegative(),
      waits: z.record(z.string(), z.number()),
    }),
  ),
  /** Per journey, run alone: statements per HTTP request. */
  journeys: z.array(
    z.object({
      journey: z.string(),
      requests: z.number().int().nonnegative(),
      queriesPerRequest: z.number().nullable(),
      statements: z.array(
        z.object({
          text: z.string(),
          callsPerRequest: z.number(),
          rowsPerRequest: z.number(),
          meanMs: z.number(),
        }),
      ),
    }),
  ),
  findings: z.array(
    z.object({
      kind: z.enum([
        'n-plus-one',
        'missing-index',
        'lock-wait',
        'io-wait',
        'pool-saturated',
        'connections-near-limit',
      ]),
      summary: z.string(),
      evidence: z.array(z.string()),
      statement: z.string().optional(),
      journey: z.string().optional(),
      table: z.string().optional(),
      suggestedIndex: z.string().optional(),
    }),
  ),
  /** The sampling of pg_stat_activity over the load; null when it could not run. */
  activity: z
    .object({
      intervalMs: z.number().positive(),
      samples: z.number().int().nonnegative(),
      sessions: z.object({
        maxTotal: z.number(),
        meanTotal: z.number(),
        maxActive: z.number(),
        meanActive: z.number(),
        maxIdleInTransaction: z.number(),
      }),
      waitsByType: z.record(z.string(), z.number()),
      hiddenSamples: z.number().int().nonnegative(),
    })
    .nullable(),
});
export type DatabaseAnalysisData = z.infer<typeof DatabaseAnalysisData>;

export const ProfileAnalysisData = z.object({
  ...header('profile-analysis'),
  /** incomplete: the profile could not be had (a bad file, an endpoint that did not answer). */
  status: z.enum(['analyzed', 'no-profile', 'incomplete']),
  /** Why there is no profile, in words a user can act on. */
  reason: z.string().optional(),
  /**
   * Where the profiles came from: perf-flow's probes under its load, the service's pprof
   * endpoint under the same load (profile.pprof-url), or the files the user brought
   * (profile.files), which perf-flow analyses without running the service.
   */
  source: z.enum(['probe', 'pprof-url', 'files']).default('probe'),
  /** The load the probe's profile was taken under; absent for brought files. */
  load: LoadParams.optional(),
  /** The SLIs under profiling (the profiler slows the service: not for the gate). */
  underProfiling: SliResult.optional(),
  cpu: CpuAnalysis.nullable(),
  /** Who allocates, from the probe's sampled heap profile (or brought heap profiles). */
  allocations: AllocationAnalysis.optional(),
  /** The probe's runtime figures while the profile was taken; absent without the probe. */
  runtime: RuntimeSummary.optional(),
  /** What the profile and the runtime figures say, strongest first. */
  diagnosis: z.array(Finding).default([]),
  /** Base against head: the base profiled under the same load, and what moved (--base-ref). */
  differential: z
    .object({
      baseRef: z.string(),
      baseSha: z.string(),
      grew: z.array(FunctionChange),
      shrank: z.array(FunctionChange),
    })
    .optional(),
  /** The profiles merged, as folded stacks and an SVG flame graph (paths from the report dir). */
  views: z.object({ folded: z.string(), flameGraph: z.string() }).optional(),
  /** The service's PostgreSQL under the same load, when the config names it. */
  database: DatabaseAnalysisData.optional(),
});
export type ProfileAnalysisData = z.infer<typeof ProfileAnalysisData>;

export const PlanItem = z.object({
  id: z.string(),
  rank: z.number().int().positive(),
  title: z.string(),
  kind: z.string(),
  bucket: z.enum(['quick-win', 'strategic', 'major']),
  hypothesis: z.string(),
  evidence: z.array(z.string()),
  /** Ids of the findings the item rests on (the plan's `findings`); absent in older plans. */
  findings: z.array(z.string()).optional(),
  steps: z.array(z.string()),
  expectedGain: z.object({
    /** Expected cut in the affected latency, percent, as a range. */
    latencyPctLow: z.number().nonnegative(),
    latencyPctHigh: z.number().nonnegative(),
    /** The rise of the breaking point, percent, for an item that adds capacity directly. */
    capacityPct: z.number().nonnegative().optional(),
    rationale: z.string(),
  }),
  effortDays: z.number().positive(),
  risk: z.enum(['low', 'medium', 'high']),
  roi: z.number().nonnegative(),
  successCriteria: z.array(z.string()),
  /** How the change is tested: behaviour kept, cut measured, rollout; absent in older plans. */
  testing: z.array(z.string()).default([]),
  rollback: z.string(),
  /** Why the guidance moved this item, if it did. */
  guidanceNote: z.string().optional(),
  /** The model that wrote the item, when Claude refined or added it. */
  refinedBy: z.string().optional(),
});
export type PlanItem = z.infer<typeof PlanItem>;

/** Something the measurements showed, with the id plan items cite it by. */
export const PlanFinding = z.object({
  id: z.string(),
  kind: z.enum(['hotspot', 'gc', 'database', 'statement', 'slo-miss', 'diagnosis', 'load-test']),
  summary: z.string(),
  /**
   * The most an item citing this finding may promise, percent of latency: Amdahl's bound for
   * a share of CPU time, the rule's own estimate for a database finding; null when the finding
   * says where to look but bounds no gain (an SLO miss, a diagnosis).
   */
  gainBoundPct: z.number().min(0).max(100).nullable(),
});
export type PlanFinding = z.infer<typeof PlanFinding>;

/** Which plan the data holds, and why that one. */
export const PlanSource = z.object({
  plan: z.enum(['rule-based', 'refined']),
  /** The Claude model asked, when one was. */
  model: z.string().optional(),
  /** Why this plan is the one shown, e.g. "Claude's answer was not valid JSON". */
  reason: z.string(),
  /** What was left out of Claude's answer, and why. */
  notes: z.array(z.string()),
});
export type PlanSource = z.infer<typeof PlanSource>;

export const OptimizationPlanData = z.object({
  ...header('optimization-plan'),
  items: z.array(PlanItem),
  /** What the plan rests on and what it could not use. */
  inputs: z.array(z.string()),
  /** The findings items cite; absent in older plans. */
  findings: z.array(PlanFinding).optional(),
  /** Absent in older plans, which were all rule-based. */
  source: PlanSource.optional(),
});
export type OptimizationPlanData = z.infer<typeof OptimizationPlanData>;

export const ShardInfo = z.object({
  /** 1-based. */
  index: z.number().int().positive(),
  count: z.number().int().positive(),
});
export type ShardInfo = z.infer<typeof ShardInfo>;

export const SCENARIOS = ['load', 'stress', 'spike', 'soak'] as const;
export const ScenarioName = z.enum(SCENARIOS);
export type ScenarioName = z.infer<typeof ScenarioName>;

/** The steady load's figures: what the gate judges, the summary compares and shards merge. */
const steadyFields = {
  load: LoadParams,
  overall: SliResult,
  journeys: z.array(JourneyResult),
  timeline: z.array(TimelinePoint),
  service: ProcessStats.nullable(),
  /** The generator watching itself; absent in results of perf-flow before it did. */
  generator: GeneratorHealth.optional(),
};

export const LoadTestData = z
  .object({
    ...header('load-test'),
    /** The scenarios this run ran, in order. */
    scenarios: z.array(ScenarioName).min(1),
    /** Set on one shard's share of the load; a merged result lists the shards it holds. */
    shard: ShardInfo.optional(),
    mergedShards: z.number().int().positive().optional(),
    // The `load` scenario's figures at the top level, present exactly when it ran.
    load: steadyFields.load.optional(),
    overall: steadyFields.overall.optional(),
    journeys: steadyFields.journeys.optional(),
    timeline: steadyFields.timeline.optional(),
    service: steadyFields.service.optional(),
    generator: steadyFields.generator,
    stress: StressResult.optional(),
    spike: SpikeResult.optional(),
    soak: SoakResult.optional(),
    /** From the steady load's CPU and the stress's breaking point; absent when neither ran. */
    capacity: CapacityResult.optional(),
    /** Base against head (--base-ref): present when a base was given. */
    regression: RegressionResult.optional(),
    /** Why a base that was asked for could not be compared (its error ended the stage). */
    regressionProblem: z.string().optional(),
    /** baseline: artifact, and no stored run to compare with (a first run): said, not judged. */
    regressionNote: z.string().optional(),
    slos: z.array(SloDefinition),
  })
  .superRefine((data, ctx) => {
    for (const key of ['stress', 'spike', 'soak'] as const) {
      if ((data[key] !== undefined) !== data.scenarios.includes(key)) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `present exactly when the ${key} scenario ran`,
        });
      }
    }
    const ran = data.scenarios.includes('load');
    for (const key of ['load', 'overall', 'journeys', 'timeline', 'service'] as const) {
      if ((data[key] !== undefined) !== ran) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: ran
            ? 'the load scenario ran: its figures must be here'
            : 'only the load scenario writes this',
        });
      }
    }
  });
export type LoadTestData = z.infer<typeof LoadTestData>;

/** A load-test result whose steady load ran: every steady field present. */
export type SteadyLoadTest = LoadTestData & {
  [K in 'load' | 'overall' | 'journeys' | 'timeline']-?: NonNullable<LoadTestData[K]>;
} & { service: ProcessStats | null };

/** The load test's steady figures, or undefined when it ran only other scenarios. */
export function steadyLoad(data: LoadTestData | undefined): SteadyLoadTest | undefined {
  return data?.scenarios.includes('load') ? (data as SteadyLoadTest) : undefined;
}

export const ErrorBudget = z.object({
  /** Bad events the SLO allows in this run (requests over the latency, errors, failures). */
  allowed: z.number().nonnegative(),
  /** Bad events seen. */
  consumed: z.number().nonnegative(),
  /** consumed / allowed; above 1 the budget is exhausted. Null when nothing is allowed. */
  burned: z.number().nonnegative().nullable(),
});
export type ErrorBudget = z.infer<typeof ErrorBudget>;

export const SloEvaluation = z.object({
  name: z.string(),
  sli: z.string(),
  journey: z.string().optional(),
  target: z.string(),
  warning: z.string().optional(),
  /** In the SLI's canonical unit (ms, fraction, rps); null when not measurable. */
  observed: z.number().nullable(),
  status: z.enum(['pass', 'warning', 'fail', 'inconclusive']),
  score: z.number().min(0).max(1),
  weight: z.number().nonnegative(),
  key: z.boolean(),
  samples: z.number().int().nonnegative(),
  reason: z.string(),
  budget: ErrorBudget.nullable(),
});
export type SloEvaluation = z.infer<typeof SloEvaluation>;

export const SloGateData = z.object({
  ...header('slo-gate'),
  /** Which stage's measurements were judged. */
  source: z.enum(['load-test', 'baseline']),
  verdict: Verdict,
  score: z.number().min(0).max(1).nullable(),
  scoring: z.object({ pass: z.number(), partial: z.number() }),
  failOn: z.array(Verdict),
  failed: z.boolean(),
  reasons: z.array(z.string()),
  slos: z.array(SloEvaluation),
});
export type SloGateData = z.infer<typeof SloGateData>;

export const Comparison = z.object({
  metric: z.string(),
  journey: z.string().optional(),
  before: z.number(),
  after: z.number(),
  /** (after - before) / before * 100; null when before is 0. */
  changePct: z.number().nullable(),
  /** Whether the change is for the better, given which direction is good for the metric. */
  better: z.boolean().nullable(),
});
export type Comparison = z.infer<typeof Comparison>;

/** An earlier run's plan against this run: which items were implemented and what they gave. */
export const PlanOutcome = z.object({
  planCommit: z.string().nullable(),
  planCreatedAt: z.string(),
  /** Where the plan came from: "the previous run in this report directory", a default-branch run. */
  source: z.string(),
  /** Overall p95 in the plan's run and in this one, ms; null without a baseline on a side. */
  p95BeforeMs: z.number().nullable(),
  p95AfterMs: z.number().nullable(),
  /** The measured cut of the overall p95, percent (negative: it rose). */
  measuredCutPct: z.number().nullable(),
  /** What the implemented items predicted together, percent: their ranges added, at most 100. */
  predictedCutPct: z.object({ low: z.number(), high: z.number() }).nullable(),
  /** The measured cut below, within or above the predicted range; null when not both known. */
  verdict: z.enum(['below', 'within', 'above']).nullable(),
  items: z.array(
    z.object({
      id: z.string(),
      title: z.string(),
      predictedPct: z.object({ low: z.number(), high: z.number() }),
      /** implemented: a finding it cites was dealt with (a share halved, a finding gone). */
      status: z.enum(['implemented', 'not-implemented', 'unknown']),
      /** Its findings then and now, in words. */
      evidence: z.array(z.string()),
    }),
  ),
  notes: z.array(z.string()),
});
export type PlanOutcome = z.infer<typeof PlanOutcome>;

export const SummaryData = z.object({
  ...header('summary'),
  verdict: Verdict.nullable(),
  headline: z.string(),
  stagesPresent: z.array(z.string()),
  stagesMissing: z.array(z.string()),
  /** Before/after against an earlier result under the same load (see compare-with). */
  comparison: z
    .object({
      /** Where the "before" came from, in words: "the default branch's run 42 (commit ...)". */
      source: z.string(),
      beforeCreatedAt: z.string(),
      beforeCommit: z.string().nullable(),
      rows: z.array(Comparison),
    })
    .nullable(),
  /** Why there is no before/after, or what to bear in mind about the one there is. */
  comparisonNote: z.string().nullable(),
  nextSteps: z.array(z.string()),
  /** The earlier run's plan checked against this run; absent when there was none to check. */
  planOutcome: PlanOutcome.optional(),
});
export type SummaryData = z.infer<typeof SummaryData>;

export const DATA_SCHEMAS = {
  baseline: BaselineData,
  'profile-analysis': ProfileAnalysisData,
  'optimization-plan': OptimizationPlanData,
  'load-test': LoadTestData,
  'slo-gate': SloGateData,
  summary: SummaryData,
} as const;

export type StageData = {
  baseline: BaselineData;
  'profile-analysis': ProfileAnalysisData;
  'optimization-plan': OptimizationPlanData;
  'load-test': LoadTestData;
  'slo-gate': SloGateData;
  summary: SummaryData;
};
