import { ConfigError, RuntimeError } from '../../errors.js';
import { CallTreeBuilder, PROFILE_FIELD, nonEmpty, type CallTree } from '../call-tree.js';
import { parseCpuProfile, type CallFrame, type ParsedProfile } from '../cpuprofile.js';
import { nodeSelfTimes } from '../sample-times.js';

const EXPECTED = 'a V8 .cpuprofile';

/** Reads the text of a V8 .cpuprofile (validated by parseCpuProfile) into a call tree. */
export function parseCpuProfileTree(text: string, source: string): CallTree {
  let profile: ParsedProfile;
  try {
    profile = parseCpuProfile(text, source);
  } catch (error) {
    // parseCpuProfile reports a broken file as a runtime failure (its caller profiled the
    // service itself); a file the user handed in is the user's to fix.
    if (error instanceof RuntimeError) throw new ConfigError(error.message, PROFILE_FIELD);
    throw error;
  }
  return nonEmpty(cpuProfileToTree(profile), EXPECTED);
}

/**
 * Self time per node is the sampled time (sample-times.ts: each sample lasts until the next;
 * without a timeline, hit counts spread over the duration), in microseconds. V8's pseudo-frames
 * (program), (idle) and (garbage collector) stay frames for the ranking to skip; the (root)
 * node every stack starts with is dropped so that a stack reads as in every other format
 * (speedscope and pprof exports leave it out too). Time on (root) itself, if any, stays on a
 * root frame named (root).
 */
export function cpuProfileToTree(profile: ParsedProfile): CallTree {
  const builder = new CallTreeBuilder({
    format: 'cpuprofile',
    source: profile.source,
    kind: 'cpu',
    unit: 'microseconds',
  });
  const byId = new Map<number, ParsedProfile['nodes'][number]>();
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children) parentOf.set(child, node.id);
  }
  const frameOf = (callFrame: CallFrame) =>
    builder.frame({
      name: callFrame.functionName,
      file: callFrame.url,
      // V8 counts from 0 with -1 for unknown; the model from 1 with 0 for unknown.
      line: callFrame.lineNumber + 1,
      column: callFrame.columnNumber + 1,
    });

  // Tree node of every V8 node; the (root) node maps to -1 (children become roots).
  const treeNode = new Map<number, number>();
  const syntheticRoots = new Set<number>();
  const queue = profile.nodes.filter((node) => !parentOf.has(node.id));
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i]!;
    const parent = parentOf.has(node.id) ? treeNode.get(parentOf.get(node.id)!)! : -1;
    if (parent === -1 && isV8Root(node.callFrame)) {
      syntheticRoots.add(node.id);
      treeNode.set(node.id, -1);
    } else {
      treeNode.set(node.id, builder.child(parent, frameOf(node.callFrame)));
    }
    for (const child of node.children) queue.push(byId.get(child)!);
  }
  const nodeFor = (id: number): number => {
    if (!syntheticRoots.has(id)) return treeNode.get(id)!;
    return builder.child(-1, frameOf(byId.get(id)!.callFrame));
  };

  const { selfUs } = nodeSelfTimes(profile);
  for (const [id, us] of selfUs) if (us !== 0) builder.addSelf(nodeFor(id), us);

  const { samples, timeDeltas } = profile;
  if (samples === null || timeDeltas === null || samples.length === 0) return builder.build();
  const sampleNodes = new Int32Array(samples.length);
  const sampleTimesUs = new Float64Array(samples.length);
  let at = profile.startTime;
  for (let i = 0; i < samples.length; i++) {
    at += timeDeltas[i]!;
    sampleTimesUs[i] = at;
    sampleNodes[i] = nodeFor(samples[i]!);
  }
  return builder.build({
    startUs: profile.startTime,
    endUs: profile.endTime,
    wallClockEndMs: profile.wallClockEndMs,
    sampleNodes,
    sampleTimesUs,
  });
}

function isV8Root(frame: CallFrame): boolean {
  return frame.functionName === '(root)' && frame.url === '';
}
