import type { PlanItem } from '../data/stages.js';
import { round2 } from './text.js';

export type Risk = PlanItem['risk'];
export type Bucket = PlanItem['bucket'];

/** A risky change pays back less on average: some attempts are rolled back or take longer. */
export const RISK_FACTOR: Record<Risk, number> = { low: 1, medium: 0.7, high: 0.4 };

/** Percent of improvement per day of work, discounted for risk. */
export function roi(gainPct: number, effortDays: number, risk: Risk): number {
  return round2((gainPct / effortDays) * RISK_FACTOR[risk]);
}

/** Under a day is a quick win; over a week of work is a project of its own. */
export function bucketFor(effortDays: number): Bucket {
  if (effortDays < 1) return 'quick-win';
  if (effortDays <= 5) return 'strategic';
  return 'major';
}
