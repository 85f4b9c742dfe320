import { describe, expect, it } from 'vitest';
import { blockingCalls, blockingRuns } from '../../src/profile/blocking.js';
import type { CallTree } from '../../src/profile/call-tree.js';
import { cpuProfileToTree } from '../../src/profile/formats/cpuprofile.js';
import { isGcFrame, isOutsideJs } from '../../src/profile/v8-frames.js';
import { mulberry32 } from '../../src/load/arrivals.js';
import { buildProfile, type SampleSpec } from './synthetic-profile.js';

const ms = 1000;
const at = (name: string, line: number) => ({ name, url: 'file:///srv/app.js', line });
const loop = ['processTicksAndRejections', at('handle', 10)];

/** `count` samples of `stack`, one a millisecond. */
const repeat = (stack: SampleSpec['stack'], count: number): SampleSpec[] =>
  Array.from({ length: count }, () => ({ stack, us: 1 * ms }));

describe('blockingCalls', () => {
  it('names the innermost call that held the thread past the threshold, once per stretch', () => {
    const profile = buildProfile([
      ...repeat(['(idle)'], 20),
      // handle → rebuildIndex for 120 ms without a break: one stretch.
      ...repeat([...loop, at('rebuildIndex', 40)], 60),
      // GC in the middle of the call continues it.
      ...repeat(['(garbage collector)'], 5),
      ...repeat([...loop, at('rebuildIndex', 40), 'hash'], 55),
      ...repeat(['(idle)'], 10),
      // Short calls, each followed by the event loop going idle: no stretch.
      ...Array.from({ length: 30 }, () => [
        ...repeat([...loop, at('score', 70)], 4),
        ...repeat(['(idle)'], 1),
      ]).flat(),
    ]);
    const calls = blockingCalls([cpuProfileToTree(profile)], 50);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ count: 1, longestMs: 120, totalMs: 120 });
    expect(calls[0]!.frame).toMatchObject({ name: 'rebuildIndex', line: 41 });
  });

  it('counts each stretch, and leaves out stretches under the threshold', () => {
    const profile = buildProfile([
      ...repeat([...loop, at('rebuildIndex', 40)], 80),
      ...repeat(['(idle)'], 3),
      ...repeat([...loop, at('rebuildIndex', 40)], 60),
      ...repeat(['(idle)'], 3),
      ...repeat([...loop, at('rebuildIndex', 40)], 30),
      ...repeat(['(idle)'], 3),
    ]);
    const [call] = blockingCalls([cpuProfileToTree(profile)], 50);
    expect(call).toMatchObject({ count: 2, longestMs: 80, totalMs: 140 });
  });

  it('says nothing without a timeline', () => {
    const profile = buildProfile(repeat([...loop, at('rebuildIndex', 40)], 200));
    const tree = cpuProfileToTree({ ...profile, samples: null, timeDeltas: null });
    expect(blockingCalls([tree], 50)).toEqual([]);
  });

  it('adds up one function blocking in two processes', () => {
    const one = buildProfile([...repeat([...loop, at('rebuildIndex', 40)], 70)], { source: 'a' });
    const two = buildProfile([...repeat([...loop, at('rebuildIndex', 40)], 90)], { source: 'b' });
    const calls = blockingCalls([one, two].map(cpuProfileToTree), 50);
    expect(calls).toEqual([expect.objectContaining({ count: 2, longestMs: 90, totalMs: 160 })]);
  });
});

function depthsOf(tree: CallTree): Int32Array {
  const depth = new Int32Array(tree.nodeParent.length);
  tree.nodeParent.forEach((p, i) => (depth[i] = p < 0 ? 0 : depth[p]! + 1));
  return depth;
}

interface Run {
  node: number;
  fromUs: number;
  toUs: number;
}

/**
 * The runs by their definition, node by node over the whole timeline: node v is on the
 * stack at a sample whose node is v or below it; a GC sample changes nothing; a sample
 * outside JavaScript takes everything off.
 */
