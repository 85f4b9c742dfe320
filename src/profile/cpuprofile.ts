import type { z } from 'zod';
import { RuntimeError } from '../errors.js';
import { JsonCursor, JsonSyntaxError, keys } from './json-cursor.js';

/** Where a function is; V8 numbers lines and columns from 0 and uses -1 for unknown. */
export interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

export interface CpuProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount: number;
  children: number[];
}

/** A validated V8 .cpuprofile. Times are microseconds, as V8 writes them. */
export interface ParsedProfile {
  /** The file it came from (or any label), for messages and reports. */
  source: string;
  nodes: CpuProfileNode[];
  startTime: number;
  endTime: number;
  /** Node id of each sample, in time order; null when the profile only has hit counts. */
  samples: ArrayLike<number> | null;
  /** Microseconds from the previous sample (from startTime for the first); null with samples. */
  timeDeltas: ArrayLike<number> | null;
  /**
   * Date.now() when the profiler stopped (at endTime), which perf-flow's probe records next to
   * V8's fields; null in profiles from elsewhere. V8's clock is per machine and not the wall
   * clock, so this is what places the profile's times next to the load's.
   */
  wallClockEndMs: number | null;
}

/**
 * Parses and validates a .cpuprofile (its bytes, or its text); throws RuntimeError naming
 * `source`.
 *
 * Read straight from the bytes by a JsonCursor, checking each field's type on the way: a
 * 100 MB profile holds about a million nodes and millions of samples, and JSON.parse's objects
 * for it took three and a half times the file (bench:profile) before anything was checked.
 * The samples and time deltas go into typed arrays. Optional fields get defaults: profiles
 * written by other tools (or trimmed by hand) leave out `children` on leaves and `hitCount`
 * when they carry samples, and are still usable.
 */
export function parseCpuProfile(input: string | Uint8Array, source: string): ParsedProfile {
  const invalid = (what: string) =>
    new RuntimeError(`CPU profile ${source} is not a valid V8 .cpuprofile: ${what}`);
  let raw: RawProfile;
  try {
    raw = readRawProfile(new JsonCursor(typeof input === 'string' ? Buffer.from(input) : input));
  } catch (error) {
    if (error instanceof JsonSyntaxError) throw invalid(`not JSON (${error.message})`);
    if (error instanceof ShapeError) throw invalid(error.message);
    throw error;
  }
  const problem = structuralProblem(raw);
  if (problem !== null) throw invalid(problem);
  return { source, ...raw };
}

interface RawProfile {
  nodes: CpuProfileNode[];
  startTime: number;
  endTime: number;
  samples: Int32Array | null;
  timeDeltas: Float64Array | null;
  wallClockEndMs: number | null;
}

/** A field whose value does not have the type V8 writes, as "nodes[1].callFrame.url: ...". */
class ShapeError extends Error {}

const TOP_KEYS = keys('nodes', 'startTime', 'endTime', 'samples', 'timeDeltas', 'perfFlow');
const NODE_KEYS = keys('id', 'callFrame', 'hitCount', 'children');
const FRAME_FIELDS = ['functionName', 'url', 'lineNumber', 'columnNumber'];
const FRAME_KEYS = keys(...FRAME_FIELDS);
const PERF_FLOW_KEYS = keys('wallClockEndMs');

function readRawProfile(cursor: JsonCursor): RawProfile {
  if (cursor.kind() !== 'object') throw misfit('(top level)', 'an object');
  let nodes: CpuProfileNode[] | undefined;
  let startTime: number | undefined;
  let endTime: number | undefined;
  let samples: Int32Array | null = null;
  let timeDeltas: Float64Array | null = null;
  let wallClockEndMs: number | null = null;
  cursor.enterObject();
  for (let key: number; (key = cursor.nextKey(TOP_KEYS)) !== -2;) {
    switch (key) {
      case 0:
        nodes = readNodes(cursor);
        break;
      case 1:
        startTime = readFinite(cursor, 'startTime');
        break;
      case 2:
        endTime = readFinite(cursor, 'endTime');
        break;
      case 3:
        samples = readSampleIds(cursor);
        break;
      case 4:
        timeDeltas = readTimeDeltas(cursor);
        break;
      case 5:
        wallClockEndMs = readWallClock(cursor);
        break;
      default:
        cursor.skipValue();
    }
  }
  cursor.finish();
  if (nodes === undefined || nodes.length === 0) {
    throw misfit('nodes', 'a non-empty array');
  }
  if (startTime === undefined) throw misfit('startTime', 'a number');
  if (endTime === undefined) throw misfit('endTime', 'a number');
  return { nodes, startTime, endTime, samples, timeDeltas, wallClockEndMs };
}

