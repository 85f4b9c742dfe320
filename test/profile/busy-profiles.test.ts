import { describe, expect, it } from 'vitest';
import {
  activeValue,
  MIN_SHARE_OF_BUSIEST,
  selectBusyProfiles,
} from '../../src/profile/busy-profiles.js';
import type { CallTree } from '../../src/profile/call-tree.js';
import { cpuProfileToTree } from '../../src/profile/formats/cpuprofile.js';
import { buildProfile, type SampleSpec } from './synthetic-profile.js';

// V8's clock (microseconds) is not the wall clock: a profile's wall time at endTime ties them.
const WALL_AT_ZERO_MS = 1_700_000_000_000;
const wallMs = (profileUs: number) => WALL_AT_ZERO_MS + profileUs / 1000;
const ms = 1000;

/** A process's profile starting at `startMs` on V8's clock, with the probe's wall clock. */
function processProfile(
  source: string,
  startMs: number,
  samples: SampleSpec[],
  { wallClock = true } = {},
): CallTree {
  const profile = buildProfile(samples, { source, startTime: startMs * ms });
  return cpuProfileToTree({
    ...profile,
    wallClockEndMs: wallClock ? wallMs(profile.endTime) : null,
  });
}
const names = (profiles: CallTree[]) => profiles.map((p) => p.source);
const window = (fromMs: number, toMs: number) => ({
  startMs: wallMs(fromMs * ms),
  endMs: wallMs(toMs * ms),
});

// `npm start`: npm loads itself (300 ms on CPU), starts the service, then waits.
const npm = () =>
  processProfile('npm.cpuprofile', 0, [
    { stack: ['loadNpm'], us: 300 * ms },
    { stack: ['(idle)'], us: 2100 * ms },
  ]);
// The service: starts at 350 ms, ready at 500 ms, busy under the load from 500 to 2300 ms.
const service = () =>
  processProfile('service.cpuprofile', 350, [
    { stack: ['main'], us: 50 * ms },
    { stack: ['(idle)'], us: 100 * ms },
    { stack: ['handle'], us: 1800 * ms },
    { stack: ['(idle)'], us: 50 * ms },
  ]);
const LOAD = window(500, 2300);

describe('activeValue', () => {
  it('counts every sample but idle, inside a range when given', () => {
    const profile = service();
    expect(activeValue(profile)).toBe(1850 * ms);
    // On the profile's clock the service is busy from 500 to 2300 ms.
    expect(activeValue(profile, { fromUs: 0, toUs: 10_000 * ms })).toBe(1850 * ms);
    expect(activeValue(profile, { fromUs: 1000 * ms, toUs: 1500 * ms })).toBe(500 * ms);
    expect(activeValue(profile, { fromUs: 380 * ms, toUs: 600 * ms })).toBe(20 * ms + 100 * ms);
    expect(activeValue(profile, { fromUs: 2300 * ms, toUs: 2400 * ms })).toBe(0);
  });
});

