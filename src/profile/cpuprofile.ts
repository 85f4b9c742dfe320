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
export function parseCpuProfile(text: string, source: string): ParsedProfile {
  const invalid = (what: string) =>
    new RuntimeError(`CPU profile ${source} is not a valid V8 .cpuprofile: ${what}`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw invalid(`not JSON (${(error as Error).message})`);
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
  const ids = new Set<number>();
  for (const node of profile.nodes) {
    if (ids.has(node.id)) return `node id ${node.id} appears twice`;
    ids.add(node.id);
  }
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) {
    for (const child of node.children) {
      if (!ids.has(child)) return `node ${node.id} lists child ${child}, which is not a node`;
      const other = parentOf.get(child);
      if (other !== undefined) return `node ${child} is a child of both ${other} and ${node.id}`;
      parentOf.set(child, node.id);
    }
  }
  if (reachableFromRoots(profile.nodes, parentOf) !== profile.nodes.length) {
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
    const unknown = samples.findIndex((id) => !ids.has(id));
    if (unknown !== -1)
      return `samples[${unknown}] refers to node ${samples[unknown]}, which is not a node`;
  }
  return null;
}

function reachableFromRoots(nodes: CpuProfileNode[], parentOf: Map<number, number>): number {
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const stack = nodes.filter((node) => !parentOf.has(node.id));
  let seen = 0;
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    seen++;
    for (const child of node.children) stack.push(byId.get(child)!);
  }
  return seen;
}
