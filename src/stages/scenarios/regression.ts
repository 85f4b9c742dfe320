import { randomInt } from 'node:crypto';
import path from 'node:path';
import type { BaseCheckout } from '../../compare/base-checkout.js';
import { asBase, checkoutBase } from '../../compare/base-checkout.js';
import type { InterleavedComparison, Side } from '../../compare/interleave.js';
import { compareInterleaved, planBlocks } from '../../compare/interleave.js';
import { blockRunner, warmUpServices } from '../../compare/block-load.js';
import type { ServiceConfig, SliName } from '../../config/types.js';
import type { LoadParams } from '../../data/common.js';
import type { StoredRun } from '../../compare/across-runs.js';
import { compareAcrossRuns, machinesNote, perSecondValues } from '../../compare/across-runs.js';
import { median } from '../../measure/paired-shift.js';
import { findBaseRun } from '../comparison-source.js';
import { SLI_NAMES } from '../../config/types.js';
import type { RegressionResult } from '../../data/regression.js';
import { finiteOrNull } from '../../data/regression.js';
import { ConfigError } from '../../errors.js';
import type { SliResult } from '../../data/common.js';
import { formatMs } from '../../measure/format.js';
import { buildService, startService, type RunningService } from '../../service/runner.js';
import { observedOf } from '../../slo/evaluate.js';
import { formatChange, regressionVerdict } from '../../slo/regression.js';
import type { StageContext } from '../context.js';
import { ensureBuilt } from '../service-session.js';

/**
 * Base against head on this machine: the base ref checked out and built beside the working
 * tree, both services started side by side, then blocks of the load-test's load sent to each
 * in turn (compare/interleave.ts) until every SLI of the regression section is decided or
 * the budget is spent. With `calibrate`, head against a second head first (A/A), whose noise
 * then judges which thresholds the budget can reach.
 *
 * A base that cannot be checked out (ConfigError, exit 2), built or started (ServiceError,
 * exit 3) throws; the caller keeps the head's own results.
 */
export async function runRegression(
  ctx: StageContext,
  baseRef: string,
  signal?: AbortSignal,
): Promise<RegressionResult> {
  const { config } = ctx;
  if (config.service.start === undefined) {
    throw new ConfigError(
      'comparing with a base needs service.start: perf-flow must start the base and the head itself',
      'service.start',
    );
  }
  const base = await checkoutBase(baseRef, config.service, path.join(ctx.workingDir, 'base'));
  const short = base.sha.slice(0, 12);
  try {
    ctx.progress(`base ${baseRef} (${short}) checked out in ${base.dir}`);
    const logDir = path.join(ctx.workingDir, 'logs');
    await ensureBuilt(ctx);
    if (base.service.build) ctx.progress(`building the base: ${base.service.build}`);
    await asBase(base, 'failed to build', () =>
      buildService(base.service, { logDir: path.join(logDir, 'base') }),
    );
    return await withServices(
      [
        { config: config.service, logDir, name: 'regression-head' },
        { config: base.service, logDir, name: 'regression-base', base },
      ],
      async (services, load) => {
        const [head, baseService] = services as [RunningService, RunningService];
        const calibration = config.regression.calibrate
          ? await calibrate(ctx, head, logDir, load)
          : undefined;
        const comparison = await compareSides(ctx, { base: baseService, head }, calibration, load);
        return toResult(ctx, base, comparison, calibration !== undefined);
      },
      signal,
    );
  } finally {
    await base.remove();
  }
}

interface ServiceSpec {
  config: ServiceConfig;
  logDir: string;
  name: string;
  /** Set for the base: its failures say so. */
  base?: BaseCheckout;
}

/**
 * Starts every service (in order), runs `work` while all are watched, stops them all. When
 * one dies, the work's signal aborts its load, so that nothing goes on loading the others.
 */
async function withServices<T>(
  specs: ServiceSpec[],
  work: (services: RunningService[], signal: AbortSignal) => Promise<T>,
  outer?: AbortSignal,
): Promise<T> {
  const started: RunningService[] = [];
  const load = new AbortController();
  const stopLoad = () => load.abort(outer?.reason ?? new Error('the comparison ended'));
  outer?.addEventListener('abort', stopLoad, { once: true });
  try {
    for (const spec of specs) {
      const start = () => startService(spec.config, { logDir: spec.logDir, name: spec.name });
      started.push(spec.base ? await asBase(spec.base, 'did not start', start) : await start());
    }
    const watched = started.reduce<Promise<T>>(
      (inner, service) => service.watch(inner),
      work(started, load.signal),
    );
    return await watched;
  } finally {
    stopLoad();
    outer?.removeEventListener('abort', stopLoad);
    await Promise.all(started.map((s) => s.stop()));
  }
}

async function compareSides(
  ctx: StageContext,
  services: Record<Side, RunningService>,
  calibration: Partial<Record<SliName, number>> | undefined,
  signal?: AbortSignal,
): Promise<InterleavedComparison & { seed: number }> {
  const { regression } = ctx.config;
  const plan = planBlocks(regression);
  const urls = { base: services.base.url, head: services.head.url };
  const load = {
    journeys: ctx.config.journeys,
    settings: ctx.config.loadTest,
    allowedHosts: ctx.config.allowedHosts,
  };
  await warmUpServices([urls.base, urls.head], load, ctx.config.loadTest.warmupMs, signal);
  ctx.progress(
    `base against head: up to ${plan.maxPairs} pairs of ${formatMs(plan.blockMs)} blocks, ` +
      `judged after ${plan.looks.join(', ')} pairs at ${(regression.confidence * 100).toFixed(0)}% confidence`,
  );
  const seed = randomInt(2 ** 31);
  const comparison = await compareInterleaved(
    blockRunner(urls, load, { blockMs: plan.blockMs, warmupMs: plan.blockWarmupMs }),
    regression.criteria,
    plan,
    {
      seed,
      ...(signal ? { signal } : {}),
      ...(calibration ? { calibration } : {}),
      onPair: (n, pair) => {
        const show = (side: Side) =>
          `${formatMs(observedOf('latency.p95', pair[side].result))} (lag ${formatMs(pair[side].sendLagMaxMs ?? 0)})`;
        ctx.progress(
          `pair ${n} (${pair.first} first): p95 base ${show('base')}, head ${show('head')}`,
        );
      },
    },
  );
  for (const j of comparison.judgements) ctx.progress(j.reason);
  return { ...comparison, seed };
}