function readNodes(cursor: JsonCursor): CpuProfileNode[] {
  if (cursor.kind() !== 'array') throw misfit('nodes', 'a non-empty array');
  const nodes: CpuProfileNode[] = [];
  cursor.enterArray();
  while (cursor.nextItem()) {
    nodes.push(readNode(cursor, nodes.length));
  }
  return nodes;
}

function readNode(cursor: JsonCursor, i: number): CpuProfileNode {
  if (cursor.kind() !== 'object') throw misfit(`nodes[${i}]`, 'an object');
  let id: number | undefined;
  let callFrame: CallFrame | undefined;
  let hitCount: number | undefined = 0;
  let children: number[] | undefined;
  cursor.enterObject();
  for (let key: number; (key = cursor.nextKey(NODE_KEYS)) !== -2;) {
    switch (key) {
      case 0:
        id = nextInteger(cursor);
        if (id === undefined) throw misfit(`nodes[${i}].id`, 'an integer');
        break;
      case 1:
        callFrame = readCallFrame(cursor, i);
        break;
      case 2:
        hitCount = nextInteger(cursor);
        if (hitCount === undefined || hitCount < 0) throw misfit(`nodes[${i}].hitCount`, 'a count');
        break;
      case 3:
        children = readChildren(cursor, i);
        break;
      default:
        cursor.skipValue();
    }
  }
  if (id === undefined) throw misfit(`nodes[${i}].id`, 'an integer');
  if (callFrame === undefined) throw misfit(`nodes[${i}].callFrame`, 'an object');
  return { id, callFrame, hitCount, children: children ?? [] };
}

function readCallFrame(cursor: JsonCursor, i: number): CallFrame {
  if (cursor.kind() !== 'object') throw misfit(`nodes[${i}].callFrame`, 'an object');
  const frame: CallFrame = { functionName: '', url: '', lineNumber: -1, columnNumber: -1 };
  cursor.enterObject();
  for (let key: number; (key = cursor.nextKey(FRAME_KEYS)) !== -2;) {
    if (key === -1) {
      cursor.skipValue();
    } else if (key < 2) {
      if (cursor.kind() !== 'string') {
        throw misfit(`nodes[${i}].callFrame.${FRAME_FIELDS[key]!}`, 'a string');
      }
      if (key === 0) frame.functionName = cursor.readString();
      else frame.url = cursor.readString();
    } else {
      const value = nextInteger(cursor);
      if (value === undefined) {
        throw misfit(`nodes[${i}].callFrame.${FRAME_FIELDS[key]!}`, 'an integer');
      }
      if (key === 2) frame.lineNumber = value;
      else frame.columnNumber = value;
    }
  }
  return frame;
}

function readChildren(cursor: JsonCursor, i: number): number[] {
  if (cursor.kind() !== 'array') throw misfit(`nodes[${i}].children`, 'an array');
  const children: number[] = [];
  cursor.enterArray();
  while (cursor.nextItem()) {
    const child = nextInteger(cursor);
    if (child === undefined) throw misfit(`nodes[${i}].children[${children.length}]`, 'a node id');
    children.push(child);
  }
  return children;
}

/** Node ids: V8 numbers nodes 1..n, so 32 bits hold them (and half the memory of doubles). */
function readSampleIds(cursor: JsonCursor): Int32Array {
  if (cursor.kind() !== 'array') throw misfit('samples', 'an array');
  const { values, misfit: at } = cursor.readNumberArray((length) => new Int32Array(length), true);
  if (at !== -1) throw misfit(`samples[${at}]`, 'a node id');
  return values;
}

function readTimeDeltas(cursor: JsonCursor): Float64Array {
  if (cursor.kind() !== 'array') throw misfit('timeDeltas', 'an array');
  const { values, misfit: at } = cursor.readNumberArray(
    (length) => new Float64Array(length),
    false,
  );
  if (at !== -1) throw misfit(`timeDeltas[${at}]`, 'a number');
  return values;
}

/** Auxiliary: a malformed one loses the wall clock, not the profile. */
function readWallClock(cursor: JsonCursor): number | null {
  if (cursor.kind() !== 'object') {
    cursor.skipValue();
    return null;
  }
  let wallClock: number | null = null;
  cursor.enterObject();
  for (let key: number; (key = cursor.nextKey(PERF_FLOW_KEYS)) !== -2;) {
    if (key === 0 && cursor.kind() === 'number') wallClock = cursor.readNumber();
    else cursor.skipValue();
  }
  return wallClock;
}

