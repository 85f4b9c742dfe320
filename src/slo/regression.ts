import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import type { RegressionCriterion, SliName } from '../config/types.js';
import type { ShiftEstimate } from '../measure/paired-shift.js';
import { formatSignedChange } from '../measure/format.js';
import { median, pairedShift } from '../measure/paired-shift.js';

export type { RegressionCriterion };
export type RegressionVerdict = 'improved' | 'unchanged' | 'regressed' | 'inconclusive';

/** One pair of blocks: the SLI's value under the base and under the head. */
export interface PairedValue {
  base: number;
  head: number;
}

export interface RegressionJudgement {
  sli: SliName;
  verdict: RegressionVerdict;
  /**
   * The change, head against base: relative (0.08 = +8%) for a ratio criterion, absolute for a
   * difference; with the interval at `level`. Infinite bounds: too few pairs to bound it.
   */
  change: number;
  low: number;
  high: number;
  level: number;
  pairs: number;
  /** The criterion's threshold as a change in the worse direction: +0.1, or -0.05 for throughput. */
  threshold: number;
  reason: string;
}

/** When the judgement is made: at an interim look (may stay undecided) or at the last. */
export interface Look {
  /** Two-sided alpha spent at this look. */
  alpha: number;
  final: boolean;
}

/**
 * Alpha for each look of a sequential comparison that looks after `looks[k]` pairs of at most
 * `maxPairs`: α·t², t being the share of pairs seen, so early looks spend little (decide only
 * on clear effects) and the last keeps most. The looks' intervals then hold all at once with
 * probability at least 1 - alpha (Bonferroni: the spent alphas add up to alpha), whatever the
 * correlation between looks; so stopping at the first look that decides keeps every error
 * rate within alpha.
 */
export function lookAlphas(alpha: number, looks: readonly number[], maxPairs: number): number[] {
  let spent = 0;
  return looks.map((pairs) => {
    const t = Math.min(1, pairs / maxPairs);
    const share = alpha * t * t - spent;
    spent += share;
    return share;
  });
}

/** ln(value) for a ratio criterion (so that shifts are log ratios), the value for a difference. */
export function criterionScale(criterion: RegressionCriterion, value: number): number {
  return criterion.scale === 'difference' ? value : Math.log(Math.max(value, RATIO_FLOOR));
}

/** ln(head/base) per pair for a ratio, head - base for a difference. */
export function pairDifferences(
  criterion: RegressionCriterion,
  pairs: readonly PairedValue[],
): number[] {
  return pairs.map(({ base, head }) => {
    if (criterion.scale === 'difference') return head - base;
    // Nothing served in a block (throughput 0) still compares: at a ratio floor, not -Infinity.
    return Math.log(Math.max(head, RATIO_FLOOR) / Math.max(base, RATIO_FLOOR));
  });
}
const RATIO_FLOOR = 1e-9;

/**
 * The verdict on one SLI at one look, from the sign-test interval of its paired
 * differences' median, turned so that "up" is worse and θ is the threshold in that direction:
 *
 * - regressed: the whole interval is past θ (worse by more than the threshold), or, at the
 *   last look, the SLI is worse (the interval is above 0) and θ is not ruled out;
 * - improved: the whole interval is below 0;
 * - unchanged: the interval is below θ (if worse at all, by less than the threshold);
 * - inconclusive: at the last look, the interval still holds both 0 and θ;
 * - undefined: an interim look that decides nothing yet.
 */
export function judgeRegression(
  criterion: RegressionCriterion,
  pairs: readonly PairedValue[],
  look: Look,
): RegressionJudgement | undefined {
  return judgeShift(criterion, pairedShift(pairDifferences(criterion, pairs), look.alpha), look);
}

/**
 * judgeRegression's rules on any shift estimate in the criterion's units (log ratio or
 * difference). `strict`: only an interval wholly past θ is a regression, also at the last
 * look; for comparisons whose interval leaves out part of the uncertainty (two runs on two
 * machines), where "worse, and θ not ruled out" would blame the service for the machines.
 */
export function judgeShift(
  criterion: RegressionCriterion,
  shift: ShiftEstimate,
  look: Look & { strict?: boolean },
): RegressionJudgement | undefined {
  const up = criterion.worse === 'higher' ? 1 : -1;
  const [worseLow, worseHigh] = up > 0 ? [shift.low, shift.high] : [-shift.high, -shift.low];
  const theta = worseThreshold(criterion);
  let verdict: RegressionVerdict | undefined;
  if (worseLow > theta) verdict = 'regressed';
  else if (worseHigh < 0) verdict = 'improved';
  else if (worseHigh <= theta) verdict = 'unchanged';
  else if (look.final) verdict = worseLow > 0 && !look.strict ? 'regressed' : 'inconclusive';
  if (verdict === undefined) return undefined;
  return describe(criterion, shift, verdict);
}

/** FAIL when an SLI regressed, INCONCLUSIVE when one is undecided, else PASS. */
export function regressionVerdict(
  judgements: readonly Pick<RegressionJudgement, 'verdict'>[],
): 'PASS' | 'FAIL' | 'INCONCLUSIVE' {
  const verdicts = judgements.map((j) => j.verdict);
  if (verdicts.includes('regressed')) return 'FAIL';
  return verdicts.includes('inconclusive') ? 'INCONCLUSIVE' : 'PASS';
}

/** θ in the units of the paired differences, in the worse direction (> 0). */
function worseThreshold(criterion: RegressionCriterion): number {
  const { threshold, scale, worse } = criterion;
  if (scale === 'difference') return threshold;
  return worse === 'higher' ? Math.log(1 + threshold) : -Math.log(1 - threshold);
}

