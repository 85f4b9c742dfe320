import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  Function as PprofFunction,
  Line,
  Location,
  Profile,
  Sample,
  StringTable,
  ValueType,
} from 'pprof-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import {
  selfAndTotalByFunction,
  toFolded,
  type CallTree,
  type ValueUnit,
} from '../../src/profile/call-tree.js';
import { parseCpuProfileTree } from '../../src/profile/formats/cpuprofile.js';
import { parseProfile, readProfile } from '../../src/profile/formats/detect.js';
import { parseFolded } from '../../src/profile/formats/folded.js';
import { parseHeapProfile } from '../../src/profile/formats/heapprofile.js';
import { parsePprof } from '../../src/profile/formats/pprof.js';
import { parseSpeedscope } from '../../src/profile/formats/speedscope.js';

// ---------------------------------------------------------------------------------------------
// The reference: one call tree, in milliseconds, with a location on every frame and a
// recursive frame (render). Every format below is written from it by this file.

interface RefFrame {
  name: string;
  file: string;
  /** 1-based, as in the model. */
  line: number;
  column: number;
}
const MAIN: RefFrame = { name: 'main', file: '/app/main.js', line: 1, column: 1 };
const HANDLE: RefFrame = { name: 'handle', file: '/app/handler.js', line: 10, column: 3 };
const PARSE: RefFrame = { name: 'parse', file: '/app/parse.js', line: 5, column: 12 };
const RENDER: RefFrame = { name: 'render', file: '/app/render.js', line: 3, column: 8 };
const GC: RefFrame = { name: 'gc', file: '/app/gc.js', line: 7, column: 1 };
const FRAMES = [MAIN, HANDLE, PARSE, RENDER, GC];

const REFERENCE: Array<{ stack: RefFrame[]; ms: number }> = [
  { stack: [MAIN, HANDLE, PARSE], ms: 30 },
  { stack: [MAIN, HANDLE, RENDER, RENDER], ms: 20 },
  { stack: [MAIN, GC], ms: 5 },
  { stack: [MAIN, HANDLE], ms: 5 },
];
const REFERENCE_FOLDED = new Map([
  ['main;handle;parse', 30],
  ['main;handle;render;render', 20],
  ['main;gc', 5],
  ['main;handle', 5],
]);
/** Per function, in ms: render's total counts its recursive stack once. */
const REFERENCE_FUNCTIONS = {
  'main /app/main.js:1': { self: 0, total: 60 },
  'handle /app/handler.js:10': { self: 5, total: 55 },
  'parse /app/parse.js:5': { self: 30, total: 30 },
  'render /app/render.js:3': { self: 20, total: 20 },
  'gc /app/gc.js:7': { self: 5, total: 5 },
};

/** Reference units (ms) per unit of each tree; folded counts are one per ms. */
const PER_MS: Record<ValueUnit, number> = {
  microseconds: 1e3,
  nanoseconds: 1e6,
  samples: 1,
  bytes: 1,
  count: 1,
};

function foldedInMs(tree: CallTree): Map<string, number> {
  const scale = PER_MS[tree.unit];
  return new Map([...toFolded(tree)].map(([stack, value]) => [stack, value / scale]));
}

function functionsInMs(tree: CallTree): Record<string, { self: number; total: number }> {
  const scale = PER_MS[tree.unit];
  const { self, total } = selfAndTotalByFunction(tree);
  return Object.fromEntries(
    tree.frames.map((f, i) => [
      `${f.name} ${f.file}:${f.line}`,
      { self: self[i]! / scale, total: total[i]! / scale },
    ]),
  );
}

// ---------------------------------------------------------------------------------------------
// Writers, one per format.

