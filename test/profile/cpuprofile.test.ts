import { describe, expect, it } from 'vitest';
import { RuntimeError } from '../../src/errors.js';
import { parseCpuProfile } from '../../src/profile/cpuprofile.js';

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
    expect(Array.from(profile.samples!)).toEqual([2, 2]);
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
      'a sample that is not a node id',
      (p) => ({ ...p, samples: [2, 2.5] }),
      'samples[1]: expected a node id',
    ],
    [
      'a time delta that is not a number',
      (p) => ({ ...p, timeDeltas: [0, '1000'] }),
      'timeDeltas[1]: expected a number',
    ],
    [
      'a negative hit count',
      (p) => {
        p.nodes[1]!.hitCount = -1;
        return p;
      },
      'nodes[1].hitCount: expected a count',
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

  it('reads what JSON.parse reads: any key order, unknown fields, escapes, whitespace', () => {
    const profile = {
      meta: { nested: [1, { deeper: [true, false, null, -0.5e-3, 'x\\"y'] }] },
      endTime: 2.5e3,
      timeDeltas: [0, 1e3, -5],
      nodes: [
        {
          callFrame: { url: '', functionName: '(root)', scriptId: '0', columnNumber: -1 },
          children: [2],
          id: 1,
        },
        {
          id: 2,
          callFrame: {
            functionName: 'caf\u00e9 "quoted" \\ \u{1F600}\ttab',
            url: 'file:///srv/app/\u00fcber.js',
            lineNumber: 41,
            columnNumber: 7,
          },
          hitCount: 3,
          positionTicks: [{ line: 42, ticks: 3 }],
          deoptReason: '',
        },
      ],
      samples: [2, 2, 1],
      startTime: 0,
      perfFlow: { other: [1, 2], wallClockEndMs: 1_700_000_000_500.25 },
    };
    const texts = [
      JSON.stringify(profile),
      JSON.stringify(profile, null, 2).replaceAll('\n', '\r\n'),
      `\uFEFF\t${JSON.stringify(profile, null, '\t')}\n\n`,
      // Escaped in the file, as some writers do: keys and values alike.
      JSON.stringify(profile).replace('"nodes"', '"n\\u006fdes"'),
      // Numbers in any of JSON's spellings.
      JSON.stringify(profile).replace('[0,1000,-5]', '[0.0,1E+3,-5e0]'),
    ];
    expect(texts[3]).toContain('"n\\u006fdes"');
    expect(texts[4]).toContain('1E+3');
    for (const text of texts) {
      const parsed = parseCpuProfile(text, 'a.cpuprofile');
      expect(parsed.nodes).toEqual([
        {
          id: 1,
          callFrame: { functionName: '(root)', url: '', lineNumber: -1, columnNumber: -1 },
          hitCount: 0,
          children: [2],
        },
        {
          id: 2,
          callFrame: {
            functionName: profile.nodes[1]!.callFrame.functionName,
            url: profile.nodes[1]!.callFrame.url,
            lineNumber: 41,
            columnNumber: 7,
          },
          hitCount: 3,
          children: [],
        },
      ]);
      expect(parsed.startTime).toBe(0);
      expect(parsed.endTime).toBe(2500);
      expect(Array.from(parsed.samples!)).toEqual([2, 2, 1]);
      expect(Array.from(parsed.timeDeltas!)).toEqual([0, 1000, -5]);
      expect(parsed.wallClockEndMs).toBe(1_700_000_000_500.25);
    }
  });

  it('reads long sample arrays whose numbers change length part way through', () => {
    // The reader sizes its arrays from their first 64 KiB: long numbers first make it guess
    // too few items (and grow), short ones first too many (and trim).
    const count = 80_000;
    const samples = new Array<number>(count).fill(2);
    const longFirst = Array.from({ length: count }, (_, i) => (i < 8_000 ? 123_456_789 : 1));
    const shortFirst = [...longFirst].reverse();
    for (const timeDeltas of [longFirst, shortFirst]) {
      const text = JSON.stringify({ ...valid(), endTime: 1e12, samples, timeDeltas });
      const parsed = parseCpuProfile(text, 'long.cpuprofile');
      expect(parsed.samples).toHaveLength(count);
      expect(Array.from(parsed.timeDeltas!)).toEqual(timeDeltas);
    }
  });

  it('refuses a sample id past 32 bits, naming the sample', () => {
    for (const id of [4_294_967_298, 2_147_483_648, -2_147_483_649]) {
      const text = JSON.stringify({ ...valid(), samples: [2, id] });
      expect(() => parseCpuProfile(text, 'big.cpuprofile')).toThrow('samples[1]');
    }
  });

  it('refuses the file cut at any byte, as not JSON', () => {
    const text = JSON.stringify({ ...valid(), perfFlow: { wallClockEndMs: 12.5e2 } });
    for (let cut = 0; cut < text.length; cut++) {
      const parse = () => parseCpuProfile(text.slice(0, cut), 'cut.cpuprofile');
      expect(parse, `cut at ${cut}`).toThrow(RuntimeError);
      expect(parse, `cut at ${cut}`).toThrow('not JSON (');
    }
  });

  it.each([
    ['a trailing comma', '{"x": [1,], "nodes": []}', "expected a value at byte 9, found ']'"],
    ['a missing comma between members', '{"x": 1 "nodes": []}', "expected ',' or '}' at byte 8"],
    ['a missing comma between items', '{"x": [1 2]}', "expected ',' or ']' at byte 9"],
    ['single quotes', "{'nodes': []}", "expected a key at byte 1, found '''"],
    ['a leading zero', '{"startTime": 01}', 'a number with a leading zero'],
    ['a leading zero in a number array', '{"samples": [2,02]}', 'a number with a leading zero'],
    ['a bare decimal point', '{"startTime": 1.}', "expected a digit at byte 16, found '}'"],
    ['a control character in a string', '{"x": "a\u0001b"}', 'a control character'],
    ['an unknown escape', '{"x": "\\q"}', 'a malformed escape'],
    ['a short unicode escape', '{"x": "\\u12"}', 'a malformed escape'],
    ['content after the profile', `${JSON.stringify(valid())} {}`, 'the end of the file'],
    [
      'values nested too deeply',
      `{"x": ${'['.repeat(600)}${']'.repeat(600)}}`,
      'nested over 512 deep',
    ],
    ['a literal misspelt', '{"x": nul}', 'expected a value at byte 6'],
  ])('refuses %s, saying where', (_, text, fragment) => {
    const parse = () => parseCpuProfile(text, 'bad.cpuprofile');
    expect(parse).toThrow(RuntimeError);
    expect(parse).toThrow('not JSON (');
    expect(parse).toThrow(fragment);
  });
});
