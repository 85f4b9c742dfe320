import { z } from 'zod';
import { GeneratorHealth, LoadParams, ProcessStats, SliResult, TimelinePoint } from './common.js';

/** A figure perf-flow could not compute says why instead. */
const Figure = z.union([
  z.object({ value: z.number(), reason: z.null() }),
  z.object({ value: z.null(), reason: z.string() }),
]);

const SloStatus = z.enum(['pass', 'warning', 'fail', 'inconclusive']);

/** One step of the stress staircase: one arrival rate held for the step's duration. */
export const StressStep = z.object({
  rateRps: z.number().positive(),
  achievedRps: z.number().nonnegative(),
  load: LoadParams,
  overall: SliResult,
  slos: z.array(z.object({ name: z.string(), status: SloStatus, observed: z.number().nullable() })),
  generator: GeneratorHealth,
  /** What broke at this step, in words; null when it held. */
  broke: z.string().nullable(),
});
export type StressStep = z.infer<typeof StressStep>;

export const StressResult = z.object({
  steps: z.array(StressStep),
  /** The highest rate whose step met every SLO before the first that broke; null if none did. */
  breakingPointRps: z.number().nullable(),
  /** What that step actually served. */
  breakingPointAchievedRps: z.number().nullable(),
  /** The true breaking point may be higher (the generator saturated first, or nothing broke). */
  lowerBound: z.boolean(),
  brokenAtRps: z.number().nullable(),
  cause: z.enum(['slo', 'errors', 'throughput', 'generator-saturated', 'not-reached']),
  brokenSlos: z.array(z.object({ name: z.string(), status: z.enum(['warning', 'fail']) })),
  reason: z.string(),
  service: ProcessStats.nullable(),
});
export type StressResult = z.infer<typeof StressResult>;

const PhaseLevel = z.object({
  p95Ms: z.number().nullable(),
  errorRate: z.number().nullable(),
  seconds: z.number().int().nonnegative(),
  secondsWithRequests: z.number().int().nonnegative(),
});

export const SpikeResult = z.object({
  load: LoadParams,
  overall: SliResult,
  timeline: z.array(TimelinePoint),
  generator: GeneratorHealth,
  service: ProcessStats.nullable(),
  /** Timeline seconds where the peak starts and ends (recovery counts from the end). */
  peakStartSecond: z.number().int().nonnegative(),
  peakEndSecond: z.number().int().nonnegative(),
  pre: PhaseLevel,
  peak: PhaseLevel.extend({ p95MaxMs: z.number().nullable() }),
  /** What a second must stay within to count as recovered. */
  limits: z.object({ p95Ms: z.number(), errorRate: z.number() }).nullable(),
  tolerance: z.number().positive(),
  /** Seconds from the end of the peak until the service was back; null if it never was. */
  recoverySeconds: z.number().nonnegative().nullable(),
  reason: z.string(),
});
export type SpikeResult = z.infer<typeof SpikeResult>;

const Drift = z.object({
  perMinute: z.number().nullable(),
  perMinuteLow: z.number().nullable(),
  perMinuteHigh: z.number().nullable(),
  points: z.number().int().nonnegative(),
  mean: z.number().nullable(),
  driftOverRun: z.number().nullable(),
  threshold: z.number().nullable(),
  verdict: z.enum(['stable', 'degrading', 'improving', 'inconclusive']),
  reason: z.string(),
});

export const MemoryTrend = z.object({
  verdict: z.enum(['leak', 'no-leak', 'inconclusive']),
  source: z.enum(['heap-after-gc', 'heap-lows', 'rss-lows']),
  bytesPerMinute: z.number().nullable(),
  bytesPerMinuteLow: z.number().nullable(),
  bytesPerMinuteHigh: z.number().nullable(),
  projectedBytesPerHour: z.number().nullable(),
  growthOverRun: z.number().nullable(),
  threshold: z.number().nullable(),
  startBytes: z.number().nullable(),
  /** The lows the trend was fitted on, ms since the soak started. */
  lows: z.array(z.object({ t: z.number(), bytes: z.number() })),
  reason: z.string(),
});
export type MemoryTrend = z.infer<typeof MemoryTrend>;

export const SoakResult = z.object({
  load: LoadParams,
  overall: SliResult,
  timeline: z.array(TimelinePoint),
  generator: GeneratorHealth,
  service: ProcessStats.nullable(),
  throughputDrift: Drift,
  p95Drift: Drift,
  memory: MemoryTrend,
});
export type SoakResult = z.infer<typeof SoakResult>;

export const CapacityResult = z.object({
  /** Requests per second per vCPU of the service's CPU time, in the steady load. */
  rpsPerVcpu: Figure,
  breakingPointRps: z.number().nullable(),
  breakingPointIsLowerBound: z.boolean(),
  peakRps: z.number().nullable(),
  /** Where peakRps came from: the config's capacity.peak-rate or the load test's rate. */
  peakSource: z.enum(['config', 'load-test rate', 'none']),
  growth: z.number().positive(),
  targetUtilization: z.number().positive(),
  rpsPerInstance: Figure,
  instancesNow: Figure,
  instancesAfterGrowth: Figure,
  costPerMillionRequests: Figure,
  currency: z.string(),
  /** The counts may be more than needed: the breaking point was a lower bound. */
  upperBounds: z.boolean(),
});
export type CapacityResult = z.infer<typeof CapacityResult>;
