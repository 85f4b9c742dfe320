import { formatPct } from '../measure/format.js';
import path from 'node:path';
import type { ProfileAnalysisData, SummaryData } from '../data/stages.js';
import { steadyLoad } from '../data/stages.js';
import { STAGES } from '../data/stages.js';
import { renderSummary } from '../report/index.js';
import { lineRanges } from '../report/profile-analysis.js';
import { findComparison, type CompareWith } from './comparison-source.js';
import { findPlanOutcome } from './plan-outcome-source.js';
import { planOutcomeLesson } from '../report/plan-outcome.js';
import {
  finishStage,
  prepareStage,
  readEarlier,
  type CommonInputs,
  type StageDeps,
} from './context.js';
import { describeSlis } from './sli-outputs.js';

export interface SummaryInputs extends CommonInputs {
  /** What the before/after compares with; `auto` when absent. */
  compareWith?: CompareWith;
}

/** Everything the earlier stages found, on one page: the PR comment and the job summary. */
export async function runSummary(inputs: SummaryInputs, deps: StageDeps) {
  const ctx = await prepareStage('summary', inputs, deps);
  const baseline = await readEarlier(ctx, 'baseline');
  const profile = await readEarlier(ctx, 'profile-analysis');
  const plan = await readEarlier(ctx, 'optimization-plan');
  const loadTestData = await readEarlier(ctx, 'load-test');
  const loadTest = steadyLoad(loadTestData);
  const gate = await readEarlier(ctx, 'slo-gate');
  const present = {
    baseline,
    'profile-analysis': profile,
    'optimization-plan': plan,
    'load-test': loadTestData,
    'slo-gate': gate,
  };
  const stagesPresent = STAGES.filter((s) => s !== 'summary' && present[s as keyof typeof present]);
  const stagesMissing = STAGES.filter(
    (s) => s !== 'summary' && !present[s as keyof typeof present],
  );

  const { comparison, note: comparisonNote } = await findComparison(
    ctx,
    inputs.compareWith ?? 'auto',
    { loadTest, baseline },
  );
  if (comparisonNote) ctx.progress(`before/after: ${comparisonNote}`);
  const { outcome: planOutcome, note: planOutcomeNote } = await findPlanOutcome(
    ctx,
    inputs.compareWith ?? 'auto',
    { ...(baseline ? { baseline } : {}), ...(profile ? { profile } : {}) },
  );
  if (planOutcomeNote) ctx.progress(`predicted against actual: ${planOutcomeNote}`);
  const verdict = gate?.verdict ?? null;
  const measured = loadTest ?? baseline;
  const headline = [
    verdict
      ? `${verdict}${gate?.score != null ? ` (score ${formatPct(gate.score)})` : ''}`
      : 'No SLO verdict',
    measured
      ? `${loadTest ? 'load test' : 'baseline'}: ${describeSlis(measured.overall)}`
      : 'no measurements',
  ].join(' — ');

  const nextSteps: string[] = [];
  for (const slo of gate?.slos ?? []) {
    if (slo.status === 'fail' || slo.status === 'warning' || slo.status === 'inconclusive') {
      nextSteps.push(
        `${slo.status === 'inconclusive' ? 'Get enough data for' : 'Fix'} "${slo.name}": ${slo.reason}`,
      );
    }
  }
  const lesson = planOutcomeLesson(planOutcome ?? undefined);
  if (lesson) nextSteps.push(lesson);
  for (const item of (plan?.items ?? []).slice(0, 3)) {
    nextSteps.push(`Plan #${item.rank} (${item.bucket}): ${item.title}`);
  }
  for (const stage of stagesMissing)
    nextSteps.push(`Run the ${stage} stage: its findings are missing here.`);
  if (nextSteps.length === 0)
    nextSteps.push('Nothing to do: every SLO passes and no bottleneck stands out.');

  const data: SummaryData = {
    schema: 'perf-flow/summary@1',
    provenance: ctx.provenance(),
    guidance: ctx.guidance,
    verdict,
    headline,
    stagesPresent,
    stagesMissing,
    comparison,
    comparisonNote,
    nextSteps,
    ...(planOutcome ? { planOutcome } : {}),
  };
  ctx.progress(headline);
  const markdown = renderSummary({
    summary: data,
    ...(baseline ? { baseline } : {}),
    ...(profile ? { profile } : {}),
    ...(plan ? { plan } : {}),
    ...(loadTestData ? { loadTest: loadTestData } : {}),
    ...(gate ? { gate } : {}),
  });
  const outcome = await finishStage(ctx, data, markdown, {
    ...(verdict ? { verdict } : {}),
    outputs: verdict ? {} : { verdict: '' },
  });
  await ctx.deps.platform.publishResult({
    markdown,
    verdict,
    failed: gate?.failed ?? false,
    title: `perf-flow: ${headline}`,
    annotations: profileAnnotations(profile),
  });
  return outcome;
}

/**
 * The check run's annotations: first the lines this change made in functions that got
 * slower against the base, then the hotspots.
 */
export function profileAnnotations(profile: ProfileAnalysisData | undefined) {
  return [...differentialAnnotations(profile), ...hotspotAnnotations(profile)];
}

/** On the lines this change made in functions whose share of the CPU time grew. */
function differentialAnnotations(profile: ProfileAnalysisData | undefined) {
  const differential = profile?.differential;
  if (differential === undefined) return [];
  return differential.grew
    .filter((c) => c.file !== null && c.changedLines.length > 0 && !path.isAbsolute(c.file))
    .slice(0, 10)
    .map((c) => ({
      path: c.file!,
      line: Math.min(...c.changedLines),
      title: `perf-flow: ${c.functionName} got slower`,
      message:
        `${c.functionName}'s share of CPU time grew from ${formatPct(c.baseShare)} to ${formatPct(c.headShare)} ` +
        `under the same load against ${differential.baseRef}; this change touches it (lines ${lineRanges(c.changedLines)}).`,
    }));
}

/** The top functions that live in the repository, as notices on their lines. */
function hotspotAnnotations(profile: ProfileAnalysisData | undefined) {
  return (profile?.cpu?.topSelf ?? [])
    .filter(
      (h) =>
        h.file !== null &&
        h.line !== null &&
        !h.file.startsWith('node:') &&
        !path.isAbsolute(h.file),
    )
    .slice(0, 10)
    .map((h) => ({
      path: h.file!,
      line: h.line!,
      title: `perf-flow hotspot: ${h.functionName}`,
      message: `${h.functionName} holds ${formatPct(h.selfShare)} of CPU samples under load (${formatPct(h.totalShare)} with its callees).`,
    }));
}
