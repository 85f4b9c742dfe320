import path from 'node:path';
import type { CallTree } from './call-tree.js';
import { isIdleFrame } from './v8-frames.js';

/** When the load ran, as Date.now() values. */
export interface LoadWindow {
  startMs: number;
  endMs: number;
}

export interface ExcludedProfile {
  /** The profile's source, as given. */
  file: string;
  reason: string;
}

/** A process on CPU for less than this share of the busiest process's time is left out. */
export const MIN_SHARE_OF_BUSIEST = 0.05;

/**
 * The profiles of the processes that did the work. A start command like `npm start` runs the
 * service as a child of another Node process, which the probe profiles too: it is idle nearly
 * all the time, and merged in it would swell the idle share and rank npm's own functions.
 *
 * What counts is time on CPU (every sample but idle) while the load ran, when the window is
 * given and every profile can be placed on the wall clock (perf-flow's probe records it): a
 * wrapper's own start-up (npm spends a few hundred ms loading itself) and a build step run by
 * the start command then count for nothing. Otherwise, or when no process was on CPU in the
 * window, the whole profiles are compared: for a short load a wrapper's start-up can then
 * exceed the threshold and stay in.
 */
export function selectBusyProfiles(
  profiles: CallTree[],
  loadWindow?: LoadWindow,
): { kept: CallTree[]; excluded: ExcludedProfile[] } {
  if (profiles.length < 2) return { kept: profiles, excluded: [] };
  let during = false;
  let active = profiles.map((profile) => activeValue(profile));
  const ranges = loadWindow ? profiles.map((profile) => onProfileClock(profile, loadWindow)) : [];
  if (ranges.length > 0 && ranges.every((range) => range !== null)) {
    const inWindow = profiles.map((profile, i) => activeValue(profile, ranges[i]!));
    if (Math.max(...inWindow) > 0) {
      active = inWindow;
      during = true;
    }
  }
  const busiestValue = Math.max(...active);
  const busiest = profiles[active.indexOf(busiestValue)]!;
  const threshold = busiestValue * MIN_SHARE_OF_BUSIEST;
  const kept: CallTree[] = [];
  const excluded: ExcludedProfile[] = [];
  const timed = busiest.unit === 'microseconds' || busiest.unit === 'nanoseconds';
  const amount = (value: number) =>
    timed ? `${Math.round(value / 1000)} ms` : `${value} ${busiest.unit}`;
  profiles.forEach((profile, i) => {
    const value = active[i]!;
    if (value >= threshold) {
      kept.push(profile);
      return;
    }
    excluded.push({
      file: profile.source,
      reason:
        `on CPU ${amount(value)} ${during ? 'while the load ran' : 'in all'}, under ` +
        `${MIN_SHARE_OF_BUSIEST * 100}% of the busiest process's ${amount(busiestValue)} ` +
        `(${path.basename(busiest.source)}): a process that mostly waits, such as npm or ` +
        'another wrapper that starts the service',
    });
  });
  return { kept, excluded };
}

/**
 * Time on CPU, in microseconds (in samples for a profile that counts them): every sample's
 * value but idle's. With a range (microseconds on the profile's clock) only the part of each
 * sample inside it counts, which needs a timeline: a profile without one counts whole.
 */
export function activeValue(tree: CallTree, range?: { fromUs: number; toUs: number }): number {
  const idle = idleFrames(tree);
  const { timeline } = tree;
  if (timeline === undefined || range === undefined) {
    let sum = 0;
    for (let node = 0; node < tree.nodeSelf.length; node++) {
      if (!idle.has(tree.nodeFrame[node]!)) sum += tree.nodeSelf[node]!;
    }
    return tree.unit === 'nanoseconds' ? sum / 1000 : sum;
  }
  const { sampleNodes, sampleTimesUs, endUs } = timeline;
  let sum = 0;
  for (let i = 0; i < sampleNodes.length; i++) {
    if (idle.has(tree.nodeFrame[sampleNodes[i]!]!)) continue;
    const from = sampleTimesUs[i]!;
    const to = Math.max(from, i + 1 < sampleNodes.length ? sampleTimesUs[i + 1]! : endUs);
    sum += Math.max(0, Math.min(to, range.toUs) - Math.max(from, range.fromUs));
  }
  return sum;
}

/**
 * The tree with only the time inside the load window counted: the service's start-up before
 * it, and whatever ran after it (each journey alone, the shutdown), left out. As it is when
 * the profile cannot place the window on its clock. The timeline keeps the samples inside.
 */
export function clipToWindow(tree: CallTree, window: LoadWindow): CallTree {
  const range = onProfileClock(tree, window);
  const timeline = tree.timeline;
  if (range === null || timeline === undefined) return tree;
  const { sampleNodes, sampleTimesUs, endUs, startUs, wallClockEndMs } = timeline;
  const nodeSelf = new Float64Array(tree.nodeSelf.length);
  const nodes: number[] = [];
  const times: number[] = [];
  for (let i = 0; i < sampleNodes.length; i++) {
    const from = sampleTimesUs[i]!;
    const to = Math.max(from, i + 1 < sampleNodes.length ? sampleTimesUs[i + 1]! : endUs);
    const overlap = Math.min(to, range.toUs) - Math.max(from, range.fromUs);
    if (overlap <= 0) continue;
    nodeSelf[sampleNodes[i]!]! += overlap;
    nodes.push(sampleNodes[i]!);
    times.push(Math.max(from, range.fromUs));
  }
  const newEndUs = Math.min(endUs, range.toUs);
  return {
    ...tree,
    nodeSelf,
    timeline: {
      startUs: Math.max(startUs, range.fromUs),
      endUs: newEndUs,
      wallClockEndMs: wallClockEndMs === null ? null : wallClockEndMs - (endUs - newEndUs) / 1000,
      sampleNodes: Int32Array.from(nodes),
      sampleTimesUs: Float64Array.from(times),
    },
  };
}

/** Frame indices of V8's (idle) pseudo-frame (it has no script). */
export function idleFrames(tree: CallTree): Set<number> {
  const idle = new Set<number>();
  tree.frames.forEach((frame, i) => {
    if (isIdleFrame(frame)) idle.add(i);
  });
  return idle;
}

/** The window on the profile's own clock (microseconds), when the profile can place it. */
function onProfileClock(
  profile: CallTree,
  window: LoadWindow,
): { fromUs: number; toUs: number } | null {
  const { timeline } = profile;
  if (timeline === undefined || timeline.wallClockEndMs === null) return null;
  const wallClockEndMs = timeline.wallClockEndMs;
  const toProfileClock = (ms: number) => timeline.endUs - (wallClockEndMs - ms) * 1000;
  return { fromUs: toProfileClock(window.startMs), toUs: toProfileClock(window.endMs) };
}
