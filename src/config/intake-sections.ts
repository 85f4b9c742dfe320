import { z } from 'zod';
import { nonEmpty, strictObject } from './fields.js';
import type { GuidanceConfig, PlanConfig } from './types.js';
import { PLAN_DEPTHS, RISK_TOLERANCES, TRIGGERS } from './types.js';

/**
 * The guidance and plan sections of perf-flow.yml: where `perf-flow init` writes the intake
 * answers (docs/config.md#guidance-and-plan-the-intake-answers).
 */

/** Every item kept, ranked by ROI alone: the plan as it is without a plan section. */
export const PLAN_DEFAULTS: PlanConfig = { depth: 'comprehensive', riskTolerance: 'high' };

export const guidanceSchema = strictObject({
  text: nonEmpty.optional(),
  trigger: z.enum(TRIGGERS).optional(),
  'current-baseline': nonEmpty.optional(),
  target: nonEmpty.optional(),
  'suspected-bottlenecks': nonEmpty.optional(),
}).transform((raw): GuidanceConfig => ({
  ...(raw.text !== undefined && { text: raw.text }),
  ...(raw.trigger !== undefined && { trigger: raw.trigger }),
  ...(raw['current-baseline'] !== undefined && { currentBaseline: raw['current-baseline'] }),
  ...(raw.target !== undefined && { target: raw.target }),
  ...(raw['suspected-bottlenecks'] !== undefined && {
    suspectedBottlenecks: raw['suspected-bottlenecks'],
  }),
}));

export const planSchema = strictObject({
  depth: z.enum(PLAN_DEPTHS).default(PLAN_DEFAULTS.depth),
  'risk-tolerance': z.enum(RISK_TOLERANCES).default(PLAN_DEFAULTS.riskTolerance),
}).transform((raw): PlanConfig => ({ depth: raw.depth, riskTolerance: raw['risk-tolerance'] }));
