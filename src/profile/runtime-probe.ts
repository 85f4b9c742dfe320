import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { quoteNodeOption } from './probe.js';

export const RUNTIME_PROBE_FILE = 'perf-flow-runtime-probe.mjs';

/**
 * Loaded into every Node process of the service with --import, like the CPU probe
 * (src/profile/probe.ts), so the service's code and start command stay untouched.
 *
 * Once a second it appends one JSON line to `runtime/runtime.<pid>.jsonl` next to itself.
 * appendFileSync of one short line per second: a SIGKILL loses at most the line being
 * written, and nothing is buffered in the process to be lost with it. Everything is inside
 * try/catch and the timer is unref()ed: the probe must never keep a service alive, change
 * how it exits, or throw into it. After a failed write it stops, rather than print the same
 * error every second.
 *
 * `heapAfterGc` is read in the GC observer's callback, which runs shortly after the GC ends
 * (entries are delivered asynchronously): what the service allocated in between is counted
 * too, a small bias upwards compared with the heap's true low, and the same bias in every
 * sample, so it does not tilt a trend. Only a major GC gives the true low: after a minor
 * one the old generation still holds the garbage promoted since the last major one, which
 * rises and falls with the GC cycle, not with a leak. `heapAfterMinorGc` is kept apart for
 * that reason: a steadier low than a random heapUsed, for runs too short for major GCs.
 *
 * Main thread only: a worker's heap and event loop are its own, and a file per worker would
 * mix threads under one pid.
 */
const RUNTIME_PROBE_SOURCE = `// Written by perf-flow: runtime samples of this process, see src/profile/runtime-probe.ts.
import { appendFileSync, mkdirSync } from 'node:fs';
import { constants, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { isMainThread } from 'node:worker_threads';

const outputDir = new URL('./runtime/', import.meta.url);
const RESOLUTION_MS = 10;
const MAX_PAUSES = 1000;

const KINDS = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

function emptyGc() {
  return {
    minor: { count: 0, ms: 0 },
    major: { count: 0, ms: 0 },
    incremental: { count: 0, ms: 0 },
    weakcb: { count: 0, ms: 0 },
  };
}

function start() {
  mkdirSync(outputDir, { recursive: true });
  const file = new URL('runtime.' + process.pid + '.jsonl', outputDir);
  const delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  delay.enable();
  let gc = emptyGc();
  // Each pause's duration, for percentiles; a second with more keeps the first MAX_PAUSES.
  let pauses = [];
  let heapAfterGc = null;
  let heapAfterMinorGc = null;

  const observer = new PerformanceObserver((list) => {
    try {
      for (const entry of list.getEntries()) {
        const kind = KINDS[entry.detail?.kind ?? entry.kind];
        if (!kind) continue;
        gc[kind].count += 1;
        gc[kind].ms += entry.duration;
        if (pauses.length < MAX_PAUSES) pauses.push(Math.round(entry.duration * 1000) / 1000);
        if (kind === 'major') heapAfterGc = getHeapStatistics().used_heap_size;
        else if (kind === 'minor') heapAfterMinorGc = getHeapStatistics().used_heap_size;
      }
    } catch {}
  });
  observer.observe({ entryTypes: ['gc'] });

  // The monitor records the whole interval between its 10 ms timer's turns, so an idle loop
  // reads about 10 ms: the resolution is taken off to leave the delay itself.
  const ms = (ns) =>
    Number.isFinite(ns) ? Math.max(0, Math.round((ns - RESOLUTION_MS * 1e6) / 1e4) / 100) : null;
  let stopped = false;
  const sample = () => {
    if (stopped) return;
    try {
      const memory = process.memoryUsage();
      const measured = delay.count > 0;
      const line = {
        t: Date.now(),
        heapUsed: memory.heapUsed,
        heapTotal: memory.heapTotal,
        rss: memory.rss,
        external: memory.external,
        eventLoopDelayMs: measured
          ? { p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max) }
          : null,
        gc,
        gcPausesMs: pauses,
        activeResources: typeof process.getActiveResourcesInfo === 'function'
          ? process.getActiveResourcesInfo().length
          : null,
        heapAfterGc,
        heapAfterMinorGc,
      };
      delay.reset();
      gc = emptyGc();
      pauses = [];
      heapAfterGc = null;
      heapAfterMinorGc = null;
      appendFileSync(file, JSON.stringify(line) + '\\n');
    } catch (error) {
      stopped = true;
      clearInterval(timer);
      try {
        observer.disconnect();
        delay.disable();
        process.stderr.write('perf-flow runtime probe: sampling stopped: ' + error + '\\n');
      } catch {}
    }
  };
  const timer = setInterval(sample, 1000);
  timer.unref();
  // The last, partial second: a short-lived process would otherwise leave nothing.
  process.on('exit', sample);
}

if (isMainThread) {
  try {
    start();
  } catch (error) {
    try {
      process.stderr.write('perf-flow runtime probe: not started: ' + error + '\\n');
    } catch {}
  }
}
`;

