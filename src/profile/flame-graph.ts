import { CallTreeBuilder, childrenOf, frameLabel, type CallTree, type Frame } from './call-tree.js';
import { isIdleFrame } from './v8-frames.js';
import type { HotspotCategory } from './categorize.js';

/**
 * The profiles as one call tree: the same stack in two processes is one node. Values are
 * converted to the first tree's time unit (nanoseconds to microseconds); V8's (idle) is left
 * out, since a flame graph shows where the work went, not where there was none.
 */
export function mergeTrees(trees: readonly CallTree[]): CallTree {
  const first = trees[0];
  if (first === undefined) throw new RangeError('no profile to merge');
  const unit = first.unit === 'nanoseconds' ? 'microseconds' : first.unit;
  const builder = new CallTreeBuilder({
    format: first.format,
    source: 'merged',
    kind: first.kind,
    unit,
  });
  for (const tree of trees) {
    const scale = tree.unit === 'nanoseconds' ? 1 / 1000 : 1;
    const frames = tree.frames.map((frame) => builder.frame(frame));
    const idle = tree.frames.map(isIdleFrame);
    const mapped = new Int32Array(tree.nodeFrame.length);
    for (let node = 0; node < tree.nodeFrame.length; node++) {
      const frame = tree.nodeFrame[node]!;
      const parent = tree.nodeParent[node]!;
      // Parents come first, so a parent left out (idle) is known before its children.
      if (idle[frame] || (parent >= 0 && mapped[parent] === -1)) {
        mapped[node] = -1;
        continue;
      }
      mapped[node] = builder.child(parent < 0 ? -1 : mapped[parent]!, frames[frame]!);
      const value = tree.nodeSelf[node]! * scale;
      if (value !== 0) builder.addSelf(mapped[node]!, value);
    }
  }
  return builder.build();
}

export interface FlameGraphOptions {
  title: string;
  /** What a node's value is, for the tooltips: 'ms' for times, else counted samples. */
  valueLabel: (value: number) => string;
  /** Colour family per frame; the service's own code stands out. */
  categoryOf?: (frame: Frame) => HotspotCategory;
}

const WIDTH = 1200;
const ROW = 17;
const TOP = 36;
const BOTTOM = 6;
const MIN_WIDTH_PX = 0.3;
const CHAR_PX = 6.6;

/**
 * An SVG flame graph: roots at the bottom, each frame as wide as its total value, callees
 * stacked on top. Frames narrower than a third of a pixel are left out; every drawn frame
 * has a tooltip with its location and share. Self-contained: no script, no external font.
 */
export function renderFlameGraph(tree: CallTree, opts: FlameGraphOptions): string {
  const n = tree.nodeSelf.length;
  const totals = tree.nodeSelf.slice();
  for (let i = n - 1; i >= 0; i--) {
    const parent = tree.nodeParent[i]!;
    if (parent >= 0) totals[parent]! += totals[i]!;
  }
  const { roots, offsets, children } = childrenOf(tree);
  let all = 0;
  for (const root of roots) all += totals[root]!;
  const scale = all > 0 ? WIDTH / all : 0;

  const placed: Array<{ node: number; x: number; depth: number }> = [];
  let maxDepth = 0;
  // Depth-first, each node's children side by side from its left edge, widest first.
  const stack: Array<{ node: number; x: number; depth: number }> = [];
  const place = (nodes: number[], x0: number, depth: number) => {
    let x = x0;
    for (const node of nodes.sort((a, b) => totals[b]! - totals[a]! || a - b)) {
      const width = totals[node]! * scale;
      if (width >= MIN_WIDTH_PX) stack.push({ node, x, depth });
      x += width;
    }
  };
  place([...roots], 0, 0);
  while (stack.length > 0) {
    const at = stack.pop()!;
    placed.push(at);
    maxDepth = Math.max(maxDepth, at.depth);
    const kids: number[] = [];
    for (let c = offsets[at.node]!; c < offsets[at.node + 1]!; c++) kids.push(children[c]!);
    place(kids, at.x, at.depth + 1);
  }
  const height = TOP + (maxDepth + 1) * ROW + BOTTOM;
  // Roots sit on the bottom row, callees above their callers.
  const rowTop = (depth: number) => height - BOTTOM - (depth + 1) * ROW;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="monospace" font-size="11">`,
    `<rect width="100%" height="100%" fill="#fdfdf8"/>`,
    `<text x="${WIDTH / 2}" y="20" text-anchor="middle" font-size="14">${xml(opts.title)}</text>`,
    ...placed.map(({ node, x, depth }) =>
      frameRect(
        tree,
        node,
        { x, y: rowTop(depth), width: totals[node]! * scale },
        totals[node]!,
        all,
        opts,
      ),
    ),
    '</svg>',
    '',
  ].join('\n');
}

function frameRect(
  tree: CallTree,
  node: number,
  box: { x: number; y: number; width: number },
  value: number,
  all: number,
  opts: FlameGraphOptions,
): string {
  const frame = tree.frames[tree.nodeFrame[node]!]!;
  const { x, y, width } = box;
  const fill = colour(opts.categoryOf?.(frame) ?? 'unknown', frame.name);
  const fits = Math.floor((width - 6) / CHAR_PX);
  const text =
    fits >= 3
      ? `<text x="${(x + 3).toFixed(2)}" y="${y + ROW - 5}">${xml(
          frame.name.length > fits ? `${frame.name.slice(0, fits - 1)}…` : frame.name,
        )}</text>`
      : '';
  const share = `${((value / all) * 100).toFixed(2)}%`;
  const tooltip = `${frameLabel(frame, true)}: ${share} (${opts.valueLabel(value)})`;
  return (
    `<g><title>${xml(tooltip)}</title>` +
    `<rect x="${x.toFixed(2)}" y="${y}" width="${Math.max(0, width - 0.5).toFixed(2)}" height="${ROW - 1}" fill="${fill}"/>${text}</g>`
  );
}

/** Warm colours for code, cool for the runtime; the hue varies a little by name. */
function colour(category: HotspotCategory, name: string): string {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
  const jitter = (h % 20) - 10;
  const base: Record<HotspotCategory, [number, number, number]> = {
    service: [20, 85, 60],
    dependency: [45, 80, 60],
    framework: [55, 70, 62],
    json: [280, 55, 65],
    regex: [300, 50, 65],
    crypto: [330, 55, 65],
    compression: [260, 45, 65],
    'fs-sync': [180, 50, 55],
    gc: [0, 75, 55],
    template: [90, 45, 60],
    'database-driver': [200, 60, 60],
    'node-internal': [210, 25, 70],
    unknown: [0, 0, 75],
  };
  const [hue, sat, light] = base[category];
  return `hsl(${(hue + jitter + 360) % 360} ${sat}% ${light}%)`;
}

function xml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}
