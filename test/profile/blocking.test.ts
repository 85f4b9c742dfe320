import { describe, expect, it } from 'vitest';
import { blockingCalls } from '../../src/profile/blocking.js';
import { cpuProfileToTree } from '../../src/profile/formats/cpuprofile.js';
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
