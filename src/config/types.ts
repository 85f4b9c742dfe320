/** The parsed, normalised perf-flow.yml. Durations are milliseconds; paths are absolute. */

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

export interface LoadSettings {
  durationMs: number;
  warmupMs: number;
  /** Closed loop: this many connections, each sending as fast as the service answers. */
  connections: number;
  /** With a rate, the connections are throttled to this total rate. */
  rateRps?: number;
  requestTimeoutMs: number;
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
  profile: { durationMs: number; connections: number };
  failOn: Verdict[];
  /** Hosts besides loopback that load may go to. */
  allowedHosts: string[];
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
