import type { RegressionConfig, RegressionCriterion, SliName } from '../config/types.js';
import type { SliResult } from '../data/common.js';
import { mulberry32 } from '../load/arrivals.js';
import { observedOf } from '../slo/evaluate.js';
import type { PairedValue, RegressionJudgement } from '../slo/regression.js';
import {
  detectableChange,
  formatChange,
  judgeRegression,
  lookAlphas,
  pairDifferences,
  pairSpread,
  pairsToDecide,
} from '../slo/regression.js';

export type Side = 'base' | 'head';

/** One block of load on one side: what it measured, and whether the generator kept up. */
export interface BlockOutcome {
  result: SliResult;
  generatorSaturated: boolean;
  /** The longest perf-flow held up a send (open model): a pause of the machine shows here. */
  sendLagMaxMs?: number;
}

export interface BlockPlan {
  blockMs: number;
  /** Load before each block's measured window (not measured), counted in the budget. */
  blockWarmupMs: number;
  maxPairs: number;
  /** Pair counts after which the data is judged; the last is maxPairs. */
  looks: number[];
  /** Two-sided alpha spent at each look (lookAlphas). */
  alphas: number[];
}

/** Fewest pairs the sign-test interval needs to bound a shift at 95% (1 - 2/2^6). */
export const MIN_PAIRS = 6;
const BLOCK_WARMUP_MS = 500;
const LOOK_SHARES = [0.3, 0.45, 0.6, 0.8, 1];

/**
 * The blocks a budget holds, and when to look: at 30, 45, 60, 80 and 100% of them, less the
 * looks too early to decide anything: n pairs bound a shift at best at 1 - 2^(1-n), so a look
 * whose alpha is below 2^(1-n) is dropped (its alpha goes to the next one).
 */
export function planBlocks(regression: RegressionConfig): BlockPlan {
  const pairMs = 2 * (regression.blockMs + BLOCK_WARMUP_MS);
  const maxPairs = Math.max(MIN_PAIRS, Math.floor(regression.budgetMs / pairMs));
  const alpha = 1 - regression.confidence;
  let looks = [
    ...new Set(LOOK_SHARES.map((s) => Math.max(MIN_PAIRS, Math.round(s * maxPairs)))),
  ].sort((a, b) => a - b);
  let alphas = lookAlphas(alpha, looks, maxPairs);
  while (looks.length > 1 && (alphas[0] as number) < 2 ** (1 - (looks[0] as number))) {
    looks = looks.slice(1);
    alphas = lookAlphas(alpha, looks, maxPairs);
  }
  return { blockMs: regression.blockMs, blockWarmupMs: BLOCK_WARMUP_MS, maxPairs, looks, alphas };
}

export interface PairRecord {
  /** Which side ran first in this pair: drawn at random, so drift falls on both alike. */
  first: Side;
  base: BlockOutcome;
  head: BlockOutcome;
}

export interface UndecidedSli {
  sli: SliName;
  /** Pairs that would likely decide it, in all; Infinity when the spread is unknown. */
  pairsNeeded: number;
  /** Load those extra pairs would take. */
  extraMs: number;
}

export interface SliNoise {
  sli: SliName;
  /** Spread of the pairs' differences (log ratio, or absolute): the runner's noise. */
  spread: number;
  /** The smallest change the full budget detects with 80% power at that noise. */
  detectable: number;
  /** The threshold is below what the budget can detect: a verdict on it is mostly luck. */
  unreachable: boolean;
}

export interface InterleavedComparison {
  pairs: PairRecord[];
  judgements: RegressionJudgement[];
  /** The look that decided every SLI: its pair count; null when the budget ran out first. */
  decidedAfterPairs: number | null;
  plan: BlockPlan;
  /** Load sent, warm-ups included, and what the full budget would have sent. */
  loadMs: number;
  budgetMs: number;
  undecided: UndecidedSli[];
  noise: SliNoise[];
  /** Blocks whose generator was saturated: their latencies may be perf-flow's own. */
  saturatedBlocks: number;
}

export interface CompareOptions {
  /** Seeds the order of each pair; the same seed gives the same order. */
  seed: number;
  signal?: AbortSignal;
  onPair?: (pair: number, record: PairRecord) => void;
  /** A noise already measured (an A/A run) to judge reachability by, per SLI. */
  calibration?: Partial<Record<SliName, number>>;
}

