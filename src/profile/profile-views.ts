import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { toFolded, type CallTree } from './call-tree.js';
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
  const lines = [...toFolded(merged, { withLocation: true })]
    .map(([stack, value]) => [stack, Math.round(value)] as const)
    .filter(([, value]) => value > 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([stack, value]) => `${stack} ${value}`);
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
  await writeFile(folded, lines.length > 0 ? `${lines.join('\n')}\n` : '');
  await writeFile(flame, svg);
  return [folded, flame];
}
