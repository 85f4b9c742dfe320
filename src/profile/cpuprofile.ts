import { readFile } from 'node:fs/promises';
import { z } from 'zod';
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

// Optional fields get defaults: profiles written by other tools (or trimmed by hand) leave
// out `children` on leaves and `hitCount` when they carry samples, and are still usable.
const CallFrameSchema = z.object({
  functionName: z.string().default(''),
  url: z.string().default(''),
  lineNumber: z.number().int().default(-1),
  columnNumber: z.number().int().default(-1),
});

const NodeSchema = z.object({
  id: z.number().int(),
  callFrame: CallFrameSchema,
  hitCount: z.number().int().nonnegative().default(0),
  children: z.array(z.number().int()).default([]),
});

const ProfileSchema = z.object({
  nodes: z.array(NodeSchema).min(1),
  startTime: z.number(),
  endTime: z.number(),
  samples: z.array(z.number().int()).optional(),
  timeDeltas: z.array(z.number()).optional(),
  // Auxiliary: a malformed one loses the wall clock, not the profile.
  perfFlow: z.object({ wallClockEndMs: z.number() }).optional().catch(undefined),
});

/** Parses and validates the text of a .cpuprofile; throws RuntimeError naming `source`. */
export function parseCpuProfile(text: string, source: string): ParsedProfile {
  const invalid = (what: string) =>
    new RuntimeError(`CPU profile ${source} is not a valid V8 .cpuprofile: ${what}`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw invalid(`not JSON (${(error as Error).message})`);
  }
  const result = ProfileSchema.safeParse(json);
  if (!result.success) {
    throw invalid(describeIssues(result.error));
  }
  const profile = result.data;
  const problem = structuralProblem(profile);
  if (problem !== null) throw invalid(problem);
  return {
    source,
    nodes: profile.nodes,
    startTime: profile.startTime,
    endTime: profile.endTime,
    samples: profile.samples ?? null,
    timeDeltas: profile.timeDeltas ?? null,
    wallClockEndMs: profile.perfFlow?.wallClockEndMs ?? null,
  };
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
function structuralProblem(profile: z.infer<typeof ProfileSchema>): string | null {
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