/**
 * Base and head alternately, pair by pair, the order within each pair drawn at random, until
 * a look decides every criterion or the pairs run out. Each look judges all criteria at the
 * alpha spent on it (so the verdicts hold at the configured confidence however early the
 * comparison stops); the last look always decides, inconclusive included.
 */
export async function compareInterleaved(
  runBlock: (side: Side, signal?: AbortSignal) => Promise<BlockOutcome>,
  criteria: readonly RegressionCriterion[],
  plan: BlockPlan,
  options: CompareOptions,
): Promise<InterleavedComparison> {
  if (criteria.length === 0) throw new RangeError('a comparison needs at least one criterion');
  const random = mulberry32(options.seed);
  const pairs: PairRecord[] = [];
  let judgements: RegressionJudgement[] = [];
  let decidedAfterPairs: number | null = null;
  const last = plan.looks.length - 1;
  for (const [look, pairsAtLook] of plan.looks.entries()) {
    while (pairs.length < pairsAtLook) {
      options.signal?.throwIfAborted();
      const first: Side = random() < 0.5 ? 'base' : 'head';
      const second: Side = first === 'base' ? 'head' : 'base';
      const firstOutcome = await runBlock(first, options.signal);
      const secondOutcome = await runBlock(second, options.signal);
      const record: PairRecord = {
        first,
        base: first === 'base' ? firstOutcome : secondOutcome,
        head: first === 'head' ? firstOutcome : secondOutcome,
      };
      pairs.push(record);
      options.onPair?.(pairs.length, record);
    }
    const final = look === last;
    const alpha = plan.alphas[look] as number;
    const decided = criteria.map((c) =>
      judgeRegression(c, valuesOf(c.sli, pairs), { alpha, final }),
    );
    if (decided.every((j) => j !== undefined)) {
      judgements = decided as RegressionJudgement[];
      if (!judgements.some((j) => j.verdict === 'inconclusive')) decidedAfterPairs = pairs.length;
      break;
    }
  }
  const finalAlpha = plan.alphas[last] as number;
  const pairMs = 2 * (plan.blockMs + plan.blockWarmupMs);
  const undecided = judgements
    .filter((j) => j.verdict === 'inconclusive')
    .map((j): UndecidedSli => {
      const criterion = criteria.find((c) => c.sli === j.sli) as RegressionCriterion;
      const needed = pairsToDecide(criterion, valuesOf(j.sli, pairs), finalAlpha);
      return {
        sli: j.sli,
        pairsNeeded: needed,
        extraMs: Number.isFinite(needed) ? Math.max(0, needed - pairs.length) * pairMs : Infinity,
      };
    });
  const noise = criteria.map((c): SliNoise => {
    const measured = pairSpread(pairDifferences(c, valuesOf(c.sli, pairs)));
    const spread = options.calibration?.[c.sli] ?? measured;
    const detectable = detectableChange(c, spread, plan.maxPairs, finalAlpha);
    return { sli: c.sli, spread, detectable, unreachable: Math.abs(detectable) > c.threshold };
  });
  for (const n of noise.filter((k) => k.unreachable)) {
    const j = judgements.find((k) => k.sli === n.sli);
    const c = criteria.find((k) => k.sli === n.sli) as RegressionCriterion;
    if (j && Number.isFinite(n.detectable)) {
      j.reason += `; its threshold is below what the budget resolves at this machine's noise (about ${formatChange(c, n.detectable)}): a verdict on it is partly chance`;
    }
  }
  // Said where the verdict is read (the gate, the summary's next steps), not only in the report.
  for (const u of undecided) {
    const j = judgements.find((k) => k.sli === u.sli) as RegressionJudgement;
    j.reason += Number.isFinite(u.extraMs)
      ? `; about ${u.pairsNeeded} pairs (${Math.round(u.extraMs / 1000)} s more load: raise regression.budget) would likely decide it`
      : '; the pairs give no estimate of how much more load would decide it';
  }
  return {
    pairs,
    judgements,
    decidedAfterPairs,
    plan,
    loadMs: pairs.length * pairMs,
    budgetMs: plan.maxPairs * pairMs,
    undecided,
    noise,
    saturatedBlocks: pairs.reduce(
      (n, p) => n + Number(p.base.generatorSaturated) + Number(p.head.generatorSaturated),
      0,
    ),
  };
}

/** The SLI's value in each pair's base and head block. */
export function valuesOf(sli: SliName, pairs: readonly PairRecord[]): PairedValue[] {
  return pairs.map((p) => ({
    base: observedOf(sli, p.base.result),
    head: observedOf(sli, p.head.result),
  }));
}
