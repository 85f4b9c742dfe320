import { z } from 'zod';
import { fraction, nonEmpty, positiveDuration, withUnit } from './fields.js';
import type { RegressionConfig, RegressionCriterion, SliName } from './types.js';
import { REGRESSION_BASELINES, SLI_NAMES } from './types.js';
import type { Parsed } from './units.js';
import { describeValue, readSignedChange } from './units.js';

/** The regression section of perf-flow.yml: base against head (docs/config.md). */

export const REGRESSION_DEFAULTS = {
  thresholds: { 'latency.p95': 0.1, throughput: 0.05, error_rate: 0.01 } as Partial<
    Record<SliName, number>
  >,
  confidence: 0.95,
  budgetMs: 120_000,
  blockMs: 5_000,
} as const;

// Two blocks make a pair, and the signed-rank interval needs at least 6 pairs to bound a
// shift at 95% (1 - 2/2^6 = 96.9%): a budget that cannot hold them cannot decide anything.
const MIN_PAIRS = 6;

/** Which way is worse for an SLI, and whether its change is relative or in points. */
export function regressionShape(sli: SliName): Omit<RegressionCriterion, 'threshold'> {
  if (sli === 'throughput') return { sli, worse: 'lower', scale: 'ratio' };
  if (sli === 'error_rate') return { sli, worse: 'higher', scale: 'difference' };
  if (sli === 'availability') return { sli, worse: 'lower', scale: 'difference' };
  return { sli, worse: 'higher', scale: 'ratio' };
}

/** "+10%" for an SLI that worsens upwards, "-5%" for one that worsens downwards. */
function readThresholdFor(sli: SliName, value: unknown): Parsed<number> {
  const shape = regressionShape(sli);
  const parsed = readSignedChange(value);
  const sign = shape.worse === 'higher' ? '+' : '-';
  const unit = shape.scale === 'difference' ? ' (percentage points)' : '';
  const example = `"${sign}${shape.scale === 'difference' ? '1' : sli === 'throughput' ? '5' : '10'}%"${unit}`;
  if (!parsed.ok)
    return { ok: false, message: `expected a change like ${example}, got ${describeValue(value)}` };
  const change = parsed.value;
  if (change === 0 || Math.sign(change) !== (shape.worse === 'higher' ? 1 : -1)) {
    return {
      ok: false,
      message: `${sli} gets worse as it ${shape.worse === 'higher' ? 'rises' : 'falls'}: expected a change like ${example}, got ${describeValue(value)}`,
    };
  }
  if (shape.worse === 'lower' && Math.abs(change) >= 1) {
    return {
      ok: false,
      message: `${sli} cannot fall by 100% or more, got ${describeValue(value)}`,
    };
  }
  return { ok: true, value: Math.abs(change) };
}

const thresholdFields = Object.fromEntries(
  SLI_NAMES.map((sli) => [sli, withUnit((value) => readThresholdFor(sli, value)).optional()]),
) as unknown as Record<SliName, z.ZodOptional<z.ZodType<number>>>;

const confidence = fraction.refine(
  (value) => value >= 0.5 && value < 1,
  'expected a confidence from 50% up to, not including, 100%',
);

export const regressionSchema = z
  .strictObject(
    {
      ...thresholdFields,
      confidence: confidence.default(REGRESSION_DEFAULTS.confidence),
      budget: positiveDuration.default(REGRESSION_DEFAULTS.budgetMs),
      block: positiveDuration
        .refine((ms) => ms >= 1000, 'expected at least 1s (a block is measured per second)')
        .default(REGRESSION_DEFAULTS.blockMs),
      calibrate: z.boolean().default(false),
      baseline: z.enum(REGRESSION_BASELINES).default('branch'),
      'base-ref': nonEmpty.optional(),
    },
    {
      error: (issue) =>
        issue.code === 'unrecognized_keys'
          ? `unknown key (expected an SLI (${SLI_NAMES.join(', ')}) or one of confidence, budget, block, calibrate, baseline, base-ref)`
          : undefined,
    },
  )
  .superRefine((raw, ctx) => {
    if (raw.budget < 2 * MIN_PAIRS * raw.block) {
      ctx.addIssue({
        code: 'custom',
        path: ['budget'],
        message: `must hold at least ${MIN_PAIRS} pairs of ${raw.block / 1000}s blocks (${(2 * MIN_PAIRS * raw.block) / 1000}s): fewer cannot decide at any useful confidence`,
      });
    }
  })
  .transform((raw): RegressionConfig => {
    const written = SLI_NAMES.flatMap((sli) => {
      const threshold = raw[sli];
      return threshold === undefined ? [] : [{ ...regressionShape(sli), threshold }];
    });
    const criteria =
      written.length > 0
        ? written
        : Object.entries(REGRESSION_DEFAULTS.thresholds).map(([sli, threshold]) => ({
            ...regressionShape(sli as SliName),
            threshold: threshold as number,
          }));
    return {
      criteria,
      confidence: raw.confidence,
      budgetMs: raw.budget,
      blockMs: raw.block,
      calibrate: raw.calibrate,
      baseline: raw.baseline,
      ...(raw['base-ref'] !== undefined && { baseRef: raw['base-ref'] }),
    };
  });
