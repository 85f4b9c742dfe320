import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { foldedPaths, type CallTree } from './call-tree.js';
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
 * One line per call-tree node with time of its own, in tree order, streamed: a 100 MB
 * .cpuprofile of 262,144 nodes makes 218 MB of folded stacks, which as lines in memory, sorted
 * and joined, took longer than reading the profile. Two nodes that print alike (one name, no
 * location) make two lines, which every folded reader adds up.
 */
async function writeFolded(tree: CallTree, file: string): Promise<void> {
  const paths = foldedPaths(tree, true);
  const out = createWriteStream(file);
  const flushAt = 1 << 20;
  let chunk: string[] = [];
  let size = 0;
  try {
    for (let node = 0; node < tree.nodeSelf.length; node++) {
      const value = Math.round(tree.nodeSelf[node]!);
      if (value <= 0) continue;
      const line = `${paths[node]!} ${value}\n`;
      chunk.push(line);
      size += line.length;
      if (size >= flushAt) {
        const more = out.write(chunk.join(''));
        chunk = [];
        size = 0;
        if (!more) await once(out, 'drain');
      }
    }
    out.end(chunk.join(''));
    await finished(out);
  } catch (error) {
    out.destroy();
    throw error;
  }
}
