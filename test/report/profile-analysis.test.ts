import { describe, expect, it } from 'vitest';
import { renderProfileAnalysis } from '../../src/report/profile-analysis.js';
import {
  expectWellFormedTables,
  hotspot,
  noProfile,
  profile,
  rowStartingWith,
  tables,
} from './fixtures.js';

describe('renderProfileAnalysis', () => {
  it('summarizes the profile: samples, duration, idle, GC and program shares', () => {
    const md = renderProfileAnalysis(profile());
    expect(md).toContain('**Status:** profile analyzed');
    const [summary] = tables(md);
    expect(summary).toEqual([
      ['samples', 'duration', 'on CPU', 'busy under load', 'idle', 'GC', 'program'],
      ['14,873', '15 s', '10 s', '–', '33.4%', '8.7%', '57.9%'],
    ]);
  });

  it('ranks functions by self time and by total time', () => {
    const md = renderProfileAnalysis(profile());
    expectWellFormedTables(md);
    const hotspotTables = tables(md).filter((t) => t[0]?.[1] === 'function');
    expect(hotspotTables).toHaveLength(2);
    const [bySelf, byTotal] = hotspotTables;

    expect(bySelf?.[0]).toEqual([
      '#',
      'function',
      'file:line',
      'self %',
      'total %',
      'latency cut at most',
      'category',
    ]);
    expect(rowStartingWith(bySelf!, '1')).toEqual([
      '1',
      'serializeUsers',
      'src/routes/users.ts:42',
      '31.2%',
      '44.1%',
      '–',
      'program',
    ]);
    // A native frame has no file; an anonymous function has no name.
    expect(rowStartingWith(bySelf!, '2').slice(1, 3)).toEqual([
      'JSON.stringify',
      '(native or unknown)',
    ]);
    expect(rowStartingWith(bySelf!, '4').slice(1, 3)).toEqual([
      '(anonymous)',
      'node:internal/streams:3',
    ]);
    expect(bySelf).toHaveLength(7);

    expect(rowStartingWith(byTotal!, '1').slice(1, 5)).toEqual([
      'handleRequest',
      'src/routes/users.ts:10',
      '1%',
      '93%',
    ]);
  });

  it('marks the load under profiling as slowed and not used by the gate', () => {
    const md = renderProfileAnalysis(profile());
    const section = md.slice(md.indexOf('## Load under profiling'));
    expect(section).toContain('The profiler slows the service');
    expect(section).toContain('not used by the SLO gate');
    expect(section).toContain('287.6 req/s');
    expect(section).toContain('15 s after 2 s of warm-up');
  });

  it('puts the reason first when there is no profile, and says what to do', () => {
    const md = renderProfileAnalysis(noProfile());
    expect(md).toContain('**Status:** no profile');
    const warning = md.indexOf('**No CPU profile was analyzed.**');
    expect(warning).toBeGreaterThan(-1);
    expect(md.slice(warning)).toMatch(
      /^\*\*No CPU profile was analyzed\.\*\* The service was not started by perf-flow \(service.start is not set\)/,
    );
    // Prominent: before any figures.
    expect(warning).toBeLessThan(md.indexOf('## Load under profiling'));
    expect(md).toContain('## What to do');
    expect(md).not.toContain('## Top functions');
  });

  it('still renders when no reason was recorded', () => {
    const d = noProfile();
    delete d.reason;
    expect(renderProfileAnalysis(d)).toContain('No reason was recorded.');
  });

  it('leads with the diagnosis and writes up each bottleneck', () => {
    const md = renderProfileAnalysis(profile());
    const diagnosis = md.indexOf('## Diagnosis');
    expect(diagnosis).toBeGreaterThan(-1);
    expect(diagnosis).toBeLessThan(md.indexOf('## Summary'));
    expect(md).toContain('**CPU-bound** (confidence: high). The service is CPU-bound');
    const bottlenecks = md.slice(md.indexOf('## Top bottlenecks'));
    expect(bottlenecks).toMatch(
      /^## Top bottlenecks\n\n### 1\. serializeUsers \(src\/routes\/users\.ts:42\): 31\.2% of CPU time/,
    );
    for (const part of [
      '**What:**',
      '**Root cause (hypothesis):**',
      '**Journeys:**',
      '**Approach:**',
      '**Estimated improvement:**',
      '**Effort:**',
    ]) {
      expect(bottlenecks).toContain(part);
    }
    // The fixture's profiles were not told apart by journey.
    expect(bottlenecks).toContain('**Journeys:** not told apart');
    // serializeUsers: 31.2% of the CPU time in itself, on a service busy all the time (no
    // utilisation recorded). Its category ('program') has no rule of its own: code that
    // cannot be placed is assumed to give up 10-30% of its cost, in a day: 3.1-9.4%.
    const first = bottlenecks.slice(0, bottlenecks.indexOf('### 2.'));
    expect(first).toContain('**Estimated improvement:** 3.1-9.4% of request latency');
    expect(first).toContain('no change to it can save more than 44.1%');
    expect(first).toContain('**Effort:** about 1 day.');
  });

  const bottleneckCount = (selfShares: number[]) => {
    const data = profile();
    data.cpu!.topSelf = selfShares.map((selfShare, i) =>
      hotspot({ functionName: `fn${i + 1}`, line: i + 1, selfShare, totalShare: selfShare }),
    );
    const md = renderProfileAnalysis(data);
    return md.slice(md.indexOf('## Top bottlenecks')).match(/^### \d+\. /gm)?.length ?? 0;
  };

  it('writes up at least five functions when the profile has them, and at most ten', () => {
    // Two functions take nearly all the time: the next three are still worth a look.
    expect(bottleneckCount([0.6, 0.35, 0.005, 0.004, 0.003, 0.002, 0.001])).toBe(5);
    expect(bottleneckCount([0.7, 0.3])).toBe(2);
    expect(bottleneckCount(Array.from({ length: 12 }, () => 0.05))).toBe(10);
    expect(bottleneckCount([0.2, 0.2, 0.2, 0.1, 0.1, 0.1, 0.05])).toBe(7);
  });

  it('says why an incomplete analysis is incomplete', () => {
    const md = renderProfileAnalysis({
      ...noProfile(),
      status: 'incomplete',
      reason:
        'profile.pprof-url: http://127.0.0.1:6060/debug/pprof/profile?seconds=10 did not answer (ECONNREFUSED)',
    });
    expect(md).toContain('**Status:** incomplete');
    expect(md).toContain('did not answer (ECONNREFUSED)');
    expect(md).toContain('`profile.pprof-url`');
  });
});
