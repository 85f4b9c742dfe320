import { realpath } from 'node:fs/promises';
import type { CpuAnalysis, Hotspot } from '../data/stages.js';
import { selectBusyProfiles, type LoadWindow } from './busy-profiles.js';
import { categorize, type HotspotCategory } from './categorize.js';
import { readCpuProfile, type CallFrame, type ParsedProfile } from './cpuprofile.js';
import { coveredMicros, nodeSelfTimes } from './sample-times.js';
import { locateSource, oneBased } from './source-location.js';

export interface AnalyzeOptions {
  /** Files inside it are reported relative to it and count as the service's own code. */
  repoRoot: string;
  /** Length of topSelf and topTotal; 10 unless given. */
  topN?: number;
  /**
   * When the load ran (Date.now() values). Processes barely on CPU meanwhile (a wrapper such
   * as npm) are left out; without it their whole profiles are compared, see selectBusyProfiles.
   */
  loadWindow?: LoadWindow;
}

/** V8's pseudo-frames: they are not functions anyone can optimise, so they are never ranked. */
const ROOT = '(root)';
const IDLE = '(idle)';
const PROGRAM = '(program)';
const GC = '(garbage collector)';
const PSEUDO_FRAMES = new Set([ROOT, IDLE, PROGRAM, GC]);

/**
 * Reads, validates and merges the profiles (one per Node process of the service), leaving out
 * those of processes that mostly waited (`excludedProfiles` says which and why).
 */
export async function analyzeCpuProfiles(
  files: string[],
  opts: AnalyzeOptions,
): Promise<CpuAnalysis> {
  const profiles = await Promise.all(files.map((file) => readCpuProfile(file)));
  // V8 writes resolved paths: a symlinked checkout (macOS /tmp) must compare as its target.
  const repoRoot = await realpath(opts.repoRoot).catch(() => opts.repoRoot);
  return analyzeCpuProfile(profiles, { ...opts, repoRoot });
}

interface FunctionTotals {
  frame: CallFrame;
  selfUs: number;
  totalUs: number;
  category: HotspotCategory;
  /** Self time of the node that set `category`, so the heaviest call site decides it. */
  categoryUs: number;
  /** Last sampled node whose stack already counted this function's total time. */
  countedFor: number;
}

