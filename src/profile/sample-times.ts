import type { ParsedProfile } from './cpuprofile.js';

export interface NodeTimes {
  /** Microseconds during which each node was the one on top of the stack. */
  selfUs: Map<number, number>;
  sampleCount: number;
}

/**
 * Time per node from the sample timeline: a sample stands for the interval until the next
 * sample (the last one until endTime), as Chrome DevTools counts it. Intervals vary a lot
 * under load (the sampler thread is starved too), so counting samples would misweigh them.
 * Profiles without a timeline fall back to hit counts spread evenly over the duration.
 */
export function nodeSelfTimes(profile: ParsedProfile): NodeTimes {
  const selfUs = new Map<number, number>();
  const add = (id: number, us: number) => selfUs.set(id, (selfUs.get(id) ?? 0) + us);
  const timeline = sampleIntervals(profile);
  if (timeline !== null) {
    for (const { id, fromUs, toUs } of timeline) add(id, toUs - fromUs);
    return { selfUs, sampleCount: timeline.length };
  }
  const hits = profile.nodes.reduce((sum, node) => sum + node.hitCount, 0);
  if (hits === 0) return { selfUs, sampleCount: 0 };
  const usPerHit = (profile.endTime - profile.startTime) / hits;
  for (const node of profile.nodes) if (node.hitCount > 0) add(node.id, node.hitCount * usPerHit);
  return { selfUs, sampleCount: hits };
}

/**
 * Microseconds on CPU: every sample's time but idle's, as in the analysis's activeMs. With a
 * range (microseconds on the profile's clock) only the part of each sample inside it counts,
 * which needs a timeline: a profile with hit counts alone counts whole.
 */
export function activeMicros(
  profile: ParsedProfile,
  range?: { fromUs: number; toUs: number },
): number {
  const idle = new Set(
    profile.nodes
      .filter((node) => node.callFrame.functionName === '(idle)' && node.callFrame.url === '')
      .map((node) => node.id),
  );
  const timeline = sampleIntervals(profile);
  if (timeline === null || range === undefined) {
    let us = 0;
    for (const [id, self] of nodeSelfTimes(profile).selfUs) if (!idle.has(id)) us += self;
    return us;
  }
  let us = 0;
  for (const { id, fromUs, toUs } of timeline) {
    if (idle.has(id)) continue;
    us += Math.max(0, Math.min(toUs, range.toUs) - Math.max(fromUs, range.fromUs));
  }
  return us;
}

/**
 * The interval each sample stands for, null without a timeline. V8 occasionally records a
 * sample out of order (negative delta): it gets an empty interval.
 */
function sampleIntervals(
  profile: ParsedProfile,
): Array<{ id: number; fromUs: number; toUs: number }> | null {
  const { samples, timeDeltas } = profile;
  if (samples === null || timeDeltas === null || samples.length === 0) return null;
  const intervals: Array<{ id: number; fromUs: number; toUs: number }> = [];
  let at = profile.startTime + (timeDeltas[0] ?? 0);
  for (let i = 0; i < samples.length; i++) {
    const next = i + 1 < samples.length ? at + (timeDeltas[i + 1] ?? 0) : profile.endTime;
    intervals.push({ id: samples[i]!, fromUs: at, toUs: Math.max(at, next) });
    at = next;
  }
  return intervals;
}

/** Wall time covered by the profiles: overlapping ones (processes side by side) count once. */
export function coveredMicros(profiles: readonly ParsedProfile[]): number {
  const spans = profiles
    .map((p) => [p.startTime, p.endTime] as const)
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let covered = 0;
  let end = -Infinity;
  for (const [start, stop] of spans) {
    if (start >= end) covered += stop - start;
    else if (stop > end) covered += stop - end;
    end = Math.max(end, stop);
  }
  return covered;
}