/** A difference (log ratio) back to the change the user reads: relative, or absolute. */
function asChange(criterion: RegressionCriterion, value: number): number {
  return criterion.scale === 'ratio' ? Math.expm1(value) : value;
}

function describe(
  criterion: RegressionCriterion,
  shift: ShiftEstimate,
  verdict: RegressionVerdict,
): RegressionJudgement {
  const threshold = criterion.worse === 'higher' ? criterion.threshold : -criterion.threshold;
  const change = asChange(criterion, shift.estimate);
  const low = asChange(criterion, shift.low);
  const high = asChange(criterion, shift.high);
  const judgement = {
    sli: criterion.sli,
    verdict,
    change,
    low,
    high,
    level: shift.level,
    pairs: shift.n,
    threshold,
  };
  return { ...judgement, reason: reasonFor(criterion, judgement) };
}

function reasonFor(criterion: RegressionCriterion, j: Omit<RegressionJudgement, 'reason'>): string {
  const show = (v: number) => formatChange(criterion, v);
  const interval = `${show(j.change)} [${show(j.low)}, ${show(j.high)}] at ${(j.level * 100).toFixed(1)}% over ${j.pairs} pairs`;
  const limit = `the threshold ${show(j.threshold)}`;
  switch (j.verdict) {
    case 'regressed':
      return Math.abs(j.low) > Math.abs(j.threshold) && Math.sign(j.low) === Math.sign(j.threshold)
        ? `${criterion.sli} got worse beyond ${limit}: ${interval}`
        : `${criterion.sli} got worse, and by as much as ${limit} cannot be ruled out: ${interval}`;
    case 'improved':
      return `${criterion.sli} improved: ${interval}`;
    case 'unchanged':
      return `${criterion.sli} did not get worse by ${limit} or more: ${interval}`;
    case 'inconclusive':
      return `${criterion.sli} is undecided: the interval holds both no change and ${limit}: ${interval}`;
  }
}

/** +8.0% for a ratio; +0.50 pp for an error-rate difference (fractions shown as points). */
export function formatChange(criterion: Pick<RegressionCriterion, 'scale'>, value: number): string {
  return formatSignedChange(value, criterion.scale);
}

/**
 * The spread of the paired differences: 1.4826 × the median absolute deviation (the standard
 * deviation for normal data, not pulled by one wild block); the standard deviation when most
 * differences are equal and the MAD is 0.
 */
export function pairSpread(differences: readonly number[]): number {
  const n = differences.length;
  if (n < 2) return Infinity;
  const sorted = [...differences].sort((a, b) => a - b);
  const mid = median(sorted);
  const deviations = sorted.map((d) => Math.abs(d - mid)).sort((a, b) => a - b);
  const mad = 1.4826 * median(deviations);
  if (mad > 0) return mad;
  const mean = differences.reduce((s, d) => s + d, 0) / n;
  return Math.sqrt(differences.reduce((s, d) => s + (d - mean) ** 2, 0) / (n - 1));
}

// The median's spread relative to the mean's for normal data: √(π/2).
const MEDIAN_SPREAD = Math.sqrt(Math.PI / 2);
const POWER = 0.8;

/**
 * The smallest change (in the worse direction, in the differences' units) that `pairs` pairs
 * detect with 80% power at two-sided `alpha`, for differences spread by `spread`: the noise
 * floor a threshold must clear to be reachable.
 */
export function detectableShift(spread: number, pairs: number, alpha: number): number {
  if (!(pairs > 0) || !Number.isFinite(spread)) return Infinity;
  const z = normalQuantile(1 - alpha / 2, 0, 1) + normalQuantile(POWER, 0, 1);
  return (z * MEDIAN_SPREAD * spread) / Math.sqrt(pairs);
}

/** detectableShift as the change the user reads (relative for a ratio criterion). */
export function detectableChange(
  criterion: RegressionCriterion,
  spread: number,
  pairs: number,
  alpha: number,
): number {
  const shift = detectableShift(spread, pairs, alpha);
  if (criterion.scale === 'difference') return shift;
  return criterion.worse === 'higher' ? Math.expm1(shift) : Math.expm1(-shift);
}

/**
 * Pairs an undecided comparison would likely need in all: the interval (at `alpha`) narrows
 * as 1/√n, so the side of it that must clear 0 (to show it worse) or θ (to show it not worse
 * by the threshold) does so after n × (that side's width / its distance from the estimate)²
 * pairs; the sooner of the two decides. Taken from the interval itself, not from a normal
 * approximation: with heavy-tailed blocks (a shared runner's pauses) the sign interval
 * is wider than the spread alone suggests. Infinity when the interval is unbounded or the
 * estimate sits on 0 and θ alike; never fewer pairs than there already are plus one.
 */
export function pairsToDecide(
  criterion: RegressionCriterion,
  pairs: readonly PairedValue[],
  alpha: number,
): number {
  const shift = pairedShift(pairDifferences(criterion, pairs), alpha);
  const up = criterion.worse === 'higher' ? 1 : -1;
  const [low, high] = up > 0 ? [shift.low, shift.high] : [-shift.high, -shift.low];
  const estimate = up * shift.estimate;
  const theta = worseThreshold(criterion);
  const n = shift.n;
  const needed = (width: number, distance: number) =>
    distance > 0 && Number.isFinite(width) ? n * (width / distance) ** 2 : Infinity;
  const toWorse = needed(estimate - low, estimate);
  const toWithin = needed(high - estimate, theta - estimate);
  const pairsNeeded = Math.min(toWorse, toWithin);
  return Number.isFinite(pairsNeeded) ? Math.max(n + 1, Math.ceil(pairsNeeded)) : Infinity;
}
