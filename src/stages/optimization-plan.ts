import type { OptimizationPlanData } from '../data/stages.js';
import { buildPlan } from '../plan/build-plan.js';
import type { ClaudeOptions } from '../plan/claude/options.js';
import { refinePlan } from '../plan/claude/refine-plan.js';
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

export interface OptimizationPlanInputs extends CommonInputs {
  /** Given with an API key: Claude refines the rule-based plan. */
  claude?: ClaudeOptions;
}

/** Plan items from the baseline's SLO misses and the profile's hotspots, ranked by ROI. */
export async function runOptimizationPlan(inputs: OptimizationPlanInputs, deps: StageDeps) {
  const ctx = await prepareStage('optimization-plan', inputs, deps);
  const baseline = await readEarlier(ctx, 'baseline');
  const profile = await readEarlier(ctx, 'profile-analysis');
  const sloEvaluations = baseline ? evaluateSlos(ctx.config.slos, measuredResults(baseline)) : [];
  const loadTest = await readEarlier(ctx, 'load-test');
  // Once: it asks git for the commit.
  const provenance = ctx.provenance();
  // A load test of other code or another config says nothing about this one.
  const sameRun =
    loadTest !== undefined &&
    loadTest.provenance.commit === provenance.commit &&
    loadTest.provenance.configHash === provenance.configHash;
  const plan = buildPlan({
    loadTest: sameRun ? loadTest : null,
    cpu: profile?.cpu ?? null,
    baseline: baseline ?? null,
    sloEvaluations,
    guidance: ctx.guidance,
    database: profile?.database ?? null,
    diagnosis: profile?.diagnosis ?? [],
    runtime: profile?.runtime ?? null,
    scope: ctx.config.plan,
  });
  if (inputs.claude) ctx.progress(`asking Claude (${inputs.claude.model}) to refine the plan`);
  const { items, source } = await refinePlan({
    items: plan.items,
    findings: plan.findings,
    cpu: profile?.cpu ?? null,
    baseline: baseline ?? null,
    guidance: ctx.guidance,
    scope: ctx.config.plan,
    ...(inputs.claude ? { claude: inputs.claude } : {}),
  });
  if (source.plan === 'rule-based' && inputs.claude) ctx.deps.platform.log.warn(source.reason);
  const inputsNoted = [
    baseline
      ? `baseline of ${baseline.provenance.createdAt}`
      : 'no baseline: SLO-miss rules not applied',
    profile
      ? profile.cpu
        ? `CPU profile of ${profile.provenance.createdAt} (${profile.cpu.sampleCount} samples)`
        : `profile-analysis found no profile: ${profile.reason ?? 'unknown reason'}`
      : 'no profile-analysis result: hotspot rules not applied',
    loadTest === undefined
      ? 'no load-test result: spike, stress, soak and capacity rules not applied'
      : sameRun
        ? `load test of ${loadTest.provenance.createdAt} (${loadTest.scenarios.join(', ')})`
        : `load test of ${loadTest.provenance.createdAt} left out: made on ${loadTest.provenance.commit?.slice(0, 12) ?? 'no commit'} or with another config, not on what this plan is for`,
    ...plan.inputs,
  ];
  const data: OptimizationPlanData = {
    schema: 'perf-flow/optimization-plan@1',
    provenance,
    guidance: ctx.guidance,
    items,
    inputs: [...new Set(inputsNoted)],
    findings: plan.findings,
    source,
  };
  const top = items[0];
  ctx.progress(
    items.length > 0
      ? `${items.length} items (${source.plan === 'refined' ? `refined by Claude, ${source.model}` : 'rule-based'}); first: ${top!.title} (${top!.bucket}, ROI ${top!.roi.toFixed(1)})`
      : 'no item: nothing significant found',
  );
  return finishStage(ctx, data, renderPlan(data), {
    outputs: { items: String(items.length), 'top-item': top ? top.title : '' },
  });
}
