// `npm run bench:profile`: how fast and how lean perf-flow reads and analyses a large profile.
// Generates a 100 MB V8 .cpuprofile and a 50 MB pprof (seeded, so every run analyses the same
// files), then, each in a fresh process and in alternating rounds: a bare JSON.parse of the
// .cpuprofile, a bare pprof-format decode of the pprof (the peers: what any reader must at
// least do), and perf-flow's whole path (readProfile: detect, parse, build the call tree; then
// analyzeProfiles: rank the functions). Time and peak memory (the process's VmHWM above its
// RSS at the start) per file; the medians go to the `## bench:profile` section of BENCHMARKS.md.
//
// Options: --rounds N (default 5), --no-write.
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Function as PprofFunction,
  Line,
  Location,
  Profile,
  Sample,
  StringTable,
  ValueType,
} from 'pprof-format';
import { mulberry32 } from '../src/load/arrivals.js';
import { runBounded, shellLine } from './procs.js';
import {
  findRoot,
  sectionOpening,
  packageVersion,
  perfFlowRevision,
  table,
  writeSection,
} from './report.js';
import { WORKER_PREFIX, type ProfileMeasurement, type WorkerMode } from './protocol.js';

const ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));
const HERE = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const ROUNDS = Number(args[args.indexOf('--rounds') + 1] ?? 0) || 5;
const WRITE = !args.includes('--no-write');
const CPUPROFILE_BYTES = 100 * 1024 * 1024;
const PPROF_BYTES = 50 * 1024 * 1024;
const WORKER_TIMEOUT_MS = 5 * 60_000;
// JSON.parse of 100 MB needs more than V8's default old space on a small machine.
const NODE_FLAGS = ['--max-old-space-size=8192'];

const log = (message: string) => process.stderr.write(`[bench:profile] ${message}\n`);

/** A service's worth of functions: modules of a repository, each with its functions. */
function functionPool(random: () => number, count: number) {
  return Array.from({ length: count }, (_, i) => ({
    functionName: `${['handle', 'parse', 'render', 'query', 'serialize', 'validate'][i % 6]}${i}`,
    url: `file:///app/src/module${Math.floor(i / 20)}.js`,
    lineNumber: Math.floor(random() * 2000),
    columnNumber: Math.floor(random() * 80),
  }));
}

/**
 * A V8 .cpuprofile of about `bytes`: a random call tree (depth up to 48) over a pool of
 * functions, as node --cpu-prof writes it (with scriptId and positionTicks), and a sample
 * timeline over its nodes that fills the rest.
 */
function generateCpuProfile(bytes: number): string {
  const random = mulberry32(20261122);
  const pool = functionPool(random, 6000);
  const nodes: string[] = [];
  const children: number[][] = [];
  const depth: number[] = [];
  const nodeCount = Math.round(bytes / 400);
  for (let id = 1; id <= nodeCount; id++) {
    children.push([]);
    if (id === 1) {
      depth.push(0);
      continue;
    }
    // Attach to a recent node, deep stacks as real services have them.
    let parent = Math.max(1, id - 1 - Math.floor(random() * Math.min(id - 1, 64)));
    while (depth[parent - 1]! >= 48) parent = Math.max(1, parent - 1 - Math.floor(random() * 8));
    children[parent - 1]!.push(id);
    depth.push(depth[parent - 1]! + 1);
  }
  for (let id = 1; id <= nodeCount; id++) {
    const frame =
      id === 1
        ? { functionName: '(root)', url: '', lineNumber: -1, columnNumber: -1 }
        : pool[Math.floor(random() * pool.length)]!;
    const ticks =
      random() < 0.3
        ? `,"positionTicks":[{"line":${frame.lineNumber + 2},"ticks":${1 + Math.floor(random() * 9)}}]`
        : '';
    nodes.push(
      `{"id":${id},"callFrame":{"functionName":${JSON.stringify(frame.functionName)},"scriptId":"${17 + Math.floor(id / 5000)}","url":${JSON.stringify(frame.url)},"lineNumber":${frame.lineNumber},"columnNumber":${frame.columnNumber}},"hitCount":${Math.floor(random() * 4)},"children":[${children[id - 1]!.join(',')}]${ticks}}`,
    );
  }
  const head = `{"nodes":[${nodes.join(',')}],"startTime":1000000,"endTime":`;
  // Each sample costs its id and its delta, about 10 bytes together.
  const sampleCount = Math.max(1000, Math.round((bytes - head.length) / 11));
  const samples = new Array<number>(sampleCount);
  const deltas = new Array<number>(sampleCount);
  for (let i = 0; i < sampleCount; i++) {
    samples[i] = 2 + Math.floor(random() * (nodeCount - 1));
    deltas[i] = 900 + Math.floor(random() * 250);
  }
  const end = 1_000_000 + deltas.reduce((a, b) => a + b, 0);
  return `${head}${end},"samples":[${samples.join(',')}],"timeDeltas":[${deltas.join(',')}]}`;
}

