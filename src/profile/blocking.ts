import type { CallTree, Frame } from './call-tree.js';
import { isGcFrame, isOutsideJs } from './v8-frames.js';

/** A call that held the thread this long without a break blocked every request meanwhile. */
export const BLOCKING_THRESHOLD_MS = 50;

/** The share of a stretch a call must have held the thread without a break to be named for it. */
const NAMED_SHARE = 0.8;

export interface BlockingCall {
  frame: Frame;
  /** The longest single stretch, ms. */
  longestMs: number;
  /** Stretches of at least the threshold. */
  count: number;
  /** Their time together, ms. */
  totalMs: number;
}

/** One blocking stretch: the call named for it, and that call's own run, microseconds. */
export interface BlockingRun {
  node: number;
  fromUs: number;
  toUs: number;
}

/**
 * The calls that kept the thread busy for `thresholdMs` or more at a stretch, from the
 * profiles' sample timelines (profiles without one say nothing here). Sorted by total
 * blocking time.
 */
export function blockingCalls(
  trees: readonly CallTree[],
  thresholdMs = BLOCKING_THRESHOLD_MS,
): BlockingCall[] {
  // One entry per function, across processes: frames are interned per tree only.
  const byFrame = new Map<string, BlockingCall>();
  for (const tree of trees) {
    if (tree.timeline === undefined || tree.unit !== 'microseconds') continue;
    for (const run of blockingRuns(tree, thresholdMs * 1000)) {
      const frame = tree.frames[tree.nodeFrame[run.node]!]!;
      const ms = (run.toUs - run.fromUs) / 1000;
      const key = `${frame.name}\u0000${frame.file}\u0000${frame.line}\u0000${frame.column}`;
      const entry = byFrame.get(key) ?? { frame, longestMs: 0, count: 0, totalMs: 0 };
      entry.longestMs = Math.max(entry.longestMs, ms);
      entry.count += 1;
      entry.totalMs += ms;
      byFrame.set(key, entry);
    }
  }
  return [...byFrame.values()].sort((a, b) => b.totalMs - a.totalMs || b.longestMs - a.longestMs);
}

/**
 * A node's run is an uninterrupted stretch of it on the stack: it is on the stack at a sample
 * whose node is it or lies below it; a GC sample changes nothing (the call is still there); a
 * sample with no JavaScript on the stack takes everything off. A blocking stretch is a root's
 * run of at least `thresholdUs`: every deeper run lies inside its root's. The call named for a
 * stretch is the deepest whose own run covers at least 80% of it, and the threshold (a handler
 * and the loop inside it block together: the loop is the one to fix; a callee that ran for
 * part of the stretch is only part of it).
 *
 * Such a run holds the stretch's middle, so the named call is on the stack of the sample
 * there: its callers are searched from the deepest up, each run grown from its callee's (a
 * caller's run holds its callee's). A subtree is a range of preorder positions, so a sample's
 * membership is two comparisons. The cost is one pass over the samples and at most one more
 * over each stretch, where walking every sample's stack cost its depth, sample by sample.
 */
export function blockingRuns(tree: CallTree, thresholdUs: number): BlockingRun[] {
  const { sampleNodes, sampleTimesUs, endUs } = tree.timeline!;
  const m = sampleNodes.length;
  const { first, after, root } = preorder(tree);
  // What a sample at each node means: a preorder position, no change, or an empty stack.
  const position = Int32Array.from(first, (p, v) => {
    const frame = tree.frames[tree.nodeFrame[v]!]!;
    return isGcFrame(frame) ? NEUTRAL : isOutsideJs(frame) ? OUTSIDE : p;
  });
  const at = (i: number) => (i < m ? sampleTimesUs[i]! : endUs);
  const found: BlockingRun[] = [];

  /** Names the stretch of non-GC samples s..e-1 (GC ones between count as inside). */
  const name = (s: number, e: number) => {
    const lengthUs = at(e) - sampleTimesUs[s]!;
    const neededUs = Math.max(thresholdUs, NAMED_SHARE * lengthUs);
    let middle = lastAtOrBefore(sampleTimesUs, s, e, sampleTimesUs[s]! + lengthUs / 2);
    while (position[sampleNodes[middle]!] === NEUTRAL) middle--;
    let start = middle;
    let from = middle;
    let to = middle + 1;
    for (let x = sampleNodes[middle]!; x >= 0; x = tree.nodeParent[x]!) {
      const low = first[x]!;
      const high = after[x]!;
      for (; to < e; to++) {
        const p = position[sampleNodes[to]!]!;
        if (p !== NEUTRAL && (p < low || p >= high)) break;
      }
      for (; from > s; from--) {
        const p = position[sampleNodes[from - 1]!]!;
        if (p === NEUTRAL) continue;
        if (p < low || p >= high) break;
        start = from - 1;
      }
      if (at(to) - sampleTimesUs[start]! >= neededUs) {
        found.push({ node: x, fromUs: sampleTimesUs[start]!, toUs: at(to) });
        return;
      }
    }
  };

  // The roots' runs: where the root of the stack changes, or the stack empties.
  let current = OUTSIDE;
  let since = -1;
  for (let i = 0; i < m; i++) {
    const p = position[sampleNodes[i]!]!;
    if (p === NEUTRAL) continue;
    const r = p === OUTSIDE ? OUTSIDE : root[sampleNodes[i]!]!;
    if (r === current) continue;
    if (current !== OUTSIDE && at(i) - sampleTimesUs[since]! >= thresholdUs) name(since, i);
    current = r;
    since = i;
  }
  if (current !== OUTSIDE && endUs - sampleTimesUs[since]! >= thresholdUs) name(since, m);
  return found;
}

const NEUTRAL = -2;
const OUTSIDE = -1;

/**
 * The last index in s..e-1 whose time is at most `us` (s when none): a binary search, as the
 * samples are in time order (a rare one out of order only moves which sample is the middle).
 */
function lastAtOrBefore(times: Float64Array, s: number, e: number, us: number): number {
  let low = s;
  let high = e - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (times[mid]! <= us) low = mid;
    else high = mid - 1;
  }
  return low;
}

/**
 * Each node's position in a depth-first order of the tree, the position after its subtree
 * (node v's subtree is the positions first[v] to after[v]), and its root.
 */
function preorder(tree: CallTree): { first: Int32Array; after: Int32Array; root: Int32Array } {
  const n = tree.nodeParent.length;
  const size = new Int32Array(n).fill(1);
  // Parents come before children.
  for (let i = n - 1; i >= 0; i--) {
    const parent = tree.nodeParent[i]!;
    if (parent >= 0) size[parent]! += size[i]!;
  }
  const first = new Int32Array(n);
  const nextFree = new Int32Array(n);
  const root = new Int32Array(n);
  let nextRoot = 0;
  for (let i = 0; i < n; i++) {
    const parent = tree.nodeParent[i]!;
    if (parent < 0) {
      first[i] = nextRoot;
      nextRoot += size[i]!;
      root[i] = i;
    } else {
      first[i] = nextFree[parent]!;
      nextFree[parent]! += size[i]!;
      root[i] = root[parent]!;
    }
    nextFree[i] = first[i]! + 1;
  }
  const after = Int32Array.from(first, (p, i) => p + size[i]!);
  return { first, after, root };
}
