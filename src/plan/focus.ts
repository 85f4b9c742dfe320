import { FOCUS_AREAS, type FocusArea } from '../config/types.js';
import type { DraftItem } from './draft.js';
import { round2 } from './text.js';

/** Items the user cares more about, by the guidance's focus, rank higher by this much. */
export const FOCUS_BOOST = 1.5;

/** Which item kinds serve each focus area; frontend has none (perf-flow measures the service). */
const KINDS_FOR_FOCUS: Record<FocusArea, readonly string[]> = {
  latency: ['cpu', 'database', 'memory', 'latency'],
  api: ['cpu', 'database', 'memory', 'latency'],
  throughput: ['cpu', 'memory', 'throughput'],
  database: ['database'],
  cost: ['cpu', 'memory'],
  frontend: [],
};

const WHAT_KIND_DOES: Record<string, string> = {
  cpu: 'cuts CPU time on the request path',
  database: 'cuts database work per request',
  memory: 'cuts garbage collection, which burns CPU and pauses requests',
  latency: 'goes after a missed latency target',
  throughput: 'goes after a missed throughput target',
  errors: 'fixes failing requests',
};

export function knownFocus(focus: readonly string[]): FocusArea[] {
  return FOCUS_AREAS.filter((area) => focus.includes(area));
}

/** Multiplies the ROI of items that serve a focus area and says why on the item. */
export function applyFocus(items: DraftItem[], focus: readonly string[]): DraftItem[] {
  const areas = knownFocus(focus);
  return items.map((item) => {
    const served = areas.filter((area) => KINDS_FOR_FOCUS[area].includes(item.kind));
    if (served.length === 0) return item;
    const note = `ROI × ${FOCUS_BOOST}: the guidance focuses on ${served.join(' and ')}, and this item ${WHAT_KIND_DOES[item.kind] ?? 'serves it'}`;
    return {
      ...item,
      roi: round2(item.roi * FOCUS_BOOST),
      // The trigger may have ranked the item first: both say why it stands where it does.
      guidanceNote: item.guidanceNote === undefined ? note : `${item.guidanceNote}; ${note}`,
    };
  });
}

/**
 * Guidance targets ("latency.p95 < 100ms") become success criteria of the items that move
 * that SLI; a target naming no known SLI goes to every item.
 */
export function applyTargets(items: DraftItem[], targets: readonly string[]): DraftItem[] {
  return items.map((item) => {
    const relevant = targets.filter((target) => targetKinds(target).includes(item.kind));
    if (relevant.length === 0) return item;
    return {
      ...item,
      successCriteria: [
        ...item.successCriteria,
        ...relevant.map((target) => `meets guidance target ${target}`),
      ],
    };
  });
}

function targetKinds(target: string): readonly string[] {
  if (target.startsWith('latency.')) return ['cpu', 'database', 'memory', 'latency'];
  if (target.startsWith('throughput')) return ['cpu', 'memory', 'database', 'throughput'];
  if (target.startsWith('error_rate') || target.startsWith('availability')) return ['errors'];
  return Object.keys(WHAT_KIND_DOES);
}