function naiveRuns(tree: CallTree, thresholdUs: number): Run[] {
  const { sampleNodes, sampleTimesUs, endUs } = tree.timeline!;
  const holds = (v: number, node: number) => {
    for (let a = node; a >= 0; a = tree.nodeParent[a]!) if (a === v) return true;
    return false;
  };
  const out: Run[] = [];
  for (let v = 0; v < tree.nodeParent.length; v++) {
    let since = -1;
    const end = (at: number) => {
      if (since >= 0 && at - since >= thresholdUs) out.push({ node: v, fromUs: since, toUs: at });
      since = -1;
    };
    for (let i = 0; i < sampleNodes.length; i++) {
      const frame = tree.frames[tree.nodeFrame[sampleNodes[i]!]!]!;
      if (isGcFrame(frame)) continue;
      const on = !isOutsideJs(frame) && holds(v, sampleNodes[i]!);
      if (on && since < 0) since = sampleTimesUs[i]!;
      if (!on) end(sampleTimesUs[i]!);
    }
    end(endUs);
  }
  return out;
}

/**
 * The blocking stretches by their definition: each root's run of the threshold or more, named
 * for the deepest run inside it of the threshold and 80% of it.
 */
function naiveBlockingRuns(tree: CallTree, thresholdUs: number): Run[] {
  const depth = depthsOf(tree);
  const runs = naiveRuns(tree, thresholdUs);
  return runs
    .filter((stretch) => depth[stretch.node] === 0)
    .map((stretch) => {
      const length = stretch.toUs - stretch.fromUs;
      const inside = runs.filter(
        (r) =>
          r.fromUs >= stretch.fromUs && r.toUs <= stretch.toUs && r.toUs - r.fromUs >= 0.8 * length,
      );
      return inside.reduce((deepest, r) => (depth[r.node]! > depth[deepest.node]! ? r : deepest));
    });
}

const byStart = (a: Run, b: Run) => a.fromUs - b.fromUs;

describe('blockingRuns', () => {
  it('finds the stretches and the calls named for them as a frame-by-frame scan does', () => {
    const random = mulberry32(42);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    const names = ['a', 'b', 'c'];
    // Stretches named for a call below the root: the search up the stack is exercised.
    let named = 0;
    for (let trial = 0; trial < 40; trial++) {
      const samples: SampleSpec[] = [];
      let stack: SampleSpec['stack'] = [];
      for (let i = 0; i < 300; i++) {
        const roll = random();
        if (roll < 0.05) {
          samples.push({ stack: ['(garbage collector)'], us: 1 + Math.floor(random() * 20) * ms });
          continue;
        }
        if (roll < 0.1) {
          stack = [pick(['(idle)', '(program)'])];
        } else if (roll < 0.6 && stack.length > 0 && typeof stack[0] !== 'string') {
          // Mostly the stack moves a little: a call returns, or makes another.
          stack = random() < 0.5 ? stack.slice(0, -1) : [...stack, at(pick(names), 1)];
          if (stack.length === 0) stack = [at(pick(names), 1)];
        } else if (roll < 0.8) {
          stack = Array.from({ length: 1 + Math.floor(random() * 6) }, () => at(pick(names), 1));
        }
        if (stack.length === 0) stack = [at('a', 1)];
        // Now and then a long gap: one sample stands for a stretch of half the threshold or more.
        const gap =
          random() < 0.05 ? 25 + Math.floor(random() * 100) : 1 + Math.floor(random() * 20);
        samples.push({ stack, us: gap * ms });
      }
      const tree = cpuProfileToTree(buildProfile(samples));
      for (const threshold of [50 * ms, 17 * ms]) {
        const found = blockingRuns(tree, threshold).sort(byStart);
        expect(found).toEqual(naiveBlockingRuns(tree, threshold).sort(byStart));
        expect(found.length).toBeGreaterThan(0);
        named += found.filter((run) => tree.nodeParent[run.node]! >= 0).length;
      }
    }
    expect(named).toBeGreaterThan(0);
  });
});
