import path from 'node:path';
import type { ProcessStats } from '../../data/common.js';
import type { MemoryTrend, SoakResult } from '../../data/scenarios.js';
import { formatRate } from '../../measure/format.js';
import { heapSamples, readRuntimeSamples, writeRuntimeProbe } from '../../profile/runtime-probe.js';
import { soakDrift } from '../../scenarios/drift.js';
import { analyzeMemoryLeak, type MemorySample } from '../../scenarios/memory-leak.js';
import type { StageContext } from '../context.js';
import { withServiceUnderLoad } from '../service-session.js';
import { runScenarioLoad, SCENARIO_WARMUP_MS } from './common.js';

/**
 * A long steady rate: throughput and p95 drift with their confidence, and whether memory
 * leaks, judged on the lows after garbage collection. A Node service reports its heap from
 * inside through a preload probe (NODE_OPTIONS, no change to its code); any other process is
 * judged on the lows of its RSS.
 */
export async function runSoak(ctx: StageContext): Promise<SoakResult> {
  const { config } = ctx;
  const soak = config.scenarios.soak;
  ctx.progress(`soak: ${formatRate(soak.rateRps)} for ${soak.durationMs / 1000}s`);
  const probe = await writeRuntimeProbe(path.join(ctx.workingDir, 'soak'));
  const inherited = config.service.env.NODE_OPTIONS ?? process.env.NODE_OPTIONS;
  let window = { startMs: 0, endMs: 0 };
  const { result: run, processStats } = await withServiceUnderLoad(
    ctx,
    {
      name: 'soak',
      extraEnv: { NODE_OPTIONS: [inherited, probe.nodeOptions].filter(Boolean).join(' ') },
    },
    async (service, signal) => {
      const startMs = Date.now() + SCENARIO_WARMUP_MS;
      const run = await runScenarioLoad(
        ctx,
        service.url,
        [{ rateRps: soak.rateRps, durationMs: soak.durationMs }],
        { label: 'soak', signal },
      );
      window = { startMs, endMs: Date.now() };
      return run;
    },
  );
  const drift = soakDrift(run.timeline);
  const memory = await memoryTrend(probe.outputDir, processStats, window, soak.leakThresholdBytes);
  ctx.progress(
    `soak: throughput ${drift.throughput.verdict}, p95 ${drift.p95.verdict}, memory ${memory.verdict}`,
  );
  if (memory.verdict === 'leak') ctx.deps.platform.log.warn(`soak: memory leak: ${memory.reason}`);
  return {
    load: run.load,
    overall: run.overall,
    timeline: run.timeline,
    generator: run.generator,
    service: processStats,
    throughputDrift: drift.throughput,
    p95Drift: drift.p95,
    memory,
  };
}

/**
 * The heap of the Node process that reported the most (the service, not a wrapper such as
 * npm), else the RSS of the whole process tree, over the measured window only.
 */
async function memoryTrend(
  probeDir: string,
  service: ProcessStats | null,
  window: { startMs: number; endMs: number },
  leakThresholdBytes: number,
): Promise<MemoryTrend> {
  const processes = await readRuntimeSamples(probeDir);
  const busiest = [...processes].sort((a, b) => b.samples.length - a.samples.length)[0];
  const inWindow = (s: MemorySample) => s.tMs >= window.startMs && s.tMs <= window.endMs;
  let samples: MemorySample[] = busiest ? heapSamples(busiest.samples).filter(inWindow) : [];
  let kind: 'heap' | 'rss' = 'heap';
  if (samples.length === 0 && service) {
    // The sampler's clock starts with the service: its window is the load's, warm-up aside.
    kind = 'rss';
    const first = service.samples[0]?.t ?? 0;
    samples = service.samples
      .filter((s) => s.t - first >= SCENARIO_WARMUP_MS)
      .map((s) => ({ tMs: s.t, bytes: s.rssBytes }));
  }
  const analysis = analyzeMemoryLeak(samples, { kind, minGrowthBytes: leakThresholdBytes });
  const origin = samples[0]?.tMs ?? 0;
  return {
    verdict: analysis.verdict,
    source: analysis.source,
    bytesPerMinute: analysis.bytesPerMinute,
    bytesPerMinuteLow: analysis.bytesPerMinuteLow,
    bytesPerMinuteHigh: analysis.bytesPerMinuteHigh,
    projectedBytesPerHour: analysis.projectedBytesPerHour,
    growthOverRun: analysis.growthOverRun,
    threshold: analysis.threshold,
    startBytes: analysis.startBytes,
    lows: analysis.lows.map((l) => ({ t: l.tMs - origin, bytes: l.bytes })),
    reason: analysis.reason,
  };
}