/** A Go-like CPU pprof (samples/count, cpu/nanoseconds) of about `bytes`, not gzipped. */
function generatePprof(bytes: number): Uint8Array {
  const random = mulberry32(20261123);
  const strings = new StringTable();
  const functionCount = 4000;
  const functions = Array.from(
    { length: functionCount },
    (_, i) =>
      new PprofFunction({
        id: i + 1,
        name: strings.dedup(`github.com/acme/shop/pkg${i % 40}.Func${i}`),
        filename: strings.dedup(`/src/shop/pkg${i % 40}/file${i % 200}.go`),
        startLine: 1 + Math.floor(random() * 900),
      }),
  );
  const locations = Array.from(
    { length: 30_000 },
    (_, i) =>
      new Location({
        id: i + 1,
        address: 0x400000 + i * 16,
        line: [
          new Line({ functionId: 1 + (i % functionCount), line: 1 + Math.floor(random() * 900) }),
        ],
      }),
  );
  // A call graph as a service has one: a tree of call sites (each a location), stacks up to
  // 40 deep; a sample is the path from one of its nodes up to the root, leaf first.
  const treeSize = 60_000;
  const parent = new Int32Array(treeSize).fill(-1);
  const depth = new Int32Array(treeSize);
  const site = new Int32Array(treeSize);
  for (let node = 0; node < treeSize; node++) {
    site[node] = 1 + Math.floor(random() * locations.length);
    if (node === 0) continue;
    let up = Math.max(0, node - 1 - Math.floor(random() * Math.min(node, 64)));
    while (depth[up]! >= 40) up = parent[up]!;
    parent[node] = up;
    depth[node] = depth[up]! + 1;
  }
  // A sample of ~30 frames costs about 30 × 3 + 20 bytes.
  const sampleCount = Math.round(bytes / 114);
  const samples = Array.from({ length: sampleCount }, () => {
    const stack: number[] = [];
    for (let node = Math.floor(random() * treeSize); node >= 0; node = parent[node]!) {
      stack.push(site[node]!);
    }
    return new Sample({ locationId: stack, value: [1, 10_000_000] });
  });
  return new Profile({
    sampleType: [
      new ValueType({ type: strings.dedup('samples'), unit: strings.dedup('count') }),
      new ValueType({ type: strings.dedup('cpu'), unit: strings.dedup('nanoseconds') }),
    ],
    periodType: new ValueType({ type: strings.dedup('cpu'), unit: strings.dedup('nanoseconds') }),
    period: 10_000_000,
    sample: samples,
    location: locations,
    function: functions,
    stringTable: strings,
  }).encode();
}