/** V8 .cpuprofile: one sample per ms, stacks interleaved, V8's 0-based positions. */
function writeCpuProfile(): string {
  const v8Frame = (f: RefFrame) => ({
    functionName: f.name,
    scriptId: '1',
    url: f.file,
    lineNumber: f.line - 1,
    columnNumber: f.column - 1,
  });
  type V8Node = {
    id: number;
    callFrame: ReturnType<typeof v8Frame>;
    hitCount: number;
    children: number[];
  };
  const nodes: V8Node[] = [
    {
      id: 1,
      callFrame: {
        functionName: '(root)',
        scriptId: '0',
        url: '',
        lineNumber: -1,
        columnNumber: -1,
      },
      hitCount: 0,
      children: [],
    },
  ];
  const leafOf = REFERENCE.map(({ stack }) => {
    let parent = nodes[0]!;
    for (const f of stack) {
      let child = parent.children
        .map((id) => nodes[id - 1]!)
        .find((n) => n.callFrame.functionName === f.name);
      if (child === undefined) {
        child = { id: nodes.length + 1, callFrame: v8Frame(f), hitCount: 0, children: [] };
        nodes.push(child);
        parent.children.push(child.id);
      }
      parent = child;
    }
    return parent;
  });
  const remaining = REFERENCE.map(({ ms }) => ms);
  const samples: number[] = [];
  while (remaining.some((n) => n > 0)) {
    remaining.forEach((n, i) => {
      if (n === 0) return;
      remaining[i] = n - 1;
      samples.push(leafOf[i]!.id);
      leafOf[i]!.hitCount++;
    });
  }
  return JSON.stringify({
    nodes,
    startTime: 1_000_000,
    endTime: 1_000_000 + samples.length * 1000,
    samples,
    timeDeltas: samples.map((_, i) => (i === 0 ? 0 : 1000)),
  });
}

/**
 * pprof as Go writes a CPU profile: samples/count and cpu/nanoseconds (10 samples per ms, so
 * reading the wrong type shows). parse is inlined into handle: one location, two lines,
 * innermost first. Lines are call sites two below each function's start line.
 */
function writePprof(): Uint8Array {
  const strings = new StringTable();
  const functions = FRAMES.map(
    (f, i) =>
      new PprofFunction({
        id: i + 1,
        name: strings.dedup(f.name),
        systemName: strings.dedup(f.name),
        filename: strings.dedup(f.file),
        startLine: f.line,
      }),
  );
  const fnId = (f: RefFrame) => FRAMES.indexOf(f) + 1;
  const line = (f: RefFrame) => new Line({ functionId: fnId(f), line: f.line + 2 });
  const locations = FRAMES.map((f, i) => new Location({ id: i + 1, line: [line(f)] }));
  const inlined = new Location({ id: 100, address: 0x4000, line: [line(PARSE), line(HANDLE)] });
  const locationIds = (stack: RefFrame[]): number[] => {
    const leafFirst = [...stack].reverse();
    if (leafFirst[0] === PARSE && leafFirst[1] === HANDLE) {
      return [100, ...leafFirst.slice(2).map(fnId)];
    }
    return leafFirst.map(fnId);
  };
  const profile = new Profile({
    sampleType: [
      new ValueType({ type: strings.dedup('samples'), unit: strings.dedup('count') }),
      new ValueType({ type: strings.dedup('cpu'), unit: strings.dedup('nanoseconds') }),
    ],
    periodType: new ValueType({ type: strings.dedup('cpu'), unit: strings.dedup('nanoseconds') }),
    period: 100_000,
    sample: REFERENCE.map(
      ({ stack, ms }) =>
        new Sample({ locationId: locationIds(stack), value: [ms * 10, ms * 1_000_000] }),
    ),
    location: [...locations, inlined],
    function: functions,
    stringTable: strings,
  });
  return profile.encode();
}

/** speedscope sampled, in milliseconds, the stacks split over two profiles (threads). */
function writeSpeedscopeSampled(): string {
  const index = (f: RefFrame) => FRAMES.indexOf(f);
  const profile = (refs: typeof REFERENCE, name: string) => ({
    type: 'sampled',
    name,
    unit: 'milliseconds',
    startValue: 0,
    endValue: refs.reduce((sum, r) => sum + r.ms, 0),
    samples: refs.map((r) => r.stack.map(index)),
    weights: refs.map((r) => r.ms),
  });
  return JSON.stringify({
    $schema: 'https://www.speedscope.app/file-format-schema.json',
    shared: {
      frames: FRAMES.map((f) => ({ name: f.name, file: f.file, line: f.line, col: f.column })),
    },
    profiles: [profile(REFERENCE.slice(0, 2), 'thread 1'), profile(REFERENCE.slice(2), 'thread 2')],
    exporter: 'perf-flow test',
  });
}

