import path from 'node:path';
import type { ParsedProfile } from './cpuprofile.js';
import { activeMicros } from './sample-times.js';

/** When the load ran, as Date.now() values. */
export interface LoadWindow {
  startMs: number;
  endMs: number;
}

export interface ExcludedProfile {
  /** The profile's source, as given. */
  file: string;
  reason: string;
}

/** A process on CPU for less than this share of the busiest process's time is left out. */
export const MIN_SHARE_OF_BUSIEST = 0.05;

/**
 * The profiles of the processes that did the work. A start command like `npm start` runs the
 * service as a child of another Node process, which the probe profiles too: it is idle nearly
 * all the time, and merged in it would swell the idle share and rank npm's own functions.
 *
 * What counts is time on CPU (every sample but idle) while the load ran, when the window is
 * given and every profile can be placed on the wall clock (perf-flow's probe records it): a
 * wrapper's own start-up (npm spends a few hundred ms loading itself) and a build step run by
 * the start command then count for nothing. Otherwise, or when no process was on CPU in the
 * window, the whole profiles are compared: for a short load a wrapper's start-up can then
 * exceed the threshold and stay in.
 */
export function selectBusyProfiles(
  profiles: ParsedProfile[],
  loadWindow?: LoadWindow,
): { kept: ParsedProfile[]; excluded: ExcludedProfile[] } {
  if (profiles.length < 2) return { kept: profiles, excluded: [] };
  let during = false;
  let activeUs = profiles.map((profile) => activeMicros(profile));
  const ranges = loadWindow ? profiles.map((profile) => onProfileClock(profile, loadWindow)) : [];
  if (ranges.length > 0 && ranges.every((range) => range !== null)) {
    const inWindow = profiles.map((profile, i) => activeMicros(profile, ranges[i]!));
    if (Math.max(...inWindow) > 0) {
      activeUs = inWindow;
      during = true;
    }
  }
  const busiestUs = Math.max(...activeUs);
  const busiest = profiles[activeUs.indexOf(busiestUs)]!;
  const threshold = busiestUs * MIN_SHARE_OF_BUSIEST;
  const kept: ParsedProfile[] = [];
  const excluded: ExcludedProfile[] = [];
  const ms = (us: number) => `${Math.round(us / 1000)} ms`;
  profiles.forEach((profile, i) => {
    const us = activeUs[i]!;
    if (us >= threshold) {
      kept.push(profile);
      return;
    }
    excluded.push({
      file: profile.source,
      reason:
        `on CPU ${ms(us)} ${during ? 'while the load ran' : 'in all'}, under ` +
        `${MIN_SHARE_OF_BUSIEST * 100}% of the busiest process's ${ms(busiestUs)} ` +
        `(${path.basename(busiest.source)}): a process that mostly waits, such as npm or ` +
        'another wrapper that starts the service',
    });
  });
  return { kept, excluded };
}

/** The window on the profile's own clock (microseconds), when the profile can place it. */
function onProfileClock(
  profile: ParsedProfile,
  window: LoadWindow,
): { fromUs: number; toUs: number } | null {
  if (profile.wallClockEndMs === null || profile.samples === null) return null;
  const toProfileClock = (ms: number) => profile.endTime - (profile.wallClockEndMs! - ms) * 1000;
  return { fromUs: toProfileClock(window.startMs), toUs: toProfileClock(window.endMs) };
}
