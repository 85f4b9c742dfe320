import type { GeneratorHealth, LoadParams, SliResult, TimelinePoint } from '../data/common.js';

export interface JourneyLoadResult {
  name: string;
  method: string;
  path: string;
  result: SliResult;
  timeline: TimelinePoint[];
}

export interface LoadRunResult {
  overall: SliResult;
  journeys: JourneyLoadResult[];
  timeline: TimelinePoint[];
  load: LoadParams;
  /** The generator watching itself over the measured window: saturated, it measured itself. */
  generator: GeneratorHealth;
  /** Requests sent over the whole run, warm-up and those cut off at the end included (closed loop). */
  sentInRun?: number;
}

export interface LoadProgress {
  phase: 'warm-up' | 'measure';
  /** Since the run started, warm-up included. */
  elapsedMs: number;
  /** Until the whole run ends. */
  remainingMs: number;
}
