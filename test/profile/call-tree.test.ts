import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import {
  CallTreeBuilder,
  NO_STACK_FRAME,
  childrenOf,
  isEmpty,
  nonEmpty,
  selfAndTotalByFunction,
  toFolded,
  totalValue,
  type CallTree,
} from '../../src/profile/call-tree.js';

const meta = { format: 'folded', source: 'test', kind: 'cpu', unit: 'samples' } as const;

/** A tree from `a;b;c` stacks of frames named after themselves. */
function treeOf(stacks: Array<[string, number]>): CallTree {
  const builder = new CallTreeBuilder(meta);
  for (const [stack, value] of stacks) {
    builder.addStack(
      stack.split(';').map((name) => builder.frame({ name })),
      value,
    );
  }
  return builder.build();
}

/** Self and total by frame name, for trees whose names are unique. */
function byName(tree: CallTree): Record<string, { self: number; total: number }> {
  const { self, total } = selfAndTotalByFunction(tree);
  return Object.fromEntries(
    tree.frames.map((frame, i) => [frame.name, { self: self[i]!, total: total[i]! }]),
  );
}

describe('CallTreeBuilder', () => {
  it('interns frames: the same four fields are one frame, any difference another', () => {
    const builder = new CallTreeBuilder(meta);
    const a = builder.frame({ name: 'f', file: 'a.js', line: 3, column: 2 });
    expect(builder.frame({ name: 'f', file: 'a.js', line: 3, column: 2 })).toBe(a);
    expect(builder.frame({ name: 'f', file: 'a.js', line: 4, column: 2 })).not.toBe(a);
    expect(builder.frame({ name: 'f', file: 'b.js', line: 3, column: 2 })).not.toBe(a);
    expect(builder.frame({ name: 'f', file: 'a.js', line: 3 })).not.toBe(a);
    expect(builder.build().frames).toHaveLength(4);
  });

  it('stores unknown positions as 0 and a missing file as empty', () => {
    const builder = new CallTreeBuilder(meta);
    builder.frame({ name: 'a', line: -1, column: 0 });
    builder.frame({ name: 'b', line: 7.9, column: Number.NaN });
    expect(builder.build().frames).toEqual([
      { name: 'a', file: '', line: 0, column: 0 },
      { name: 'b', file: '', line: 7, column: 0 },
    ]);
  });

  it('merges identical paths and keeps one frame at different depths as different nodes', () => {
    const tree = treeOf([
      ['main;work', 2],
      ['main;work', 3],
      ['main;other;work', 4],
    ]);
    expect(tree.frames.map((f) => f.name)).toEqual(['main', 'work', 'other']);
    expect(tree.nodeFrame.length).toBe(4);
    expect(Array.from(tree.nodeSelf)).toEqual([0, 5, 0, 4]);
    expect(Array.from(tree.nodeParent)).toEqual([-1, 0, 0, 2]);
  });

  it('keeps merging after its tables grow, parents always before children', () => {
    const stacks: Array<[string, number]> = [];
    for (let i = 0; i < 3000; i++) stacks.push([`root;m${i % 40};f${i}`, 1]);
    const builder = new CallTreeBuilder(meta);
    const add = () => {
      for (const [stack, value] of stacks) {
        builder.addStack(
          stack.split(';').map((name) => builder.frame({ name })),
          value,
        );
      }
    };
    add();
    add();
    const tree = builder.build();
    expect(tree.nodeFrame.length).toBe(1 + 40 + 3000);
    expect(totalValue(tree)).toBe(6000);
    expect(new Set(tree.nodeSelf.filter((v) => v > 0))).toEqual(new Set([2]));
    tree.nodeParent.forEach((parent, node) => expect(parent).toBeLessThan(node));
  });

  it('puts the value of an empty stack on a (no stack) root', () => {
    const builder = new CallTreeBuilder(meta);
    builder.addStack([], 7);
    expect(toFolded(builder.build())).toEqual(new Map([[NO_STACK_FRAME, 7]]));
  });

  it('refuses a frame or parent that does not exist and a value that is not finite', () => {
    const builder = new CallTreeBuilder(meta);
    const f = builder.frame({ name: 'f' });
    expect(() => builder.child(-1, f + 1)).toThrow(RangeError);
    expect(() => builder.child(0, f)).toThrow(RangeError);
    expect(() => builder.addStack([f], Number.NaN)).toThrow(RangeError);
  });
});

