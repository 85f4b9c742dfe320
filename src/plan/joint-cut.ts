import type { PlanItem } from '../data/stages.js';

type Cutting = Pick<PlanItem, 'findings' | 'expectedGain'>;

/**
 * The cut of several items delivered together, percent, each item cutting `cutPctOf(item)`.
 * Cuts compound: two items each taking 10% off leave 81%, not 80%. Items citing one bounded
 * finding (a hotspot, a statement) go after the same work, say a cache and a better algorithm
 * for one function: as a group they cut at most what the findings they cite bound together
 * (Amdahl: the shares of distinct functions add up), the very most any fix of them saves.
 */
export function jointCutPct<T extends Cutting>(
  items: readonly T[],
  bounds: ReadonlyMap<string, number>,
  cutPctOf: (item: T) => number,
): number {
  const left = groupsBySharedFinding(items, bounds).reduce((kept, group) => {
    const together = 1 - group.reduce((k, i) => k * (1 - Math.min(cutPctOf(i), 99) / 100), 1);
    const cited = new Set(group.flatMap((i) => (i.findings ?? []).filter((id) => bounds.has(id))));
    const cap =
      cited.size === 0 ? 1 : Math.min(1, sum([...cited].map((id) => bounds.get(id)!)) / 100);
    return kept * (1 - Math.min(together, cap));
  }, 1);
  return (1 - left) * 100;
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/** Items joined when they cite a bounded finding in common, directly or through others. */
export function groupsBySharedFinding<T extends Pick<PlanItem, 'findings'>>(
  items: readonly T[],
  boundedFindings: ReadonlyMap<string, number>,
): T[][] {
  const groupOf = new Map<string, T[]>();
  const groups: T[][] = [];
  const boundedOf = (item: T) => (item.findings ?? []).filter((id) => boundedFindings.has(id));
  for (const item of items) {
    const joined = [...new Set(boundedOf(item).map((id) => groupOf.get(id)))].filter(
      (g): g is T[] => g !== undefined,
    );
    const group = [item, ...joined.flat()];
    for (const old of joined) groups.splice(groups.indexOf(old), 1);
    groups.push(group);
    for (const member of group) for (const id of boundedOf(member)) groupOf.set(id, group);
  }
  return groups;
}

/** The findings that bound a gain (hotspots, GC, statements), by id, from a plan's catalogue. */
export function findingBounds(
  findings: readonly { id: string; gainBoundPct: number | null }[] | undefined,
): Map<string, number> {
  const bounds = new Map<string, number>();
  for (const f of findings ?? []) if (f.gainBoundPct !== null) bounds.set(f.id, f.gainBoundPct);
  return bounds;
}
