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

/**
 * A tree's runs (a node's uninterrupted stretches on the stack), column by column: a long busy
 * profile has hundreds of thousands, as objects over a hundred megabytes.
 */
export class Runs {
  count = 0;
  node = new Int32Array(1024);
  fromUs = new Float64Array(1024);
  toUs = new Float64Array(1024);

  add(node: number, fromUs: number, toUs: number): void {
    if (this.count === this.node.length) {
      const grown = <T extends Int32Array | Float64Array>(from: T, to: T): T => {
        to.set(from);
        return to;
      };
      const size = 2 * this.count;
      this.node = grown(this.node, new Int32Array(size));
      this.fromUs = grown(this.fromUs, new Float64Array(size));
      this.toUs = grown(this.toUs, new Float64Array(size));
    }
    this.node[this.count] = node;
    this.fromUs[this.count] = fromUs;
    this.toUs[this.count] = toUs;
    this.count++;
  }
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
  // One entry per function, across processes: frames are interned per tree only.
  const byFrame = new Map<string, BlockingCall>();
  for (const tree of trees) {
    if (tree.timeline === undefined || tree.unit !== 'microseconds') continue;
    const depth = depths(tree);
    const runs = longRuns(tree, depth, thresholdUs);
    for (const r of blockers(tree, depth, runs)) {
      const frame = tree.frames[tree.nodeFrame[runs.node[r]!]!]!;
      const ms = (runs.toUs[r]! - runs.fromUs[r]!) / 1000;
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

/** Every node's uninterrupted stretches on the stack of at least `thresholdUs`. */
export function longRuns(tree: CallTree, depth: Int32Array, thresholdUs: number): Runs {
  const timeline = tree.timeline!;
  const { sampleNodes, sampleTimesUs, endUs } = timeline;
  // A GC pause inside a call continues its stretch (the call is still on the stack); a sample
  // with no JavaScript on the stack ends every stretch.
  const neutral = tree.frames.map(isGcFrame);
  const outside = tree.frames.map(isOutsideJs);
  // When each node now on the stack got there; -1 when it is not on it.
  const since = new Float64Array(tree.nodeFrame.length).fill(-1);
  // The nodes a sample puts on the stack, reused from sample to sample (millions of them).
  const entered = new Int32Array(depth.reduce((deepest, d) => Math.max(deepest, d), 0) + 1);
  const runs = new Runs();
  let top = -1;
  const leave = (node: number, atUs: number) => {
    if (since[node]! >= 0 && atUs - since[node]! >= thresholdUs) {
      runs.add(node, since[node]!, atUs);
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
function blockers(tree: CallTree, depth: Int32Array, runs: Runs): number[] {
  const n = tree.nodeParent.length;
  // Parents come before children.
  const rootOf = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const parent = tree.nodeParent[i]!;
    rootOf[i] = parent < 0 ? i : rootOf[parent]!;
  }
  // Each root's stretches, in time order (a root's stretches never overlap).
  const stretches = new Map<number, number[]>();
  for (let r = 0; r < runs.count; r++) {
    const node = runs.node[r]!;
    if (depth[node] !== 0) continue;
    let list = stretches.get(node);
    if (list === undefined) stretches.set(node, (list = []));
    list.push(r);
  }
  for (const list of stretches.values()) list.sort((a, b) => runs.fromUs[a]! - runs.fromUs[b]!);
  // Stretch to the run named for it.
  const named = new Map<number, number>();
  for (let r = 0; r < runs.count; r++) {
    const node = runs.node[r]!;
    const stretch = containing(stretches.get(rootOf[node]!) ?? [], runs, r);
    if (stretch === -1) continue;
    const length = runs.toUs[stretch]! - runs.fromUs[stretch]!;
    if (runs.toUs[r]! - runs.fromUs[r]! < 0.8 * length) continue;
    const current = named.get(stretch);
    if (current === undefined || depth[node]! > depth[runs.node[current]!]!) named.set(stretch, r);
  }
  return [...named.values()];
}

/** The stretch (run indexes sorted by start, none overlapping) that holds run `r`; -1 if none. */
function containing(stretches: readonly number[], runs: Runs, r: number): number {
  let low = 0;
  let high = stretches.length - 1;
  let found = -1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (runs.fromUs[stretches[mid]!]! <= runs.fromUs[r]!) {
      found = mid;
      low = mid + 1;
    } else {
      high = mid - 1;
    }
  }
  if (found === -1) return -1;
  const stretch = stretches[found]!;
  return runs.toUs[r]! <= runs.toUs[stretch]! ? stretch : -1;
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
