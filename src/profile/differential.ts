import { pathToFileURL } from 'node:url';
import type { CallTree, Frame } from './call-tree.js';
import type { ChangedLines } from './changed-lines.js';
import { functionShares, type FunctionShare } from './hotspots.js';
import { locateSource } from './source-location.js';

export interface FunctionChange {
  functionName: string;
  /** Repository-relative when in the repository. */
  file: string | null;
  line: number | null;
  /** Self share of the active CPU time, 0..1, in the base's and the head's profiles. */
  baseShare: number;
  headShare: number;
  /** headShare - baseShare, in shares (0.05 = 5 points). */
  change: number;
  /** Lines the head changed inside the function, as far as the profiles tell where it ends. */
  changedLines: number[];
}

export interface Differential {
  grew: FunctionChange[];
  shrank: FunctionChange[];
}

/** A change of less than this (in shares: 0.01 = one point) is noise, not a finding. */
export const MIN_CHANGE = 0.01;

/**
 * The functions whose share of the CPU time grew or shrank most from the base's profiles to
 * the head's (self time: where the time is spent), each with the lines of it the head changed
 * when `changed` is given. Shares, not times: base and head ran under the same load, but the
 * profiles need not be of equal length.
 */
export function profileDifferential(
  base: CallTree[],
  head: CallTree[],
  repoRoot: string,
  changed: ChangedLines = new Map(),
  topN = 10,
): Differential {
  const before = byFunction(functionShares(base, repoRoot), repoRoot);
  const after = byFunction(functionShares(head, repoRoot), repoRoot);
  // Where the head's functions are: the base's lines may have moved since.
  const spans = functionSpans(
    [...after.values()].map((s) => s.frame),
    repoRoot,
  );
  const changes: FunctionChange[] = [];
  for (const key of new Set([...before.keys(), ...after.keys()])) {
    const frame = (after.get(key) ?? before.get(key))!.frame;
    const baseShare = before.get(key)?.selfShare ?? 0;
    const headShare = after.get(key)?.selfShare ?? 0;
    const change = headShare - baseShare;
    if (Math.abs(change) < MIN_CHANGE) continue;
    const { file } = locateSource(frame.file, repoRoot);
    const line = frame.line > 0 ? frame.line : null;
    // Only a function the head still has can hold the head's changed lines.
    const span =
      file === null || line === null || !after.has(key) ? undefined : spans.get(`${file}:${line}`);
    const touched =
      file === null || span === undefined
        ? []
        : (changed.get(file) ?? []).filter((n) => n >= span.from && n < span.to);
    changes.push({
      functionName: frame.name || '(anonymous)',
      file,
      line,
      baseShare,
      headShare,
      change,
      changedLines: touched,
    });
  }
  const byChange = (a: FunctionChange, b: FunctionChange) =>
    Math.abs(b.change) - Math.abs(a.change) || a.functionName.localeCompare(b.functionName);
  return {
    grew: changes
      .filter((c) => c.change > 0)
      .sort(byChange)
      .slice(0, topN),
    shrank: changes
      .filter((c) => c.change < 0)
      .sort(byChange)
      .slice(0, topN),
  };
}

/**
 * The same function in base and head: its name and file, not its line, which the head's
 * change may have moved. Anonymous functions keep their line (a file has many).
 */
function byFunction(
  shares: Map<string, FunctionShare>,
  repoRoot: string,
): Map<string, FunctionShare> {
  const out = new Map<string, FunctionShare>();
  for (const share of shares.values()) {
    const { frame } = share;
    const file = locateSource(frame.file, repoRoot).file ?? '';
    const key = `${frame.name}\u0000${file}${frame.name === '' ? `\u0000${frame.line}` : ''}`;
    const seen = out.get(key);
    // A name defined twice in one file: the two add up.
    out.set(
      key,
      seen
        ? {
            ...seen,
            selfShare: seen.selfShare + share.selfShare,
            totalShare: Math.max(seen.totalShare, share.totalShare),
          }
        : share,
    );
  }
  return out;
}

/**
 * The trees with every file under `fromDir` (a base checkout) named as under `toDir` (the
 * head's tree), so that a function of the base and the same function of the head compare.
 */
export function relocateTrees(trees: CallTree[], fromDir: string, toDir: string): CallTree[] {
  const from = [fromDir, pathToFileURL(fromDir).href];
  const to = [toDir, pathToFileURL(toDir).href];
  const move = (file: string) => {
    for (let i = 0; i < from.length; i++) {
      const prefix = `${from[i]!.replace(/\/$/, '')}/`;
      if (file.startsWith(prefix))
        return `${to[i]!.replace(/\/$/, '')}/${file.slice(prefix.length)}`;
    }
    return file;
  };
  return trees.map((tree) => ({
    ...tree,
    frames: tree.frames.map((frame) => ({ ...frame, file: move(frame.file) })),
  }));
}

/**
 * Where each profiled function of a file ends: at the next profiled function's first line
 * (profiles give where a function starts, not where it ends), or far past the last.
 */
function functionSpans(
  frames: Frame[],
  repoRoot: string,
): Map<string, { from: number; to: number }> {
  const starts = new Map<string, Set<number>>();
  for (const frame of frames) {
    const { file } = locateSource(frame.file, repoRoot);
    if (file === null || frame.line <= 0) continue;
    const set = starts.get(file) ?? new Set<number>();
    set.add(frame.line);
    starts.set(file, set);
  }
  const spans = new Map<string, { from: number; to: number }>();
  for (const [file, set] of starts) {
    const lines = [...set].sort((a, b) => a - b);
    lines.forEach((from, i) => {
      spans.set(`${file}:${from}`, { from, to: lines[i + 1] ?? Number.POSITIVE_INFINITY });
    });
  }
  return spans;
}
