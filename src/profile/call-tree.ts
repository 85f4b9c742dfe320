import { ConfigError } from '../errors.js';

/**
 * The one model every profile format is read into: a call tree whose nodes are parallel
 * typed arrays (no object per node), over interned frames. A 100 MB .cpuprofile has about a
 * million nodes: as arrays they take 16 bytes each, as objects several times that.
 */

/** What a node's value counts. Readers convert milliseconds and seconds to these. */
export type ValueUnit = 'microseconds' | 'nanoseconds' | 'samples' | 'bytes' | 'count';
/** cpu: time on CPU; wall: time whatever the thread did (a format has to say so); heap: memory. */
export type ProfileKind = 'cpu' | 'wall' | 'heap';
export type ProfileFormat = 'cpuprofile' | 'pprof' | 'speedscope' | 'folded' | 'heapprofile';

/** The config field profiles come from: every error about a profile file names it. */
export const PROFILE_FIELD = 'profile.files';

/**
 * A function as the format names it. Frames are deduplicated: two frames are the same when
 * all four fields are. Which line a format gives varies: V8 and pprof (here) give the line
 * where the function starts, py-spy the line being run.
 */
export interface Frame {
  readonly name: string;
  /** Path or URL as the profile has it; '' when unknown. */
  readonly file: string;
  /** 1-based; 0 when unknown. */
  readonly line: number;
  /** 1-based; 0 when unknown. */
  readonly column: number;
}

/**
 * When each sample was taken, for the formats that record it (V8 .cpuprofile). Sample i
 * stands for the time until sample i + 1 (the last one until endUs); a sample out of order
 * stands for none.
 */
export interface Timeline {
  /** Microseconds on the profile's own clock. */
  startUs: number;
  endUs: number;
  /** Date.now() at endUs when the profiler recorded it (perf-flow's probe), else null. */
  wallClockEndMs: number | null;
  /** Tree node on top of the stack at each sample, in time order. */
  sampleNodes: Int32Array;
  /** When each sample was taken, microseconds on the profile's clock. */
  sampleTimesUs: Float64Array;
}

export interface CallTree {
  readonly format: ProfileFormat;
  /** The file it came from (or any label), for messages and reports. */
  readonly source: string;
  readonly kind: ProfileKind;
  readonly unit: ValueUnit;
  readonly frames: readonly Frame[];
  /**
   * Node i is frame nodeFrame[i] called from node nodeParent[i] (-1 for a root), with
   * nodeSelf[i] of the unit on top of the stack there. Parents come before their children,
   * and no two children of a node (nor two roots) have the same frame: the same stacks give
   * the same tree, whatever the format.
   */
  readonly nodeFrame: Int32Array;
  readonly nodeParent: Int32Array;
  readonly nodeSelf: Float64Array;
  readonly timeline?: Timeline;
  /** How many samples the profile took, when the format says and it is not the timeline's. */
  readonly sampleCount?: number;
}

export interface FrameInput {
  name: string;
  file?: string;
  line?: number;
  column?: number;
}

export type CallTreeMeta = Pick<CallTree, 'format' | 'source' | 'kind' | 'unit'>;

/** Where values on an empty stack go (a pprof sample without locations, for one). */
export const NO_STACK_FRAME = '(no stack)';

const EMPTY = -1;

/** Builds a CallTree stack by stack (addStack) or node by node (child, addSelf). */
export class CallTreeBuilder {
  private readonly frames: Frame[] = [];
  /**
   * Frame ids by file, then name, then position: a large profile names a frame for each of its
   * hundreds of thousands of nodes, and one string key per lookup (file and name joined) was
   * a tenth of reading it.
   */
  private readonly frameIds = new Map<string, Map<string, Map<number | string, number>>>();
  private nodeFrame = new Int32Array(256);
  private nodeParent = new Int32Array(256);
  private nodeSelf = new Float64Array(256);
  private count = 0;
  /** Open-addressing table of node indices, keyed by (parent, frame): no string per node. */
  private slots = new Int32Array(512).fill(EMPTY);

  constructor(private readonly meta: CallTreeMeta) {}

  /** The index of a frame, interning it on first sight. Lines and columns below 1 are unknown. */
  frame(input: FrameInput): number {
    const file = input.file ?? '';
    const line = position(input.line);
    const column = position(input.column);
    let byName = this.frameIds.get(file);
    if (byName === undefined) this.frameIds.set(file, (byName = new Map()));
    let byPosition = byName.get(input.name);
    if (byPosition === undefined) byName.set(input.name, (byPosition = new Map()));
    // One number while it is exact (lines under 2^29, columns under 2^24).
    const at = column < COLUMNS && line < 2 ** 29 ? line * COLUMNS + column : `${line}:${column}`;
    let id = byPosition.get(at);
    if (id === undefined) {
      id = this.frames.length;
      this.frames.push({ name: input.name, file, line, column });
      byPosition.set(at, id);
    }
    return id;
  }

