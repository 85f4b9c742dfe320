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
  selfMs: z.number().nonnegative(),
  totalMs: z.number().nonnegative(),
  /** Share of all non-idle samples, 0..1. */
  selfShare: z.number().min(0).max(1),
  totalShare: z.number().min(0).max(1),
  category: z.string(),
});
export type Hotspot = z.infer<typeof Hotspot>;

export const CpuAnalysis = z.object({
  profileFiles: z.array(z.string()),
  /** Profiles left out of the figures (a wrapper such as npm that mostly waits), and why. */
  excludedProfiles: z.array(z.object({ file: z.string(), reason: z.string() })).optional(),
  sampleCount: z.number().int().nonnegative(),
  /** Wall time the profile covers, ms. */
  durationMs: z.number().nonnegative(),
  /** Time on CPU (all samples but idle), ms. */
  activeMs: z.number().nonnegative(),
  idleShare: z.number().min(0).max(1),
  gcShare: z.number().min(0).max(1),
  programShare: z.number().min(0).max(1),
  topSelf: z.array(Hotspot),
  topTotal: z.array(Hotspot),
});
export type CpuAnalysis = z.infer<typeof CpuAnalysis>;

export const ProfileAnalysisData = z.object({
  ...header('profile-analysis'),
  status: z.enum(['analyzed', 'no-profile']),
  /** Why there is no profile, in words a user can act on. */
  reason: z.string().optional(),
  load: LoadParams,
  /** The SLIs under profiling (the profiler slows the service: not for the gate). */
  underProfiling: SliResult,
  cpu: CpuAnalysis.nullable(),
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
  steps: z.array(z.string()),
  expectedGain: z.object({
    /** Expected cut in the affected latency, percent, as a range. */
    latencyPctLow: z.number().nonnegative(),
    latencyPctHigh: z.number().nonnegative(),
    rationale: z.string(),
  }),
  effortDays: z.number().positive(),
  risk: z.enum(['low', 'medium', 'high']),
  roi: z.number().nonnegative(),
  successCriteria: z.array(z.string()),
  rollback: z.string(),
  /** Why the guidance moved this item, if it did. */
  guidanceNote: z.string().optional(),
});
export type PlanItem = z.infer<typeof PlanItem>;

export const OptimizationPlanData = z.object({
  ...header('optimization-plan'),
  items: z.array(PlanItem),
  /** What the plan rests on and what it could not use. */
  inputs: z.array(z.string()),
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
