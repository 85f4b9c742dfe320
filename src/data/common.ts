import { z } from 'zod';
import { decodeHistogram } from '../measure/histogram.js';

/** Latency in milliseconds (fractional: the histograms keep microseconds). */
export const LatencyStats = z.object({
  count: z.number().int().nonnegative(),
  min: z.number(),
  mean: z.number(),
  p50: z.number(),
  p90: z.number(),
  p95: z.number(),
  p99: z.number(),
  max: z.number(),
});
export type LatencyStats = z.infer<typeof LatencyStats>;

/** Why `encoded` is not a histogram perf-flow wrote, or null when it decodes. */
function histogramProblem(encoded: string): string | null {
  try {
    decodeHistogram(encoded);
    return null;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return `not a valid HDR histogram (${reason || 'it does not decode'}); measure again`;
  }
}

/** The service-level indicators of one load phase, for one journey or all together. */
export const SliResult = z.object({
  /** Requests sent in the measured window (warm-up excluded) that completed or failed. */
  requests: z.number().int().nonnegative(),
  /** Responses with status >= 400, plus transport errors and timeouts. */
  errors: z.number().int().nonnegative(),
  /** Responses with status >= 500, plus transport errors and timeouts: what availability counts. */
  serverErrors: z.number().int().nonnegative(),
  timeouts: z.number().int().nonnegative(),
  transportErrors: z.number().int().nonnegative(),
  statusCodes: z.record(z.string(), z.number().int().nonnegative()),
  durationSec: z.number().nonnegative(),
  throughputRps: z.number().nonnegative(),
  /** errors / requests, 0..1. */
  errorRate: z.number().min(0).max(1),
  /** 1 - serverErrors / requests, 0..1. */
  availability: z.number().min(0).max(1),
  /**
   * Latency of completed responses (any status) and of timed-out requests, each timeout
   * recorded at the request timeout: a censored value, the true latency being at least that,
   * so a percentile at or above the timeout is a lower bound. Transport errors have no
   * latency and are not in it. Figures read at the top of their HDR bucket (never below the
   * latency measured, less than 0.1% above it: measure/histogram.ts readingMs).
   */
  latency: LatencyStats,
  /**
   * HDR histogram of the same latencies in microseconds, hdr-histogram-js compressed base64.
   * Validated by decoding it once, so a damaged file is refused when it is read rather than
   * failing whatever reads the histogram later.
   */
  histogram: z.string().superRefine((encoded, ctx) => {
    const problem = histogramProblem(encoded);
    if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
  }),
});
export type SliResult = z.infer<typeof SliResult>;

/** One second of a load phase, measured window only; `second` counts from its start. */
export const TimelinePoint = z.object({
  second: z.number().int().nonnegative(),
  requests: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  p50: z.number(),
  p95: z.number(),
  p99: z.number(),
  /** This second's latencies (HDR, µs): what lets shards' timelines merge exactly. */
  histogram: z.string().optional(),
});
export type TimelinePoint = z.infer<typeof TimelinePoint>;

export const ProcessSample = z.object({
  /** Milliseconds since sampling started. */
  t: z.number().nonnegative(),
  /** CPU of the whole process tree in the interval, percent of one core (200 = two cores busy). */
  cpuPercent: z.number().nonnegative(),
  rssBytes: z.number().nonnegative(),
  processes: z.number().int().nonnegative(),
});
export type ProcessSample = z.infer<typeof ProcessSample>;

export const ProcessStats = z.object({
  cpuSeconds: z.number().nonnegative(),
  cpuPercentMean: z.number().nonnegative(),
  cpuPercentMax: z.number().nonnegative(),
  rssMeanBytes: z.number().nonnegative(),
  rssMaxBytes: z.number().nonnegative(),
  samples: z.array(ProcessSample),
});
export type ProcessStats = z.infer<typeof ProcessStats>;

/** One stretch of an open-model run at one arrival rate (a stepped or spiking rate has several). */
export const ArrivalPhase = z.object({
  rateRps: z.number().positive(),
  durationMs: z.number().positive(),
});
export type ArrivalPhase = z.infer<typeof ArrivalPhase>;

/**
 * How a load phase was generated. Closed loop: `connections` each send as fast as the service
 * answers (a `rateRps` throttles them). Open model: requests arrive at `rateRps` (or per
 * `phases`) whatever the service does, over at most `connections` connections.
 */
export const LoadParams = z.object({
  model: z.enum(['closed', 'open']),
  tool: z.string(),
  connections: z.number().int().positive(),
  rateRps: z.number().positive().optional(),
  /** Open model: how arrivals are spaced. */
  arrival: z.enum(['uniform', 'poisson']).optional(),
  /** Open model with more than one rate: the measured window's phases, in order. */
  phases: z.array(ArrivalPhase).optional(),
  durationMs: z.number().nonnegative(),
  warmupMs: z.number().nonnegative(),
  requestTimeoutMs: z.number().positive(),
});
export type LoadParams = z.infer<typeof LoadParams>;

/**
 * The load generator watching itself over the measured window. Past its thresholds the
 * figures measure the generator, not the service: `saturated`, with the reasons.
 */
export const GeneratorHealth = z.object({
  /** Event-loop utilisation of the generator's process, 0..1. */
  eventLoopUtilization: z.number().min(0).max(1),
  /** CPU time of the generator's process over wall time: 1 is one core busy. */
  cpuCores: z.number().nonnegative(),
  /** Open model: how late requests were sent against their schedule, ms; null for closed loop. */
  sendLagMs: z.object({ p50: z.number(), p99: z.number(), max: z.number() }).nullable(),
  /** Open model: requests sent more than `lateThresholdMs` after their scheduled time. */
  lateStarts: z.number().int().nonnegative().nullable(),
  lateThresholdMs: z.number().nonnegative().nullable(),
  /** Open model: requests scheduled in the window but never sent (the run's bound stopped them). */
  unsent: z.number().int().nonnegative().nullable(),
  saturated: z.boolean(),
  /** Why it counts as saturated, in words; empty when it does not. */
  reasons: z.array(z.string()),
});
export type GeneratorHealth = z.infer<typeof GeneratorHealth>;

/** Everything needed to say how a result was obtained and to reproduce it. */
export const Provenance = z.object({
  tool: z.string(),
  createdAt: z.string(),
  commit: z.string().nullable(),
  configPath: z.string(),
  configHash: z.string(),
  /** Command lines: perf-flow's own, and the service's build and start. */
  commands: z.array(z.string()),
  node: z.string(),
  platform: z.string(),
  cpuModel: z.string(),
  cpuCount: z.number().int().positive(),
  totalMemoryBytes: z.number().nonnegative(),
  /** Versions of the tools that measured: autocannon, hdr-histogram-js, ... */
  versions: z.record(z.string(), z.string()),
});
export type Provenance = z.infer<typeof Provenance>;

export const GuidanceData = z.object({
  text: z.string().optional(),
  trigger: z.string().optional(),
  focus: z.array(z.string()),
  targets: z.array(z.string()),
  applied: z.array(z.string()),
});
export type GuidanceData = z.infer<typeof GuidanceData>;

export const Verdict = z.enum(['PASS', 'PARTIAL', 'FAIL', 'INCONCLUSIVE']);
