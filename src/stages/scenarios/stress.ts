import type { StressResult, StressStep } from '../../data/scenarios.js';
import { formatRate } from '../../measure/format.js';
import {
  breakingPoint,
  shouldStop,
  type StressStep as StepFigures,
} from '../../scenarios/breaking-point.js';
import { evaluateSlos } from '../../slo/evaluate.js';
import type { StageContext } from '../context.js';
import { withServiceUnderLoad } from '../service-session.js';
import { runScenarioLoad } from './common.js';

/** Later steps warm only briefly: the pool and the JIT are already warm from the step before. */
const STEP_WARMUP_MS = 500;

/**
 * The stress staircase: one open-model step per rate, each judged against every SLO, until an
 * SLO breaks, errors pass the threshold, the service falls behind or the generator saturates.
 * The breaking point is the highest rate that met every SLO before that.
 */
export async function runStress(ctx: StageContext): Promise<StressResult> {
  const { config } = ctx;
  const stress = config.scenarios.stress;
  const options = { errorThreshold: stress.errorThreshold };
  const latencyAndErrorSlos = config.slos.filter((slo) => slo.sli !== 'throughput');
  ctx.progress(
    `stress: ${formatRate(stress.startRps)} rising by ${formatRate(stress.stepRps)} every ` +
      `${stress.stepDurationMs / 1000}s up to ${formatRate(stress.maxRps)}, until something breaks`,
  );
  const { result: steps, processStats } = await withServiceUnderLoad(
    ctx,
    { name: 'stress' },
    async (service, signal) => {
      const steps: { data: StressStep; figures: StepFigures }[] = [];
      for (const [index, rateRps] of stress.stepsRps.entries()) {
        const run = await runScenarioLoad(
          ctx,
          service.url,
          [{ rateRps, durationMs: stress.stepDurationMs }],
          {
            label: `stress step ${index + 1} at ${formatRate(rateRps)}`,
            signal,
            ...(index > 0 ? { warmupMs: STEP_WARMUP_MS } : {}),
          },
        );
        // A throughput target is about the load offered, which the staircase sets itself:
        // whether the service keeps up is judged by what it served against the rate.
        const slos = evaluateSlos(latencyAndErrorSlos, {
          overall: run.overall,
          journeys: Object.fromEntries(run.journeys.map((j) => [j.name, j.result])),
        });
        // Poisson arrivals offer the nominal rate only on average (±6% over 3 s at 100 req/s):
        // whether the service kept up is what it served against what actually arrived.
        const { requests, errors, durationSec } = run.overall;
        const arrived = (requests + (run.generator.unsent ?? 0)) / durationSec;
        const served = (requests - errors) / durationSec;
        const figures: StepFigures = {
          rateRps,
          // Scaled to the nominal rate, so that the share kept up with is served / arrived.
          achievedRps: arrived > 0 ? (rateRps * served) / arrived : 0,
          p95Ms: run.overall.latency.p95,
          p99Ms: run.overall.latency.p99,
          errorRate: run.overall.errorRate,
          sloVerdicts: slos.map((s) => ({ name: s.name, status: s.status })),
          generatorSaturated: run.generator.saturated,
        };
        const verdict = shouldStop(figures, options);
        ctx.progress(`stress step ${index + 1}: ${verdict.reason}`);
        steps.push({
          figures,
          data: {
            rateRps,
            achievedRps: served,
            load: run.load,
            overall: run.overall,
            slos: slos.map((s) => ({ name: s.name, status: s.status, observed: s.observed })),
            generator: run.generator,
            broke: verdict.stop ? verdict.reason : null,
          },
        });
        if (verdict.stop) break;
      }
      return steps;
    },
  );
  const found = breakingPoint(
    steps.map((s) => s.figures),
    options,
  );
  ctx.progress(found.reason);
  return {
    steps: steps.map((s) => s.data),
    breakingPointRps: found.sustainableRps,
    breakingPointAchievedRps:
      steps.find((s) => s.data.rateRps === found.sustainableRps)?.data.achievedRps ?? null,
    lowerBound: found.lowerBound,
    brokenAtRps: found.brokenAtRps,
    cause: found.cause,
    brokenSlos: found.brokenSlos,
    reason: found.reason,
    service: processStats,
  };
}