describe('selectBusyProfiles', () => {
  it('leaves out a process that was not on CPU while the load ran', () => {
    const { kept, excluded } = selectBusyProfiles([npm(), service()], LOAD);
    expect(names(kept)).toEqual(['service.cpuprofile']);
    expect(excluded).toEqual([
      {
        file: 'npm.cpuprofile',
        reason:
          "on CPU 0 ms while the load ran, under 5% of the busiest process's 1800 ms " +
          '(service.cpuprofile): a process that mostly waits, such as npm or another wrapper ' +
          'that starts the service',
      },
    ]);
  });

  it("without a load window compares whole profiles, where npm's start-up keeps it in", () => {
    // 300 ms of 1850 ms is 16%: over the threshold.
    expect(names(selectBusyProfiles([npm(), service()]).kept)).toEqual([
      'npm.cpuprofile',
      'service.cpuprofile',
    ]);
  });

  it('leaves out an idle process by whole profiles when nothing places them on the wall clock', () => {
    const idleWrapper = processProfile(
      'wrapper.cpuprofile',
      0,
      [
        { stack: ['start'], us: 50 * ms },
        { stack: ['(idle)'], us: 2400 * ms },
      ],
      { wallClock: false },
    );
    // One profile cannot be placed: the window is not used at all.
    const { kept, excluded } = selectBusyProfiles([idleWrapper, service()], LOAD);
    expect(names(kept)).toEqual(['service.cpuprofile']);
    expect(excluded).toEqual([
      {
        file: 'wrapper.cpuprofile',
        reason: expect.stringMatching(
          /^on CPU 50 ms in all, under 5% of the busiest process's 1850 ms \(service\.cpuprofile\)/,
        ) as string,
      },
    ]);
  });

  it('leaves out a build step the start command ran before the service', () => {
    const build = processProfile('tsc.cpuprofile', 0, [{ stack: ['compile'], us: 3000 * ms }]);
    const late = processProfile('service.cpuprofile', 3100, [
      { stack: ['main'], us: 50 * ms },
      { stack: ['(idle)'], us: 100 * ms },
      { stack: ['handle'], us: 1000 * ms },
    ]);
    expect(names(selectBusyProfiles([build, late], window(3250, 4250)).kept)).toEqual([
      'service.cpuprofile',
    ]);
    // By whole profiles the build is the busiest, and the service still stays in.
    expect(names(selectBusyProfiles([build, late]).kept)).toEqual([
      'tsc.cpuprofile',
      'service.cpuprofile',
    ]);
  });

  it('falls back to whole profiles when no process was on CPU in the window', () => {
    const { kept } = selectBusyProfiles([npm(), service()], window(5000, 6000));
    expect(names(kept)).toEqual(['npm.cpuprofile', 'service.cpuprofile']);
  });

  it('keeps processes that share the work, as cluster workers do', () => {
    const worker = (name: string, us: number) =>
      processProfile(name, 400, [
        { stack: ['(idle)'], us: 100 * ms },
        { stack: ['handle'], us },
        { stack: ['(idle)'], us: 1800 * ms - us },
      ]);
    const primary = processProfile('primary.cpuprofile', 0, [
      { stack: ['fork'], us: 80 * ms },
      { stack: ['(idle)'], us: 2300 * ms },
    ]);
    const { kept, excluded } = selectBusyProfiles(
      [primary, worker('w1.cpuprofile', 1500 * ms), worker('w2.cpuprofile', 1200 * ms)],
      LOAD,
    );
    expect(names(kept)).toEqual(['w1.cpuprofile', 'w2.cpuprofile']);
    expect(excluded.map((e) => e.file)).toEqual(['primary.cpuprofile']);
  });

  it.each([
    { share: MIN_SHARE_OF_BUSIEST, kept: true },
    { share: MIN_SHARE_OF_BUSIEST - 0.001, kept: false },
  ])('draws the line at 5% of the busiest: $share kept: $kept', ({ share, kept }) => {
    const busy = processProfile('busy.cpuprofile', 0, [{ stack: ['work'], us: 1000 * ms }]);
    const quiet = processProfile('quiet.cpuprofile', 0, [
      { stack: ['work'], us: 1000 * ms * share },
      { stack: ['(idle)'], us: 1000 * ms },
    ]);
    const result = selectBusyProfiles([busy, quiet]);
    expect(names(result.kept).includes('quiet.cpuprofile')).toBe(kept);
  });

  it('keeps a lone profile however idle, and all of them when none was on CPU', () => {
    const idle = (name: string) => processProfile(name, 0, [{ stack: ['(idle)'], us: 1000 * ms }]);
    expect(selectBusyProfiles([idle('a')], LOAD)).toEqual({ kept: [idle('a')], excluded: [] });
    expect(names(selectBusyProfiles([idle('a'), idle('b')], LOAD).kept)).toEqual(['a', 'b']);
  });
});
