import path from 'node:path';
import type { AllocationAnalysis } from '../data/stages.js';
import { selfAndTotalByFunction, type CallTree, type Frame } from './call-tree.js';
import { categorize } from './categorize.js';
import { locateSource } from './source-location.js';
import { isPseudoFrame } from './v8-frames.js';

/**
 * The functions that allocate the most, from sampled heap profiles (V8 .heapprofile with the
 * samples of collected objects kept, or pprof alloc_space): bytes allocated in the function
 * itself, and their share of all sampled bytes. Null without a heap profile with bytes in it.
 */
export function analyzeAllocations(
  trees: readonly CallTree[],
  repoRoot: string,
  topN = 10,
): AllocationAnalysis | null {
  const heap = trees.filter((tree) => tree.kind === 'heap' && tree.unit === 'bytes');
  const byFunction = new Map<string, { frame: Frame; bytes: number }>();
  let all = 0;
  for (const tree of heap) {
    const { self } = selfAndTotalByFunction(tree);
    tree.frames.forEach((frame, i) => {
      const bytes = self[i]!;
      if (bytes === 0) return;
      all += bytes;
      const key = `${frame.name}\u0000${frame.file}\u0000${frame.line}\u0000${frame.column}`;
      const entry = byFunction.get(key) ?? { frame, bytes: 0 };
      entry.bytes += bytes;
      byFunction.set(key, entry);
    });
  }
  if (all === 0) return null;
  const top = [...byFunction.values()]
    .filter(({ frame }) => !isPseudoFrame(frame))
    .sort((a, b) => b.bytes - a.bytes || a.frame.name.localeCompare(b.frame.name))
    .slice(0, topN)
    .map(({ frame, bytes }) => {
      const { file, inRepo } = locateSource(frame.file, repoRoot);
      return {
        functionName: frame.name === '' ? '(anonymous)' : frame.name,
        file,
        line: frame.line > 0 ? frame.line : null,
        bytes,
        share: bytes / all,
        category: categorize({ functionName: frame.name, url: frame.file, inRepo }),
      };
    });
  return { profileFiles: heap.map((tree) => tree.source), sampledBytes: all, top };
}

/** The pid perf-flow's probe puts in a profile's name (CPU.<time>.<pid>.cpuprofile). */
export function probePid(file: string): string | null {
  return /^(?:CPU|HEAP)\.\d+\.(\d+)\./.exec(path.basename(file))?.[1] ?? null;
}
