// One measurement of bench:profile in a fresh process (a clean heap): reads and analyses a
// profile file one way and prints one report line. Started by bench/profile.ts as
// `node --max-old-space-size=8192 profile-worker.mjs <mode> <file>`.
import { readFileSync } from 'node:fs';
import { Profile } from 'pprof-format';
import { readProfile } from '../src/profile/formats/detect.js';
import { analyzeProfiles } from '../src/profile/hotspots.js';
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
    const tree = await readProfile(file);
    const cpu = analyzeProfiles([tree], { repoRoot: '/app', topN: 10 });
    checksum = cpu.topSelf.length + tree.nodeFrame.length;
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
