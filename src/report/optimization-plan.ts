import type { OptimizationPlanData, PlanFinding, PlanItem, PlanSource } from '../data/stages.js';
import { formatDays, formatNumber } from '../measure/format.js';
import { blocks, escapeMarkdown, table } from './format.js';
import { renderGuidance, renderHowMeasured } from './sections.js';

type Bucket = PlanItem['bucket'];

export const BUCKET_TITLES: Record<Bucket, string> = {
  'quick-win': 'Quick wins',
  strategic: 'Strategic',
  major: 'Major refactoring',
};

const BUCKET_ORDER: readonly Bucket[] = ['quick-win', 'strategic', 'major'];

export function formatGain(gain: PlanItem['expectedGain']): string {
  const low = formatNumber(gain.latencyPctLow);
  const high = formatNumber(gain.latencyPctHigh);
  const latency = low === high ? `${low}% latency` : `${low}–${high}% latency`;
  // A capacity item cuts no latency: what it adds is the figure worth reading.
  if (gain.capacityPct === undefined) return latency;
  const capacity = `+${formatNumber(gain.capacityPct)}% capacity`;
  return gain.latencyPctHigh === 0 ? capacity : `${latency}, ${capacity}`;
}

function byRank(items: readonly PlanItem[]): PlanItem[] {
  return [...items].sort((a, b) => a.rank - b.rank);
}

export function planTable(items: readonly PlanItem[]): string {
  return table(
    ['rank', 'item', 'bucket', 'expected gain', 'effort', 'risk', 'ROI'],
    byRank(items).map((item) => [
      String(item.rank),
      escapeMarkdown(item.title),
      BUCKET_TITLES[item.bucket],
      formatGain(item.expectedGain),
      formatDays(item.effortDays),
      item.risk,
      formatNumber(item.roi),
    ]),
    ['r', 'l', 'l', 'r', 'r', 'l', 'r'],
  );
}

function bullets(items: readonly string[], none: string): string {
  return items.length === 0 ? none : items.map((i) => `- ${escapeMarkdown(i)}`).join('\n');
}

function numbered(items: readonly string[], none: string): string {
  return items.length === 0
    ? none
    : items.map((s, i) => `${i + 1}. ${escapeMarkdown(s)}`).join('\n');
}

function itemSection(item: PlanItem): string {
  return blocks(
    `### ${item.rank}. ${escapeMarkdown(item.title)}`,
    `**Hypothesis:** ${escapeMarkdown(item.hypothesis)}`,
    `**Evidence:**\n\n${bullets(item.evidence, '- none recorded')}`,
    `**Steps:**\n\n${numbered(item.steps, '- none recorded')}`,
    `**Expected gain:** ${formatGain(item.expectedGain)}. ${escapeMarkdown(item.expectedGain.rationale)}`,
    `**Effort:** ${formatDays(item.effortDays)} · **Risk:** ${item.risk} · **ROI:** ${formatNumber(item.roi)}`,
    `**Success criteria:**\n\n${bullets(item.successCriteria, '- none recorded')}`,
    item.testing.length > 0 && `**Testing:**\n\n${bullets(item.testing, '')}`,
    `**Rollback:** ${escapeMarkdown(item.rollback)}`,
    item.guidanceNote !== undefined && `**Guidance:** ${escapeMarkdown(item.guidanceNote)}`,
    citedLine(item),
  );
}

/** A finding id as code; one from a hand-edited file with other characters, as plain text. */
function findingIdText(id: string): string {
  return /^[A-Za-z0-9:@._-]+$/.test(id) ? `\`${id}\`` : escapeMarkdown(id);
}

function citedLine(item: PlanItem): string | null {
  const cited = (item.findings ?? []).map(findingIdText).join(', ');
  if (item.refinedBy !== undefined) {
    return `**Written by:** Claude (${escapeMarkdown(item.refinedBy)}), citing ${cited}`;
  }
  return cited === '' ? null : `**Findings:** ${cited}`;
}

/** "**Plan:** refined by Claude (model): why." or "**Plan:** rule-based: why." */
export function planSourceLine(source: PlanSource): string {
  return source.plan === 'refined'
    ? `**Plan:** refined by Claude (${escapeMarkdown(source.model ?? 'unknown model')}): ${escapeMarkdown(source.reason)}.`
    : `**Plan:** rule-based: ${escapeMarkdown(source.reason)}.`;
}

/** Which plan this is, and why: a reader must know whether rules or a model wrote it. */
function sourceSection(source: PlanSource | undefined): string | null {
  if (source === undefined) return null;
  return blocks(
    planSourceLine(source),
    source.notes.length > 0 && `Left out of Claude's answer:\n\n${bullets(source.notes, '')}`,
  );
}

function findingsSection(findings: readonly PlanFinding[] | undefined): string | null {
  if (findings === undefined || findings.length === 0) return null;
  return blocks(
    '## Findings',
    'What the measurements showed, by the id items cite. The gain bound is the most an item may promise on the findings it cites, added up (Amdahl for shares of CPU time).',
    table(
      ['id', 'finding', 'gain bound'],
      findings.map((f) => [
        findingIdText(f.id),
        escapeMarkdown(f.summary),
        f.gainBoundPct === null ? 'none' : `${formatNumber(f.gainBoundPct)}%`,
      ]),
      ['l', 'l', 'r'],
    ),
  );
}

function bucketSections(items: readonly PlanItem[]): string {
  return blocks(
    ...BUCKET_ORDER.map((bucket) => {
      const inBucket = byRank(items).filter((i) => i.bucket === bucket);
      if (inBucket.length === 0) return null;
      return blocks(`## ${BUCKET_TITLES[bucket]}`, ...inBucket.map(itemSection));
    }),
  );
}

export function renderPlan(d: OptimizationPlanData): string {
  const plan =
    d.items.length === 0
      ? 'Nothing significant was found to optimize: no bottleneck in the measurements or the ' +
        'profile stood out enough to justify the work. See below for what the plan rests on.'
      : blocks(
          `${d.items.length} item${d.items.length === 1 ? '' : 's'}, in rank order.`,
          planTable(d.items),
          bucketSections(d.items),
        );
  return (
    blocks(
      '# Optimization plan',
      sourceSection(d.source),
      plan,
      findingsSection(d.findings),
      '## What this plan rests on',
      bullets(d.inputs, 'No inputs were recorded.'),
      renderGuidance(d.guidance),
      renderHowMeasured(d.provenance),
    ) + '\n'
  );
}