async function measure(mode: WorkerMode, file: string): Promise<ProfileMeasurement> {
  const argv = [process.execPath, ...NODE_FLAGS, join(HERE, 'profile-worker.mjs'), mode, file];
  const out = await runBounded(argv, { timeoutMs: WORKER_TIMEOUT_MS, cwd: ROOT });
  const line = out.stdout.split('\n').find((l) => l.startsWith(WORKER_PREFIX));
  if (out.code !== 0 || line === undefined) {
    throw new Error(`${shellLine(argv)} failed (code ${out.code}): ${out.stderr.slice(-2000)}`);
  }
  return JSON.parse(line.slice(WORKER_PREFIX.length)) as ProfileMeasurement;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

async function main(): Promise<number> {
  const started = Date.now();
  const dir = await mkdtemp(join(os.tmpdir(), 'perf-flow-bench-profile-'));
  try {
    log('generating a 100 MB .cpuprofile and a 50 MB pprof');
    const cpuprofile = join(dir, 'large.cpuprofile');
    const pprof = join(dir, 'large.pb');
    await writeFile(cpuprofile, generateCpuProfile(CPUPROFILE_BYTES));
    await writeFile(pprof, generatePprof(PPROF_BYTES));
    const sizes = { cpuprofile: (await stat(cpuprofile)).size, pprof: (await stat(pprof)).size };
    log(`files: ${mb(sizes.cpuprofile)} .cpuprofile, ${mb(sizes.pprof)} pprof`);

    const runs: Record<string, ProfileMeasurement[]> = {};
    const plan: Array<[string, WorkerMode, string]> = [
      ['cpuprofile: JSON.parse', 'json-parse', cpuprofile],
      ['cpuprofile: perf-flow', 'perf-flow', cpuprofile],
      ['pprof: pprof-format decode', 'pprof-decode', pprof],
      ['pprof: perf-flow', 'perf-flow', pprof],
    ];
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [label, mode, file] of plan) {
        const m = await measure(mode, file);
        (runs[label] ??= []).push(m);
        log(
          `round ${round}/${ROUNDS} ${label}: ${m.ms.toFixed(0)} ms, peak ${mb(m.peakRss - m.baseRss)} above start`,
        );
      }
    }
    const summary = (label: string) => {
      const ms = median(runs[label]!.map((m) => m.ms));
      const memory = median(runs[label]!.map((m) => m.peakRss - m.baseRss));
      return { ms, memory };
    };
    const rows = plan.map(([label, , file]) => {
      const s = summary(label);
      const size = file === cpuprofile ? sizes.cpuprofile : sizes.pprof;
      return [
        label,
        mb(size),
        `${s.ms.toFixed(0)} ms`,
        `${runs[label]!.map((m) => m.ms.toFixed(0)).join(', ')}`,
        mb(s.memory),
        `${(s.memory / size).toFixed(2)}×`,
      ];
    });
    const cpu = summary('cpuprofile: perf-flow');
    const parse = summary('cpuprofile: JSON.parse');
    const pp = summary('pprof: perf-flow');
    const decode = summary('pprof: pprof-format decode');
    const verdict = (ok: boolean) => (ok ? '**PASS**' : '**MISS**');
    const checks = [
      [
        '100 MB .cpuprofile analysed, time ÷ bare JSON.parse',
        `${(cpu.ms / parse.ms).toFixed(2)}× (${cpu.ms.toFixed(0)} vs ${parse.ms.toFixed(0)} ms)`,
        '≤ 2×',
        verdict(cpu.ms <= 2 * parse.ms),
      ],
      [
        '100 MB .cpuprofile analysed, peak memory ÷ file size',
        `${(cpu.memory / sizes.cpuprofile).toFixed(2)}× (${mb(cpu.memory)})`,
        '< 4×',
        verdict(cpu.memory < 4 * sizes.cpuprofile),
      ],
      [
        '50 MB pprof analysed, time ÷ bare pprof-format decode',
        `${(pp.ms / decode.ms).toFixed(2)}× (${pp.ms.toFixed(0)} vs ${decode.ms.toFixed(0)} ms)`,
        'reported',
        '–',
      ],
      [
        '50 MB pprof analysed, peak memory ÷ file size',
        `${(pp.memory / sizes.pprof).toFixed(2)}× (${mb(pp.memory)})`,
        'reported',
        '–',
      ],
    ];
    const section = [
      ...(await sectionOpening('profile', started)),
      '### Versions',
      '',
      `- perf-flow ${await perfFlowRevision(ROOT, ['src/profile', 'src/profile/formats'])}`,
      `- node ${process.version}`,
      `- pprof-format ${await packageVersion(ROOT, 'pprof-format')}`,
      '',
      '### Settings',
      '',
      `- Files, generated with a fixed seed: a V8 .cpuprofile of ${mb(sizes.cpuprofile)} (a random call tree of ${Math.round(CPUPROFILE_BYTES / 400).toLocaleString('en-US')} nodes over 6,000 functions, depth up to 48, with scriptId and positionTicks as node --cpu-prof writes them, and a sample timeline filling the rest) and a Go-like CPU pprof of ${mb(sizes.pprof)}, not gzipped (4,000 functions, 30,000 locations, samples drawn from a call tree of 60,000 call sites up to 40 deep).`,
      `- Each measurement in a fresh \`node ${NODE_FLAGS.join(' ')}\` process: time from before reading the file to the end; memory is the process's peak resident set (VmHWM) above its resident set at the start. ${ROUNDS} rounds, the four measurements alternating in each; medians.`,
      '- Peers: a bare `JSON.parse(readFileSync(file, "utf8"))` of the .cpuprofile, and a bare `Profile.decode(readFileSync(file))` of the pprof (pprof-format): what any reader has to do at least. perf-flow: what the profile-analysis stage does with a profile, the load window aside: `readProfile` (format detection, parsing and validation, the call tree), `analyzeProfiles` (self and total time of every function, categories, the top 10), `writeProfileViews` (the folded stacks and the SVG flame graph, written to a temporary directory), `blockingCalls` and `diagnose`.',
      '',
      '### Results',
      '',
      table(
        [
          'measurement',
          'file',
          'time (median)',
          'each round, ms',
          'peak memory above start (median)',
          '÷ file size',
        ],
        rows,
      ),
      '',
      "### The issue's targets",
      '',
      table(['check', 'measured', 'goal', 'verdict'], checks),
      '',
      '### Commands',
      '',
      '```sh',
      'npm run bench:profile   # node bench/run.mjs profile',
      '```',
      '',
    ].join('\n');
    if (WRITE) log(`wrote ${await writeSection(ROOT, '## bench:profile', section)}`);
    for (const [check, value, goal, v] of checks) log(`${v} ${check}: ${value} (goal ${goal})`);
    return 0;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
