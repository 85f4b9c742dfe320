import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  heapSamples,
  readRuntimeSamples,
  RUNTIME_PROBE_FILE,
  writeRuntimeProbe,
  type RuntimeSample,
} from '../../src/profile/runtime-probe.js';

const tempDir = () => mkdtemp(path.join(tmpdir(), 'perf-flow-runtime-'));

/** Runs Node with the probe in NODE_OPTIONS, as a service would get it. */
async function runNode(args: string[], nodeOptions: string, timeoutMs = 20_000) {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, NODE_OPTIONS: nodeOptions },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const started = Date.now();
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  return { code, signal, stdout, stderr, pid: child.pid, started, ms: Date.now() - started };
}

/** Resolves once a sample file in `dir` holds a line; a slow start gets 10 s. */
async function firstSampleIn(dir: string) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const files = await readdir(dir).catch(() => []);
    for (const file of files) {
      const text = await readFile(path.join(dir, file), 'utf8').catch(() => '');
      if (text.includes('\n')) return;
    }
    if (Date.now() > deadline) throw new Error(`no runtime sample in ${dir} within 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function sample(overrides: Partial<RuntimeSample> = {}): RuntimeSample {
  const kind = { count: 0, ms: 0 };
  return {
    t: 1000,
    heapUsed: 10,
    heapTotal: 20,
    rss: 30,
    external: 1,
    eventLoopDelayMs: { p50: 0.1, p99: 1, max: 2 },
    gc: { minor: kind, major: kind, incremental: kind, weakcb: kind },
    activeResources: 3,
    heapAfterGc: null,
    heapAfterMinorGc: null,
    ...overrides,
  };
}

describe('writeRuntimeProbe', () => {
  it('writes the probe and the NODE_OPTIONS fragment that loads it, clearing old samples', async () => {
    const dir = await tempDir();
    const first = await writeRuntimeProbe(dir);
    await writeFile(path.join(first.outputDir, 'runtime.1.jsonl'), '{}\n');
    const { nodeOptions, outputDir } = await writeRuntimeProbe(dir);
    expect(outputDir).toBe(path.join(dir, 'runtime'));
    expect(nodeOptions).toBe(`--import=${pathToFileURL(path.join(dir, RUNTIME_PROBE_FILE)).href}`);
    expect(await readdir(outputDir)).toEqual([]);
    expect(await readFile(path.join(dir, RUNTIME_PROBE_FILE), 'utf8')).toContain('.unref()');
  });

  it('keeps a directory with spaces one NODE_OPTIONS word', async () => {
    const dir = path.join(await tempDir(), 'with space');
    const { nodeOptions } = await writeRuntimeProbe(dir);
    expect(nodeOptions).toMatch(
      /^--import=file:\/\/\S+with%20space\/perf-flow-runtime-probe\.mjs$/,
    );
  });
});

describe('the runtime probe in a real process', () => {
  it('samples a process that allocates, with GC pauses by kind', async () => {
    const dir = await tempDir();
    const { nodeOptions, outputDir } = await writeRuntimeProbe(dir);
    const script = `
      const keep = [];
      const end = Date.now() + 2500;
      let collections = 0;
      const work = () => {
        for (let i = 0; i < 2000; i++) keep.push(new Array(64).fill(i));
        if (keep.length > 200000) keep.length = 0;
        global.gc();
        collections++;
        if (Date.now() < end) setTimeout(work, 50);
        else process.stdout.write('done ' + collections);
      };
      work();
    `;
    const run = await runNode(['--expose-gc', '-e', script], nodeOptions);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/^done \d+$/);
    const collections = Number(run.stdout.slice('done '.length));
    const processes = await readRuntimeSamples(outputDir);
    expect(processes.map((p) => p.pid)).toEqual([run.pid]);
    const { samples, skippedLines } = processes[0]!;
    expect(skippedLines).toBe(0);
    // Two whole seconds and the last, partial one written on exit.
    expect(samples.length).toBeGreaterThanOrEqual(2);
    for (const s of samples) {
      expect(s.heapUsed).toBeGreaterThan(0);
      expect(s.heapTotal).toBeGreaterThanOrEqual(s.heapUsed);
      expect(s.rss).toBeGreaterThan(s.heapUsed);
      expect(s.t).toBeGreaterThanOrEqual(run.started);
      expect(s.t).toBeLessThanOrEqual(run.started + run.ms + 1000);
      expect(s.activeResources).toBeGreaterThanOrEqual(0);
    }
    const delays = samples.flatMap((s) => (s.eventLoopDelayMs ? [s.eventLoopDelayMs] : []));
    expect(delays.length).toBeGreaterThan(0);
    for (const d of delays) {
      expect(d.p50).toBeGreaterThanOrEqual(0);
      expect(d.max).toBeGreaterThanOrEqual(d.p99 ?? 0);
    }
    // global.gc() is a full mark-compact, each one a post-GC reading. How many fit in 2.5 s
    // depends on the machine; the last one's entry may come after the exit's sample.
    const majors = samples.reduce((n, s) => n + s.gc.major.count, 0);
    expect(collections).toBeGreaterThanOrEqual(5);
    expect(majors).toBeGreaterThanOrEqual(collections - 1);
    expect(samples.reduce((ms, s) => ms + s.gc.major.ms, 0)).toBeGreaterThan(0);
    expect(samples.some((s) => s.heapAfterGc !== null && s.heapAfterGc > 0)).toBe(true);
  });

  it('never keeps a process alive, and leaves its exit code alone', async () => {
    const dir = await tempDir();
    const { nodeOptions, outputDir } = await writeRuntimeProbe(dir);
    const run = await runNode(['-e', 'process.exitCode = 3'], nodeOptions);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 3, stderr: '' });
    // The timer would hold it for a second at least if it were not unref()ed.
    expect(run.ms).toBeLessThan(5000);
    const [only] = await readRuntimeSamples(outputDir);
    expect(only?.samples).toHaveLength(1); // the exit sample
  });

  it('does not fail the process when it cannot write', async () => {
    const dir = await tempDir();
    const { nodeOptions, outputDir } = await writeRuntimeProbe(dir);
    await rm(outputDir, { recursive: true });
    await writeFile(outputDir, 'a file where the directory should be');
    const run = await runNode(['-e', 'setTimeout(() => console.log("served"), 1200)'], nodeOptions);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('served\n');
    expect(run.stderr).toMatch(/^perf-flow runtime probe: not started: .*(ENOTDIR|EEXIST)/);
  });
});

describe('the runtime probe losing its directory mid-run', () => {
  it('stops sampling and lets the process go on', async () => {
    const dir = await tempDir();
    const { nodeOptions, outputDir } = await writeRuntimeProbe(dir);
    const child = runNode(['-e', 'setTimeout(() => console.log("served"), 3500)'], nodeOptions);
    // Removed only once the probe has written: before that, its start would make it again.
    await firstSampleIn(outputDir);
    await rm(outputDir, { recursive: true });
    const run = await child;
    expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 0, stdout: 'served\n' });
    // Said once, not once a second.
    expect(run.stderr.match(/perf-flow runtime probe: sampling stopped: .*ENOENT/g)).toHaveLength(
      1,
    );
  });
});

describe('readRuntimeSamples', () => {
  it('reads every process, skipping a torn last line and foreign files', async () => {
    const dir = await tempDir();
    await writeFile(
      path.join(dir, 'runtime.42.jsonl'),
      `${JSON.stringify(sample({ t: 1 }))}\n${JSON.stringify(sample({ t: 2 }))}\n{"t":3,"heapU`,
    );
    await writeFile(path.join(dir, 'runtime.7.jsonl'), `${JSON.stringify(sample())}\n\n`);
    await writeFile(path.join(dir, 'notes.txt'), 'not samples');
    const processes = await readRuntimeSamples(dir);
    expect(processes.map((p) => [p.pid, p.samples.length, p.skippedLines])).toEqual([
      [7, 1, 0],
      [42, 2, 1],
    ]);
    expect(processes[1]?.samples.map((s) => s.t)).toEqual([1, 2]);
  });

  it('finds nothing where nothing was written', async () => {
    expect(await readRuntimeSamples(path.join(await tempDir(), 'absent'))).toEqual([]);
  });
});

describe('heapSamples', () => {
  it('gives the lows every reading, and flags the post-major-GC ones', () => {
    expect(
      heapSamples([
        sample({ t: 1, heapUsed: 50 }),
        sample({ t: 2, heapUsed: 60, heapAfterGc: 30, heapAfterMinorGc: 40 }),
      ]),
    ).toEqual([
      { tMs: 1, bytes: 50 },
      { tMs: 2, bytes: 60 },
      { tMs: 2, bytes: 40 },
      { tMs: 2, bytes: 30, afterGc: true },
    ]);
  });
});
