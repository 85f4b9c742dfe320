import { performance } from 'node:perf_hooks';
import type { JourneyConfig } from '../config/types.js';
import type { GeneratorHealth, LoadParams } from '../data/common.js';
import type { GeneratorMonitor, SendFigures } from './generator-health.js';
import { startGeneratorMonitor } from './generator-health.js';
import type { RecordedLoad } from './load-recorder.js';
import type { LoadProgress, LoadRunResult } from './types.js';

/** How long a stopped run waits for its connections to close before it settles anyway. */
export const STOP_GRACE_MS = 1000;
const PROGRESS_INTERVAL_MS = 1000;
const DEADLINE_SLACK_MS = 10_000;

/**
 * How long a run may take before it counts as overrun: its own length (`runMs`), the last
 * requests' timeout after it, and slack for a slow machine.
 */
export function runDeadlineMs(runMs: number, requestTimeoutMs: number): number {
  return runMs + requestTimeoutMs + DEADLINE_SLACK_MS;
}

/** Resolves when `promise` settles or after `ms`, whichever comes first; never rejects. */
export function settleWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    promise.then(done, done);
  });
}

export interface RunClock {
  /** performance.now() at the run's start. */
  startedAt: number;
  warmupMs: number;
  /** Warm-up and measured window together. */
  totalMs: number;
}

/**
 * Reports progress once a second until the returned timer is cleared; nothing (undefined)
 * without `onProgress`. A throw from `onProgress` goes to `onError`, which should end the run.
 */
export function startProgressTimer(
  onProgress: ((progress: LoadProgress) => void) | undefined,
  clock: RunClock,
  onError: (error: unknown) => void,
): NodeJS.Timeout | undefined {
  if (!onProgress) return undefined;
  return setInterval(() => {
    const elapsedMs = performance.now() - clock.startedAt;
    try {
      onProgress({
        phase: elapsedMs < clock.warmupMs ? 'warm-up' : 'measure',
        elapsedMs,
        remainingMs: Math.max(0, clock.totalMs - elapsedMs),
      });
    } catch (error) {
      onError(error);
    }
  }, PROGRESS_INTERVAL_MS);
}

export interface WindowMonitor {
  /** See GeneratorMonitor.addSpinWait; ignored outside the measured window. */
  addSpinWait(ms: number): void;
  /** Starts the monitor if the window never started (a run ended early), and judges. */
  finish(sends?: SendFigures): GeneratorHealth;
  /** Clears the timers that start and stop the monitor. */
  clearTimers(): void;
}

/**
 * The generator watches itself over the measured window only, from the end of the warm-up
 * to `totalMs`: the warm-up's connection set-up is not the steady state it is judged on.
 */
export function watchMeasuredWindow(warmupMs: number, totalMs: number): WindowMonitor {
  let monitor: GeneratorMonitor | undefined;
  const start = (): GeneratorMonitor => (monitor ??= startGeneratorMonitor());
  const startTimer = warmupMs > 0 ? setTimeout(start, warmupMs) : undefined;
  if (warmupMs === 0) start();
  const stopTimer = setTimeout(() => monitor?.stop(), totalMs);
  return {
    addSpinWait: (ms) => monitor?.addSpinWait(ms),
    finish: (sends) => start().finish(sends),
    clearTimers: () => {
      clearTimeout(startTimer);
      clearTimeout(stopTimer);
    },
  };
}

/** A run's result: what the recorder measured, each journey named as configured. */
export function loadRunResult(
  journeys: readonly JourneyConfig[],
  recorded: RecordedLoad,
  load: LoadParams,
  generator: GeneratorHealth,
): LoadRunResult {
  return {
    overall: recorded.overall,
    timeline: recorded.timeline,
    journeys: journeys.map((journey, i) => ({
      name: journey.name,
      method: journey.method,
      path: journey.path,
      result: recorded.journeys[i]?.result ?? recorded.overall,
      timeline: recorded.journeys[i]?.timeline ?? [],
    })),
    load,
    generator,
  };
}
