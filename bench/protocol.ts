// What bench/loadgen.ts asks bench/runner.ts to run, and what the runner prints back: one
// generator configuration per child process, so that each Node generator has a process (and,
// pinned with taskset, a core) of its own. Likewise bench/profile.ts and its worker.

export type NodeGenerator = 'perf-flow-closed' | 'perf-flow-open' | 'autocannon';

export interface RunRequest {
  generator: NodeGenerator;
  /** Full URL of the journey, loopback only. */
  url: string;
  connections: number;
  /** Measured window. */
  durationMs: number;
  /** perf-flow generators only: a warm-up before the measured window, not counted. */
  warmupMs: number;
  /** Offered rate; absent: as fast as the generator goes (closed loop only). */
  rateRps?: number;
  requestTimeoutMs: number;
}

export interface RunReport {
  generator: NodeGenerator;
  offeredRps: number | null;
  /** Successful (2xx/3xx) responses per second in the measured window. */
  throughputRps: number;
  requests: number;
  errors: number;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  /** The generator's own verdict on itself (perf-flow's GeneratorHealth); null when it has none. */
  saturated: boolean | null;
  reasons: string[];
  /** perf-flow's GeneratorHealth as returned, for the raw results file. */
  health: unknown;
}

/** The runner prints exactly one line starting with this, then the JSON report. */
export const REPORT_PREFIX = 'BENCH-REPORT ';

/** bench:profile's worker prints one line starting with this, then a ProfileMeasurement. */
export const WORKER_PREFIX = 'BENCH-PROFILE ';

/** What a bench:profile worker does with the file: a peer's bare read, or perf-flow's path. */
export type WorkerMode = 'json-parse' | 'pprof-decode' | 'perf-flow';

export interface ProfileMeasurement {
  mode: WorkerMode;
  ms: number;
  /** Resident set at the start and its peak (VmHWM) at the end, bytes. */
  baseRss: number;
  peakRss: number;
  /** Something the result depends on, so that no step can be skipped as unused. */
  checksum: number;
}
