import { z } from 'zod';
import { SLI_NAMES } from '../config/types.js';

/** The base-against-head comparison, as the load-test data keeps it (schema in stages.ts). */

const Sli = z.enum(SLI_NAMES);
/** A bound or count the data could not fix: null in JSON, which has no Infinity. */
const bounded = z.number().nullable();

export const RegressionCriterionData = z.object({
  sli: Sli,
  worse: z.enum(['higher', 'lower']),
  scale: z.enum(['ratio', 'difference']),
  threshold: z.number().positive(),
});

export const RegressionJudgementData = z.object({
  sli: Sli,
  verdict: z.enum(['improved', 'unchanged', 'regressed', 'inconclusive']),
  /** Relative (0.08 = +8%) for a ratio criterion, absolute for a difference. */
  change: z.number(),
  low: bounded,
  high: bounded,
  level: z.number(),
  pairs: z.number().int().nonnegative(),
  threshold: z.number(),
  reason: z.string(),
});
export type RegressionJudgementData = z.infer<typeof RegressionJudgementData>;

/** One block's SLIs, by name. */
const BlockFigures = z.object({
  slis: z.record(Sli, z.number()),
  requests: z.number().int().nonnegative(),
  generatorSaturated: z.boolean(),
});

export const RegressionResult = z.object({
  /**
   * interleaved: base and head built and run here in alternating blocks (base-ref);
   * artifact: the head's steady load against a stored run's, second by second.
   */
  mode: z.enum(['interleaved', 'artifact']).default('interleaved'),
  /** artifact: what the two runs' machines were, and what that leaves out of the interval. */
  acrossRuns: z.string().optional(),
  /** artifact: each SLI's median second in the base run and in the head's (no pairs to show). */
  medians: z.array(z.object({ sli: Sli, base: z.number(), head: z.number() })).optional(),
  baseRef: z.string(),
  baseSha: z.string(),
  headSha: z.string().nullable(),
  confidence: z.number(),
  seed: z.number().int(),
  blockMs: z.number().positive(),
  blockWarmupMs: z.number().nonnegative(),
  maxPairs: z.number().int().nonnegative(),
  looks: z.array(z.number().int().positive()),
  /** The pairs after which every SLI was decided; null when the budget ran out first. */
  decidedAfterPairs: z.number().int().positive().nullable(),
  loadMs: z.number().nonnegative(),
  budgetMs: z.number().nonnegative(),
  criteria: z.array(RegressionCriterionData).min(1),
  judgements: z.array(RegressionJudgementData),
  undecided: z.array(z.object({ sli: Sli, pairsNeeded: bounded, extraMs: bounded })),
  noise: z.array(
    z.object({
      sli: Sli,
      spread: bounded,
      detectable: bounded,
      unreachable: z.boolean(),
      /** Where the spread came from: this comparison's pairs, or an A/A run before it. */
      source: z.enum(['comparison', 'calibration']),
    }),
  ),
  saturatedBlocks: z.number().int().nonnegative(),
  pairs: z.array(
    z.object({ first: z.enum(['base', 'head']), base: BlockFigures, head: BlockFigures }),
  ),
  /** FAIL when an SLI regressed, INCONCLUSIVE when one is undecided, else PASS. */
  verdict: z.enum(['PASS', 'FAIL', 'INCONCLUSIVE']),
});
export type RegressionResult = z.infer<typeof RegressionResult>;

/** A finite number, or null for what JSON cannot hold. */
export function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}
