import type { CallTree, Frame } from './call-tree.js';
import { isOutsideJs } from './v8-frames.js';

/** A stretch of wall time in which one journey ran alone against the profiled service. */
export interface JourneyWindow {
  journey: string;
  /** Date.now() values. */
  startMs: number;
  endMs: number;
}

export interface JourneyShare {
  journey: string;
  /** The function's total share (itself and its callees) of the CPU time in the window, 0..1. */
  share: number;
}

/**
 * Which journeys make each function work: after the mixed load, each journey runs alone for a
 * moment, and the profiles' timelines (placed on the wall clock by perf-flow's probe) give
 * each function's share of the CPU time in each journey's window. Keyed by `keyOf(frame)`;
 * a function that did not run in a window has no entry for that journey. Profiles without a
 * timeline or a wall clock say nothing.
 */
export function journeyShares(
  trees: readonly CallTree[],
  windows: readonly JourneyWindow[],
  keyOf: (frame: Frame) => string,
): Map<string, JourneyShare[]> {
  const perJourney = windows.map(() => ({ active: 0, byKey: new Map<string, number>() }));
  for (const tree of trees) {
    const timeline = tree.timeline;
    if (timeline === undefined || timeline.wallClockEndMs === null) continue;
    if (tree.unit !== 'microseconds') continue;
    const { sampleNodes, sampleTimesUs, endUs, wallClockEndMs } = timeline;
    const keys = tree.frames.map(keyOf);
    // Samples with no JavaScript on the stack count for no function and no journey.
    const notWork = tree.frames.map(isOutsideJs);
    const onClock = (ms: number) => endUs - (wallClockEndMs - ms) * 1000;
    windows.forEach((window, w) => {
      const from = onClock(window.startMs);
      const to = onClock(window.endMs);
      const acc = perJourney[w]!;
      for (let i = 0; i < sampleNodes.length; i++) {
        const start = sampleTimesUs[i]!;
        const end = i + 1 < sampleNodes.length ? sampleTimesUs[i + 1]! : endUs;
        const us = Math.max(0, Math.min(end, to) - Math.max(start, from));
        if (us === 0) continue;
        const leaf = sampleNodes[i]!;
        if (notWork[tree.nodeFrame[leaf]!]) continue;
        acc.active += us;
        // Each function on the stack once, however deep its recursion.
        const seen = new Set<string>();
        for (let node = leaf; node >= 0; node = tree.nodeParent[node]!) {
          const key = keys[tree.nodeFrame[node]!]!;
          if (seen.has(key)) continue;
          seen.add(key);
          acc.byKey.set(key, (acc.byKey.get(key) ?? 0) + us);
        }
      }
    });
  }
  const shares = new Map<string, JourneyShare[]>();
  windows.forEach((window, w) => {
    const { active, byKey } = perJourney[w]!;
    if (active === 0) return;
    for (const [key, us] of byKey) {
      const list = shares.get(key) ?? [];
      list.push({ journey: window.journey, share: Math.min(1, us / active) });
      shares.set(key, list);
    }
  });
  for (const list of shares.values()) list.sort((a, b) => b.share - a.share);
  return shares;
}
