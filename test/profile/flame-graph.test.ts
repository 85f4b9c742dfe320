import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CallTreeBuilder, toFolded } from '../../src/profile/call-tree.js';
import { mergeTrees, renderFlameGraph } from '../../src/profile/flame-graph.js';
import { parseFolded } from '../../src/profile/formats/folded.js';
import { writeProfileViews } from '../../src/profile/profile-views.js';

function tree(
  source: string,
  stacks: Array<[string[], number]>,
  unit: 'microseconds' | 'nanoseconds' = 'microseconds',
) {
  const b = new CallTreeBuilder({ format: 'cpuprofile', source, kind: 'cpu', unit });
  for (const [names, value] of stacks) {
    b.addStack(
      names.map((name) => b.frame({ name, file: name === '(idle)' ? '' : '/app/x.js', line: 1 })),
      value,
    );
  }
  return b.build();
}

describe('mergeTrees', () => {
  it('adds the same stacks of two processes, in one unit, without idle time', () => {
    const merged = mergeTrees([
      tree('a', [
        [['main', 'work'], 300],
        [['(idle)'], 5000],
      ]),
      tree(
        'b',
        [
          [['main', 'work'], 200_000],
          [['main', 'other'], 100_000],
        ],
        'nanoseconds',
      ),
    ]);
    expect(merged.unit).toBe('microseconds');
    expect(Object.fromEntries(toFolded(merged))).toEqual({ 'main;work': 500, 'main;other': 100 });
  });
});

describe('renderFlameGraph', () => {
  const merged = mergeTrees([
    tree('a', [
      [['main', 'handle', 'parse<json>'], 600],
      [['main', 'handle', 'render'], 300],
      [['main', 'tiny'], 0.1],
      [['main'], 99.9],
    ]),
  ]);
  const svg = renderFlameGraph(merged, {
    title: 'CPU "flame" <graph>',
    valueLabel: (v) => `${v / 1000} ms`,
  });
  const rect = (name: string) =>
    new RegExp(
      `<title>${name} \\(/app/x\\.js:1\\): [^<]*</title><rect x="([\\d.]+)" y="(\\d+)" width="([\\d.]+)"`,
    ).exec(svg);

  it('draws each frame as wide as its total, callees above their callers', () => {
    const main = rect('main')!;
    const handle = rect('handle')!;
    const parse = rect('parse&lt;json&gt;')!;
    expect(Number(main[3])).toBeCloseTo(1200 - 0.5, 1);
    expect(Number(handle[3])).toBeCloseTo(1200 * 0.9 - 0.5, 1);
    expect(Number(parse[3])).toBeCloseTo(1200 * 0.6 - 0.5, 1);
    expect(Number(handle[2])).toBeLessThan(Number(main[2]));
    expect(Number(parse[2])).toBeLessThan(Number(handle[2]));
    expect(svg).toContain('main (/app/x.js:1): 100.00% (1 ms)');
  });

  it('leaves out frames narrower than a third of a pixel, and escapes text', () => {
    expect(rect('tiny')).toBeNull();
    expect(svg).toContain('CPU &quot;flame&quot; &lt;graph&gt;');
    expect(svg).not.toContain('<json>');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  });
});

describe('writeProfileViews', () => {
  it('writes every stack with time as folded text that reads back as the same tree', async () => {
    // Deep and wide enough for several output chunks (1 MiB each): 40 roots, each 60 deep,
    // with a long name per frame; one stack ends in (idle), which the views leave out.
    const stacks: Array<[string[], number]> = [[['(idle)'], 999]];
    for (let r = 0; r < 40; r++) {
      const names = Array.from({ length: 60 }, (_, d) => `f${r}_${d}_${'x'.repeat(40)}`);
      for (let d = 1; d <= names.length; d++) stacks.push([names.slice(0, d), 1000 + d]);
    }
    stacks.push([['main', 'café ünïcode'], 7]);
    const profile = tree('a', stacks);
    const dir = await mkdtemp(path.join(tmpdir(), 'perf-flow-views-'));
    const [folded, svg] = await writeProfileViews([profile], dir, '/app');
    const text = await readFile(folded!, 'utf8');
    expect(text.length).toBeGreaterThan(3 * (1 << 20));
    expect(text.endsWith('\n')).toBe(true);
    const expected = toFolded(mergeTrees([profile]), { withLocation: true });
    const readBack = toFolded(parseFolded(text, folded!), { withLocation: true });
    expect(readBack).toEqual(expected);
    expect([...readBack.keys()].some((stack) => stack.includes('(idle)'))).toBe(false);
    await expect(readFile(svg!, 'utf8')).resolves.toMatch(/^<\?xml|^<svg/);
  });
});
