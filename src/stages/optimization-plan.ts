import type { OptimizationPlanData } from '../data/stages.js';
import { buildPlan } from '../plan/build-plan.js';
import { renderPlan } from '../report/index.js';
import { evaluateSlos } from '../slo/evaluate.js';
import {
  finishStage,
  prepareStage,
  readEarlier,
  type CommonInputs,
  type StageDeps,
} from './context.js';
import { measuredResults } from './measured-results.js';

export type OptimizationPlanInputs = CommonInputs;

/** Plan items from the baseline's SLO misses and the profile's hotspots, ranked by ROI. */
export async function runOptimizationPlan(inputs: OptimizationPlanInputs, deps: StageDeps) {
  const ctx = await prepareStage('optimization-plan', inputs, deps);
  const baseline = await readEarlier(ctx, 'baseline');
  const profile = await readEarlier(ctx, 'profile-analysis');
  const sloEvaluations = baseline ? evaluateSlos(ctx.config.slos, measuredResults(baseline)) : [];
  const plan = buildPlan({
    cpu: profile?.cpu ?? null,
    baseline: baseline ?? null,
    sloEvaluations,
    guidance: ctx.guidance,
    database: profile?.database ?? null,
  });
  const inputsNoted = [
    baseline
      ? `baseline of ${baseline.provenance.createdAt}`
      : 'no baseline: SLO-miss rules not applied',
    profile
      ? profile.cpu
        ? `CPU profile of ${profile.provenance.createdAt} (${profile.cpu.sampleCount} samples)`
        : `profile-analysis found no profile: ${profile.reason ?? 'unknown reason'}`
      : 'no profile-analysis result: hotspot rules not applied',
    ...plan.inputs,
  ];
  const data: OptimizationPlanData = {
    schema: 'perf-flow/optimization-plan@1',
    provenance: ctx.provenance(),
    guidance: ctx.guidance,
    items: plan.items,
    inputs: [...new Set(inputsNoted)],
  };
  const top = plan.items[0];
  ctx.progress(
    plan.items.length > 0
      ? `${plan.items.length} items; first: ${top!.title} (${top!.bucket}, ROI ${top!.roi.toFixed(1)})`
      : 'no item: nothing significant found',
  );
  return finishStage(ctx, data, renderPlan(data), {
    outputs: { items: String(plan.items.length), 'top-item': top ? top.title : '' },
  });
}
