import { performance } from 'node:perf_hooks';
import type { ProcessSample, ProcessStats } from '../data/common.js';
import { sampleProcessTree } from './process-tree.js';
import type { TreeSnapshot } from './process-tree.js';

export interface ProcessSampler {
  /** Stops sampling and summarises; later calls return the same summary. */
  stop(): ProcessStats;
}

const EMPTY: TreeSnapshot = { cpuSeconds: 0, rssBytes: 0, processes: 0 };

function snapshot(rootPid: number): TreeSnapshot {
  try {
    return sampleProcessTree(rootPid);
  } catch {
    // Sampling is an observation: failing to observe must not fail the run.
    return EMPTY;
  }
}

/**
 * Samples CPU and memory of a process tree every intervalMs. CPU is measured per interval
 * from cumulative CPU time, so it is exact for the interval rather than a ps-style average
 * over the process's lifetime.
 */
export function createProcessSampler(rootPid: number, intervalMs = 500): ProcessSampler {
  const startedAt = performance.now();
  const samples: ProcessSample[] = [];
  let previous = { t: 0, cpuSeconds: snapshot(rootPid).cpuSeconds };
  let cpuSeconds = 0;
  let windowSeconds = 0;

  const take = (): void => {
    const now = snapshot(rootPid);
    const t = performance.now() - startedAt;
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

  const timer = setInterval(take, intervalMs);
  timer.unref();
  let result: ProcessStats | null = null;

  return {
    stop() {
      if (result) return result;
      clearInterval(timer);
      // A short last interval gives a noisy percentage (CPU time counts in 10 ms ticks), so
      // it is taken only when it is long enough or when there is no sample at all.
      const sinceLast = performance.now() - startedAt - previous.t;
      if (sinceLast >= intervalMs / 2 || samples.length === 0) take();
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