export function analyzeCpuProfile(allProfiles: ParsedProfile[], opts: AnalyzeOptions): CpuAnalysis {
  const { kept: profiles, excluded } = selectBusyProfiles(allProfiles, opts.loadWindow);
  const { functions, sampleCount } = sumFunctionTimes(profiles, opts.repoRoot);
  const all = [...functions.values()];
  const usOf = (name: string) =>
    all
      .filter((fn) => fn.frame.url === '' && fn.frame.functionName === name)
      .reduce((sum, fn) => sum + fn.selfUs, 0);
  const allUs = all.reduce((sum, fn) => sum + fn.selfUs, 0);
  const idleUs = usOf(IDLE);
  const activeUs = allUs - idleUs;
  const share = (us: number, of: number) => (of > 0 ? Math.min(1, us / of) : 0);

  const ranked = [...functions.entries()]
    .filter(([, fn]) => !isPseudoFrame(fn.frame))
    .map(([key, fn]) => ({ key, fn }));
  const toHotspot = ({ fn }: { fn: FunctionTotals }): Hotspot => {
    const { file } = locateSource(fn.frame.url, opts.repoRoot);
    return {
      functionName: fn.frame.functionName === '' ? '(anonymous)' : fn.frame.functionName,
      file,
      line: oneBased(fn.frame.lineNumber),
      column: oneBased(fn.frame.columnNumber),
      selfMs: fn.selfUs / 1000,
      totalMs: fn.totalUs / 1000,
      selfShare: share(fn.selfUs, activeUs),
      totalShare: share(fn.totalUs, activeUs),
      category: fn.category,
    };
  };
  const topN = opts.topN ?? 10;
  // Ties fall back to the key so that the same profiles always give the same report.
  const top = (measure: (fn: FunctionTotals) => number) =>
    ranked
      .filter(({ fn }) => measure(fn) > 0)
      .sort((a, b) => measure(b.fn) - measure(a.fn) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .slice(0, topN)
      .map(toHotspot);

  return {
    profileFiles: profiles.map((p) => p.source),
    ...(excluded.length > 0 ? { excludedProfiles: excluded } : {}),
    sampleCount,
    durationMs: coveredMicros(profiles) / 1000,
    activeMs: activeUs / 1000,
    idleShare: share(idleUs, allUs),
    gcShare: share(usOf(GC), activeUs),
    programShare: share(usOf(PROGRAM), activeUs),
    topSelf: top((fn) => fn.selfUs),
    topTotal: top((fn) => fn.totalUs),
  };
}

/** Self and total time of every function (by key) across all the profiles. */
function sumFunctionTimes(
  profiles: ParsedProfile[],
  repoRoot: string,
): { functions: Map<string, FunctionTotals>; sampleCount: number } {
  const functions = new Map<string, FunctionTotals>();
  let sampleCount = 0;
  let visit = 0;
  for (const profile of profiles) {
    const times = nodeSelfTimes(profile);
    sampleCount += times.sampleCount;
    const tree = indexTree(profile, repoRoot);
    for (const node of tree.order) {
      const key = functionKey(node.callFrame);
      const selfUs = times.selfUs.get(node.id) ?? 0;
      const category = tree.category.get(node.id)!;
      let fn = functions.get(key);
      if (fn === undefined) {
        fn = {
          frame: node.callFrame,
          selfUs: 0,
          totalUs: 0,
          category,
          categoryUs: -1,
          countedFor: -1,
        };
        functions.set(key, fn);
      }
      if (selfUs === 0) continue;
      fn.selfUs += selfUs;
      if (selfUs > fn.categoryUs) {
        fn.category = category;
        fn.categoryUs = selfUs;
      }
      // Each sample counts once toward every function on its stack, however many times a
      // recursive function appears there.
      visit++;
      for (let id: number | undefined = node.id; id !== undefined; id = tree.parent.get(id)) {
        const onStack = functions.get(tree.key.get(id)!)!;
        if (onStack.countedFor === visit) continue;
        onStack.countedFor = visit;
        onStack.totalUs += selfUs;
      }
    }
  }
  return { functions, sampleCount };
}

interface IndexedTree {
  /** Parents before children, so categories can be inherited top-down. */
  order: ParsedProfile['nodes'];
  parent: Map<number, number>;
  key: Map<number, string>;
  category: Map<number, HotspotCategory>;
}

function indexTree(profile: ParsedProfile, repoRoot: string): IndexedTree {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children) parent.set(child, node.id);
  const order: ParsedProfile['nodes'] = [];
  const queue = profile.nodes.filter((node) => !parent.has(node.id));
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i]!;
    order.push(node);
    for (const child of node.children) queue.push(byId.get(child)!);
  }
  const key = new Map<number, string>();
  const category = new Map<number, HotspotCategory>();
  for (const node of order) {
    key.set(node.id, functionKey(node.callFrame));
    category.set(
      node.id,
      nodeCategory(node.callFrame, repoRoot, category.get(parent.get(node.id)!)),
    );
  }
  return { order, parent, key, category };
}

/**
 * Native bindings (readFileSync's `open`, a hash's `digest`) have no script URL and say
 * nothing by themselves; the JavaScript that called them tells what the work is.
 */
function nodeCategory(
  frame: CallFrame,
  repoRoot: string,
  callerCategory: HotspotCategory | undefined,
): HotspotCategory {
  const { inRepo } = locateSource(frame.url, repoRoot);
  const own = categorize({ functionName: frame.functionName, url: frame.url, inRepo });
  const native = frame.url === '' && !PSEUDO_FRAMES.has(frame.functionName);
  return own === 'unknown' && native && callerCategory !== undefined ? callerCategory : own;
}

function functionKey(frame: CallFrame): string {
  return `${frame.functionName}\u0000${frame.url}\u0000${frame.lineNumber}\u0000${frame.columnNumber}`;
}

function isPseudoFrame(frame: CallFrame): boolean {
  return frame.url === '' && PSEUDO_FRAMES.has(frame.functionName);
}