/** Head against a second head: the noise this machine puts between two identical services. */
async function calibrate(
  ctx: StageContext,
  head: RunningService,
  logDir: string,
  signal?: AbortSignal,
): Promise<Partial<Record<SliName, number>>> {
  ctx.progress('calibrating: head against head (A/A) to measure this machine’s noise');
  return withServices(
    [{ config: ctx.config.service, logDir, name: 'regression-head-aa' }],
    async ([twin], load) => {
      const aa = await compareSides(ctx, { base: twin!, head }, undefined, load);
      for (const n of aa.noise) {
        const c = ctx.config.regression.criteria.find((k) => k.sli === n.sli);
        if (c)
          ctx.progress(
            `A/A noise on ${n.sli}: the budget detects ${formatChange(c, n.detectable)}`,
          );
      }
      return Object.fromEntries(aa.noise.map((n) => [n.sli, n.spread]));
    },
    signal,
  );
}

function figures(result: SliResult, generatorSaturated: boolean) {
  return {
    slis: Object.fromEntries(SLI_NAMES.map((sli) => [sli, observedOf(sli, result)])) as Record<
      SliName,
      number
    >,
    requests: result.requests,
    generatorSaturated,
  };
}

function toResult(
  ctx: StageContext,
  base: BaseCheckout,
  comparison: InterleavedComparison & { seed: number },
  calibrated: boolean,
): RegressionResult {
  const { regression } = ctx.config;
  return {
    mode: 'interleaved',
    baseRef: base.ref,
    baseSha: base.sha,
    headSha: base.headSha,
    confidence: regression.confidence,
    seed: comparison.seed,
    blockMs: comparison.plan.blockMs,
    blockWarmupMs: comparison.plan.blockWarmupMs,
    maxPairs: comparison.plan.maxPairs,
    looks: comparison.plan.looks,
    decidedAfterPairs: comparison.decidedAfterPairs,
    loadMs: comparison.loadMs,
    budgetMs: comparison.budgetMs,
    criteria: regression.criteria,
    judgements: comparison.judgements.map((j) => ({
      ...j,
      low: finiteOrNull(j.low),
      high: finiteOrNull(j.high),
    })),
    undecided: comparison.undecided.map((u) => ({
      sli: u.sli,
      pairsNeeded: finiteOrNull(u.pairsNeeded),
      extraMs: finiteOrNull(u.extraMs),
    })),
    noise: comparison.noise.map((n) => ({
      sli: n.sli,
      spread: finiteOrNull(n.spread),
      detectable: finiteOrNull(n.detectable),
      unreachable: n.unreachable,
      source: calibrated ? 'calibration' : 'comparison',
    })),
    saturatedBlocks: comparison.saturatedBlocks,
    pairs: comparison.pairs.map((p) => ({
      first: p.first,
      base: figures(p.base.result, p.base.generatorSaturated),
      head: figures(p.head.result, p.head.generatorSaturated),
    })),
    verdict: regressionVerdict(comparison.judgements),
  };
}

/**
 * regression baseline: artifact. The head's steady load against a stored run's (given, the
 * default branch's latest, or the previous one here), second by second; undefined with the
 * reason when there is none to compare with, which leaves the gate as it is: a first run has
 * nothing before it.
 */
export async function compareWithStoredRun(
  ctx: StageContext,
  head: StoredRun & { load: LoadParams },
  given?: string,
): Promise<{ result: RegressionResult } | { note: string }> {
  const found = await findBaseRun(ctx, head.load, given);
  if ('reason' in found) return { note: `not compared across runs: ${found.reason}` };
  const { regression } = ctx.config;
  const judgements = compareAcrossRuns(
    regression.criteria,
    found.loadTest,
    head,
    regression.confidence,
  );
  for (const j of judgements) ctx.progress(j.reason);
  return {
    result: {
      mode: 'artifact',
      acrossRuns: machinesNote(found.loadTest, head),
      medians: regression.criteria.map((c) => ({
        sli: c.sli,
        base: medianOf(perSecondValues(c.sli, found.loadTest)),
        head: medianOf(perSecondValues(c.sli, head)),
      })),
      baseRef: found.source,
      baseSha: found.loadTest.provenance.commit ?? '',
      headSha: ctx.provenance().commit,
      confidence: regression.confidence,
      seed: 0,
      blockMs: 1000,
      blockWarmupMs: 0,
      maxPairs: 0,
      looks: [],
      decidedAfterPairs: null,
      loadMs: 0,
      budgetMs: 0,
      criteria: regression.criteria,
      judgements: judgements.map((j) => ({
        ...j,
        low: finiteOrNull(j.low),
        high: finiteOrNull(j.high),
      })),
      undecided: [],
      noise: [],
      saturatedBlocks: 0,
      pairs: [],
      verdict: regressionVerdict(judgements),
    },
  };
}

function medianOf(values: number[]): number {
  return values.length === 0 ? 0 : median([...values].sort((a, b) => a - b));
}
