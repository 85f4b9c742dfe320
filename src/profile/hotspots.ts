import { realpath } from 'node:fs/promises';
import type { CpuAnalysis, Hotspot } from '../data/stages.js';
import { ConfigError, RuntimeError } from '../errors.js';
import { activeValue, clipToWindow, selectBusyProfiles, type LoadWindow } from './busy-profiles.js';
import {
  PROFILE_FIELD,
  selfAndTotalByFunction,
  totalValue,
  type CallTree,
  type Frame,
} from './call-tree.js';
import { categorize, type HotspotCategory } from './categorize.js';
import { readProfile } from './formats/detect.js';
import { journeyShares, type JourneyWindow } from './journey-attribution.js';
import { SourceExcerpts } from './source-excerpt.js';
import { IDLE_FRAME, isPseudoFrame, PROGRAM_FRAME } from './v8-frames.js';
import { locateSource } from './source-location.js';

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
  /** Each journey alone for a moment after the load: which journeys make a function work. */
  journeyWindows?: JourneyWindow[];
}

/** A journey counts as affected by a function that takes this share of its window or more. */
export const AFFECTED_SHARE = 0.01;

/**
 * Reads the profiles perf-flow's probe wrote. One that cannot be read (a process killed while
 * writing it, a heap profile of a process that barely ran) is left out; none readable at all
 * is perf-flow's or the service's failure, not the user's input (RuntimeError, exit 3),
 * unless the profiles are `optional` (the allocations, a supplement to the analysis).
 */
export async function readProbeProfiles(
  files: string[],
  opts: { optional?: boolean } = {},
): Promise<CallTree[]> {
  const read = await Promise.allSettled(files.map((file) => readProfile(file)));
  const trees = read
    .filter((r): r is PromiseFulfilledResult<CallTree> => r.status === 'fulfilled')
    .map((r) => r.value);
  const failed = read.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (trees.length === 0 && failed !== undefined && opts.optional !== true) {
    const error = failed.reason as Error;
    // The message without the config field: the probe's files are not the user's.
    const message =
      error instanceof ConfigError && error.field
        ? error.message.slice(error.field.length + 2)
        : error.message;
    throw new RuntimeError(`the CPU profile the probe wrote is unusable: ${message}`, {
      cause: error,
    });
  }
  return trees;
}

/** readProbeProfiles, then analyzeProfiles against the resolved repository root. */
export async function analyzeProbeProfiles(
  files: string[],
  opts: AnalyzeOptions,
): Promise<CpuAnalysis> {
  const trees = await readProbeProfiles(files);
  return analyzeProfiles(trees, { ...opts, repoRoot: await resolvedRoot(opts.repoRoot) });
}

/** V8 writes resolved paths: a symlinked checkout (macOS /tmp) must compare as its target. */
export async function resolvedRoot(repoRoot: string): Promise<string> {
  return realpath(repoRoot).catch(() => repoRoot);
}

/** One function across every profile: the four fields of its frame. */
interface FunctionTotals {
  frame: Frame;
  self: number;
  total: number;
  category: HotspotCategory;
  /** Self value of the node that set `category`, so the heaviest call site decides it. */
  categoryValue: number;
}

/**
 * Ranks the functions of CPU (or wall-time) profiles by self and total value. Profiles of
 * several processes of one service add up; time units are converted to microseconds, and
 * sample counts cannot be added to times (an error naming profile.files).
 */
