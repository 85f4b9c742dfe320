/** The parsed, normalised perf-flow.yml. Durations are milliseconds; paths are absolute. */

import type { DatabaseConfig } from './database.js';

export type Comparator = '<' | '<=' | '>' | '>=';

/**
 * Written in `service.url` ("http://127.0.0.1:${PORT}"): perf-flow picks a free loopback port,
 * passes it to the service as PORT and puts it here.
 */
export const PORT_PLACEHOLDER = '${PORT}';

export const SLI_NAMES = [
  'latency.p50',
  'latency.p90',
  'latency.p95',
  'latency.p99',
  'latency.max',
  'error_rate',
  'availability',
  'throughput',
] as const;
export type SliName = (typeof SLI_NAMES)[number];

export const VERDICTS = ['PASS', 'PARTIAL', 'FAIL', 'INCONCLUSIVE'] as const;
export type Verdict = (typeof VERDICTS)[number];

export const TRIGGERS = [
  'slo-breach',
  'capacity-planning',
  'cost-reduction',
  'user-complaint',
  'proactive',
  'new-feature',
] as const;
export type Trigger = (typeof TRIGGERS)[number];

export const FOCUS_AREAS = [
  'database',
  'api',
  'frontend',
  'cost',
  'latency',
  'throughput',
] as const;
export type FocusArea = (typeof FOCUS_AREAS)[number];

/**
 * A comparison such as "< 100ms", ">= 500rps", "<= 0.1%".
 * `value` is in the SLI's canonical unit: milliseconds for latency, a fraction (0..1) for
 * error_rate and availability, requests per second for throughput.
 */
export interface Threshold {
  op: Comparator;
  value: number;
  /** The text as the user wrote it, for reports. */
  text: string;
}

export interface SloConfig {
  name: string;
  sli: SliName;
  /** Absent: the SLO applies to all journeys together. */
  journey?: string;
  target: Threshold;
  /** Looser than target: missing the target but meeting this scores a warning (0.5). */
  warning?: Threshold;
  weight: number;
  key: boolean;
  source: 'config' | 'guidance';
}

export interface JourneyConfig {
  name: string;
  method: string;
  /** Path and query, starting with "/". */
  path: string;
  headers: Record<string, string>;
  body?: string;
  weight: number;
}

export interface ServiceConfig {
  build?: string;
  start?: string;
  /** May contain ${PORT}: perf-flow then picks a free loopback port and passes it as PORT. */
  url: string;
  /** Readiness path polled until it answers 2xx. */
  ready: string;
  env: Record<string, string>;
  /** Working directory of build and start, absolute. */
  cwd: string;
  startTimeoutMs: number;
  buildTimeoutMs: number;
  stopTimeoutMs: number;
}

export const LOAD_MODELS = ['open', 'closed'] as const;
/**
 * open: requests arrive at `rateRps` whatever the service does (no coordinated omission), each
 * timed from its send. closed: `connections` each send the next request when the
 * previous one is answered (throttled to `rateRps` when there is one).
 */
export type LoadModel = (typeof LOAD_MODELS)[number];

export const ARRIVALS = ['uniform', 'poisson'] as const;
/** How the open model spaces arrivals: evenly, or at random (exponential gaps) at the rate. */
export type Arrival = (typeof ARRIVALS)[number];

export interface LoadSettings {
  /** Always filled by the schema: open when a rate applies, unless the file says closed. */
  model: LoadModel;
  /** Open model only (always set for it, default poisson); absent for the closed model. */
  arrival?: Arrival;
  durationMs: number;
  warmupMs: number;
  /**
   * Closed model: this many connections, each sending as fast as the service answers.
   * Open model: the most connections the generator's pool may open.
   */
  connections: number;
  /** Open model: the arrival rate (always set). Closed model: a throttle on the connections. */
  rateRps?: number;
  requestTimeoutMs: number;
}

export const SCENARIO_NAMES = ['load', 'stress', 'spike', 'soak'] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

/**
 * How many requests a scenario may send. Scenario rates are open-model arrival rates:
 * `plannedRequests` is rate × duration summed over its phases; `maxRequests` adds room for
 * Poisson arrivals' chance variation, so a runner can stop at it without cutting a normal run.
 */
export interface RequestBound {
  plannedRequests: number;
  maxRequests: number;
}

/** A staircase of open-model rates, stopped early by errors, a failed SLO or a saturated generator. */
export interface StressConfig extends RequestBound {
  startRps: number;
  stepRps: number;
  stepDurationMs: number;
  /** The last step's rate is at most this. */
  maxRps: number;
  /** Stop once a step's error rate is above this fraction (0..1). */
  errorThreshold: number;
  /** Every step's rate, from startRps up to the last one at or below maxRps. */
  stepsRps: number[];
}

/** base → peak → base, measuring how the service recovers. */
export interface SpikeConfig extends RequestBound {
  baseRps: number;
  peakRps: number;
  beforeMs: number;
  spikeMs: number;
  afterMs: number;
  /** Recovered when a one-second p95 is within this fraction of the pre-spike level (0.2 = 20%). */
  tolerance: number;
}

/** A long steady open-model load, watching memory for a leak. */
export interface SoakConfig extends RequestBound {
  rateRps: number;
  durationMs: number;
  /** Growth of the post-GC memory lows over the run that counts as a leak. */
  leakThresholdBytes: number;
}

