import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export const CPU_PROBE_FILE = 'perf-flow-cpu-probe.mjs';

/**
 * Loaded into every Node process of the service with --import. It profiles through the
 * inspector rather than --cpu-prof because Node 20 refuses --cpu-prof in NODE_OPTIONS
 * ("--cpu-prof is not allowed in NODE_OPTIONS"; later releases allow it, nodejs/node#57018),
 * and the service's start command is the user's: no flag can be added to it.
 *
 * The profile is written on 'exit'. A service killed by SIGTERM or SIGINT with no handler of
 * its own dies by the signal and never emits 'exit', so the probe turns such a signal into
 * process.exit(128 + signo), the status a shell reports for a death by that signal. It
 * decides at signal time: a service that registered its own handler shuts down its own way.
 * Inspector calls on an in-process session complete synchronously, which is what makes
 * stopping the profiler inside an 'exit' listener possible.
 *
 * The file is written under a temporary name (a dot file ending in .tmp) and renamed, so a
 * process killed while writing (SIGKILL after the stop timeout) leaves no truncated
 * .cpuprofile behind. Next to V8's fields it records `perfFlow.wallClockEndMs`, Date.now()
 * when the profiler stopped, which places the profile's own clock on the wall clock.
 */
const PROBE_SOURCE = `// Written by perf-flow: CPU profiling of this process, see src/profile/probe.ts.
import { Session } from 'node:inspector';
import { mkdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { isMainThread } from 'node:worker_threads';

const profileDir = new URL('./cpu/', import.meta.url);
const heapDir = new URL('./heap/', import.meta.url);

function startProfiling() {
  const session = new Session();
  session.connect();
  let failure = null;
  const post = (method, params) => {
    let result;
    session.post(method, params, (error, value) => {
      if (error) failure = error;
      result = value;
    });
    return result;
  };
  // For the heap profiler: its own failures, thrown, so that they never fail the CPU profile.
  const call = (method, params) => {
    let result;
    let error = null;
    session.post(method, params, (e, value) => {
      error = e;
      result = value;
    });
    if (error) throw error;
    return result;
  };
  post('Profiler.enable');
  post('Profiler.setSamplingInterval', { interval: 1000 });
  post('Profiler.start');
  if (failure) throw failure;
  const heapSampling = startHeapSampling(call);
  process.on('exit', () => {
    // The CPU profile first: it is the main result, and a kill mid-way must not cost it.
    writeCpuProfile();
    if (heapSampling) writeHeapProfile(call);
  });

  function writeCpuProfile() {
    writeAtomically('CPU profile', profileDir, 'CPU', 'cpuprofile', () => {
      const stopped = post('Profiler.stop');
      const wallClockEndMs = Date.now();
      if (failure || !stopped) throw failure ?? new Error('Profiler.stop returned nothing');
      return { ...stopped.profile, perfFlow: { wallClockEndMs } };
    });
  }
}

// Writes what \`stop\` returns as <prefix>.<time>.<pid>.<extension> in dir, under a temporary
// dot name first: a process killed while writing leaves no truncated profile behind.
function writeAtomically(what, dir, prefix, extension, stop) {
  let temporary = null;
  try {
    const profile = stop();
    mkdirSync(dir, { recursive: true });
    const name = prefix + '.' + Date.now() + '.' + process.pid + '.' + extension;
    temporary = new URL('.' + name + '.tmp', dir);
    writeFileSync(temporary, JSON.stringify(profile));
    renameSync(temporary, new URL(name, dir));
  } catch (error) {
    process.stderr.write('perf-flow probe: could not write the ' + what + ': ' + error + '\\n');
    try {
      if (temporary) unlinkSync(temporary);
    } catch {}
  }
}

// Allocations by function: V8's sampling heap profiler, one sample per 64 KiB allocated on
// average, keeping the samples of objects collected since (what allocates, not what is live:
// the allocation rate is what makes garbage collection expensive).
function startHeapSampling(call) {
  try {
    call('HeapProfiler.enable');
    call('HeapProfiler.startSampling', {
      samplingInterval: 65536,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    return true;
  } catch (error) {
    process.stderr.write('perf-flow probe: heap sampling not started: ' + error + '\\n');
    return false;
  }
}

function writeHeapProfile(call) {
  writeAtomically('heap profile', heapDir, 'HEAP', 'heapprofile', () => {
    const stopped = call('HeapProfiler.stopSampling');
    if (!stopped) throw new Error('HeapProfiler.stopSampling returned nothing');
    return stopped.profile;
  });
}

function exitOnUnhandledSignal(signal) {
  process.on(signal, function perfFlowProbeSignal() {
    if (process.listenerCount(signal) > 1) return;
    process.exit(128 + constants.signals[signal]);
  });
}

if (isMainThread) {
  try {
    startProfiling();
    exitOnUnhandledSignal('SIGTERM');
    exitOnUnhandledSignal('SIGINT');
  } catch (error) {
    process.stderr.write('perf-flow probe: CPU profiling not started: ' + error + '\\n');
  }
}
`;

export interface CpuProfiling {
  /** Environment to add to the service's: NODE_OPTIONS carrying the probe. */
  env: Record<string, string>;
  /** Where the profiles appear, one per Node process, when the processes exit. */
  profileDir: string;
  /** Where the sampled allocations (.heapprofile) appear, likewise. */
  heapDir: string;
}

/**
 * Prepares CPU profiling of a Node service without touching its code or start command.
 *
 * `env.NODE_OPTIONS` replaces the service's NODE_OPTIONS, so `baseNodeOptions` must be the
 * NODE_OPTIONS the service would otherwise get: the service config's own when it sets one,
 * else the inherited process.env.NODE_OPTIONS (the default, for callers without a config).
 * They are kept in front of the probe's --import.
 *
 * Profiles of earlier runs into the same `dir` are deleted: the profile directory then holds
 * this run's profiles only, and nothing half-written from a killed run.
 */
export async function prepareCpuProfiling(
  dir: string,
  baseNodeOptions: string | undefined = process.env.NODE_OPTIONS,
): Promise<CpuProfiling> {
  const root = path.resolve(dir);
  const profileDir = path.join(root, 'cpu');
  const heapDir = path.join(root, 'heap');
  await rm(profileDir, { recursive: true, force: true });
  await rm(heapDir, { recursive: true, force: true });
  await mkdir(profileDir, { recursive: true });
  const probe = path.join(root, CPU_PROBE_FILE);
  await writeFile(probe, PROBE_SOURCE);
  const importOption = `--import=${quoteNodeOption(pathToFileURL(probe).href)}`;
  const base = baseNodeOptions?.trim() ?? '';
  return {
    env: { NODE_OPTIONS: base === '' ? importOption : `${base} ${importOption}` },
    profileDir,
    heapDir,
  };
}

/**
 * The .cpuprofile (or other `extension`) files in profileDir, sorted; none when it does not exist. Dot files are
 * left out: the probe writes under a temporary dot name before renaming.
 */
export async function listProfiles(
  profileDir: string,
  extension = '.cpuprofile',
): Promise<string[]> {
  const entries = await readdir(profileDir, { withFileTypes: true }).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    },
  );
  return entries
    .filter(
      (entry) => entry.isFile() && !entry.name.startsWith('.') && entry.name.endsWith(extension),
    )
    .map((entry) => path.join(profileDir, entry.name))
    .sort();
}

/** NODE_OPTIONS splits on spaces and honours double quotes with backslash escapes. */
export function quoteNodeOption(value: string): string {
  return /[\s"\\]/.test(value) ? `"${value.replace(/[\\"]/g, '\\$&')}"` : value;
}
