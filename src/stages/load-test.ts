import type { LoadSettings } from '../config/types.js';
import type { LoadTestData, ShardInfo } from '../data/stages.js';
import { shardDataPath, shardReportPath } from '../data/store.js';
import { splitByWeight } from '../load/weights.js';
import { runClosedLoop } from '../load/closed-loop.js';
import { renderLoadTest } from '../report/index.js';
import {
  finishStage,
  prepareStage,
  sloDefinitions,
  type CommonInputs,
  type StageDeps,
} from './context.js';
import { loadProgressPrinter } from './progress.js';
import { describeSlis, sliOutputs } from './sli-outputs.js';
import { withServiceUnderLoad } from './service-session.js';

export interface LoadTestInputs extends CommonInputs {
  /** Overrides of the config's load-test settings, from the action's inputs or CLI flags. */
  overrides?: Partial<Pick<LoadSettings, 'durationMs' | 'connections' | 'rateRps'>>;
  /** Run only this shard's share of the load (one matrix leg of several). */
  shard?: ShardInfo;
}

/**
 * One shard's share: the connections split as evenly as whole numbers allow, the rate
 * split evenly, the same duration. Side by side the shards offer the configured load.
 */
export function shardSettings(settings: LoadSettings, shard: ShardInfo): LoadSettings {
  const connections = splitByWeight(settings.connections, Array(shard.count).fill(1))[
    shard.index - 1
  ]!;
  return {
    ...settings,
    connections,
    ...(settings.rateRps !== undefined ? { rateRps: settings.rateRps / shard.count } : {}),
  };
}

/** A steady load over the weighted journey mix, with a per-second timeline. */
export async function runLoadTest(inputs: LoadTestInputs, deps: StageDeps) {
  const ctx = await prepareStage('load-test', inputs, deps);
  const { config } = ctx;
  const { shard } = inputs;
  const full: LoadSettings = { ...config.loadTest, ...inputs.overrides };
  const settings = shard ? shardSettings(full, shard) : full;
  if (shard) ctx.progress(`shard ${shard.index} of ${shard.count}`);
  const mix = config.journeys.map((j) => `${j.name}×${j.weight}`).join(', ');
  ctx.progress(
    `steady load: ${settings.connections} connections` +
      (settings.rateRps ? ` at ${settings.rateRps} req/s` : '') +
      ` for ${settings.durationMs / 1000}s after ${settings.warmupMs / 1000}s warm-up, mix ${mix}`,
  );
  const {
    result: run,
    processStats,
    commands,
  } = await withServiceUnderLoad(ctx, { name: 'load-test' }, (service, signal) =>
    runClosedLoop(service.url, config.journeys, settings, {
      allowedHosts: config.allowedHosts,
      signal,
      onProgress: loadProgressPrinter(ctx.progress, 'steady load'),
    }),
  );
  const data: LoadTestData = {
    schema: 'perf-flow/load-test@1',
    provenance: ctx.provenance(commands),
    guidance: ctx.guidance,
    scenario: 'load',
    ...(shard ? { shard } : {}),
    load: run.load,
    overall: run.overall,
    journeys: run.journeys,
    timeline: run.timeline,
    service: processStats,
    slos: sloDefinitions(config.slos),
  };
  const o = run.overall;
  ctx.progress(describeSlis(o));
  return finishStage(ctx, data, renderLoadTest(data), {
    outputs: sliOutputs(o),
    ...(shard
      ? {
          paths: {
            data: shardDataPath(shard.index),
            report: shardReportPath(shard.index),
            artifact: `perf-flow-load-test-${shard.index}`,
          },
        }
      : {}),
  });
}
