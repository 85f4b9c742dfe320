import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RuntimeError } from '../../src/errors.js';
import { parseCpuProfile, readCpuProfile } from '../../src/profile/cpuprofile.js';

const frame = (functionName: string) => ({
  functionName,
  url: '',
  lineNumber: -1,
  columnNumber: -1,
});
const valid = () => ({
  nodes: [
    { id: 1, callFrame: frame('(root)'), hitCount: 0, children: [2] },
    { id: 2, callFrame: frame('work'), hitCount: 2, children: [] },
  ],
  startTime: 0,
  endTime: 2000,
  samples: [2, 2],
  timeDeltas: [0, 1000],
});
type Profile = ReturnType<typeof valid>;

describe('parseCpuProfile', () => {
  it('accepts leaves without children and nodes without hitCount or line', () => {
    const text = JSON.stringify({
      nodes: [
        { id: 1, callFrame: { functionName: '(root)', url: '' }, children: [2] },
        { id: 2, callFrame: { functionName: 'leaf', url: 'file:///a.js' } },
      ],
      startTime: 5,
      endTime: 10,
    });
    const profile = parseCpuProfile(text, 'a.cpuprofile');
    expect(profile.nodes[1]).toEqual({
      id: 2,
      callFrame: { functionName: 'leaf', url: 'file:///a.js', lineNumber: -1, columnNumber: -1 },
      hitCount: 0,
      children: [],
    });
    expect(profile.samples).toBeNull();
    expect(profile.timeDeltas).toBeNull();
  });

  it.each([
    [
      'written by the probe',
      { perfFlow: { wallClockEndMs: 1_700_000_000_123 } },
      1_700_000_000_123,
    ],
    ['from elsewhere', {}, null],
    ['with a malformed perfFlow, which only loses the wall clock', { perfFlow: 'x' }, null],
  ])('reads the wall clock at endTime of a profile %s', (_, extra, wallClockEndMs) => {
    const profile = parseCpuProfile(JSON.stringify({ ...valid(), ...extra }), 'a.cpuprofile');
    expect(profile.wallClockEndMs).toBe(wallClockEndMs);
    expect(profile.samples).toEqual([2, 2]);
  });

  const malformed: Array<[string, string | ((p: Profile) => unknown), string]> = [
    ['not JSON', '{"nodes": [', 'not JSON'],
    ['no nodes', (p) => ({ ...p, nodes: [] }), 'nodes'],
    [
      'a node without callFrame',
      (p) => ({ ...p, nodes: [p.nodes[0], { id: 2 }] }),
      'nodes[1].callFrame',
    ],
    [
      'a url that is not a string',
      (p) => {
        p.nodes[1]!.callFrame.url = 42 as unknown as string;
        return p;
      },
      'nodes[1].callFrame.url',
    ],
    ['no startTime', (p) => ({ ...p, startTime: undefined }), 'startTime'],
    [
      'endTime before startTime',
      (p) => ({ ...p, endTime: -1 }),
      'endTime (-1) is before startTime (0)',
    ],
    [
      'a duplicate id',
      (p) => ({ ...p, nodes: [p.nodes[0], p.nodes[1], p.nodes[1]] }),
      'node id 2 appears twice',
    ],
    [
      'a child that is not a node',
      (p) => {
        p.nodes[1]!.children = [9];
        return p;
      },
      'node 2 lists child 9, which is not a node',
    ],
    [
      'a node with two parents',
      (p) => {
        p.nodes[0]!.children = [2, 2];
        return p;
      },
      'node 2 is a child of both 1 and 1',
    ],
    [
      'a cycle',
      (p) => {
        p.nodes[1]!.children = [1];
        return p;
      },
      'cycle',
    ],
    [
      'a sample of an unknown node',
      (p) => ({ ...p, samples: [2, 7] }),
      'samples[1] refers to node 7',
    ],
    [
      'samples and timeDeltas of different lengths',
      (p) => ({ ...p, timeDeltas: [0] }),
      '2 samples but 1 timeDeltas',
    ],
    [
      'samples without timeDeltas',
      (p) => ({ ...p, timeDeltas: undefined }),
      'samples without timeDeltas',
    ],
  ];
  it.each(malformed)('refuses %s, naming the file and the fault', (_, make, fragment) => {
    const text = typeof make === 'string' ? make : JSON.stringify(make(valid()));
    const parse = () => parseCpuProfile(text, 'work/cpu/CPU.1.cpuprofile');
    expect(parse).toThrow(RuntimeError);
    expect(parse).toThrow(
      /^CPU profile work\/cpu\/CPU\.1\.cpuprofile is not a valid V8 \.cpuprofile: /,
    );
    expect(parse).toThrow(fragment);
  });
});

describe('readCpuProfile', () => {
  it('names the file it cannot read', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'perf-flow-cpuprofile-'));
    await expect(readCpuProfile(path.join(dir, 'missing.cpuprofile'))).rejects.toThrow(
      /cannot read CPU profile .*missing\.cpuprofile/,
    );
  });

  it('names the file whose content is broken', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'perf-flow-cpuprofile-'));
    const file = path.join(dir, 'broken.cpuprofile');
    await writeFile(file, '{"nodes": "many"}');
    await expect(readCpuProfile(file)).rejects.toThrow(`CPU profile ${file} is not a valid`);
  });
});
