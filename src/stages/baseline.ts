import type { JourneyResult } from '../data/stages.js';
import type { BaselineData } from '../data/stages.js';
import { mergeSliResults, runClosedLoop } from '../load/closed-loop.js';
import { renderBaseline } from '../report/index.js';
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

export type BaselineInputs = CommonInputs;

/**
 * The SLIs of each journey on its own, under the config's closed-loop load, warm-up
 * excluded. Journeys run one after another so one journey's cost does not colour another's.
 */
export async function runBaseline(inputs: BaselineInputs, deps: StageDeps) {
  const ctx = await prepareStage('baseline', inputs, deps);
  const { config } = ctx;
  const settings = config.baseline;
  const {
    result: runs,
    processStats,
    commands,
  } = await withServiceUnderLoad(ctx, { name: 'baseline' }, async (service) => {
    const results = [];
    for (const [index, journey] of config.journeys.entries()) {
      const label = `journey ${index + 1}/${config.journeys.length} ${journey.name}`;
      results.push(
        await runClosedLoop(service.url, [journey], settings, {
          allowedHosts: config.allowedHosts,
          onProgress: loadProgressPrinter(ctx.progress, label),
        }),
      );
    }
    return results;
  });

  const journeys: JourneyResult[] = runs.map((run) => run.journeys[0]!);
  const data: BaselineData = {
    schema: 'perf-flow/baseline@1',
    provenance: ctx.provenance(commands),
    guidance: ctx.guidance,
    load: runs[0]!.load,
    journeys,
    overall: mergeSequential(journeys.map((j) => j.result)),
    service: processStats,
    slos: sloDefinitions(config.slos),
  };
  const o = data.overall;
  ctx.progress(`overall ${describeSlis(o)}`);
  return finishStage(ctx, data, renderBaseline(data), {
    outputs: sliOutputs(o),
  });
}

/**
 * The journeys ran one after another, so together they took the sum of their windows:
 * throughput is all requests over all that time, not the sum of the journeys' rates.
 */
function mergeSequential(results: BaselineData['overall'][]): BaselineData['overall'] {
  const merged = mergeSliResults(results);
  const durationSec = results.reduce((sum, r) => sum + r.durationSec, 0);
  return {
    ...merged,
    durationSec,
    throughputRps: durationSec > 0 ? merged.requests / durationSec : 0,
  };
}
