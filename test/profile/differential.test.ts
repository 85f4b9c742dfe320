import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CallTreeBuilder } from '../../src/profile/call-tree.js';
import { changedLines, parseUnifiedDiff } from '../../src/profile/changed-lines.js';
import { profileDifferential } from '../../src/profile/differential.js';

const ROOT = '/repo';
const at = (name: string, line: number) => ({ name, file: `${ROOT}/src/shop.js`, line });

/** A profile of the shop: `weights` gives each function's self time, in ms. */
function profile(weights: { score: number; render: number; parse: number }) {
  const b = new CallTreeBuilder({
    format: 'cpuprofile',
    source: 'p',
    kind: 'cpu',
    unit: 'microseconds',
  });
  const main = b.frame(at('main', 1));
  const handle = b.frame(at('handle', 10));
  const stacks: Array<[number[], number]> = [
    [[main, handle, b.frame(at('score', 40))], weights.score],
    [[main, handle, b.frame(at('render', 80))], weights.render],
    [[main, b.frame({ name: 'JSON.parse' })], weights.parse],
    [[b.frame({ name: '(idle)' })], 500],
  ];
  for (const [stack, ms] of stacks) if (ms > 0) b.addStack(stack, ms * 1000);
  return b.build();
}

describe('parseUnifiedDiff', () => {
  it("takes each hunk's head-side lines, per file", () => {
    const diff = [
      'diff --git a/src/shop.js b/src/shop.js',
      '--- a/src/shop.js',
      '+++ b/src/shop.js',
      '@@ -44,2 +44,3 @@ function score(',
      '@@ -90 +91 @@',
      '@@ -120,3 +122,0 @@',
      'diff --git a/gone.js b/gone.js',
      '--- a/gone.js',
      '+++ /dev/null',
      '@@ -1,5 +0,0 @@',
    ].join('\n');
    expect(Object.fromEntries(parseUnifiedDiff(diff))).toEqual({ 'src/shop.js': [44, 45, 46, 91] });
  });
});

describe('profileDifferential', () => {
  it('flags the function the head made slower, with the lines of it the head changed', () => {
    const base = profile({ score: 300, render: 300, parse: 400 });
    const head = profile({ score: 700, render: 300, parse: 400 });
    const changed = new Map([['src/shop.js', [45, 46, 85, 200]]]);
    const { grew, shrank } = profileDifferential([base], [head], ROOT, changed);
    expect(grew).toHaveLength(1);
    expect(grew[0]).toMatchObject({
      functionName: 'score',
      file: 'src/shop.js',
      line: 40,
      baseShare: 0.3,
      headShare: 0.5,
      changedLines: [45, 46],
    });
    expect(grew[0]!.change).toBeCloseTo(0.2, 10);
    // The others' shares fall as score's grows; render's own lines changed too (85).
    expect(shrank.map((c) => [c.functionName, c.changedLines])).toEqual([
      ['JSON.parse', []],
      ['render', [85, 200]],
    ]);
  });

  it('leaves out changes under a point', () => {
    const base = profile({ score: 300, render: 300, parse: 400 });
    const head = profile({ score: 305, render: 300, parse: 400 });
    expect(profileDifferential([base], [head], ROOT)).toEqual({ grew: [], shrank: [] });
  });
});

describe('changedLines', () => {
  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', ['-C', cwd, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args], {
      encoding: 'utf8',
    }).trim();
  const lines = (changed: Record<number, string>) =>
    Array.from({ length: 10 }, (_, i) => changed[i + 1] ?? `line ${i + 1}`).join('\n') + '\n';

  it("takes the head's changes since it left the base, not what the base did since", async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'perf-flow-changed-'));
    const file = path.join(root, 'shop.js');
    git(root, 'init', '-q', '-b', 'main');
    writeFileSync(file, lines({}));
    git(root, 'add', '.');
    git(root, 'commit', '-q', '-m', 'start');
    git(root, 'checkout', '-q', '-b', 'pr');
    writeFileSync(file, lines({ 3: 'the pr changed this' }));
    git(root, 'commit', '-q', '-am', 'pr');
    // The base branch moves on after the PR branched.
    git(root, 'checkout', '-q', 'main');
    writeFileSync(file, lines({ 8: 'main changed this later' }));
    git(root, 'commit', '-q', '-am', 'main moves on');
    const base = git(root, 'rev-parse', 'HEAD');
    git(root, 'checkout', '-q', 'pr');
    // Uncommitted work counts too: the profiles are of the working tree.
    writeFileSync(file, lines({ 3: 'the pr changed this', 5: 'not committed yet' }));

    expect(Object.fromEntries(await changedLines(root, base))).toEqual({ 'shop.js': [3, 5] });
  });
});
