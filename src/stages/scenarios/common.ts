import type { ArrivalPhase } from '../../data/common.js';
import { runOpenModel } from '../../load/open-model.js';
import type { LoadRunResult } from '../../load/types.js';
import { openModelConnections } from '../../config/load-model.js';
import { requestBound } from '../../config/scenarios.js';
import type { StageContext } from '../context.js';
import { loadProgressPrinter } from '../progress.js';

/**
 * Scenarios warm the pool, the service's JIT and the generator's own at their first rate
 * before measuring: as long as `load`'s default warm-up, since the generator itself needs
 * about 2 s to settle (at 4,000 req/s its first 750 ms take a whole core).
 */
export const SCENARIO_WARMUP_MS = 2000;

/**
 * One open-model run of a scenario over the weighted journey mix: the scenarios are about
 * arrival rates, which only the open model holds whatever the service does.
 */
export function runScenarioLoad(
  ctx: StageContext,
  serviceUrl: string,
  phases: ArrivalPhase[],
  options: { label: string; signal: AbortSignal; warmupMs?: number },
): Promise<LoadRunResult> {
  const { config } = ctx;
  const peak = Math.max(...phases.map((p) => p.rateRps));
  return runOpenModel(
    serviceUrl,
    config.journeys,
    {
      phases,
      warmupMs: options.warmupMs ?? SCENARIO_WARMUP_MS,
      arrival: config.loadTest.arrival ?? 'poisson',
      requestTimeoutMs: config.loadTest.requestTimeoutMs,
      maxConnections: openModelConnections(peak, config.loadTest.connections),
      maxRequests: requestBound(phases).maxRequests,
    },
    {
      allowedHosts: config.allowedHosts,
      signal: options.signal,
      onProgress: loadProgressPrinter(ctx.progress, options.label),
    },
  );
}
