import { ConfigError, RuntimeError } from '../../errors.js';
import {
  CallTreeBuilder,
  PROFILE_FIELD,
  nonEmpty,
  type CallTree,
  type Timeline,
} from '../call-tree.js';
import { NodeIndex, parseCpuProfile, type CallFrame, type ParsedProfile } from '../cpuprofile.js';

const EXPECTED = 'a V8 .cpuprofile';

/** Reads a V8 .cpuprofile (validated by parseCpuProfile) into a call tree. */
export function parseCpuProfileTree(input: string | Uint8Array, source: string): CallTree {
  let profile: ParsedProfile;
  try {
    profile = parseCpuProfile(input, source);
  } catch (error) {
    // parseCpuProfile reports a broken file as a runtime failure (its caller profiled the
    // service itself); a file the user handed in is the user's to fix.
    if (error instanceof RuntimeError) throw new ConfigError(error.message, PROFILE_FIELD);
    throw error;
  }
  // The profile was parsed for this tree alone: its sample arrays become the timeline's.
  return nonEmpty(buildTree(profile, true), EXPECTED);
}

/**
 * Self time per node is the sampled time: a sample stands for the interval until the next
 * one (the last until endTime), as Chrome DevTools counts it; intervals vary a lot under load
 * (the sampler thread is starved too), so counting samples would misweigh them. Without a
 * timeline, hit counts are spread evenly over the duration. In microseconds. V8's
 * pseudo-frames (program), (idle) and (garbage collector) stay frames for the ranking to
 * skip; the (root) node every stack starts with is dropped so that a stack reads as in every
 * other format (speedscope and pprof exports leave it out too). Time on (root) itself, if any,
 * stays on a root frame named (root). Typed arrays throughout: a large profile has a million
 * nodes and millions of samples.
 */
export function cpuProfileToTree(profile: ParsedProfile): CallTree {
  return buildTree(profile, false);
}

/**
 * `consume`: the timeline is written over the profile's own sample arrays when they are typed
 * arrays (sample times over the deltas, tree nodes over the ids), which a 100 MB profile
 * spares 60 MB of; the profile is of no use afterwards.
 */
function buildTree(profile: ParsedProfile, consume: boolean): CallTree {
  const builder = new CallTreeBuilder({
    format: 'cpuprofile',
    source: profile.source,
    kind: 'cpu',
    unit: 'microseconds',
  });
  const { nodes } = profile;
  const n = nodes.length;
  const index = new NodeIndex(nodes);
  const parentOf = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    for (const child of nodes[i]!.children) parentOf[index.of(child)] = i;
  }
  const frameOf = (callFrame: CallFrame) =>
    builder.frame({
      name: callFrame.functionName,
      file: callFrame.url,
      // V8 counts from 0 with -1 for unknown; the model from 1 with 0 for unknown.
      line: callFrame.lineNumber + 1,
      column: callFrame.columnNumber + 1,
    });

  // Tree node of every V8 node, parents first; a (root) node maps to -1 (its children become
  // roots) and is marked, in case time was sampled on it.
  const treeNode = new Int32Array(n);
  const isRoot = new Uint8Array(n);
  const queue = new Int32Array(n);
  let tail = 0;
  for (let i = 0; i < n; i++) if (parentOf[i] === -1) queue[tail++] = i;
  for (let head = 0; head < tail; head++) {
    const i = queue[head]!;
    const node = nodes[i]!;
    const parent = parentOf[i]! === -1 ? -1 : treeNode[parentOf[i]!]!;
    if (parentOf[i] === -1 && isV8Root(node.callFrame)) {
      isRoot[i] = 1;
      treeNode[i] = -1;
    } else {
      treeNode[i] = builder.child(parent, frameOf(node.callFrame));
    }
    for (const child of node.children) queue[tail++] = index.of(child);
  }
  // Time sampled on a (root) node goes on a root frame of that name, made when first needed.
  const nodeFor = (i: number): number => {
    if (isRoot[i] && treeNode[i] === -1) {
      treeNode[i] = builder.child(-1, frameOf(nodes[i]!.callFrame));
    }
    return treeNode[i]!;
  };

  const { samples, timeDeltas } = profile;
  const timed = samples !== null && timeDeltas !== null && samples.length > 0;
  let timeline: Timeline | undefined;
  // The sample count when the profile has hit counts only; the timeline's length otherwise.
  let hits: number | undefined;
  if (timed) {
    const count = samples.length;
    const inPlace = consume && samples instanceof Int32Array && timeDeltas instanceof Float64Array;
    const sampleNodes = inPlace ? samples : new Int32Array(count);
    const sampleTimesUs = inPlace ? timeDeltas : new Float64Array(count);
    // Self time goes straight onto tree nodes, in the one pass over the samples (millions).
    const selfUs = new Float64Array(n);
    let at = profile.startTime + timeDeltas[0]!;
    for (let s = 0; s < count; s++) {
      const i = index.of(samples[s]!);
      let node = treeNode[i]!;
      if (node < 0) node = nodeFor(i);
      // Read before sampleTimesUs[s + 1] (the same cell, in place) is written.
      const next = s + 1 < count ? at + timeDeltas[s + 1]! : profile.endTime;
      // A sample out of order (a negative delta) stands for no time.
      selfUs[node]! += Math.max(0, next - at);
      sampleTimesUs[s] = at;
      sampleNodes[s] = node;
      at = next;
    }
    for (let node = 0; node < n; node++) {
      if (selfUs[node] !== 0) builder.addSelf(node, selfUs[node]!);
    }
    timeline = {
      startUs: profile.startTime,
      endUs: profile.endTime,
      wallClockEndMs: profile.wallClockEndMs,
      sampleNodes,
      sampleTimesUs,
    };
  } else {
    hits = 0;
    for (const node of nodes) hits += node.hitCount;
    const usPerHit = hits > 0 ? (profile.endTime - profile.startTime) / hits : 0;
    for (let i = 0; i < n; i++) {
      const selfUs = nodes[i]!.hitCount * usPerHit;
      if (selfUs !== 0) builder.addSelf(nodeFor(i), selfUs);
    }
  }
  return builder.build(timeline, hits);
}

function isV8Root(frame: CallFrame): boolean {
  return frame.functionName === '(root)' && frame.url === '';
}
