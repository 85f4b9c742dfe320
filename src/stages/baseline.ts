import type { JourneyResult } from '../data/stages.js';
import type { BaselineData } from '../data/stages.js';
import type { SliResult } from '../data/common.js';
import { runLoad, worstGeneratorHealth } from '../load/run-load.js';
import {
  decodeHistogram,
  encodeHistogram,
  latencyStats,
  weightedMixture,
} from '../measure/histogram.js';
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
  } = await withServiceUnderLoad(ctx, { name: 'baseline' }, async (service, signal) => {
    const results = [];
    for (const [index, journey] of config.journeys.entries()) {
      const label = `journey ${index + 1}/${config.journeys.length} ${journey.name}`;
      ctx.progress(
        `${label}: ${journey.method} ${journey.path}, ${settings.connections} connections, ` +
          `${settings.warmupMs / 1000}s warm-up + ${settings.durationMs / 1000}s`,
      );
      results.push(
        await runLoad(service.url, [journey], settings, {
          allowedHosts: config.allowedHosts,
          signal,
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
    overall: mixJourneys(
      journeys.map((j, i) => ({ result: j.result, weight: config.journeys[i]!.weight })),
    ),
    service: processStats,
    generator: worstGeneratorHealth(runs.map((run) => run.generator)),
    slos: sloDefinitions(config.slos),
  };
  const o = data.overall;
  ctx.progress(`overall ${describeSlis(o)}`);
  return finishStage(ctx, data, renderBaseline(data), {
    outputs: sliOutputs(o),
  });
}

/**
 * All journeys together, as the configured traffic mix would see them. Each journey ran
 * alone at its own speed, so a raw merge would weigh the fastest journey most; instead each
 * journey counts by its configured weight, in the latency distribution and in the error
 * rates alike. Throughput is all requests over all the (sequential) measured time.
 */
export function mixJourneys(parts: { result: SliResult; weight: number }[]): SliResult {
  const measured = parts.filter((p) => p.result.requests > 0);
  const totalWeight = measured.reduce((sum, p) => sum + p.weight, 0);
  const weighted = (pick: (r: SliResult) => number) =>
    totalWeight > 0
      ? measured.reduce((sum, p) => sum + p.weight * pick(p.result), 0) / totalWeight
      : 0;
  const histogram = weightedMixture(
    measured.map((p) => ({ histogram: decodeHistogram(p.result.histogram), weight: p.weight })),
  );
  const requests = parts.reduce((sum, p) => sum + p.result.requests, 0);
  const durationSec = parts.reduce((sum, p) => sum + p.result.durationSec, 0);
  const errorRate = requests > 0 ? weighted((r) => r.errorRate) : 1;
  const availability = requests > 0 ? weighted((r) => r.availability) : 0;
  const statusCodes: Record<string, number> = {};
  for (const { result } of parts) {
    for (const [code, count] of Object.entries(result.statusCodes)) {
      statusCodes[code] = (statusCodes[code] ?? 0) + count;
    }
  }
  return {
    requests,
    errors: Math.round(errorRate * requests),
    serverErrors: Math.round((1 - availability) * requests),
    timeouts: parts.reduce((sum, p) => sum + p.result.timeouts, 0),
    transportErrors: parts.reduce((sum, p) => sum + p.result.transportErrors, 0),
    statusCodes,
    durationSec,
    throughputRps: durationSec > 0 ? requests / durationSec : 0,
    errorRate,
    availability,
    latency: latencyStats(histogram),
    histogram: encodeHistogram(histogram),
  };
}
