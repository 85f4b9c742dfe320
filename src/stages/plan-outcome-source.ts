import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { OptimizationPlanData } from '../data/stages.js';
import { previousDataPath, readStageData } from '../data/store.js';
import type { PlanOutcome } from '../data/stages.js';
import { planOutcome, type RunResults } from '../plan/outcomes.js';
import type { CompareWith } from './comparison-source.js';
import type { StageContext } from './context.js';

export interface PlanOutcomeFound {
  outcome: PlanOutcome | null;
  /** Where the plan came from, or why there is no outcome. */
  note: string | null;
}

interface EarlierRun extends RunResults {
  source: string;
  plan: OptimizationPlanData;
}

/**
 * The earlier run's plan against what this run measured: on GitHub the default branch's
 * latest run (the base a pull request's plan was made on), else the previous run in the
 * report directory; `compare-with` picks as it does for the before/after table (a given
 * path has no plan to check). Nothing when the code has not changed since the plan.
 */
export async function findPlanOutcome(
  ctx: StageContext,
  compareWith: CompareWith,
  after: RunResults,
): Promise<PlanOutcomeFound> {
  if (compareWith === 'none' || typeof compareWith === 'object')
    return { outcome: null, note: null };
  const notes: string[] = [];
  let earlier: EarlierRun | undefined;
  if (
    compareWith === 'default-branch' ||
    (compareWith === 'auto' && ctx.deps.platform.kind === 'github')
  ) {
    const found = await readDefaultBranchPlan(ctx);
    if ('reason' in found) notes.push(found.reason);
    else earlier = found;
  }
  if (earlier === undefined && compareWith !== 'default-branch') earlier = await readPrevious(ctx);
  if (earlier === undefined) {
    return { outcome: null, note: notes.length > 0 ? notes.join('; ') : null };
  }
  const commit = ctx.provenance().commit;
  if (commit !== null && earlier.plan.provenance.commit === commit) {
    return {
      outcome: null,
      note: `${earlier.source}'s plan was made on this commit (${commit.slice(0, 12)}): nothing to check it against yet`,
    };
  }
  return {
    outcome: planOutcome(earlier.plan, earlier, after),
    note: `the plan of ${earlier.source}`,
  };
}

async function readPrevious(ctx: StageContext): Promise<EarlierRun | undefined> {
  // A previous file that no longer parses (another perf-flow version) is no plan to check.
  const read = <S extends 'optimization-plan' | 'profile-analysis' | 'baseline'>(stage: S) =>
    readStageData(ctx.reportDir, stage, previousDataPath(stage)).catch(() => undefined);
  const plan = await read('optimization-plan');
  if (plan === undefined) return undefined;
  const profile = await read('profile-analysis');
  const baseline = await read('baseline');
  return {
    source: 'the previous run in this report directory',
    plan,
    ...(profile ? { profile } : {}),
    ...(baseline ? { baseline } : {}),
  };
}

/** The default branch's plan and what it was made from, downloaded as data, never run. */
async function readDefaultBranchPlan(ctx: StageContext): Promise<EarlierRun | { reason: string }> {
  const results = await ctx.deps.platform.defaultBranchResults();
  if (!results.store) return { reason: `no default-branch plan: ${results.reason}` };
  const dir = path.join(ctx.workingDir, 'compare', 'default-branch-plan');
  await rm(dir, { recursive: true, force: true });
  try {
    if (!(await results.store.download('perf-flow-optimization-plan', dir))) {
      return { reason: `${results.description} has no optimization plan` };
    }
    const plan = await readStageData(dir, 'optimization-plan');
    if (plan === undefined) return { reason: `${results.description} has no optimization plan` };
    // On a pull request, the plan to check is the one made on its base: the default branch's
    // latest may be newer, and then other changes than this one would count as its outcome.
    const base = results.pullRequestBaseSha ?? null;
    if (base !== null && plan.provenance.commit !== null && plan.provenance.commit !== base) {
      return {
        reason: `${results.description}'s plan was made on ${plan.provenance.commit.slice(0, 12)}, not on this pull request's base ${base.slice(0, 12)}: not checked`,
      };
    }
    const profile = (await results.store.download('perf-flow-profile-analysis', dir))
      ? await readStageData(dir, 'profile-analysis')
      : undefined;
    const baseline = (await results.store.download('perf-flow-baseline', dir))
      ? await readStageData(dir, 'baseline')
      : undefined;
    return {
      source: results.description,
      plan,
      ...(profile ? { profile } : {}),
      ...(baseline ? { baseline } : {}),
    };
  } catch (error) {
    return { reason: `could not read ${results.description}'s plan: ${(error as Error).message}` };
  }
}