export function analyzeProfiles(allTrees: CallTree[], opts: AnalyzeOptions): CpuAnalysis {
  const timed = sameUnit(allTrees);
  const { kept, excluded } = selectBusyProfiles(allTrees, opts.loadWindow);
  // The figures are the load's: the start-up before it and what ran after it left out.
  const { loadWindow } = opts;
  const trees = loadWindow ? kept.map((tree) => clipToWindow(tree, loadWindow)) : kept;
  let sampleCount = 0;
  for (const tree of trees) {
    sampleCount +=
      tree.timeline?.sampleNodes.length ??
      tree.sampleCount ??
      (timed ? 0 : Math.round(totalValue(tree)));
  }
  const { functions, all, allValue, idle, active, pseudo } = sumFunctions(trees, opts.repoRoot);
  // Garbage collection in any runtime: V8's pseudo-frame, Go's runtime.gc*, a JVM's GC threads.
  const gc = all.filter((fn) => fn.category === 'gc').reduce((sum, fn) => sum + fn.self, 0);
  const utilization = busyShare(trees, opts.loadWindow);
  const excerpts = new SourceExcerpts(opts.repoRoot);
  const perJourney =
    opts.journeyWindows && opts.journeyWindows.length > 0
      ? journeyShares(kept, opts.journeyWindows, functionKey)
      : undefined;
  const ms = (value: number) => (timed ? value / 1000 : null);

  const ranked = [...functions.entries()].filter(([, fn]) => !isPseudoFrame(fn.frame));
  const toHotspot = ([key, fn]: [string, FunctionTotals]): Hotspot => {
    const journeys = perJourney?.get(key)?.filter((j) => j.share >= AFFECTED_SHARE);
    const { file, inRepo } = locateSource(fn.frame.file, opts.repoRoot);
    const line = fn.frame.line > 0 ? fn.frame.line : null;
    const totalShare = share(fn.total, active);
    const excerpt = inRepo && file !== null && line !== null ? excerpts.around(file, line) : null;
    return {
      functionName: fn.frame.name === '' ? '(anonymous)' : fn.frame.name,
      file,
      line,
      column: fn.frame.column > 0 ? fn.frame.column : null,
      selfMs: ms(fn.self),
      totalMs: ms(fn.total),
      selfShare: share(fn.self, active),
      totalShare,
      category: fn.category,
      // Amdahl: a request waits for all the CPU work done while it is in flight (one event
      // loop, or one core per process), so removing the function entirely saves at most its
      // share of that work, which is `utilization` of the request's time.
      latencyCutBound: totalShare * (utilization ?? 1),
      ...(excerpt ? { excerpt } : {}),
      ...(perJourney ? { journeys: journeys ?? [] } : {}),
    };
  };
  const topN = opts.topN ?? 10;
  // Ties fall back to the key so that the same profiles always give the same report.
  const top = (measure: (fn: FunctionTotals) => number) =>
    ranked
      .filter(([, fn]) => measure(fn) > 0)
      .sort(([ka, a], [kb, b]) => measure(b) - measure(a) || (ka < kb ? -1 : ka > kb ? 1 : 0))
      .slice(0, topN)
      .map(toHotspot);

  const durationUs = coveredMicros(trees);
  return {
    profileFiles: trees.map((tree) => tree.source),
    ...(excluded.length > 0 ? { excludedProfiles: excluded } : {}),
    formats: [...new Set(trees.map((tree) => tree.format))],
    unit: timed ? 'ms' : 'samples',
    sampleCount,
    durationMs: durationUs === null ? null : durationUs / 1000,
    activeMs: ms(active),
    utilization,
    idleShare: share(idle, allValue),
    gcShare: share(gc, active),
    programShare: share(pseudo(PROGRAM_FRAME), active),
    topSelf: top((fn) => fn.self),
    topTotal: top((fn) => fn.total),
  };
}

const share = (value: number, of: number) => (of > 0 ? Math.min(1, value / of) : 0);

/** Every function of the trees with its self and total value, and the profile's totals. */
function sumFunctions(trees: CallTree[], repoRoot: string) {
  const functions = new Map<string, FunctionTotals>();
  for (const tree of trees) addFunctions(functions, tree, repoRoot);
  const all = [...functions.values()];
  const pseudo = (name: string) =>
    all
      .filter((fn) => fn.frame.file === '' && fn.frame.name === name)
      .reduce((sum, fn) => sum + fn.self, 0);
  const allValue = all.reduce((sum, fn) => sum + fn.self, 0);
  const idle = pseudo(IDLE_FRAME);
  return { functions, all, allValue, idle, active: allValue - idle, pseudo };
}

export interface FunctionShare {
  frame: Frame;
  /** Of the active (non-idle) value, 0..1. */
  selfShare: number;
  totalShare: number;
  category: HotspotCategory;
}

/** Every real function's share of the active time (or samples), keyed by frame identity. */
export function functionShares(trees: CallTree[], repoRoot: string): Map<string, FunctionShare> {
  sameUnit(trees);
  const { functions, active } = sumFunctions(trees, repoRoot);
  const shares = new Map<string, FunctionShare>();
  for (const [key, fn] of functions) {
    if (isPseudoFrame(fn.frame)) continue;
    shares.set(key, {
      frame: fn.frame,
      selfShare: share(fn.self, active),
      totalShare: share(fn.total, active),
      category: fn.category,
    });
  }
  return shares;
}

/**
 * Whether the trees hold times (true) or sample counts (false); anything else, or a mix, is
 * an error: a heap profile says nothing about where time goes.
 */
function sameUnit(trees: CallTree[]): boolean {
  if (trees.length === 0) throw new RuntimeError('no CPU profile to analyse');
  const heap = trees.find((tree) => tree.kind === 'heap');
  if (heap !== undefined) {
    throw new ConfigError(
      `${heap.source} is a heap profile (${heap.unit}): expected a CPU or wall-time profile here`,
      PROFILE_FIELD,
    );
  }
  const timed = trees.map((tree) => tree.unit === 'microseconds' || tree.unit === 'nanoseconds');
  if (timed.some((t) => t) && timed.some((t) => !t)) {
    const counted = trees[timed.indexOf(false)]!;
    const time = trees[timed.indexOf(true)]!;
    throw new ConfigError(
      `${counted.source} counts ${counted.unit} and ${time.source} measures ${time.unit}: ` +
        'expected CPU profiles that all measure time, or all count samples',
      PROFILE_FIELD,
    );
  }
  return timed[0]!;
}