  /** The node for `frame` called from `parent` (-1: a root), created when new. */
  child(parent: number, frame: number): number {
    if (frame < 0 || frame >= this.frames.length) throw new RangeError(`no frame ${frame}`);
    if (parent < -1 || parent >= this.count) throw new RangeError(`no node ${parent}`);
    const mask = this.slots.length - 1;
    let slot = hash(parent, frame) & mask;
    for (let node = this.slots[slot]!; node !== EMPTY; node = this.slots[slot]!) {
      if (this.nodeParent[node] === parent && this.nodeFrame[node] === frame) return node;
      slot = (slot + 1) & mask;
    }
    const node = this.count++;
    if (node === this.nodeFrame.length) this.growNodes();
    this.nodeFrame[node] = frame;
    this.nodeParent[node] = parent;
    this.slots[slot] = node;
    if (this.count * 2 > this.slots.length) this.growSlots();
    return node;
  }

  parentOf(node: number): number {
    return this.nodeParent[node]!;
  }

  addSelf(node: number, value: number): void {
    if (!Number.isFinite(value)) throw new RangeError(`value ${value} is not a finite number`);
    this.nodeSelf[node]! += value;
  }

  /** Adds `value` on top of a stack given root first; returns its leaf node. */
  addStack(frames: ArrayLike<number>, value: number): number {
    let node = -1;
    if (frames.length === 0) node = this.child(-1, this.frame({ name: NO_STACK_FRAME }));
    for (let i = 0; i < frames.length; i++) node = this.child(node, frames[i]!);
    this.addSelf(node, value);
    return node;
  }

  build(timeline?: Timeline, sampleCount?: number): CallTree {
    return {
      ...this.meta,
      frames: this.frames.slice(),
      nodeFrame: this.nodeFrame.slice(0, this.count),
      nodeParent: this.nodeParent.slice(0, this.count),
      nodeSelf: this.nodeSelf.slice(0, this.count),
      ...(timeline ? { timeline } : {}),
      ...(sampleCount !== undefined ? { sampleCount } : {}),
    };
  }

  private growNodes(): void {
    const size = this.nodeFrame.length * 2;
    const frame = new Int32Array(size);
    frame.set(this.nodeFrame);
    this.nodeFrame = frame;
    const parent = new Int32Array(size);
    parent.set(this.nodeParent);
    this.nodeParent = parent;
    const self = new Float64Array(size);
    self.set(this.nodeSelf);
    this.nodeSelf = self;
  }

  private growSlots(): void {
    this.slots = new Int32Array(this.slots.length * 2).fill(EMPTY);
    const mask = this.slots.length - 1;
    for (let node = 0; node < this.count; node++) {
      let slot = hash(this.nodeParent[node]!, this.nodeFrame[node]!) & mask;
      while (this.slots[slot] !== EMPTY) slot = (slot + 1) & mask;
      this.slots[slot] = node;
    }
  }
}

function hash(parent: number, frame: number): number {
  let h = Math.imul(parent + 1, 0x9e3779b1) ^ Math.imul(frame, 0x85ebca6b);
  h ^= h >>> 15;
  return Math.imul(h, 0x2c1b3c6d) >>> 0;
}

const COLUMNS = 2 ** 24;

function position(value: number | undefined): number {
  return value !== undefined && Number.isFinite(value) && value >= 1 ? Math.trunc(value) : 0;
}

/** Sum of every node's self value. */
export function totalValue(tree: CallTree): number {
  let sum = 0;
  for (let i = 0; i < tree.nodeSelf.length; i++) sum += tree.nodeSelf[i]!;
  return sum;
}

/** Whether no node carries a value: an empty profile, which the readers refuse. */
export function isEmpty(tree: CallTree): boolean {
  return tree.nodeSelf.every((value) => value === 0);
}

export interface Children {
  /** Nodes without a parent, in node order. */
  roots: Int32Array;
  /** The children of node i are children[offsets[i]] up to children[offsets[i + 1]]. */
  offsets: Int32Array;
  children: Int32Array;
}

/** The children of every node, in node order, as one flat array (compressed sparse rows). */
export function childrenOf(tree: CallTree): Children {
  const n = tree.nodeParent.length;
  const offsets = new Int32Array(n + 1);
  let rootCount = 0;
  for (let i = 0; i < n; i++) {
    const parent = tree.nodeParent[i]!;
    if (parent < 0) rootCount++;
    else offsets[parent + 1]!++;
  }
  for (let i = 0; i < n; i++) offsets[i + 1]! += offsets[i]!;
  const children = new Int32Array(n - rootCount);
  const roots = new Int32Array(rootCount);
  const next = offsets.slice(0, n);
  let r = 0;
  for (let i = 0; i < n; i++) {
    const parent = tree.nodeParent[i]!;
    if (parent < 0) roots[r++] = i;
    else children[next[parent]!++] = i;
  }
  return { roots, offsets, children };
}

