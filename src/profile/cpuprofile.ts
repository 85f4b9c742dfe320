import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { RuntimeError } from '../errors.js';

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
  samples: number[] | null;
  /** Microseconds from the previous sample (from startTime for the first); null with samples. */
  timeDeltas: number[] | null;
  /**
   * Date.now() when the profiler stopped (at endTime), which perf-flow's probe records next to
   * V8's fields; null in profiles from elsewhere. V8's clock is per machine and not the wall
   * clock, so this is what places the profile's times next to the load's.
   */
  wallClockEndMs: number | null;
}

/**
 * Parses and validates the text of a .cpuprofile; throws RuntimeError naming `source`.
 *
 * Validated by hand in one pass over the parsed JSON, filling defaults in place: a 100 MB
 * profile holds about a million nodes and millions of samples, and a schema library that
 * copies every node took several times as long as JSON.parse itself (bench:profile). Optional
 * fields get defaults: profiles written by other tools (or trimmed by hand) leave out
 * `children` on leaves and `hitCount` when they carry samples, and are still usable.
 */
export function parseCpuProfile(text: string | ProfileText, source: string): ParsedProfile {
  const invalid = (what: string) =>
    new RuntimeError(`CPU profile ${source} is not a valid V8 .cpuprofile: ${what}`);
  let json: unknown;
  try {
    json = JSON.parse(typeof text === 'string' ? text : text.text);
  } catch (error) {
    throw invalid(`not JSON (${(error as Error).message})`);
  } finally {
    // Parsed: the text (as large as the file) can go before the tree is built.
    if (typeof text !== 'string') text.text = '';
  }
  const problem = shapeProblem(json) ?? structuralProblem(json as RawProfile);
  if (problem !== null) throw invalid(problem);
  const profile = json as RawProfile;
  const wallClock = profile.perfFlow?.wallClockEndMs;
  return {
    source,
    nodes: profile.nodes,
    startTime: profile.startTime,
    endTime: profile.endTime,
    samples: profile.samples ?? null,
    timeDeltas: profile.timeDeltas ?? null,
    // Auxiliary: a malformed one loses the wall clock, not the profile.
    wallClockEndMs: typeof wallClock === 'number' && Number.isFinite(wallClock) ? wallClock : null,
  };
}

/**
 * A profile's text in a holder the parser empties once it has parsed it: with no other
 * reference left, the string (as large as the file) is freed while the tree is built.
 */
export interface ProfileText {
  text: string;
}

interface RawProfile {
  nodes: CpuProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
  perfFlow?: { wallClockEndMs?: unknown };
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isInt = (v: unknown): v is number => Number.isInteger(v);

/**
 * The first field that does not have the type V8 writes, as "nodes[1].callFrame.url: expected
 * a string"; null when the shape holds. Missing optional fields are filled in on the way.
 */
function shapeProblem(json: unknown): string | null {
  if (!isObject(json)) return '(top level): expected an object';
  const { nodes } = json;
  if (!Array.isArray(nodes) || nodes.length === 0) return 'nodes: expected a non-empty array';
  for (let i = 0; i < nodes.length; i++) {
    const problem = nodeProblem(nodes[i], i);
    if (problem !== null) return problem;
  }
  if (!isNumber(json.startTime)) return 'startTime: expected a number';
  if (!isNumber(json.endTime)) return 'endTime: expected a number';
  for (const field of ['samples', 'timeDeltas'] as const) {
    const values = json[field];
    if (values === undefined) continue;
    if (!Array.isArray(values)) return `${field}: expected an array`;
    const ok = field === 'samples' ? isInt : isNumber;
    for (let i = 0; i < values.length; i++) {
      if (!ok(values[i]))
        return `${field}[${i}]: expected ${field === 'samples' ? 'a node id' : 'a number'}`;
    }
  }
  return null;
}

function nodeProblem(node: unknown, i: number): string | null {
  const at = `nodes[${i}]`;
  if (!isObject(node)) return `${at}: expected an object`;
  if (!isInt(node.id)) return `${at}.id: expected an integer`;
  const frame = node.callFrame;
  if (!isObject(frame)) return `${at}.callFrame: expected an object`;
  if (frame.functionName === undefined) frame.functionName = '';
  else if (typeof frame.functionName !== 'string')
    return `${at}.callFrame.functionName: expected a string`;
  if (frame.url === undefined) frame.url = '';
  else if (typeof frame.url !== 'string') return `${at}.callFrame.url: expected a string`;
  for (const field of ['lineNumber', 'columnNumber'] as const) {
    if (frame[field] === undefined) frame[field] = -1;
    else if (!isInt(frame[field])) return `${at}.callFrame.${field}: expected an integer`;
  }
  if (node.hitCount === undefined) node.hitCount = 0;
  else if (!isInt(node.hitCount) || node.hitCount < 0) return `${at}.hitCount: expected a count`;
  if (node.children === undefined) node.children = [];
  else if (!Array.isArray(node.children)) return `${at}.children: expected an array`;
  else {
    const children = node.children as unknown[];
    for (let c = 0; c < children.length; c++) {
      if (!isInt(children[c])) return `${at}.children[${c}]: expected a node id`;
    }
  }
  return null;
}

export async function readCpuProfile(file: string): Promise<ParsedProfile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new RuntimeError(`cannot read CPU profile ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return parseCpuProfile(text, file);
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
 * What the schema cannot see: references between nodes and samples. The aggregation walks
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
  if ((samples === undefined) !== (timeDeltas === undefined)) {
    return samples === undefined ? 'timeDeltas without samples' : 'samples without timeDeltas';
  }
  if (samples !== undefined && timeDeltas !== undefined) {
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
