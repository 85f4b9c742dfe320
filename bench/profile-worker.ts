// One measurement of bench:profile in a fresh process (a clean heap): reads and analyses a
// profile file one way and prints one report line. Started by bench/profile.ts as
// `node --max-old-space-size=8192 profile-worker.mjs <mode> <file>`.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Profile } from 'pprof-format';
import { blockingCalls } from '../src/profile/blocking.js';
import { diagnose } from '../src/profile/diagnosis.js';
import { readProfile } from '../src/profile/formats/detect.js';
import { analyzeProfiles } from '../src/profile/hotspots.js';
import { writeProfileViews } from '../src/profile/profile-views.js';
import { WORKER_PREFIX, type ProfileMeasurement, type WorkerMode } from './protocol.js';

/** VmRSS and VmHWM (peak) of this process, bytes. */
function memory(): { rss: number; peak: number } {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kb = (field: string) =>
    Number(new RegExp(`${field}:\\s*(\\d+)`).exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

async function main(): Promise<void> {
  const [mode, file] = process.argv.slice(2) as [WorkerMode, string];
  const before = memory();
  const started = performance.now();
  let checksum = 0;
  if (mode === 'json-parse') {
    const json = JSON.parse(readFileSync(file, 'utf8')) as { nodes: unknown[] };
    checksum = json.nodes.length;
  } else if (mode === 'pprof-decode') {
    const profile = Profile.decode(readFileSync(file));
    checksum = profile.sample.length;
  } else {
    // What the profile-analysis stage does with a profile, the load window aside: the
    // analysis, the folded stacks and the SVG flame graph, the blocking calls, the diagnosis.
    const repoRoot = '/app';
    const tree = await readProfile(file);
    const cpu = analyzeProfiles([tree], { repoRoot, topN: 10 });
    const views = mkdtempSync(join(tmpdir(), 'perf-flow-bench-views-'));
    try {
      await writeProfileViews([tree], views, repoRoot);
    } finally {
      rmSync(views, { recursive: true, force: true });
    }
    const blocking = blockingCalls([tree]);
    const findings = diagnose({ cpu, runtime: null, blocking, repoRoot });
    checksum = cpu.topSelf.length + tree.nodeFrame.length + findings.length;
  }
  const ms = performance.now() - started;
  const after = memory();
  const measurement: ProfileMeasurement = {
    mode,
    ms,
    baseRss: before.rss,
    peakRss: after.peak,
    checksum,
  };
  process.stdout.write(`${WORKER_PREFIX}${JSON.stringify(measurement)}\n`);
}

await main();
