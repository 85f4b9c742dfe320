import { z } from 'zod';
import { fraction, positiveRate, strictObject, withUnit } from './fields.js';
import type {
  CapacityConfig,
  RequestBound,
  ScenarioName,
  ScenariosConfig,
  SoakConfig,
  SpikeConfig,
  StressConfig,
} from './types.js';
import { SCENARIO_NAMES } from './types.js';
import type { Parsed } from './units.js';
import { describeValue, readBytes, readDuration, readGrowth, readPercent } from './units.js';

/** The scenarios and capacity sections of perf-flow.yml (docs/config.md). */

export const SCENARIO_DEFAULTS = {
  run: ['load'] as ScenarioName[],
  stress: {
    startRps: 50,
    stepRps: 50,
    stepDurationMs: 10_000,
    maxRps: 2000,
    errorThreshold: 0.05,
  },
  spike: {
    baseRps: 50,
    peakRps: 500,
    beforeMs: 10_000,
    spikeMs: 10_000,
    afterMs: 30_000,
    tolerance: 0.2,
  },
  soak: { rateRps: 100, durationMs: 600_000, leakThresholdBytes: 5_000_000 },
} as const;

export const CAPACITY_DEFAULTS = { growth: 1, targetUtilization: 0.7, currency: 'USD' } as const;

// A staircase longer than this is a typo in step or max (0.5rps steps to 2000rps), and would
// run for hours before anyone noticed.
const MAX_STRESS_STEPS = 500;

/** Scenario phases are judged per second of the timeline, so none can be shorter than one. */
const phaseDuration = withUnit((value): Parsed<number> => {
  const parsed = readDuration(value);
  if (!parsed.ok || parsed.value >= 1000) return parsed;
  return {
    ok: false,
    message: `expected at least 1s (scenarios are measured in one-second windows), got ${describeValue(value)}`,
  };
});

const positiveBytes = withUnit(readBytes).refine((bytes) => bytes > 0, 'must be more than 0B');

/** A share that may exceed 100%: p95 within 150% of a 2 ms pre-spike level is reasonable. */
const positiveShare = withUnit((value): Parsed<number> => {
  const parsed = typeof value === 'number' ? { ok: true as const, value } : readPercent(value);
  if (parsed.ok && parsed.value > 0) return parsed;
  return {
    ok: false,
    message: `expected a percentage above 0 like "20%", or a fraction like 0.2, got ${describeValue(value)}`,
  };
});

/** Decimal steps (0.1rps) would otherwise give rates such as 0.30000000000000004. */
function tidy(value: number): number {
  return Number(value.toPrecision(12));
}

/**
 * Requests a run of open-model phases plans to send, and a bound for a runner to stop at.
 * Poisson arrivals over a phase vary by about √N around the planned N: the bound leaves six
 * standard deviations (or 10%, whichever is more), so a normal run never reaches it.
 */
export function requestBound(phases: { rateRps: number; durationMs: number }[]): RequestBound {
  const planned = Math.ceil(
    tidy(phases.reduce((sum, phase) => sum + (phase.rateRps * phase.durationMs) / 1000, 0)),
  );
  const margin = Math.ceil(Math.max(0.1 * planned, 6 * Math.sqrt(planned)));
  return { plannedRequests: planned, maxRequests: planned + margin };
}

function stressSteps(startRps: number, stepRps: number, maxRps: number): number[] {
  // The count is computed, not accumulated, so a float step cannot drop or add the last one.
  const count = Math.floor(tidy((maxRps - startRps) / stepRps)) + 1;
  return Array.from({ length: count }, (_, index) => tidy(startRps + index * stepRps));
}

type Issue = (path: (string | number)[], message: string) => void;

function writtenOrDefault(written: unknown, unit: string, value: number): string {
  return written === undefined ? `${value}${unit} (the default)` : `${value}${unit}`;
}

const stressSchema = strictObject({
  start: positiveRate.optional(),
  step: positiveRate.optional(),
  'step-duration': phaseDuration.optional(),
  max: positiveRate.optional(),
  'error-threshold': fraction.optional(),
});

function stressConfig(raw: z.output<typeof stressSchema>, issue: Issue): StressConfig {
  const defaults = SCENARIO_DEFAULTS.stress;
  const startRps = raw.start ?? defaults.startRps;
  const stepRps = raw.step ?? defaults.stepRps;
  const maxRps = raw.max ?? defaults.maxRps;
  const stepDurationMs = raw['step-duration'] ?? defaults.stepDurationMs;
  if (maxRps < startRps) {
    issue(
      ['max'],
      `must be at least scenarios.stress.start (${writtenOrDefault(raw.start, 'rps', startRps)}), got ${writtenOrDefault(raw.max, 'rps', maxRps)}`,
    );
    return z.NEVER;
  }
  const count = Math.floor(tidy((maxRps - startRps) / stepRps)) + 1;
  if (count > MAX_STRESS_STEPS) {
    issue(
      ['step'],
      `gives ${count} steps from ${startRps}rps to ${maxRps}rps, expected at most ${MAX_STRESS_STEPS}: raise step or lower max`,
    );
    return z.NEVER;
  }
  const stepsRps = stressSteps(startRps, stepRps, maxRps);
  return {
    startRps,
    stepRps,
    stepDurationMs,
    maxRps,
    errorThreshold: raw['error-threshold'] ?? defaults.errorThreshold,
    stepsRps,
    ...requestBound(stepsRps.map((rateRps) => ({ rateRps, durationMs: stepDurationMs }))),
  };
}