function readFinite(cursor: JsonCursor, at: string): number {
  if (cursor.kind() !== 'number') throw misfit(at, 'a number');
  return cursor.readNumber();
}

/** The next value if it is an integer (read); undefined if not (a message names the field). */
function nextInteger(cursor: JsonCursor): number | undefined {
  if (cursor.kind() !== 'number') return undefined;
  const value = cursor.readNumber();
  return Number.isSafeInteger(value) ? value : undefined;
}

/** Paths are built only for the message: a profile has a million nodes. */
function misfit(path: string, expected: string): ShapeError {
  return new ShapeError(`${path}: expected ${expected}`);
}

/** The first three problems zod found, each at its path: "nodes[0].id: expected number". */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${formatPath(issue.path)}: ${issue.message}`)
    .join('; ');
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(top level)';
  return path
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`))
    .join('');
}

/**
 * What the types of the fields cannot show: references between nodes and samples. The aggregation walks
 * parents up to the root, so a cycle or a node with two parents would loop or double-count.
 */
function structuralProblem(profile: RawProfile): string | null {
  if (profile.endTime < profile.startTime) {
    return `endTime (${profile.endTime}) is before startTime (${profile.startTime})`;
  }
  const { nodes } = profile;
  const index = new NodeIndex(nodes);
  if (index.duplicate !== null) return `node id ${index.duplicate} appears twice`;
  const parent = new Int32Array(nodes.length).fill(-1);
  for (let i = 0; i < nodes.length; i++) {
    for (const child of nodes[i]!.children) {
      const c = index.of(child);
      if (c === -1) return `node ${nodes[i]!.id} lists child ${child}, which is not a node`;
      if (parent[c] !== -1) {
        return `node ${child} is a child of both ${nodes[parent[c]!]!.id} and ${nodes[i]!.id}`;
      }
      parent[c] = i;
    }
  }
  if (reachableFromRoots(nodes, parent, index) !== nodes.length) {
    return 'the nodes form a cycle instead of a tree';
  }
  const { samples, timeDeltas } = profile;
  if ((samples === null) !== (timeDeltas === null)) {
    return samples === null ? 'timeDeltas without samples' : 'samples without timeDeltas';
  }
  if (samples !== null && timeDeltas !== null) {
    if (samples.length !== timeDeltas.length) {
      return `${samples.length} samples but ${timeDeltas.length} timeDeltas`;
    }
    for (let s = 0; s < samples.length; s++) {
      if (index.of(samples[s]!) === -1) {
        return `samples[${s}] refers to node ${samples[s]}, which is not a node`;
      }
    }
  }
  return null;
}

function reachableFromRoots(nodes: CpuProfileNode[], parent: Int32Array, index: NodeIndex): number {
  const stack: number[] = [];
  for (let i = 0; i < nodes.length; i++) if (parent[i] === -1) stack.push(i);
  let seen = 0;
  for (let i = stack.pop(); i !== undefined; i = stack.pop()) {
    seen++;
    for (const child of nodes[i]!.children) stack.push(index.of(child));
  }
  return seen;
}

/**
 * Node ids to positions in `nodes`. V8 numbers nodes 1..n, so an array indexed by id answers
 * in one read (a Map lookup per sample took a third of the time of a large profile); sparse
 * ids from other writers fall back to a Map.
 */
export class NodeIndex {
  private readonly dense: Int32Array | null;
  private readonly sparse: Map<number, number> | null;
  /** An id that appears twice, if any. */
  readonly duplicate: number | null = null;

  constructor(nodes: readonly CpuProfileNode[]) {
    let max = 0;
    let min = 0;
    for (const node of nodes) {
      if (node.id > max) max = node.id;
      if (node.id < min) min = node.id;
    }
    if (min >= 0 && max <= 4 * nodes.length + 1024) {
      this.dense = new Int32Array(max + 1).fill(-1);
      this.sparse = null;
      for (let i = 0; i < nodes.length; i++) {
        const id = nodes[i]!.id;
        if (this.dense[id] !== -1 && this.duplicate === null) this.duplicate = id;
        this.dense[id] = i;
      }
    } else {
      this.dense = null;
      this.sparse = new Map();
      for (let i = 0; i < nodes.length; i++) {
        const id = nodes[i]!.id;
        if (this.sparse.has(id) && this.duplicate === null) this.duplicate = id;
        this.sparse.set(id, i);
      }
    }
  }

  /** The position of node `id`; -1 when there is none. */
  of(id: number): number {
    if (this.dense !== null) return id >= 0 && id < this.dense.length ? this.dense[id]! : -1;
    return this.sparse!.get(id) ?? -1;
  }
}