/** A frame as folded stacks write it: the name, or `name (file:line[:column])`. */
export function frameLabel(frame: Frame, withLocation = false): string {
  if (!withLocation || frame.file === '') return frame.name;
  const at = frame.line > 0 ? `:${frame.line}${frame.column > 0 ? `:${frame.column}` : ''}` : '';
  return at === '' ? frame.name : `${frame.name} (${frame.file}${at})`;
}

/**
 * Every stack with a value, as folded stacks: `a;b;c` (root first) → self value. Stacks that
 * print alike (two frames with one name, without locations) add up. The folded reader reads
 * back what this writes with `withLocation`, frames and all but a file with no line.
 */
export function toFolded(
  tree: CallTree,
  opts: { withLocation?: boolean } = {},
): Map<string, number> {
  const paths = foldedPaths(tree, opts.withLocation ?? false);
  const folded = new Map<string, number>();
  for (let node = 0; node < tree.nodeSelf.length; node++) {
    const value = tree.nodeSelf[node]!;
    if (value === 0) continue;
    const stack = paths[node]!;
    folded.set(stack, (folded.get(stack) ?? 0) + value);
  }
  return folded;
}

/**
 * Every node's folded stack (`a;b;c`, root first), each built on its parent's: parents come
 * before children, and the shared prefix is one string, not a copy per node.
 */
function foldedPaths(tree: CallTree, withLocation: boolean): string[] {
  const labels = tree.frames.map((frame) => frameLabel(frame, withLocation));
  const n = tree.nodeFrame.length;
  const paths = new Array<string>(n);
  for (let node = 0; node < n; node++) {
    const parent = tree.nodeParent[node]!;
    const label = labels[tree.nodeFrame[node]!]!;
    paths[node] = parent < 0 ? label : `${paths[parent]};${label}`;
  }
  return paths;
}

export interface FunctionValues {
  /** Indexed by frame: the value with the frame on top of the stack. */
  self: Float64Array;
  /**
   * Indexed by frame: the value of every stack the frame is on, each stack counted once
   * however many times a recursive frame appears on it.
   */
  total: Float64Array;
}

/** Self and total value of every frame, in one depth-first walk. */
export function selfAndTotalByFunction(tree: CallTree): FunctionValues {
  const n = tree.nodeSelf.length;
  const self = new Float64Array(tree.frames.length);
  const total = new Float64Array(tree.frames.length);
  // Parents come before children, so one backward pass sums each subtree.
  const subtree = tree.nodeSelf.slice();
  for (let i = n - 1; i >= 0; i--) {
    self[tree.nodeFrame[i]!]! += tree.nodeSelf[i]!;
    const parent = tree.nodeParent[i]!;
    if (parent >= 0) subtree[parent]! += subtree[i]!;
  }
  // A subtree counts toward its frame's total unless the frame is already on the stack above.
  const { roots, offsets, children } = childrenOf(tree);
  const onStack = new Int32Array(tree.frames.length);
  // ~node marks leaving a node; every node is pushed once to enter and once to leave.
  const stack = new Int32Array(2 * n);
  let top = 0;
  for (let r = roots.length - 1; r >= 0; r--) stack[top++] = roots[r]!;
  while (top > 0) {
    const entry = stack[--top]!;
    if (entry < 0) {
      onStack[tree.nodeFrame[~entry]!]!--;
      continue;
    }
    const frame = tree.nodeFrame[entry]!;
    if (onStack[frame] === 0) total[frame]! += subtree[entry]!;
    onStack[frame]!++;
    stack[top++] = ~entry;
    for (let c = offsets[entry + 1]! - 1; c >= offsets[entry]!; c--) stack[top++] = children[c]!;
  }
  return { self, total };
}

/** The error for a profile file that cannot be read as `expected`: exit 2, naming the file. */
export function profileError(source: string, expected: string, problem: string): ConfigError {
  return new ConfigError(`${source} is not ${expected}: ${problem}`, PROFILE_FIELD);
}

/** The JSON in `text`; not JSON is a profileError naming `source` and what was expected. */
export function parseProfileJson(text: string, source: string, expected: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw profileError(source, expected, `not JSON (${(error as Error).message})`);
  }
}

/** Refuses a tree without any value: an empty profile would rank nothing and say so nowhere. */
export function nonEmpty(tree: CallTree, expected: string): CallTree {
  if (isEmpty(tree)) {
    throw new ConfigError(
      `${tree.source} holds no samples: expected ${expected} with at least one sampled stack`,
      PROFILE_FIELD,
    );
  }
  return tree;
}