export interface ScenariosConfig {
  /** What the load-test stage runs, in this order, unless an input or flag overrides it. */
  run: ScenarioName[];
  stress: StressConfig;
  spike: SpikeConfig;
  soak: SoakConfig;
}

export interface CapacityConfig {
  /** Demand to plan for, as a multiple of today's peak (1.5 = 50% more). */
  growth: number;
  /** Today's peak demand; absent: the runner uses the load test's rate. */
  peakRps?: number;
  /** The share of an instance's capacity to plan to use, 0..1 (above 0). */
  targetUtilization: number;
  /** In `currency`; absent: capacity is reported in instances only. */
  instanceCostPerHour?: number;
  /** ISO 4217 code, upper case. */
  currency: string;
}

export const PLAN_DEPTHS = ['quick-wins', 'moderate', 'comprehensive'] as const;
/** quick-wins: items under a day only; moderate: no major refactoring; comprehensive: all. */
export type PlanDepth = (typeof PLAN_DEPTHS)[number];

export const RISK_TOLERANCES = ['low', 'medium', 'high'] as const;
/** low: high-risk items are left out; medium: they rank lower; high: ranked by ROI alone. */
export type RiskTolerance = (typeof RISK_TOLERANCES)[number];

/** How much of the plan to keep: set from the intake's investment, monitoring and timeline. */
export interface PlanConfig {
  depth: PlanDepth;
  riskTolerance: RiskTolerance;
}

/**
 * The guidance written in perf-flow.yml (by `perf-flow init`, or by hand). The inputs of the
 * same names (guidance, trigger, current-baseline, target, suspected-bottlenecks) replace a
 * field for one run.
 */
export interface GuidanceConfig {
  /** Free text, as the guidance input takes it. */
  text?: string;
  trigger?: Trigger;
  /** How the service does today, in the user's words: quoted in the reports, it sets nothing. */
  currentBaseline?: string;
  /** Read for targets ("p95 under 100ms" becomes a key SLO) and focus areas. */
  target?: string;
  /** Read for focus areas ("database queries": database). */
  suspectedBottlenecks?: string;
}

export interface ScoringConfig {
  /** Weighted score (0..1) at or above which the verdict is PASS. */
  pass: number;
  /** At or above this (and below pass) the verdict is PARTIAL; below it FAIL. */
  partial: number;
}

export interface Config {
  /** Absolute path of the perf-flow.yml it came from. */
  path: string;
  /** sha256 of the file's bytes, hex, first 16 characters. */
  hash: string;
  service: ServiceConfig;
  journeys: JourneyConfig[];
  slos: SloConfig[];
  scoring: ScoringConfig;
  /** The baseline's load, run per journey. */
  baseline: LoadSettings;
  /** The load-test stage's steady load over the weighted journey mix. */
  loadTest: LoadSettings;
  profile: {
    durationMs: number;
    connections: number;
    /** Profiles the user brings (any format perf-flow reads), absolute paths. */
    files: string[];
    /**
     * A pprof endpoint to fetch the CPU profile from under load: a path on the service, or a
     * URL (which may hold ${PORT}); perf-flow appends ?seconds=<duration>.
     */
    pprofUrl?: string;
  };
  scenarios: ScenariosConfig;
  capacity: CapacityConfig;
  regression: RegressionConfig;
  failOn: Verdict[];
  /** Hosts besides loopback that load may go to. */
  allowedHosts: string[];
  /** The service's PostgreSQL, watched during the profile's load when given. */
  database?: DatabaseConfig;
  /** The guidance section; absent when the file has none. */
  guidance?: GuidanceConfig;
  plan: PlanConfig;
}

export interface Guidance {
  text?: string;
  trigger?: Trigger;
  focus: FocusArea[];
  /** Targets stated in the text, as key SLOs (source 'guidance'). */
  targets: SloConfig[];
  /** Human-readable lines saying how the guidance was applied; every report prints them. */
  applied: string[];
}

/**
 * How far an SLI may get worse between base and head before the regression gate calls it a
 * regression. `ratio`: a relative change (latency, throughput); `difference`: an absolute one
 * in fractions (error rate, availability: a rate of zero has no ratio).
 */
export interface RegressionCriterion {
  sli: SliName;
  worse: 'higher' | 'lower';
  scale: 'ratio' | 'difference';
  /** The largest acceptable change in the worse direction, as a magnitude: 0.1 = 10% (> 0). */
  threshold: number;
}

export const REGRESSION_BASELINES = ['branch', 'artifact'] as const;

export interface RegressionConfig {
  /** One per SLI written in the section; the defaults when none is. */
  criteria: RegressionCriterion[];
  /** Two-sided confidence of every verdict: 0.95. */
  confidence: number;
  /** The most load the comparison may send, base and head together. */
  budgetMs: number;
  /** One block of load on one side; base and head alternate block by block. */
  blockMs: number;
  /** Measure the runner's noise first with head against head (A/A). */
  calibrate: boolean;
  /** branch: build and run the base ref here; artifact: the default branch's stored result. */
  baseline: (typeof REGRESSION_BASELINES)[number];
  baseRef?: string;
}