/** speedscope evented, in microseconds: frames open and close as the stacks follow each other. */
function writeSpeedscopeEvented(): string {
  const index = (f: RefFrame) => FRAMES.indexOf(f);
  const events: Array<{ type: 'O' | 'C'; at: number; frame: number }> = [];
  let open: RefFrame[] = [];
  let at = 0;
  for (const { stack, ms } of REFERENCE) {
    let common = 0;
    while (common < open.length && common < stack.length && open[common] === stack[common]) {
      common++;
    }
    for (let i = open.length - 1; i >= common; i--)
      events.push({ type: 'C', at, frame: index(open[i]!) });
    for (let i = common; i < stack.length; i++)
      events.push({ type: 'O', at, frame: index(stack[i]!) });
    open = stack;
    at += ms * 1000;
  }
  for (let i = open.length - 1; i >= 0; i--) events.push({ type: 'C', at, frame: index(open[i]!) });
  return JSON.stringify({
    $schema: 'https://www.speedscope.app/file-format-schema.json',
    shared: { frames: FRAMES.map((f) => ({ name: f.name, file: f.file, line: f.line })) },
    profiles: [
      { type: 'evented', name: 'main', unit: 'microseconds', startValue: 0, endValue: at, events },
    ],
  });
}

/** Folded stacks, frames as py-spy writes them: `name (file:line)`. */
function writeFolded(): string {
  const label = (f: RefFrame) => `${f.name} (${f.file}:${f.line})`;
  return REFERENCE.map(({ stack, ms }) => `${stack.map(label).join(';')} ${ms}`).join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------

describe('every format reads into the same call tree', () => {
  const cases: Array<{ name: string; read: () => CallTree; unit: ValueUnit; columns: boolean }> = [
    {
      name: 'V8 .cpuprofile',
      read: () => parseCpuProfileTree(writeCpuProfile(), 'ref.cpuprofile'),
      unit: 'microseconds',
      columns: true,
    },
    {
      name: 'pprof',
      read: () => parsePprof(writePprof(), 'ref.pb'),
      unit: 'nanoseconds',
      columns: false,
    },
    {
      name: 'gzipped pprof',
      read: () => parsePprof(gzipSync(writePprof()), 'ref.pb.gz'),
      unit: 'nanoseconds',
      columns: false,
    },
    {
      name: 'speedscope sampled',
      read: () => parseSpeedscope(writeSpeedscopeSampled(), 'ref.speedscope.json'),
      unit: 'microseconds',
      columns: true,
    },
    {
      name: 'speedscope evented',
      read: () => parseSpeedscope(writeSpeedscopeEvented(), 'ref.evented.json'),
      unit: 'microseconds',
      columns: false,
    },
    {
      name: 'folded',
      read: () => parseFolded(writeFolded(), 'ref.folded'),
      unit: 'samples',
      columns: false,
    },
  ];

  for (const { name, read, unit, columns } of cases) {
    it(`${name}: the same stacks, values and functions`, () => {
      const tree = read();
      expect(tree.unit).toBe(unit);
      expect(tree.kind).toBe('cpu');
      expect(foldedInMs(tree)).toEqual(REFERENCE_FOLDED);
      expect(functionsInMs(tree)).toEqual(REFERENCE_FUNCTIONS);
      // One frame per function, with its location.
      expect(tree.frames).toHaveLength(FRAMES.length);
      for (const ref of FRAMES) {
        expect(tree.frames).toContainEqual({ ...ref, column: columns ? ref.column : 0 });
      }
    });
  }

  it('keeps the .cpuprofile timeline: one sample per ms, each on its stack leaf', () => {
    const tree = parseCpuProfileTree(writeCpuProfile(), 'ref.cpuprofile');
    const timeline = tree.timeline!;
    expect(timeline.startUs).toBe(1_000_000);
    expect(timeline.endUs).toBe(1_060_000);
    expect(timeline.sampleNodes).toHaveLength(60);
    expect(timeline.sampleTimesUs[0]).toBe(1_000_000);
    expect(timeline.sampleTimesUs[59]).toBe(1_059_000);
    const leaf = (i: number) => tree.frames[tree.nodeFrame[timeline.sampleNodes[i]!]!]!.name;
    // Samples go round the four stacks: parse, render, gc, handle, parse, ...
    expect([0, 1, 2, 3, 4].map(leaf)).toEqual(['parse', 'render', 'gc', 'handle', 'parse']);
  });
});

describe('V8 .cpuprofile', () => {
  const frame = (functionName: string, url = '') => ({
    functionName,
    url,
    lineNumber: -1,
    columnNumber: -1,
  });

  it('keeps V8 pseudo-frames, drops (root) and merges sibling nodes of one function', () => {
    const text = JSON.stringify({
      nodes: [
        { id: 1, callFrame: frame('(root)'), hitCount: 0, children: [2, 3, 4, 5, 6] },
        { id: 2, callFrame: frame('(program)'), hitCount: 1 },
        { id: 3, callFrame: frame('(idle)'), hitCount: 1 },
        { id: 4, callFrame: frame('(garbage collector)'), hitCount: 1 },
        { id: 5, callFrame: frame('work', 'file:///w.js'), hitCount: 1 },
        { id: 6, callFrame: frame('work', 'file:///w.js'), hitCount: 1 },
      ],
      startTime: 0,
      endTime: 5000,
      samples: [2, 3, 4, 5, 6],
      timeDeltas: [0, 1000, 1000, 1000, 1000],
    });
    const tree = parseCpuProfileTree(text, 'v8.cpuprofile');
    expect(toFolded(tree)).toEqual(
      new Map([
        ['(program)', 1000],
        ['(idle)', 1000],
        ['(garbage collector)', 1000],
        ['work', 2000],
      ]),
    );
    expect(tree.frames.find((f) => f.name === 'work')).toEqual({
      name: 'work',
      file: 'file:///w.js',
      line: 0,
      column: 0,
    });
  });

  it('spreads hit counts over the duration when there is no timeline', () => {
    const text = JSON.stringify({
      nodes: [
        { id: 1, callFrame: frame('(root)'), children: [2, 3] },
        { id: 2, callFrame: frame('a'), hitCount: 3 },
        { id: 3, callFrame: frame('b'), hitCount: 1 },
      ],
      startTime: 0,
      endTime: 8000,
    });
    const tree = parseCpuProfileTree(text, 'hits.cpuprofile');
    expect(toFolded(tree)).toEqual(
      new Map([
        ['a', 6000],
        ['b', 2000],
      ]),
    );
    expect(tree.timeline).toBeUndefined();
  });
});

describe('pprof', () => {
  /** A Go-like heap profile: four sample types, inuse_space last and the default. */
  function heapPprof(defaultType?: string): Uint8Array {
    const strings = new StringTable();
    const types = [
      ['alloc_objects', 'count'],
      ['alloc_space', 'bytes'],
      ['inuse_objects', 'count'],
      ['inuse_space', 'bytes'],
    ];
    return new Profile({
      sampleType: types.map(
        ([type, unit]) => new ValueType({ type: strings.dedup(type!), unit: strings.dedup(unit!) }),
      ),
      sample: [
        new Sample({ locationId: [2, 1], value: [4, 4096, 1, 1024] }),
        new Sample({ locationId: [3, 1], value: [2, 512, 0, 0] }),
      ],
      location: [1, 2, 3].map((id) => new Location({ id, line: [new Line({ functionId: id })] })),
      function: ['main', 'alloc', 'freed'].map(
        (name, i) => new PprofFunction({ id: i + 1, name: strings.dedup(name) }),
      ),
      stringTable: strings,
      ...(defaultType ? { defaultSampleType: strings.dedup(defaultType) } : {}),
    }).encode();
  }

  it('reads the last sample type of a heap profile as bytes, leaving stacks without any out', () => {
    const tree = parsePprof(heapPprof(), 'heap.pb');
    expect(tree.kind).toBe('heap');
    expect(tree.unit).toBe('bytes');
    expect(toFolded(tree)).toEqual(new Map([['main;alloc', 1024]]));
    expect(tree.frames.map((f) => f.name)).not.toContain('freed');
  });

  it('reads the default sample type when the profile names one', () => {
    const tree = parsePprof(heapPprof('alloc_objects'), 'heap.pb');
    expect(tree.unit).toBe('count');
    expect(toFolded(tree)).toEqual(
      new Map([
        ['main;alloc', 4],
        ['main;freed', 2],
      ]),
    );
  });

  it('names a location that has no lines by its address', () => {
    const strings = new StringTable();
    const bytes = new Profile({
      sampleType: [
        new ValueType({ type: strings.dedup('wall'), unit: strings.dedup('nanoseconds') }),
      ],
      sample: [new Sample({ locationId: [1], value: [5] })],
      location: [new Location({ id: 1, address: 0xbeef })],
      stringTable: strings,
    }).encode();
    const tree = parsePprof(bytes, 'wall.pb');
    expect(tree.kind).toBe('wall');
    expect(toFolded(tree)).toEqual(new Map([['0xbeef', 5]]));
  });
});

describe('speedscope', () => {
  const file = (profile: object, frames = [{ name: 'a' }, { name: 'b' }]) =>
    JSON.stringify({ shared: { frames }, profiles: [profile] });

  it('gives an evented profile the time each stack spent on top, until endValue', () => {
    const text = file({
      type: 'evented',
      unit: 'nanoseconds',
      startValue: 0,
      endValue: 100,
      events: [
        { type: 'O', at: 10, frame: 0 },
        { type: 'O', at: 20, frame: 1 },
        { type: 'C', at: 50, frame: 1 },
        { type: 'O', at: 60, frame: 1 },
      ],
    });
    expect(toFolded(parseSpeedscope(text, 'e.json'))).toEqual(
      new Map([
        ['a', 20],
        ['a;b', 70],
      ]),
    );
  });

  it('reads a sampled profile in bytes as a heap profile', () => {
    const text = file({
      type: 'sampled',
      unit: 'bytes',
      startValue: 0,
      endValue: 10,
      samples: [[0, 1], [0]],
      weights: [64, 32],
    });
    const tree = parseSpeedscope(text, 's.json');
    expect(tree.kind).toBe('heap');
    expect(toFolded(tree)).toEqual(
      new Map([
        ['a;b', 64],
        ['a', 32],
      ]),
    );
  });
});

describe('folded stacks', () => {
  it('keeps frames with spaces and tool suffixes as written, and reads `name (file:line)`', () => {
    const text = [
      'do work;Foo::bar baz 12',
      '',
      'java/lang/Thread.run_[j];Main.loop_[i] 3\r',
      'handle (/srv/app.py:42);parse (C:\\app\\p.py:7:2) 1.5',
    ].join('\n');
    const tree = parseFolded(text, 'mixed.folded');
    expect(toFolded(tree)).toEqual(
      new Map([
        ['do work;Foo::bar baz', 12],
        ['java/lang/Thread.run_[j];Main.loop_[i]', 3],
        ['handle;parse', 1.5],
      ]),
    );
    expect(tree.frames).toContainEqual({
      name: 'handle',
      file: '/srv/app.py',
      line: 42,
      column: 0,
    });
    expect(tree.frames).toContainEqual({
      name: 'parse',
      file: 'C:\\app\\p.py',
      line: 7,
      column: 2,
    });
  });

  it('reads back what toFolded writes with locations', () => {
    const original = parseCpuProfileTree(writeCpuProfile(), 'ref.cpuprofile');
    const text = [...toFolded(original, { withLocation: true })]
      .map(([stack, value]) => `${stack} ${value}`)
      .join('\n');
    const again = parseFolded(text, 'again.folded');
    expect(again.frames).toEqual(expect.arrayContaining([...original.frames]));
    expect(toFolded(again)).toEqual(toFolded(original));
  });
});

describe('V8 .heapprofile', () => {
  const node = (name: string, selfSize: number, children: object[] = [], line = -1) => ({
    callFrame: {
      functionName: name,
      scriptId: '1',
      url: 'file:///h.js',
      lineNumber: line,
      columnNumber: 4,
    },
    selfSize,
    id: 0,
    children,
  });

  it('reads bytes still allocated per stack, (root) dropped', () => {
    const head = {
      callFrame: {
        functionName: '(root)',
        scriptId: '0',
        url: '',
        lineNumber: -1,
        columnNumber: -1,
      },
      selfSize: 0,
      id: 1,
      children: [
        node('main', 0, [
          node('cache', 65536, [], 9),
          node('parse', 2048, [node('JSON.parse', 1024)]),
        ]),
        node('(V8 API)', 512),
      ],
    };
    const tree = parseHeapProfile(JSON.stringify({ head, samples: [] }), 'h.heapprofile');
    expect(tree.kind).toBe('heap');
    expect(tree.unit).toBe('bytes');
    expect(toFolded(tree)).toEqual(
      new Map([
        ['main;cache', 65536],
        ['main;parse', 2048],
        ['main;parse;JSON.parse', 1024],
        ['(V8 API)', 512],
      ]),
    );
    expect(tree.frames).toContainEqual({
      name: 'cache',
      file: 'file:///h.js',
      line: 10,
      column: 5,
    });
  });

  it('names the node at fault', () => {
    const head = { ...node('(root)', 0, [node('a', 1), { ...node('b', 1), selfSize: 'x' }]) };
    expect(() => parseHeapProfile(JSON.stringify({ head }), 'bad.heapprofile')).toThrow(
      /bad\.heapprofile is not a V8 \.heapprofile: head\.children\[1\]\.selfSize is not a size/,
    );
  });
});

// ---------------------------------------------------------------------------------------------

describe('readProfile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'perf-flow-formats-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const write = async (name: string, content: string | Uint8Array) => {
    const file = path.join(dir, name);
    await writeFile(file, content);
    return file;
  };

  /** Each format under a name that suggests another, so only the content can tell. */
  const misnamed: Array<[string, () => string | Uint8Array, CallTree['format']]> = [
    ['cpu.pb.gz', writeCpuProfile, 'cpuprofile'],
    ['cpu.json', () => gzipSync(writePprof()), 'pprof'],
    ['cpu.folded', writePprof, 'pprof'],
    ['cpu.cpuprofile', writeSpeedscopeSampled, 'speedscope'],
    ['trace.heapprofile', writeSpeedscopeEvented, 'speedscope'],
    ['stacks.json', writeFolded, 'folded'],
    [
      'heap.cpuprofile',
      () =>
        JSON.stringify({
          head: { callFrame: { functionName: 'f', url: '' }, selfSize: 8, children: [] },
        }),
      'heapprofile',
    ],
  ];
  for (const [name, content, format] of misnamed) {
    it(`tells ${format} from the content of ${name}`, async () => {
      const tree = await readProfile(await write(name, content()));
      expect(tree.format).toBe(format);
      expect(tree.source).toBe(path.join(dir, name));
      if (format !== 'heapprofile') expect(foldedInMs(tree)).toEqual(REFERENCE_FOLDED);
    });
  }

  it('tells a .cpuprofile whose fields are not in V8 order, and one with a byte order mark', () => {
    const reordered = JSON.stringify({
      startTime: 0,
      endTime: 1,
      ...JSON.parse(writeCpuProfile()),
    });
    expect(parseProfile(Buffer.from(reordered), 'r').format).toBe('cpuprofile');
    expect(parseProfile(Buffer.from(`\uFEFF${writeCpuProfile()}`), 'bom').format).toBe(
      'cpuprofile',
    );
  });

  /** The ConfigError `run` throws, for its message and field. */
  async function configError(run: () => Promise<unknown>): Promise<ConfigError> {
    const error = await run().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).field).toBe('profile.files');
    return error as ConfigError;
  }

  const refused: Array<[string, string, () => string | Uint8Array, RegExp]> = [
    [
      'a gzipped pprof cut in half',
      'cut.pb.gz',
      () => {
        const gz = gzipSync(writePprof());
        return gz.subarray(0, gz.length >> 1);
      },
      /is not a pprof profile: its gzip data does not decompress \(unexpected end of file\)/,
    ],
    [
      'a pprof cut in half',
      'cut.pb',
      () => {
        const pb = writePprof();
        return pb.subarray(0, pb.length >> 1);
      },
      /is not a pprof profile: .* at offset \d+ .*cut short/,
    ],
    [
      'binary that is no protobuf',
      'junk.bin',
      () => Uint8Array.from([0x0f, 0x01, 0x02]),
      /is not a pprof profile: invalid wire type 7 at offset 0/,
    ],
    ['corrupt JSON', 'broken.json', () => '{"shared": {"frames": [', /is not valid JSON: /],
    [
      'a .cpuprofile cut short',
      'cut.cpuprofile',
      () => writeCpuProfile().slice(0, 200),
      /CPU profile .*cut\.cpuprofile is not a valid V8 \.cpuprofile: not JSON/,
    ],
    [
      'a .cpuprofile whose node lists a missing child',
      'orphan.cpuprofile',
      () =>
        JSON.stringify({
          nodes: [{ id: 1, callFrame: { functionName: '(root)', url: '' }, children: [9] }],
          startTime: 0,
          endTime: 1,
        }),
      /lists child 9, which is not a node/,
    ],
    [
      'JSON that is none of the formats',
      'other.json',
      () => JSON.stringify({ traceEvents: [] }),
      /is not a JSON profile perf-flow reads: expected a V8 \.cpuprofile .*heapprofile.*speedscope/,
    ],
    [
      'a folded line without a count',
      'nocount.folded',
      () => 'main;a 3\nmain;b\nmain;c 1\n',
      /is not folded stacks: line 2 does not end in a count/,
    ],
    [
      'text that is no profile',
      'notes.txt',
      () => 'hello world\nnothing here\n',
      /is not a profile perf-flow reads: expected a pprof profile/,
    ],
    ['an empty file', 'empty.pb.gz', () => '', /empty\.pb\.gz is empty: expected a pprof/],
    ['a file of blank lines', 'blank.folded', () => '\n  \n', /blank\.folded is empty/],
    [
      'a .cpuprofile without samples',
      'idle.cpuprofile',
      () =>
        JSON.stringify({
          nodes: [{ id: 1, callFrame: { functionName: '(root)', url: '' }, children: [] }],
          startTime: 0,
          endTime: 1000,
          samples: [],
          timeDeltas: [],
        }),
      /idle\.cpuprofile holds no samples: expected a V8 \.cpuprofile/,
    ],
    [
      'a speedscope sample naming a frame that is not there',
      'frames.json',
      () =>
        JSON.stringify({
          shared: { frames: [{ name: 'a' }] },
          profiles: [
            {
              type: 'sampled',
              unit: 'none',
              startValue: 0,
              endValue: 1,
              samples: [[0, 3]],
              weights: [1],
            },
          ],
        }),
      /is not a speedscope profile: profiles\[0\]\.samples\[0\] refers to frame 3, but shared\.frames has 1/,
    ],
    [
      'a speedscope event closing a frame that is not on top',
      'events.json',
      () =>
        JSON.stringify({
          shared: { frames: [{ name: 'a' }, { name: 'b' }] },
          profiles: [
            {
              type: 'evented',
              unit: 'none',
              startValue: 0,
              endValue: 2,
              events: [
                { type: 'O', at: 0, frame: 0 },
                { type: 'O', at: 1, frame: 1 },
                { type: 'C', at: 2, frame: 0 },
              ],
            },
          ],
        }),
      /profiles\[0\]\.events\[2\] closes frame 0 but frame 1 is open on top/,
    ],
  ];
  for (const [what, name, content, message] of refused) {
    it(`refuses ${what}, naming the file`, async () => {
      const file = await write(name, content());
      const error = await configError(() => readProfile(file));
      expect(error.message).toContain(file);
      expect(error.message).toMatch(message);
    });
  }

  it('refuses a missing file, naming it', async () => {
    const file = path.join(dir, 'missing.pb.gz');
    const error = await configError(() => readProfile(file));
    expect(error.message).toMatch(/^profile\.files: cannot read profile .*missing\.pb\.gz: ENOENT/);
  });
});