const spikeSchema = strictObject({
  base: positiveRate.optional(),
  peak: positiveRate.optional(),
  before: phaseDuration.optional(),
  spike: phaseDuration.optional(),
  after: phaseDuration.optional(),
  tolerance: positiveShare.optional(),
});

function spikeConfig(raw: z.output<typeof spikeSchema>, issue: Issue): SpikeConfig {
  const defaults = SCENARIO_DEFAULTS.spike;
  const baseRps = raw.base ?? defaults.baseRps;
  const peakRps = raw.peak ?? defaults.peakRps;
  if (peakRps <= baseRps) {
    issue(
      ['peak'],
      `must be above scenarios.spike.base (${writtenOrDefault(raw.base, 'rps', baseRps)}), got ${writtenOrDefault(raw.peak, 'rps', peakRps)}`,
    );
    return z.NEVER;
  }
  const beforeMs = raw.before ?? defaults.beforeMs;
  const spikeMs = raw.spike ?? defaults.spikeMs;
  const afterMs = raw.after ?? defaults.afterMs;
  return {
    baseRps,
    peakRps,
    beforeMs,
    spikeMs,
    afterMs,
    tolerance: raw.tolerance ?? defaults.tolerance,
    ...requestBound([
      { rateRps: baseRps, durationMs: beforeMs },
      { rateRps: peakRps, durationMs: spikeMs },
      { rateRps: baseRps, durationMs: afterMs },
    ]),
  };
}

const soakSchema = strictObject({
  rate: positiveRate.optional(),
  duration: phaseDuration.optional(),
  'leak-threshold': positiveBytes.optional(),
});

function soakConfig(raw: z.output<typeof soakSchema>): SoakConfig {
  const defaults = SCENARIO_DEFAULTS.soak;
  const rateRps = raw.rate ?? defaults.rateRps;
  const durationMs = raw.duration ?? defaults.durationMs;
  return {
    rateRps,
    durationMs,
    leakThresholdBytes: raw['leak-threshold'] ?? defaults.leakThresholdBytes,
    ...requestBound([{ rateRps, durationMs }]),
  };
}

export const scenariosSchema = strictObject({
  run: z.array(z.enum(SCENARIO_NAMES)).min(1).optional(),
  stress: stressSchema.prefault({}),
  spike: spikeSchema.prefault({}),
  soak: soakSchema.prefault({}),
}).transform((raw, ctx): ScenariosConfig => {
  const issueIn =
    (section: string): Issue =>
    (path, message) =>
      ctx.addIssue({ code: 'custom', path: [section, ...path], message });
  return {
    run: [...new Set(raw.run ?? SCENARIO_DEFAULTS.run)],
    stress: stressConfig(raw.stress, issueIn('stress')),
    spike: spikeConfig(raw.spike, issueIn('spike')),
    soak: soakConfig(raw.soak),
  };
});

const utilization = fraction.refine(
  (share) => share > 0,
  'must be above 0%: an instance planned to do no work serves no one',
);

const cost = z.unknown().transform((value, ctx): number => {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  ctx.addIssue({
    code: 'custom',
    message: `expected a number of at least 0 in the currency's units (e.g. 0.096), got ${describeValue(value)}`,
  });
  return z.NEVER;
});

const currency = z.unknown().transform((value, ctx): string => {
  const code = typeof value === 'string' ? value.trim().toUpperCase() : '';
  if (/^[A-Z]{3}$/.test(code)) return code;
  ctx.addIssue({
    code: 'custom',
    message: `expected a three-letter ISO 4217 currency code like "USD" or "EUR", got ${describeValue(value)}`,
  });
  return z.NEVER;
});

export const capacitySchema = strictObject({
  growth: withUnit(readGrowth).optional(),
  'peak-rate': positiveRate.optional(),
  'target-utilization': utilization.optional(),
  'instance-cost-per-hour': cost.optional(),
  currency: currency.optional(),
}).transform((raw): CapacityConfig => ({
  growth: raw.growth ?? CAPACITY_DEFAULTS.growth,
  ...(raw['peak-rate'] !== undefined && { peakRps: raw['peak-rate'] }),
  targetUtilization: raw['target-utilization'] ?? CAPACITY_DEFAULTS.targetUtilization,
  ...(raw['instance-cost-per-hour'] !== undefined && {
    instanceCostPerHour: raw['instance-cost-per-hour'],
  }),
  currency: raw.currency ?? CAPACITY_DEFAULTS.currency,
}));