describe('toFolded', () => {
  it('gives each stack with a value, root first, and leaves out stacks without one', () => {
    const tree = treeOf([
      ['main;handle;parse', 30],
      ['main;handle', 5],
      ['main;idle', 0],
    ]);
    expect(toFolded(tree)).toEqual(
      new Map([
        ['main;handle;parse', 30],
        ['main;handle', 5],
      ]),
    );
  });

  it('adds up stacks that print alike without locations and tells them apart with them', () => {
    const builder = new CallTreeBuilder(meta);
    const main = builder.frame({ name: 'main', file: 'm.js', line: 1 });
    const a = builder.frame({ name: 'run', file: 'a.js', line: 2, column: 5 });
    const b = builder.frame({ name: 'run', file: 'b.js' });
    builder.addStack([main, a], 1);
    builder.addStack([main, b], 2);
    const tree = builder.build();
    expect(toFolded(tree)).toEqual(new Map([['main;run', 3]]));
    expect(toFolded(tree, { withLocation: true })).toEqual(
      new Map([
        ['main (m.js:1);run (a.js:2:5)', 1],
        ['main (m.js:1);run', 2],
      ]),
    );
  });
});

describe('selfAndTotalByFunction', () => {
  it('counts a stack once toward a frame however often the frame recurs on it', () => {
    const names = byName(
      treeOf([
        ['main;render;render;render', 20],
        ['main;render', 4],
        ['main;parse', 30],
      ]),
    );
    expect(names).toEqual({
      main: { self: 0, total: 54 },
      render: { self: 24, total: 24 },
      parse: { self: 30, total: 30 },
    });
  });

  it('handles mutual recursion and the same frame in sibling subtrees', () => {
    const names = byName(
      treeOf([
        ['a;b;a;b', 10],
        ['a;b', 5],
        ['c;b', 7],
        ['c;a', 1],
      ]),
    );
    expect(names).toEqual({
      a: { self: 1, total: 16 },
      b: { self: 22, total: 22 },
      c: { self: 0, total: 8 },
    });
  });
});

describe('tree helpers', () => {
  const tree = treeOf([
    ['main;handle;parse', 30],
    ['main;gc', 5],
    ['other', 2],
  ]);

  it('totalValue sums every node', () => {
    expect(totalValue(tree)).toBe(37);
  });

  it('childrenOf lists roots and each node children', () => {
    const { roots, offsets, children } = childrenOf(tree);
    const kids = (node: number) =>
      Array.from(children.subarray(offsets[node]!, offsets[node + 1]!));
    const name = (node: number) => tree.frames[tree.nodeFrame[node]!]!.name;
    expect(Array.from(roots).map(name)).toEqual(['main', 'other']);
    const main = roots[0]!;
    expect(kids(main).map(name)).toEqual(['handle', 'gc']);
    expect(kids(kids(main)[0]!).map(name)).toEqual(['parse']);
    expect(kids(roots[1]!)).toEqual([]);
  });

  it('isEmpty and nonEmpty tell a tree without values', () => {
    const empty = treeOf([['main', 0]]);
    expect(isEmpty(empty)).toBe(true);
    expect(isEmpty(tree)).toBe(false);
    expect(nonEmpty(tree, 'x')).toBe(tree);
    expect(() => nonEmpty(empty, 'folded stacks')).toThrow(ConfigError);
    expect(() => nonEmpty(empty, 'folded stacks')).toThrow(
      /^profile\.files: test holds no samples/,
    );
  });
});
