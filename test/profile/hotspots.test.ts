import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ParsedProfile } from '../../src/profile/cpuprofile.js';
import { cpuProfileToTree } from '../../src/profile/formats/cpuprofile.js';
import {
  analyzeProbeProfiles,
  analyzeProfiles,
  type AnalyzeOptions,
} from '../../src/profile/hotspots.js';
import { buildProfile } from './synthetic-profile.js';

const fixtures = fileURLToPath(new URL('../fixtures/profiles/', import.meta.url));

const analyze = (profiles: ParsedProfile[], opts: AnalyzeOptions) =>
  analyzeProfiles(profiles.map(cpuProfileToTree), opts);
const repoRoot = '/repo';
const app = (name: string, line = 0) => ({ name, url: `file:///repo/src/${name}.js`, line });

describe('analyzeCpuProfiles on a handwritten profile', () => {
  it('weights samples by their intervals and reports every figure', async () => {
    const file = path.join(fixtures, 'small.cpuprofile');
    const cpu = await analyzeProbeProfiles([file], { repoRoot });
    expect(cpu).toMatchObject({
      profileFiles: [file],
      sampleCount: 8,
      durationMs: 10,
      activeMs: 6,
      idleShare: 0.4,
    });
    expect(cpu.gcShare).toBeCloseTo(0.5 / 6, 10);
    expect(cpu.programShare).toBeCloseTo(0.5 / 6, 10);
    expect(cpu.topSelf.map((h) => [h.functionName, h.selfMs, h.totalMs])).toEqual([
      ['render', 3, 3],
      // Equal self time: the order falls back to the function's key, '' before 'handle'.
      ['(anonymous)', 1, 1],
      ['handle', 1, 5],
    ]);
    expect(cpu.topSelf[0]).toEqual({
      functionName: 'render',
      file: 'src/view.js',
      line: 1,
      column: 1,
      selfMs: 3,
      totalMs: 3,
      selfShare: 0.5,
      totalShare: 0.5,
      category: 'service',
      // On CPU 6 of the 10 ms: removing render entirely saves at most half of that.
      latencyCutBound: 0.3,
    });
    expect(cpu.topSelf[1]).toMatchObject({
      file: 'node_modules/express/lib/router/index.js',
      line: 5,
      column: 11,
      category: 'framework',
    });
    expect(cpu.topTotal.map((h) => [h.functionName, h.totalShare])).toEqual([
      ['handle', 5 / 6],
      ['render', 0.5],
      ['(anonymous)', 1 / 6],
    ]);
  });
});

