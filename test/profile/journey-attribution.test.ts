import { describe, expect, it } from 'vitest';
import { cpuProfileToTree } from '../../src/profile/formats/cpuprofile.js';
import { journeyShares } from '../../src/profile/journey-attribution.js';
import { buildProfile, type SampleSpec } from './synthetic-profile.js';

const ms = 1000;
const fn = (name: string) => ({ name, url: 'file:///srv/app.js', line: 1 });
const repeat = (stack: SampleSpec['stack'], count: number): SampleSpec[] =>
  Array.from({ length: count }, () => ({ stack, us: 1 * ms }));

describe('journeyShares', () => {
  // On the profile's clock: 0-100 ms the items journey alone, 100-200 ms recommendations alone.
  const WALL_AT_ZERO = 1_700_000_000_000;
  const profile = buildProfile(
    [
      ...repeat([fn('handle'), fn('listItems')], 60),
      ...repeat(['(idle)'], 40),
      ...repeat([fn('handle'), fn('score'), fn('score')], 30),
      ...repeat([fn('handle'), fn('render')], 10),
      ...repeat(['(program)'], 60),
    ],
    { wallClockEndMs: WALL_AT_ZERO + 200 },
  );
  const windows = [
    { journey: 'items', startMs: WALL_AT_ZERO, endMs: WALL_AT_ZERO + 100 },
    { journey: 'recommendations', startMs: WALL_AT_ZERO + 100, endMs: WALL_AT_ZERO + 200 },
  ];
  const shares = journeyShares([cpuProfileToTree(profile)], windows, (f) => f.name);

  it("gives each function its share of each journey's CPU time, idle and native time left out", () => {
    expect(shares.get('listItems')).toEqual([{ journey: 'items', share: 1 }]);
    expect(shares.get('score')).toEqual([{ journey: 'recommendations', share: 0.75 }]);
    expect(shares.get('render')).toEqual([{ journey: 'recommendations', share: 0.25 }]);
  });

  it('lists a function that serves several journeys, most first, recursion counted once', () => {
    expect(shares.get('handle')).toEqual([
      { journey: 'items', share: 1 },
      { journey: 'recommendations', share: 1 },
    ]);
  });

  it('says nothing for profiles it cannot place on the wall clock', () => {
    const tree = cpuProfileToTree({ ...profile, wallClockEndMs: null });
    expect(journeyShares([tree], windows, (f) => f.name).size).toBe(0);
  });
});
