import { describe, expect, it } from 'vitest';
import { CallTreeBuilder, toFolded } from '../../src/profile/call-tree.js';
import { mergeTrees, renderFlameGraph } from '../../src/profile/flame-graph.js';

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
