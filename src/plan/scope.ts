import type { PlanConfig, PlanDepth, RiskTolerance } from '../config/types.js';
import type { DraftItem } from './draft.js';
import type { Bucket } from './roi.js';
import { round2 } from './text.js';

/**
 * How much of the plan the user wants (perf-flow.yml's plan section, from the intake's
 * investment, monitoring and timeline answers): the depth keeps the buckets the investment
 * pays for, the risk tolerance leaves out or ranks down high-risk items. What is left out is
 * named in the plan's inputs, so a shorter plan never hides that there was more.
 */

/** With a medium risk tolerance, a high-risk item's ROI is multiplied by this. */
export const HIGH_RISK_FACTOR_AT_MEDIUM_TOLERANCE = 0.5;

const KEPT_BUCKETS: Record<PlanDepth, readonly Bucket[]> = {
  'quick-wins': ['quick-win'],
  moderate: ['quick-win', 'strategic'],
  comprehensive: ['quick-win', 'strategic', 'major'],
};

const DEPTH_KEEPS: Record<PlanDepth, string> = {
  'quick-wins': 'only quick wins (under a day of work each) kept',
  moderate: 'quick wins and strategic items kept, major refactoring left out',
  comprehensive: 'every item kept, major refactoring included',
};

const BUCKET_NAMES: Record<Bucket, string> = {
  'quick-win': 'quick win',
  strategic: 'strategic',
  major: 'major refactoring',
};

function titles(items: DraftItem[]): string {
  return items.map((item) => `"${item.title}"`).join(', ');
}

function byDepth(items: DraftItem[], depth: PlanDepth): { items: DraftItem[]; notes: string[] } {
  const kept = items.filter((item) => KEPT_BUCKETS[depth].includes(item.bucket));
  const left = items.filter((item) => !kept.includes(item));
  const lines = [`plan depth ${depth}: ${DEPTH_KEEPS[depth]}`];
  if (left.length > 0) {
    const buckets = (['strategic', 'major'] as const)
      .map((bucket) => ({ bucket, items: left.filter((item) => item.bucket === bucket) }))
      .filter((group) => group.items.length > 0)
      .map(
        (group) => `${group.items.length} ${BUCKET_NAMES[group.bucket]} (${titles(group.items)})`,
      );
    lines[0] += `; left out: ${buckets.join(', ')}`;
    if (kept.length === 0) {
      lines.push(
        `no item fits plan depth ${depth}: a deeper plan (plan.depth, or the investment input) would show the ${left.length} left out`,
      );
    }
  }
  return { items: kept, notes: lines };
}

function byRisk(
  items: DraftItem[],
  tolerance: RiskTolerance,
): { items: DraftItem[]; notes: string[] } {
  const risky = items.filter((item) => item.risk === 'high');
  if (tolerance === 'high') {
    return {
      items,
      notes: ['risk tolerance high: items ranked by ROI alone (which already discounts risk)'],
    };
  }
  if (tolerance === 'low') {
    return {
      items: items.filter((item) => item.risk !== 'high'),
      notes: [
        risky.length === 0
          ? 'risk tolerance low: high-risk items would be left out; there are none'
          : `risk tolerance low: ${risky.length} high-risk item(s) left out (${titles(risky)})`,
      ],
    };
  }
  const factor = HIGH_RISK_FACTOR_AT_MEDIUM_TOLERANCE;
  const note = `ROI × ${factor}: a high-risk item, and the risk tolerance is medium`;
  return {
    items: items.map((item) =>
      item.risk !== 'high'
        ? item
        : {
            ...item,
            roi: round2(item.roi * factor),
            guidanceNote: item.guidanceNote === undefined ? note : `${item.guidanceNote}; ${note}`,
          },
    ),
    notes: [
      risky.length === 0
        ? `risk tolerance medium: high-risk items would rank lower (ROI × ${factor}); there are none`
        : `risk tolerance medium: ${risky.length} high-risk item(s) ranked lower, ROI × ${factor} (${titles(risky)})`,
    ],
  };
}

/** The items the scope keeps, ROI adjusted for risk where it asks, and a line for each choice. */
export function applyScope(
  items: DraftItem[],
  scope: PlanConfig,
): { items: DraftItem[]; notes: string[] } {
  const deep = byDepth(items, scope.depth);
  const safe = byRisk(deep.items, scope.riskTolerance);
  return { items: safe.items, notes: [...deep.notes, ...safe.notes] };
}
