import type { BaselineData, PlanItem } from '../data/stages.js';
import { bucketFor, roi } from './roi.js';
import { midGain } from './trigger.js';
import { ms, round1 } from './text.js';

/** A plan item before ranking. */
export type DraftItem = Omit<PlanItem, 'rank'>;

/** Fills in what follows from the rest: bucket from effort, ROI from gain, effort and risk. */
export function draftItem(
  item: Omit<DraftItem, 'bucket' | 'roi'>,
  /** The improvement ROI counts, percent; the latency gain's midpoint unless given. */
  roiGainPct = midGain(item),
): DraftItem {
  return {
    ...item,
    bucket: bucketFor(item.effortDays),
    roi: roi(roiGainPct, item.effortDays, item.risk),
  };
}

/** "overall p95 drops by at least 12.6% in the next baseline (from 180.0 ms to at most 157.3 ms)". */
export function p95Criterion(baseline: BaselineData | null, cutPct: number): string {
  const atLeast = `drops by at least ${round1(cutPct)}% in the next baseline`;
  if (baseline === null || baseline.overall.latency.count === 0) return `p95 latency ${atLeast}`;
  const p95 = baseline.overall.latency.p95;
  return `overall p95 ${atLeast} (from ${ms(p95)} to at most ${ms(p95 * (1 - cutPct / 100))})`;
}

/** Ids must be unique in a plan: a second item with the same id gets a suffix. */
export function uniqueId(wanted: string, taken: Set<string>): string {
  let id = wanted;
  for (let n = 2; taken.has(id); n++) id = `${wanted}-${n}`;
  taken.add(id);
  return id;
}
