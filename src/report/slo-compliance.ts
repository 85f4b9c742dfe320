import type { ErrorBudget, SloEvaluation, SloGateData } from '../data/stages.js';
import {
  formatCount,
  formatEventCount,
  formatNumber,
  formatPct,
  formatSliValue,
} from '../measure/format.js';
import { blocks, escapeMarkdown, sloStatusBadge, table, verdictBadge } from './format.js';
import { renderGuidance, renderHowMeasured } from './sections.js';

const SOURCE_TEXT: Record<SloGateData['source'], string> = {
  'load-test': 'the load-test stage (steady load over the weighted journey mix)',
  baseline: 'the baseline stage (each journey measured alone)',
};

/** How the verdict was reached: the weighted score against the scoring thresholds. */
export function scoreText(d: SloGateData): string {
  return d.score === null
    ? 'no score (not enough data to compute one)'
    : `score ${formatPct(d.score)} (PASS at ≥ ${formatPct(d.scoring.pass)}, ` +
        `PARTIAL at ≥ ${formatPct(d.scoring.partial)})`;
}

/** What the verdict does to the job, which is what blocks a merge. */
export function consequenceText(d: SloGateData): string {
  const failOn = d.failOn.length === 0 ? 'nothing' : d.failOn.join(', ');
  return d.failed
    ? `**This job fails**: fail-on lists ${failOn}.`
    : `The job does not fail (fail-on: ${failOn}).`;
}

export function verdictLine(d: SloGateData): string {
  return `**Verdict: ${verdictBadge(d.verdict)}** · ${scoreText(d)}. ${consequenceText(d)}`;
}

export function sloTable(slos: readonly SloEvaluation[]): string {
  return table(
    [
      'SLO',
      'SLI',
      'journey',
      'target',
      'warning',
      'observed',
      'status',
      'score',
      'weight',
      'key',
      'samples',
      'why',
    ],
    slos.map((s) => [
      escapeMarkdown(s.name),
      escapeMarkdown(s.sli),
      s.journey === undefined ? 'all' : escapeMarkdown(s.journey),
      escapeMarkdown(s.target),
      s.warning === undefined ? '' : escapeMarkdown(s.warning),
      formatSliValue(s.sli, s.observed),
      sloStatusBadge(s.status),
      formatNumber(s.score),
      formatNumber(s.weight),
      s.key ? '★' : '',
      formatCount(s.samples),
      escapeMarkdown(s.reason),
    ]),
  );
}

/** Exhausted once more bad events happened than allowed; with none allowed, any one does. */
export function budgetExhausted(budget: ErrorBudget): boolean {
  return budget.burned === null ? budget.consumed > 0 : budget.burned > 1;
}

function budgetTable(slos: readonly SloEvaluation[]): string | null {
  const withBudget = slos.filter(
    (s): s is SloEvaluation & { budget: ErrorBudget } => s.budget !== null,
  );
  if (withBudget.length === 0) return null;
  return blocks(
    '## Error budgets',
    'Bad events each SLO allows in this run (responses over the latency target, errors, ' +
      'failures) against those seen. A request that timed out counts as a response at the ' +
      'request timeout, the least it would have taken, so a latency target below the timeout ' +
      'counts every timeout against its budget.',
    table(
      ['SLO', 'allowed', 'consumed', 'burned', 'exhausted'],
      withBudget.map((s) => [
        escapeMarkdown(s.name),
        formatEventCount(s.budget.allowed),
        formatEventCount(s.budget.consumed),
        s.budget.burned === null ? 'n/a (none allowed)' : formatPct(s.budget.burned),
        budgetExhausted(s.budget) ? '⛔ yes' : 'no',
      ]),
      ['l', 'r', 'r', 'r', 'l'],
    ),
  );
}

export function renderSloCompliance(d: SloGateData): string {
  return (
    blocks(
      '# SLO compliance',
      verdictLine(d),
      d.verdict === 'INCONCLUSIVE' &&
        '> [!IMPORTANT]\n> INCONCLUSIVE: there was not enough data to decide. This is not a pass.',
      d.reasons.length > 0 &&
        `**Why:**\n\n${d.reasons.map((r) => `- ${escapeMarkdown(r)}`).join('\n')}`,
      '## SLOs',
      d.slos.length === 0 ? 'No SLOs were evaluated.' : sloTable(d.slos),
      d.slos.some((s) => s.key) && '★ a key SLO: failing it fails the gate whatever the score.',
      budgetTable(d.slos),
      '## Source',
      `Judged on the measurements of ${SOURCE_TEXT[d.source]}.`,
      renderGuidance(d.guidance),
      renderHowMeasured(d.provenance),
    ) + '\n'
  );
}
