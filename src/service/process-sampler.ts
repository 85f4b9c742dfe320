import { performance } from 'node:perf_hooks';
import type { ProcessSample, ProcessStats } from '../data/common.js';
import { createTreeSampler } from './process-tree.js';
import type { TreeSampler, TreeSnapshot } from './process-tree.js';

export interface ProcessSampler {
  /** Stops sampling and summarises; later calls return the same summary. */
  stop(): ProcessStats;
}

export interface ProcessSamplerOptions {
  /** Passed to the tree sampler: how often a tick scans every process. */
  fullScanEvery?: number;
  /** Called with each tick's duration, start to finish (for tests and benchmarks). */
  onTick?: (ms: number) => void;
}

const EMPTY: TreeSnapshot = { cpuSeconds: 0, rssBytes: 0, processes: 0 };

function snapshotSync(tree: TreeSampler): TreeSnapshot {
  try {
    return tree.sampleSync();
  } catch {
    // Sampling is an observation: failing to observe must not fail the run.
    return EMPTY;
  }
}

/**
 * Samples CPU and memory of a process tree every intervalMs. CPU is measured per interval
 * from cumulative CPU time, so it is exact for the interval rather than a ps-style average
 * over the process's lifetime.
 *
 * The sampler shares its thread with the load generator, so a tick must not hold the event
 * loop: it reads asynchronously, a few files at a time, and only the tree where the kernel
 * lists children. A tick still running when the next is due makes that one skip. The first
 * and the last sample are synchronous (and small): they fall outside the load.
 */
export function createProcessSampler(
  rootPid: number,
  intervalMs = 500,
  options: ProcessSamplerOptions = {},
): ProcessSampler {
  const tree = createTreeSampler(rootPid, {
    ...(options.fullScanEvery !== undefined ? { fullScanEvery: options.fullScanEvery } : {}),
  });
  const startedAt = performance.now();
  const samples: ProcessSample[] = [];
  let previous = { t: 0, cpuSeconds: snapshotSync(tree).cpuSeconds };
  let cpuSeconds = 0;
  let windowSeconds = 0;
  let ticking = false;
  let result: ProcessStats | null = null;

  /** t: when the snapshot was read, in ms from the start. */
  const record = (now: TreeSnapshot, t: number): void => {
    if (now.processes === 0) {
      previous = { t, cpuSeconds: previous.cpuSeconds };
      return; // the tree is gone: nothing ran in this interval that can still be measured
    }
    const dt = (t - previous.t) / 1000;
    // Cumulative CPU falls when a child exits unreaped by the tree (its time goes to init).
    const used = Math.max(0, now.cpuSeconds - previous.cpuSeconds);
    cpuSeconds += used;
    windowSeconds += dt;
    samples.push({
      t: Math.round(t),
      cpuPercent: dt > 0 ? round1((used / dt) * 100) : 0,
      rssBytes: now.rssBytes,
      processes: now.processes,
    });
    previous = { t, cpuSeconds: now.cpuSeconds };
  };

  const tick = (): void => {
    if (ticking || result) return; // the previous tick is still reading: skip this one
    ticking = true;
    const begun = performance.now();
    tree.sample().then(
      (now) => {
        ticking = false;
        const ended = performance.now();
        options.onTick?.(ended - begun);
        // Stopped meanwhile: the summary is out, and its last sample is later than this one.
        if (result) return;
        // The reads spread over the tick; its middle is the best single time for them.
        record(now, (begun + ended) / 2 - startedAt);
      },
      () => {
        ticking = false; // an observation that failed: no sample for this interval
      },
    );
  };

  const timer = setInterval(tick, intervalMs);
  timer.unref();

  return {
    stop() {
      if (result) return result;
      clearInterval(timer);
      // A short last interval gives a noisy percentage (CPU time counts in 10 ms ticks), so
      // it is taken only when it is long enough or when there is no sample at all.
      const sinceLast = performance.now() - startedAt - previous.t;
      if (sinceLast >= intervalMs / 2 || samples.length === 0) {
        const now = snapshotSync(tree);
        record(now, performance.now() - startedAt);
      }
      result = summarise(samples, cpuSeconds, windowSeconds);
      return result;
    },
  };
}

function summarise(
  samples: ProcessSample[],
  cpuSeconds: number,
  windowSeconds: number,
): ProcessStats {
  const rss = samples.map((s) => s.rssBytes);
  return {
    cpuSeconds: Math.round(cpuSeconds * 1000) / 1000,
    // Weighted by time, so an interval stretched by a busy event loop counts for its length.
    cpuPercentMean: windowSeconds > 0 ? round1((cpuSeconds / windowSeconds) * 100) : 0,
    cpuPercentMax: samples.reduce((max, s) => Math.max(max, s.cpuPercent), 0),
    rssMeanBytes: rss.length > 0 ? Math.round(rss.reduce((a, b) => a + b, 0) / rss.length) : 0,
    rssMaxBytes: rss.reduce((max, r) => Math.max(max, r), 0),
    samples,
  };
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
