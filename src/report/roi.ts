import type { CapacityResult } from '../data/scenarios.js';
import type { OptimizationPlanData } from '../data/stages.js';
import { formatNumber } from '../measure/format.js';
import { capacityOf, CPU_KINDS, midGain as mid } from '../plan/trigger.js';
import { findingBounds, groupsBySharedFinding, jointCutPct } from '../plan/joint-cut.js';
import { blocks, escapeMarkdown, percentRange, table } from './format.js';

type Item = OptimizationPlanData['items'][number];

/**
 * "## Return on investment": per plan item the effort, the expected latency cut, the capacity it
 * adds (a cut of the work per request raises the requests an instance takes by 1/(1 - cut) - 1)
 * and, when the load test priced the instances, what it takes off the cost per million
 * requests (CPU items only: the database's bill is not the service's). The totals are per
 * bucket: quick wins alone, and everything.
 */
export function roiSection(
  plan: OptimizationPlanData | undefined,
  capacity: CapacityResult | undefined,
): string | null {
  if (plan === undefined || plan.items.length === 0) return null;
  const costPerMillion = capacity?.costPerMillionRequests.value ?? null;
  const currency = capacity?.currency ?? '';
  const cutsCpu = (item: Item) => CPU_KINDS.has(item.kind) && mid(item) > 0;
  const costCut = (item: Item) =>
    costPerMillion !== null && cutsCpu(item) ? (costPerMillion * mid(item)) / 100 : null;
  const items = [...plan.items].sort((a, b) => a.rank - b.rank);
  const bounded = findingBounds(plan.findings);
  const rows = items.map((item) => [
    `#${item.rank} ${escapeMarkdown(item.title)}`,
    item.bucket,
    formatNumber(item.effortDays),
    percentRange({ low: item.expectedGain.latencyPctLow, high: item.expectedGain.latencyPctHigh }),
    capacityOf(item) > 0 ? `+${formatNumber(capacityOf(item))}%` : '–',
    costCut(item) === null ? '–' : `−${costCut(item)!.toFixed(4)} ${escapeMarkdown(currency)}`,
  ]);
  const total = (subset: Item[], label: string) => {
    if (subset.length === 0) return null;
    const days = subset.reduce((sum, i) => sum + i.effortDays, 0);
    const cutPct = jointCutPct(subset, bounded, mid);
    // The CPU items' cuts overlap as their latency cuts do: the same joint cut prices them.
    const cpuItems = subset.filter(cutsCpu);
    const saved =
      costPerMillion === null || cpuItems.length === 0
        ? null
        : (costPerMillion * jointCutPct(cpuItems, bounded, mid)) / 100;
    return (
      `${label}: ${formatNumber(days)} day(s) of work for about ${formatNumber(cutPct)}% off the p95 if each item delivers its midpoint` +
      (saved === null
        ? ''
        : `, and ${saved.toFixed(4)} ${escapeMarkdown(currency)} less per million requests`)
    );
  };
  const quickWins = items.filter((i) => i.bucket === 'quick-win');
  return blocks(
    '## Return on investment',
    table(
      [
        'item',
        'bucket',
        'effort (days)',
        'expected latency cut',
        'capacity',
        'cost per million requests',
      ],
      rows,
      ['l', 'l', 'r', 'r', 'r', 'r'],
    ),
    [total(quickWins, '- Quick wins'), total(items, '- The whole plan')]
      .filter((line): line is string => line !== null)
      .join('\n'),
    groupsBySharedFinding(items, bounded).some((group) => group.length > 1) &&
      '_Items citing the same finding cut the same work (a cache and a better algorithm for one function): together they count for no more than what that finding bounds (Amdahl)._',
    items.some((i) => i.kind === 'database') &&
      "_A database item's cut is of its journey's latency (the journey the statement serves), the others' of the service's: the totals mix the two._",
    costPerMillion === null &&
      '_No cost figures: the load test priced no instance (capacity.instance-cost-per-hour) or measured no CPU per request._',
  );
}
