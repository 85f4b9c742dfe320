import type { CallTree, Frame } from './call-tree.js';
import { isGcFrame, isOutsideJs } from './v8-frames.js';

/** A call that held the thread this long without a break blocked every request meanwhile. */
export const BLOCKING_THRESHOLD_MS = 50;

export interface BlockingCall {
  frame: Frame;
  /** The longest single stretch, ms. */
  longestMs: number;
  /** Stretches of at least the threshold. */
  count: number;
  /** Their time together, ms. */
  totalMs: number;
}

interface Run {
  tree: CallTree;
  node: number;
  fromUs: number;
  toUs: number;
}

/**
 * The calls that kept the thread busy for `thresholdMs` or more at a stretch, from the
 * profiles' sample timelines (profiles without one say nothing here). A call's stretch is the
 * run of consecutive samples with the same call-tree node on the stack: between two calls the
 * stack returns to the event loop (idle, or another callback), which ends the run. Each
 * stretch names one call (see blockers). Sorted by total blocking time.
 */
export function blockingCalls(
  trees: readonly CallTree[],
  thresholdMs = BLOCKING_THRESHOLD_MS,
): BlockingCall[] {
  const thresholdUs = thresholdMs * 1000;
  const runs: Run[] = [];
  for (const tree of trees) {
    if (tree.timeline === undefined || tree.unit !== 'microseconds') continue;
    // Not push(...): a long busy profile has more runs than a call takes arguments.
    for (const run of longRuns(tree, thresholdUs)) runs.push(run);
  }
  // One entry per function, across processes: frames are interned per tree only.
  const byFrame = new Map<string, BlockingCall>();
  for (const run of blockers(runs)) {
    const frame = run.tree.frames[run.tree.nodeFrame[run.node]!]!;
    const ms = (run.toUs - run.fromUs) / 1000;
    const key = `${frame.name}\u0000${frame.file}\u0000${frame.line}\u0000${frame.column}`;
    const entry = byFrame.get(key) ?? { frame, longestMs: 0, count: 0, totalMs: 0 };
    entry.longestMs = Math.max(entry.longestMs, ms);
    entry.count += 1;
    entry.totalMs += ms;
    byFrame.set(key, entry);
  }
  return [...byFrame.values()].sort((a, b) => b.totalMs - a.totalMs || b.longestMs - a.longestMs);
}

/** Every node's uninterrupted stretches on the stack of at least `thresholdUs`. */
function longRuns(tree: CallTree, thresholdUs: number): Run[] {
  const timeline = tree.timeline!;
  const { sampleNodes, sampleTimesUs, endUs } = timeline;
  const depth = depths(tree);
  // A GC pause inside a call continues its stretch (the call is still on the stack); a sample
  // with no JavaScript on the stack ends every stretch.
  const neutral = tree.frames.map(isGcFrame);
  const outside = tree.frames.map(isOutsideJs);
  // When each node now on the stack got there; -1 when it is not on it.
  const since = new Float64Array(tree.nodeFrame.length).fill(-1);
  // The nodes a sample puts on the stack, reused from sample to sample (millions of them).
  const entered = new Int32Array(depth.reduce((deepest, d) => Math.max(deepest, d), 0) + 1);
  const runs: Run[] = [];
  let top = -1;
  const leave = (node: number, atUs: number) => {
    if (since[node]! >= 0 && atUs - since[node]! >= thresholdUs) {
      runs.push({ tree, node, fromUs: since[node]!, toUs: atUs });
    }
    since[node] = -1;
  };
  for (let i = 0; i < sampleNodes.length; i++) {
    const node = sampleNodes[i]!;
    const at = sampleTimesUs[i]!;
    if (neutral[tree.nodeFrame[node]!]!) continue;
    const next = outside[tree.nodeFrame[node]!]! ? -1 : node;
    // Leave the previous stack down to the common caller, then enter the new one's part.
    let a = top;
    let b = next;
    let count = 0;
    while (a !== b) {
      if (a >= 0 && (b < 0 || depth[a]! >= depth[b]!)) {
        leave(a, at);
        a = tree.nodeParent[a]!;
      } else {
        entered[count++] = b;
        b = tree.nodeParent[b]!;
      }
    }
    for (let k = 0; k < count; k++) since[entered[k]!] = at;
    top = next;
  }
  for (let a = top; a >= 0; a = tree.nodeParent[a]!) leave(a, endUs);
  return runs;
}

/**
 * One run per blocking stretch. A root frame is on the stack whenever anything deeper is, so
 * every stretch is a root's run and every other run lies inside its root's. The call named
 * for a stretch is the deepest whose own run covers at least 80% of it (a handler and the
 * loop inside it block together: the loop is the one to fix; a callee that ran for part of
 * the stretch is only part of it). Linear in the runs, times the stack depth.
 */
function blockers(runs: Run[]): Run[] {
  const placed = runs.map((run) => {
    let depth = 0;
    let root = run.node;
    for (let at = run.tree.nodeParent[run.node]!; at >= 0; at = run.tree.nodeParent[at]!) {
      depth++;
      root = at;
    }
    return { run, depth, root };
  });
  // Each root's stretches, in time order (a root's stretches never overlap).
  const stretches = new Map<CallTree, Map<number, Run[]>>();
  for (const { run, depth } of placed) {
    if (depth !== 0) continue;
    let byRoot = stretches.get(run.tree);
    if (byRoot === undefined) stretches.set(run.tree, (byRoot = new Map()));
    let list = byRoot.get(run.node);
    if (list === undefined) byRoot.set(run.node, (list = []));
    list.push(run);
  }
  for (const byRoot of stretches.values()) {
    for (const list of byRoot.values()) list.sort((a, b) => a.fromUs - b.fromUs);
  }
  const named = new Map<Run, { run: Run; depth: number }>();
  for (const { run, depth, root } of placed) {
    const stretch = containing(stretches.get(run.tree)?.get(root) ?? [], run);
    if (stretch === undefined) continue;
    if (run.toUs - run.fromUs < 0.8 * (stretch.toUs - stretch.fromUs)) continue;
    const current = named.get(stretch);
    if (current === undefined || depth > current.depth) named.set(stretch, { run, depth });
  }
  return [...named.values()].map(({ run }) => run);
}

/** The stretch (sorted by start, none overlapping) that holds `run`, by binary search. */
function containing(stretches: readonly Run[], run: Run): Run | undefined {
  let low = 0;
  let high = stretches.length - 1;
  let found = -1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (stretches[mid]!.fromUs <= run.fromUs) {
      found = mid;
      low = mid + 1;
    } else {
      high = mid - 1;
    }
  }
  const stretch = found === -1 ? undefined : stretches[found];
  return stretch !== undefined && run.toUs <= stretch.toUs ? stretch : undefined;
}

function depths(tree: CallTree): Int32Array {
  const depth = new Int32Array(tree.nodeParent.length);
  // Parents come before children.
  for (let i = 0; i < depth.length; i++) {
    const parent = tree.nodeParent[i]!;
    depth[i] = parent < 0 ? 0 : depth[parent]! + 1;
  }
  return depth;
}