const GcKind = z.object({ count: z.number().int().nonnegative(), ms: z.number().nonnegative() });

/** One second of one Node process, as the runtime probe writes it. */
export const RuntimeSample = z.object({
  /** Date.now() when the sample was taken. */
  t: z.number(),
  heapUsed: z.number().nonnegative(),
  heapTotal: z.number().nonnegative(),
  rss: z.number().nonnegative(),
  external: z.number().nonnegative(),
  /**
   * Event-loop delay over the second, ms, beyond the monitor's 10 ms resolution (an idle loop
   * reads about 0); null when the monitor recorded nothing.
   */
  eventLoopDelayMs: z
    .object({ p50: z.number().nullable(), p99: z.number().nullable(), max: z.number().nullable() })
    .nullable(),
  /** GC pauses in the second, by kind: how many and their total duration. */
  gc: z.object({ minor: GcKind, major: GcKind, incremental: GcKind, weakcb: GcKind }),
  /** Each pause of the second, ms (the first 1,000); absent from probes before they kept them. */
  gcPausesMs: z.array(z.number().nonnegative()).optional(),
  /** process.getActiveResourcesInfo().length; null where Node lacks it. */
  activeResources: z.number().int().nonnegative().nullable(),
  /** Heap used right after the second's last major GC; null when there was none. */
  heapAfterGc: z.number().nonnegative().nullable(),
  /**
   * Heap used right after the second's last minor GC; null when there was none. The young
   * generation is then empty, so this is a far steadier low than heapUsed at a random
   * moment, though still above the true one by the garbage promoted since the last major GC.
   */
  heapAfterMinorGc: z.number().nonnegative().nullable(),
});
export type RuntimeSample = z.infer<typeof RuntimeSample>;

export interface RuntimeProbe {
  /** To add to the service's NODE_OPTIONS (after whatever it already has). */
  nodeOptions: string;
  /** Where the probe writes, one `runtime.<pid>.jsonl` per Node process. */
  outputDir: string;
}

export interface ProcessRuntime {
  pid: number;
  /** In the order written. */
  samples: RuntimeSample[];
  /** Lines that did not parse: a process killed mid-write leaves at most one. */
  skippedLines: number;
}

/**
 * Writes the runtime probe into `dir` and returns the NODE_OPTIONS fragment that loads it.
 * Samples of an earlier run in the same directory are deleted, so a read sees this run only.
 */
export async function writeRuntimeProbe(dir: string): Promise<RuntimeProbe> {
  const root = path.resolve(dir);
  const outputDir = path.join(root, 'runtime');
  await rm(outputDir, { recursive: true, force: true });
  await mkdir(outputDir, { recursive: true });
  const probe = path.join(root, RUNTIME_PROBE_FILE);
  await writeFile(probe, RUNTIME_PROBE_SOURCE);
  return { nodeOptions: `--import=${quoteNodeOption(pathToFileURL(probe).href)}`, outputDir };
}

/** Parses every process's samples in `outputDir`, by pid; none when it does not exist. */
export async function readRuntimeSamples(outputDir: string): Promise<ProcessRuntime[]> {
  const names = await readdir(outputDir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  const result: ProcessRuntime[] = [];
  for (const name of names) {
    const match = /^runtime\.(\d+)\.jsonl$/.exec(name);
    if (!match) continue;
    const text = await readFile(path.join(outputDir, name), 'utf8');
    const samples: RuntimeSample[] = [];
    let skippedLines = 0;
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      const parsed = RuntimeSample.safeParse(parseJson(line));
      if (parsed.success) samples.push(parsed.data);
      else skippedLines++;
    }
    result.push({ pid: Number(match[1]), samples, skippedLines });
  }
  return result.sort((a, b) => a.pid - b.pid);
}

function parseJson(line: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * A process's heap for the leak analysis (scenarios/memory-leak.ts): every periodic heapUsed
 * and post-minor-GC reading, whose window minima make the lows, plus each post-major-GC
 * reading flagged `afterGc`.
 */
export function heapSamples(
  samples: RuntimeSample[],
): { tMs: number; bytes: number; afterGc?: boolean }[] {
  const out: { tMs: number; bytes: number; afterGc?: boolean }[] = [];
  for (const s of samples) {
    out.push({ tMs: s.t, bytes: s.heapUsed });
    if (s.heapAfterMinorGc !== null) out.push({ tMs: s.t, bytes: s.heapAfterMinorGc });
    if (s.heapAfterGc !== null) out.push({ tMs: s.t, bytes: s.heapAfterGc, afterGc: true });
  }
  return out;
}
