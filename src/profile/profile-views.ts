import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { childrenOf, frameLabel, type CallTree } from './call-tree.js';
import { categorize } from './categorize.js';
import { mergeTrees, renderFlameGraph } from './flame-graph.js';
import { locateSource } from './source-location.js';

export const FOLDED_FILE = 'cpu.folded';
export const FLAME_GRAPH_FILE = 'flame-graph.svg';

/**
 * The analysed profiles as files to look at: folded stacks (`frame (file:line);...;leaf value`,
 * one stack a line, what flamegraph.pl, speedscope and perf-flow itself read) and an SVG flame
 * graph. Both merge the processes and leave idle time out. Returns the paths written.
 */
export async function writeProfileViews(
  trees: readonly CallTree[],
  dir: string,
  repoRoot: string,
): Promise<string[]> {
  if (trees.length === 0) return [];
  const merged = mergeTrees(trees);
  const timed = merged.unit === 'microseconds';
  const svg = renderFlameGraph(merged, {
    title: `CPU flame graph (${timed ? 'time on CPU' : 'samples'}, ${trees.length} profile${trees.length === 1 ? '' : 's'})`,
    valueLabel: (value) =>
      timed ? `${(value / 1000).toFixed(1)} ms` : `${Math.round(value)} samples`,
    categoryOf: (frame) => {
      const { inRepo } = locateSource(frame.file, repoRoot);
      return categorize({ functionName: frame.name, url: frame.file, inRepo });
    },
  });
  await mkdir(dir, { recursive: true });
  const folded = path.join(dir, FOLDED_FILE);
  const flame = path.join(dir, FLAME_GRAPH_FILE);
  await writeFolded(merged, folded);
  await writeFile(flame, svg);
  return [folded, flame];
}

/**
 * One line per call-tree node with time of its own, depth first, written as bytes: a 100 MB
 * .cpuprofile of 262,144 nodes makes 218 MB of folded stacks. The stack of the node being
 * visited is kept as bytes, each frame's label encoded once, so a line costs one copy of it;
 * lines as strings, sorted and joined, took longer than reading the profile. Two nodes that
 * print alike (one name, no location) make two lines, which every folded reader adds up.
 */
async function writeFolded(tree: CallTree, file: string): Promise<void> {
  const labels = tree.frames.map((frame) => Buffer.from(frameLabel(frame, true), 'utf8'));
  const { roots, offsets, children } = childrenOf(tree);

  const out = createWriteStream(file);
  let chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  let used = 0;
  let stack = Buffer.allocUnsafe(4096);
  // Where the stack's bytes end at each depth of the walk; the nodes still to visit.
  const endAt: number[] = [];
  const pending: number[] = [];
  const depthOf: number[] = [];
  const flush = async () => {
    const more = out.write(chunk.subarray(0, used));
    // The stream keeps what it was given until written: a fresh chunk, not this one again.
    chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    used = 0;
    if (!more) await once(out, 'drain');
  };
  try {
    for (let i = roots.length - 1; i >= 0; i--) {
      pending.push(roots[i]!);
      depthOf.push(0);
    }
    while (pending.length > 0) {
      const node = pending.pop()!;
      const depth = depthOf.pop()!;
      const label = labels[tree.nodeFrame[node]!]!;
      const from = depth === 0 ? 0 : endAt[depth - 1]! + 1;
      if (from + label.length > stack.length) {
        const larger = Buffer.allocUnsafe(2 * (from + label.length));
        stack.copy(larger, 0, 0, from);
        stack = larger;
      }
      if (depth > 0) stack[from - 1] = 0x3b; // ';'
      label.copy(stack, from);
      endAt[depth] = from + label.length;
      const value = Math.round(tree.nodeSelf[node]!);
      if (value > 0) {
        const length = endAt[depth]! + 24;
        if (used + length > chunk.length) {
          await flush();
          if (length > chunk.length) chunk = Buffer.allocUnsafe(length);
        }
        used += stack.copy(chunk, used, 0, endAt[depth]!);
        chunk[used++] = 0x20;
        used += chunk.write(String(value), used, 'latin1');
        chunk[used++] = 0x0a;
      }
      for (let i = offsets[node + 1]! - 1; i >= offsets[node]!; i--) {
        pending.push(children[i]!);
        depthOf.push(depth + 1);
      }
    }
    if (used > 0) await flush();
    out.end();
    await finished(out);
  } catch (error) {
    out.destroy();
    throw error;
  }
}

const CHUNK_BYTES = 1 << 20;
