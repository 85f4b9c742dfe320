import type { PlanOutcome } from '../data/stages.js';
import { formatMs } from '../measure/format.js';
import { blocks, escapeMarkdown, percentRange, table } from './format.js';

const STATUS_TEXT: Record<PlanOutcome['items'][number]['status'], string> = {
  implemented: '✅ implemented',
  'not-implemented': 'not done',
  unknown: 'unknown',
};

const VERDICT_TEXT: Record<NonNullable<PlanOutcome['verdict']>, string> = {
  below: 'less than predicted',
  within: 'as predicted',
  above: 'more than predicted',
};

/** "## Predicted against actual": the earlier plan's items, what was done, what it gave. */
export function planOutcomeSection(outcome: PlanOutcome | undefined): string | null {
  if (outcome === undefined) return null;
  const commit = outcome.planCommit === null ? '' : `, commit ${outcome.planCommit.slice(0, 12)}`;
  const measured =
    outcome.measuredCutPct === null
      ? 'The overall p95 could not be compared (no baseline on one side).'
      : `Overall p95 ${formatMs(outcome.p95BeforeMs!)} → ${formatMs(outcome.p95AfterMs!)}: ` +
        `${outcome.measuredCutPct >= 0 ? `cut by ${outcome.measuredCutPct}%` : `up by ${-outcome.measuredCutPct}%`}` +
        (outcome.predictedCutPct === null
          ? ', with no plan item implemented.'
          : ` against ${percentRange(outcome.predictedCutPct)} predicted for the implemented items: **${VERDICT_TEXT[outcome.verdict!]}**.`);
  return blocks(
    '## Predicted against actual',
    `The plan of ${escapeMarkdown(outcome.source)} (made ${escapeMarkdown(outcome.planCreatedAt)}${commit}), checked against this run.`,
    measured,
    table(
      ['item', 'predicted p95 cut', 'status', 'its findings then → now'],
      outcome.items.map((item) => [
        `${escapeMarkdown(item.title)} (\`${escapeMarkdown(item.id)}\`)`,
        percentRange(item.predictedPct),
        STATUS_TEXT[item.status],
        item.evidence.map(escapeMarkdown).join('; '),
      ]),
      ['l', 'r', 'l', 'l'],
    ),
    outcome.notes.length > 0 && outcome.notes.map((n) => `_${escapeMarkdown(n)}_`).join('\n'),
  );
}

/** The lesson for the next steps, when the plan's predictions were off. */
export function planOutcomeLesson(outcome: PlanOutcome | undefined): string | null {
  if (outcome?.verdict === undefined || outcome.verdict === null) return null;
  const implemented = outcome.items.filter((i) => i.status === 'implemented').length;
  const measured = `${outcome.measuredCutPct}% measured against ${percentRange(outcome.predictedCutPct!)} predicted`;
  if (outcome.verdict === 'below') {
    return `Last cycle's ${implemented} implemented item(s) gave less than predicted (${measured}): check that the load exercises the changed code, and discount this kind of item's estimates.`;
  }
  if (outcome.verdict === 'above') {
    return `Last cycle's ${implemented} implemented item(s) gave more than predicted (${measured}): the service was more bound by them than the profile's share showed.`;
  }
  return `Last cycle's ${implemented} implemented item(s) gave what was predicted (${measured}).`;
}