describe('analyzeCpuProfile', () => {
  it('counts time from timeDeltas, not from hit counts', () => {
    // Three samples: a fast one of `quick`, a 9 ms one of `slow`, a fast one of `quick`.
    const profile = buildProfile([
      { stack: [app('quick')], us: 1000 },
      { stack: [app('slow')], us: 9000 },
      { stack: [app('quick')], us: 1000 },
    ]);
    const byTimeline = analyze([profile], { repoRoot });
    expect(byTimeline.topSelf.map((h) => [h.functionName, h.selfMs])).toEqual([
      ['slow', 9],
      ['quick', 2],
    ]);
    // Without a timeline only hit counts are left: 2 of 3 hits, spread over 11 ms.
    const byHits = analyze([{ ...profile, samples: null, timeDeltas: null }], {
      repoRoot,
    });
    expect(byHits.sampleCount).toBe(3);
    expect(byHits.topSelf.map((h) => [h.functionName, h.selfMs])).toEqual([
      ['quick', (11 * 2) / 3],
      ['slow', 11 / 3],
    ]);
  });

  it('gives an out-of-order sample no time instead of negative time', () => {
    const profile: ParsedProfile = {
      ...buildProfile([
        { stack: [app('a')], us: 1000 },
        { stack: [app('b')], us: 1000 },
        { stack: [app('c')], us: 1000 },
      ]),
      // c was recorded 1 ms before b: b's interval would be negative.
      timeDeltas: [0, 3000, -1000],
      endTime: 4000,
    };
    const cpu = analyze([profile], { repoRoot });
    expect(cpu.topSelf.map((h) => [h.functionName, h.selfMs])).toEqual([
      ['a', 3],
      ['c', 2],
    ]);
    expect(cpu.activeMs).toBe(5);
  });

  it('counts a recursive function once per sample in its total time', () => {
    const fib = app('fib', 4);
    const cpu = analyze(
      [
        buildProfile([
          { stack: [fib, fib, fib], us: 1000 },
          { stack: [fib, app('helper')], us: 1000 },
          { stack: [app('main')], us: 2000 },
        ]),
      ],
      { repoRoot },
    );
    const fibSpot = cpu.topTotal.find((h) => h.functionName === 'fib');
    expect(fibSpot).toMatchObject({ selfMs: 1, totalMs: 2, totalShare: 0.5, line: 5 });
  });

  it('keeps self and total apart: a caller has total time without self time', () => {
    const cpu = analyze([buildProfile([{ stack: [app('outer'), app('inner')], us: 4000 }])], {
      repoRoot,
    });
    expect(cpu.topSelf.map((h) => h.functionName)).toEqual(['inner']);
    expect(cpu.topTotal.map((h) => [h.functionName, h.selfMs, h.totalMs])).toEqual([
      ['inner', 4, 4],
      ['outer', 0, 4],
    ]);
  });

  it.each([
    {
      name: 'all active',
      idle: 0,
      gc: 1000,
      program: 1000,
      work: 8000,
      idleShare: 0,
      gcShare: 0.1,
      programShare: 0.1,
    },
    {
      name: 'half idle',
      idle: 5000,
      gc: 1000,
      program: 0,
      work: 4000,
      idleShare: 0.5,
      gcShare: 0.2,
      programShare: 0,
    },
    {
      name: 'all idle',
      idle: 3000,
      gc: 0,
      program: 0,
      work: 0,
      idleShare: 1,
      gcShare: 0,
      programShare: 0,
    },
  ])('shares: $name', ({ idle, gc, program, work, idleShare, gcShare, programShare }) => {
    const samples = [
      { stack: ['(idle)'], us: idle },
      { stack: ['(garbage collector)'], us: gc },
      { stack: ['(program)'], us: program },
      { stack: [app('work')], us: work },
    ].filter((s) => s.us > 0);
    const cpu = analyze([buildProfile(samples)], { repoRoot });
    expect(cpu.idleShare).toBeCloseTo(idleShare, 10);
    expect(cpu.gcShare).toBeCloseTo(gcShare, 10);
    expect(cpu.programShare).toBeCloseTo(programShare, 10);
    expect(cpu.activeMs).toBe((gc + program + work) / 1000);
    // Pseudo-frames are never ranked; `work` is a share of active time only.
    const names = [...cpu.topSelf, ...cpu.topTotal].map((h) => h.functionName);
    expect(names.filter((n) => n.startsWith('('))).toEqual([]);
    if (work > 0) expect(cpu.topSelf[0]?.selfShare).toBeCloseTo(work / (gc + program + work), 10);
  });

  it('cuts both lists at topN, 10 unless told', () => {
    const samples = Array.from({ length: 15 }, (_, i) => ({ stack: [app(`f${i}`)], us: 1000 + i }));
    const profile = buildProfile(samples);
    const byDefault = analyze([profile], { repoRoot });
    expect(byDefault.topSelf).toHaveLength(10);
    expect(byDefault.topTotal).toHaveLength(10);
    expect(byDefault.topSelf[0]?.functionName).toBe('f14');
    const three = analyze([profile], { repoRoot, topN: 3 });
    expect(three.topSelf.map((h) => h.functionName)).toEqual(['f14', 'f13', 'f12']);
    expect(three.topTotal).toHaveLength(3);
  });

  it('merges the profiles of several processes', () => {
    const server = buildProfile([{ stack: [app('handle')], us: 3000 }], { startTime: 0 });
    const child = buildProfile(
      [
        { stack: [app('handle')], us: 1000 },
        { stack: ['(idle)'], us: 4000 },
      ],
      { startTime: 1000, source: 'child.cpuprofile' },
    );
    const cpu = analyze([server, child], { repoRoot });
    expect(cpu.profileFiles).toEqual(['synthetic.cpuprofile', 'child.cpuprofile']);
    expect(cpu.sampleCount).toBe(3);
    // The processes ran side by side: 0-3 ms and 1-6 ms cover 6 ms of wall time.
    expect(cpu.durationMs).toBe(6);
    expect(cpu.activeMs).toBe(4);
    expect(cpu.topSelf).toHaveLength(1);
    expect(cpu.topSelf[0]).toMatchObject({ functionName: 'handle', selfMs: 4, selfShare: 1 });
  });

  it('leaves a process that mostly waits out of every figure, and says so', () => {
    // `npm start`: npm's own process idles while the service works.
    const service = buildProfile(
      [
        { stack: [app('handle')], us: 9000 },
        { stack: ['(idle)'], us: 1000 },
      ],
      { source: 'service.cpuprofile', startTime: 1000 },
    );
    const npm = buildProfile(
      [
        {
          stack: [{ name: 'logFile', url: 'file:///usr/lib/node_modules/npm/lib/log-file.js' }],
          us: 400,
        },
        { stack: ['(idle)'], us: 11_600 },
      ],
      { source: 'npm.cpuprofile', startTime: 0 },
    );
    const cpu = analyze([npm, service], { repoRoot });
    expect(cpu).toMatchObject({
      profileFiles: ['service.cpuprofile'],
      excludedProfiles: [
        { file: 'npm.cpuprofile', reason: expect.stringContaining('mostly waits') as string },
      ],
      sampleCount: 2,
      durationMs: 10,
      activeMs: 9,
      idleShare: 0.1,
    });
    expect(cpu.topSelf.map((h) => h.functionName)).toEqual(['handle']);
    // Nothing left out: no field at all.
    expect(analyze([service], { repoRoot })).not.toHaveProperty('excludedProfiles');
  });

  it('reports where functions are, as a reader of the repository names them', () => {
    const cpu = analyze(
      [
        buildProfile([
          { stack: [{ name: 'esm', url: 'file:///repo/src/a.js', line: 11, column: 4 }], us: 6000 },
          { stack: [{ name: 'cjs', url: '/repo/lib/b.js', line: 0, column: 0 }], us: 5000 },
          { stack: [{ name: 'elsewhere', url: '/repository/c.js', line: 2 }], us: 4000 },
          {
            stack: [{ name: 'listOnTimeout', url: 'node:internal/timers', line: 580, column: 16 }],
            us: 3000,
          },
          { stack: [{ name: '', url: 'file:///repo/src/a.js', line: 20, column: 2 }], us: 2000 },
          { stack: [{ name: 'native', url: '' }], us: 1000 },
        ]),
      ],
      { repoRoot },
    );
    expect(cpu.topSelf.map((h) => [h.functionName, h.file, h.line, h.column, h.category])).toEqual([
      ['esm', 'src/a.js', 12, 5, 'service'],
      ['cjs', 'lib/b.js', 1, 1, 'service'],
      ['elsewhere', '/repository/c.js', 3, null, 'unknown'],
      ['listOnTimeout', 'node:internal/timers', 581, 17, 'node-internal'],
      ['(anonymous)', 'src/a.js', 21, 3, 'service'],
      ['native', null, null, null, 'unknown'],
    ]);
  });

  it('lets a native frame take the category of the JavaScript that called it', () => {
    const cpu = analyze(
      [
        buildProfile([
          {
            stack: [app('handler'), { name: 'readFileSync', url: 'node:fs', line: 440 }, 'open'],
            us: 5000,
          },
          { stack: [app('handler'), 'open'], us: 1000 },
        ]),
      ],
      { repoRoot },
    );
    // `open` is mostly readFileSync's: its heaviest call site decides.
    expect(cpu.topSelf.map((h) => [h.functionName, h.category])).toEqual([['open', 'fs-sync']]);
  });

  it('reports an empty profile as all zeros', () => {
    const cpu = analyze([buildProfile([])], { repoRoot });
    expect(cpu).toMatchObject({
      sampleCount: 0,
      activeMs: 0,
      idleShare: 0,
      topSelf: [],
      topTotal: [],
    });
  });
});
