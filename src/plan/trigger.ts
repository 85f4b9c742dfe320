import type { DraftItem } from './draft.js';
import { RISK_FACTOR } from './roi.js';
import { round2 } from './text.js';

/** Items going after a breached SLO rank ahead of the rest by this much (slo-breach). */
export const BREACH_BOOST = 2;

/** Item kinds whose gain is CPU time taken off each request: what cost and capacity follow. */
export const CPU_KINDS: ReadonlySet<string> = new Set(['cpu', 'memory']);
/** Database work per request bounds capacity too (the database saturates), not the bill of the service. */
export const CAPACITY_KINDS: ReadonlySet<string> = new Set(['cpu', 'memory', 'database']);

interface Shaped {
  items: DraftItem[];
  /** How the trigger was applied, for the plan's inputs; null when it changes nothing. */
  note: string | null;
}

/**
 * What the run was started for decides what the ranking counts (the issue: cost-reduction
 * ranks by cost per request, capacity-planning by breaking point, slo-breach by the breached
 * SLO). ROI stays gain per day of work, discounted for risk; the gain is what the trigger
 * asks for:
 * - cost-reduction: the CPU time per request an item takes off (cost per request follows it
 *   at a fixed price per vCPU); items that cut no CPU time count nothing and come last;
 * - capacity-planning: the rise of the breaking point, 1/(1 - cut) - 1 for a cut of the work
 *   per request (a fifth less work is a quarter more requests), for CPU and database items;
 * - slo-breach: the usual latency ROI, with the items that cite a breached SLO first.
 * Other triggers leave the ranking to the focus areas.
 */
export function applyTrigger(items: DraftItem[], trigger: string | undefined): Shaped {
  switch (trigger) {
    case 'cost-reduction':
      return {
        items: items.map((item) =>
          reranked(item, CPU_KINDS.has(item.kind) ? midGain(item) : 0, 'CPU time per request'),
        ),
        note: 'trigger cost-reduction: ranked by CPU time per request saved per day of work (cost per request follows it); items that save none come last',
      };
    case 'capacity-planning':
      return {
        items: items.map((item) => reranked(item, capacityOf(item), 'breaking point')),
        note: 'trigger capacity-planning: ranked by the rise of the breaking point per day of work (1/(1 - cut) - 1 for a cut of the work per request); items that move no capacity come last',
      };
    case 'slo-breach': {
      const breached = items.filter((item) => item.findings?.some((id) => id.startsWith('slo:')));
      if (breached.length === 0) {
        return {
          items,
          note: 'trigger slo-breach: no item cites a breached SLO (none was missed in this run): ranked by latency ROI',
        };
      }
      return {
        items: items.map((item) =>
          breached.includes(item)
            ? {
                ...item,
                roi: round2(item.roi * BREACH_BOOST),
                guidanceNote: `ROI × ${BREACH_BOOST}: the run was started for an SLO breach, and this item goes after a breached SLO`,
              }
            : item,
        ),
        note: `trigger slo-breach: the ${breached.length} item(s) citing a breached SLO ranked first (ROI × ${BREACH_BOOST})`,
      };
    }
    default:
      return { items, note: null };
  }
}

/** The middle of an item's expected latency cut, percent. */
export function midGain(item: Pick<DraftItem, 'expectedGain'>): number {
  return (item.expectedGain.latencyPctLow + item.expectedGain.latencyPctHigh) / 2;
}

/** A cut of `cutPct` of the work per request raises the requests a server takes by this, percent. */
export function capacityGainPct(cutPct: number): number {
  const cut = Math.min(cutPct, 99) / 100;
  return (1 / (1 - cut) - 1) * 100;
}

/** The breaking point's rise an item brings, percent: its own figure, or from its cut. */
export function capacityOf(item: Pick<DraftItem, 'expectedGain' | 'kind'>): number {
  if (item.expectedGain.capacityPct !== undefined) return item.expectedGain.capacityPct;
  return CAPACITY_KINDS.has(item.kind) ? capacityGainPct(midGain(item)) : 0;
}

function reranked(item: DraftItem, gainPct: number, what: string): DraftItem {
  const roi = round2((gainPct / item.effortDays) * RISK_FACTOR[item.risk]);
  return {
    ...item,
    roi,
    guidanceNote:
      gainPct > 0
        ? `ranked by ${what}: about ${round2(gainPct)}% for ${item.effortDays} day(s) of work`
        : `ranked last: it does not move the ${what}`,
  };
}