/** Adds the tree's functions, in microseconds when it holds times. */
function addFunctions(functions: Map<string, FunctionTotals>, tree: CallTree, repoRoot: string) {
  const scale = tree.unit === 'nanoseconds' ? 1 / 1000 : 1;
  const { self, total } = selfAndTotalByFunction(tree);
  const categories = nodeCategories(tree, repoRoot);
  // The heaviest call site of each frame decides its category.
  const category = new Array<HotspotCategory | undefined>(tree.frames.length);
  const categoryValue = new Float64Array(tree.frames.length).fill(-1);
  for (let node = 0; node < tree.nodeSelf.length; node++) {
    const frame = tree.nodeFrame[node]!;
    const value = tree.nodeSelf[node]!;
    if (value > categoryValue[frame]! || category[frame] === undefined) {
      category[frame] = categories[node]!;
      categoryValue[frame] = value;
    }
  }
  tree.frames.forEach((frame, i) => {
    const key = functionKey(frame);
    let fn = functions.get(key);
    if (fn === undefined) {
      fn = { frame, self: 0, total: 0, category: category[i]!, categoryValue: -1 };
      functions.set(key, fn);
    }
    fn.self += self[i]! * scale;
    fn.total += total[i]! * scale;
    const weight = categoryValue[i]! * scale;
    if (weight > fn.categoryValue) {
      fn.category = category[i]!;
      fn.categoryValue = weight;
    }
  });
}

/**
 * The category of every node. Native bindings (readFileSync's `open`, a hash's `digest`) have
 * no script and say nothing by themselves; the code that called them tells what the work is.
 * Parents come before children, so one forward pass inherits top-down.
 */
function nodeCategories(tree: CallTree, repoRoot: string): HotspotCategory[] {
  const own = tree.frames.map((frame) => {
    const { inRepo } = locateSource(frame.file, repoRoot);
    return categorize({ functionName: frame.name, url: frame.file, inRepo });
  });
  const native = tree.frames.map((frame) => frame.file === '' && !isPseudoFrame(frame));
  const categories = new Array<HotspotCategory>(tree.nodeFrame.length);
  for (let node = 0; node < tree.nodeFrame.length; node++) {
    const frame = tree.nodeFrame[node]!;
    const parent = tree.nodeParent[node]!;
    categories[node] =
      own[frame] === 'unknown' && native[frame] && parent >= 0 ? categories[parent]! : own[frame]!;
  }
  return categories;
}

/**
 * The share of the load's wall time the service's processes were on CPU, when the profiles
 * can say: from their timelines inside the load window, else over their whole timelines.
 * Null for profiles without timelines (pprof, folded stacks, speedscope).
 */
function busyShare(trees: CallTree[], window: LoadWindow | undefined): number | null {
  let busyUs = 0;
  let wallUs = 0;
  for (const tree of trees) {
    const timeline = tree.timeline;
    if (timeline === undefined || tree.unit !== 'microseconds') return null;
    const { wallClockEndMs } = timeline;
    if (window !== undefined && wallClockEndMs !== null) {
      const fromUs = timeline.endUs - (wallClockEndMs - window.startMs) * 1000;
      const toUs = timeline.endUs - (wallClockEndMs - window.endMs) * 1000;
      busyUs += activeValue(tree, { fromUs, toUs });
      wallUs += Math.max(0, Math.min(toUs, timeline.endUs) - Math.max(fromUs, timeline.startUs));
    } else {
      busyUs += activeValue(tree);
      wallUs += timeline.endUs - timeline.startUs;
    }
  }
  return wallUs > 0 ? Math.min(1, busyUs / wallUs) : null;
}

/** Wall time covered by the profiles' timelines (overlapping ones count once); null without. */
function coveredMicros(trees: readonly CallTree[]): number | null {
  if (trees.some((tree) => tree.timeline === undefined)) return null;
  const spans = trees
    .map((tree) => [tree.timeline!.startUs, tree.timeline!.endUs] as const)
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let covered = 0;
  let end = -Infinity;
  for (const [start, stop] of spans) {
    if (start >= end) covered += stop - start;
    else if (stop > end) covered += stop - end;
    end = Math.max(end, stop);
  }
  return covered;
}

function functionKey(frame: Frame): string {
  return `${frame.name}\u0000${frame.file}\u0000${frame.line}\u0000${frame.column}`;
}
