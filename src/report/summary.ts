import type {
  BaselineData,
  Comparison,
  LoadTestData,
  OptimizationPlanData,
  ProfileAnalysisData,
  SloGateData,
  SteadyLoadTest,
  SummaryData,
} from '../data/stages.js';
import { steadyLoad } from '../data/stages.js';
import {
  formatCount,
  formatMs,
  formatNumber,
  formatPct,
  formatRate,
  formatSliValue,
} from '../measure/format.js';
import {
  blocks,
  escapeMarkdown,
  formatChange,
  sloStatusBadge,
  table,
  verdictBadge,
} from './format.js';
import { beforeAfterChart, latencyChart, throughputChart } from './charts.js';
import { planSourceLine, planTable } from './optimization-plan.js';
import { planOutcomeSection } from './plan-outcome.js';
import { roiSection } from './roi.js';
import { functionLabel, locationLabel } from './profile-analysis.js';
import { generatorWarning } from './scenarios.js';
import { renderGuidance, renderHowMeasured } from './sections.js';
import { consequenceText, scoreText } from './slo-compliance.js';
import { keyFiguresTable } from './sli.js';
import { decisionLine, regressionHeadline, regressionTable } from './regression.js';
import type { RegressionResult } from '../data/regression.js';

export interface SummaryInput {
  summary: SummaryData;
  baseline?: BaselineData;
  profile?: ProfileAnalysisData;
  plan?: OptimizationPlanData;
  loadTest?: LoadTestData;
  gate?: SloGateData;
}

export const TOP_BOTTLENECKS = 5;
export const TOP_PLAN_ITEMS = 3;

function keyFigures(input: SummaryInput, steady: SteadyLoadTest | undefined): string {
  // The load test is the steady mixed load the gate prefers; the baseline stands in for it.
  if (steady) return keyFiguresTable(steady.overall, 'load test');
  if (input.baseline) return keyFiguresTable(input.baseline.overall, 'baseline');
  return 'No measurements: neither the baseline nor the load test ran.';
}

export function comparisonTable(rows: readonly Comparison[]): string {
  return table(
    ['metric', 'journey', 'before', 'after', 'change'],
    rows.map((c) => [
      escapeMarkdown(c.metric),
      c.journey === undefined ? 'all' : escapeMarkdown(c.journey),
      formatSliValue(c.metric, c.before),
      formatSliValue(c.metric, c.after),
      formatChange(c.changePct, c.better),
    ]),
    ['l', 'l', 'r', 'r', 'l'],
  );
}

function comparisonSection(summary: SummaryData): string | null {
  const { comparison, comparisonNote } = summary;
  const note = comparisonNote === null ? null : `_${escapeMarkdown(comparisonNote)}_`;
  if (comparison === null) return note && blocks('## Before and after', note);
  const commit =
    comparison.beforeCommit === null ? '' : `, commit ${escapeMarkdown(comparison.beforeCommit)}`;
  return blocks(
    '## Before and after',
    `Compared with ${escapeMarkdown(comparison.source)} (measured ${escapeMarkdown(comparison.beforeCreatedAt)}${commit}).`,
    note,
    comparison.rows.length === 0
      ? 'No figure could be compared.'
      : comparisonTable(comparison.rows),
  );
}

function sloSection(gate: SloGateData | undefined): string {
  if (gate === undefined) return blocks('## SLOs', 'The SLO gate did not run.');
  const counts = (['pass', 'warning', 'fail', 'inconclusive'] as const)
    .map((status) => [status, gate.slos.filter((s) => s.status === status).length] as const)
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${n} ${sloStatusBadge(status)}`)
    .join(' · ');
  return blocks(
    '## SLOs',
    gate.slos.length === 0 ? 'No SLOs were evaluated.' : `${gate.slos.length} SLOs: ${counts}.`,
    gate.slos.length > 0 &&
      table(
        ['SLO', 'observed', 'target', 'status'],
        gate.slos.map((s) => [
          `${escapeMarkdown(s.name)}${s.key ? ' ★' : ''}`,
          formatSliValue(s.sli, s.observed),
          escapeMarkdown(s.target),
          sloStatusBadge(s.status),
        ]),
      ),
  );
}

function bottleneckSection(profile: ProfileAnalysisData | undefined): string {
  const heading = '## Top bottlenecks';
  if (profile === undefined) return blocks(heading, 'The profile-analysis stage did not run.');
  if (profile.cpu === null || profile.cpu.topSelf.length === 0) {
    const reason = profile.reason === undefined ? '' : ` ${escapeMarkdown(profile.reason)}`;
    return blocks(heading, `No CPU profile was analyzed.${reason}`);
  }
  const lead = profile.diagnosis.find((f) => f.kind !== 'nothing-found');
  return blocks(
    heading,
    lead && `**Diagnosis:** ${escapeMarkdown(lead.summary)} (confidence: ${lead.confidence})`,
    table(
      ['#', 'function', 'file:line', 'self %'],
      profile.cpu.topSelf
        .slice(0, TOP_BOTTLENECKS)
        .map((h, i) => [String(i + 1), functionLabel(h), locationLabel(h), formatPct(h.selfShare)]),
      ['r', 'l', 'l', 'r'],
    ),
  );
}

function planSection(plan: OptimizationPlanData | undefined): string {
  const heading = '## Optimization plan';
  if (plan === undefined) return blocks(heading, 'The optimization-plan stage did not run.');
  if (plan.items.length === 0) return blocks(heading, 'Nothing significant was found to optimize.');
  const top = [...plan.items].sort((a, b) => a.rank - b.rank).slice(0, TOP_PLAN_ITEMS);
  return blocks(
    heading,
    // Only once Claude was asked: without a key the rules' plan needs no explanation here.
    plan.source?.model !== undefined && planSourceLine(plan.source),
    `The top ${top.length} of ${plan.items.length}:`,
    planTable(top),
  );
}

function stagesSection(summary: SummaryData): string {
  const list = (stages: readonly string[]) => stages.map(escapeMarkdown).join(', ');
  return blocks(
    '## Stages',
    summary.stagesPresent.length > 0 && `Ran: ${list(summary.stagesPresent)}.`,
    summary.stagesMissing.length > 0
      ? `**Missing:** ${list(summary.stagesMissing)}. What they would have shown is absent above.`
      : 'No stage is missing.',
  );
}

/** A section folded away: the PR comment leads with the verdict, the rest is a click away. */
function collapsed(title: string, markdown: string): string {
  // The blank lines let GitHub render the markdown inside the HTML block.
  return `<details>\n<summary>${escapeMarkdown(title)}</summary>\n\n${markdown}\n\n</details>`;
}

/** One line per scenario beyond the steady load, and the capacity they give. */
function scenariosSection(loadTest: LoadTestData): string | null {
  const { stress, spike, soak, capacity } = loadTest;
  const lines = [
    stress &&
      `- **Breaking point** (stress): ${
        stress.breakingPointRps === null
          ? 'no rate met every SLO'
          : `${stress.lowerBound ? 'at least ' : ''}${formatRate(stress.breakingPointRps)}`
      }. ${escapeMarkdown(stress.reason)}`,
    spike &&
      `- **Spike recovery**: ${
        spike.recoverySeconds === null
          ? 'did not recover before the run ended'
          : `${formatCount(spike.recoverySeconds)} s after the peak`
      } (peak p95 ${spike.peak.p95Ms === null ? 'n/a' : formatMs(spike.peak.p95Ms)}).`,
    soak &&
      `- **Soak**: memory ${soak.memory.verdict}, throughput ${soak.throughputDrift.verdict}, ` +
        `p95 ${soak.p95Drift.verdict}. ${escapeMarkdown(soak.memory.reason)}`,
    capacity &&
      capacity.instancesAfterGrowth.value !== null &&
      `- **Capacity**: ${formatCount(capacity.instancesAfterGrowth.value)} instance(s) after growth ` +
        `×${formatNumber(capacity.growth)}` +
        (capacity.costPerMillionRequests.value === null
          ? ''
          : `, ${capacity.costPerMillionRequests.value.toFixed(4)} ${escapeMarkdown(capacity.currency)} per million requests`) +
        '.',
  ].filter((line): line is string => typeof line === 'string');
  return lines.length === 0 ? null : blocks('## Load scenarios', lines.join('\n'));
}

function chartsSection(input: SummaryInput, steady: SteadyLoadTest | undefined): string | null {
  const timeline = steady?.timeline ?? [];
  const charts = [
    input.summary.comparison && beforeAfterChart(input.summary.comparison.rows),
    latencyChart(timeline, 'Load test latency per second, all journeys'),
    throughputChart(timeline, 'Load test requests per second'),
  ].filter((c): c is string => typeof c === 'string');
  return charts.length === 0 ? null : collapsed('Charts', blocks(...charts));
}

/** Base against head: the before/after that decides, each change with its interval. */
function baseAgainstHead(result: RegressionResult): string {
  return blocks(
    '## Base against head',
    regressionHeadline(result),
    regressionTable(result),
    `${decisionLine(result)} Details in testing/load-test-results.md.`,
  );
}

export function renderSummary(input: SummaryInput): string {
  const { summary } = input;
  const steady = steadyLoad(input.loadTest);
  const verdict =
    summary.verdict === null
      ? '**No verdict**: the SLO gate did not run.'
      : `**Verdict: ${verdictBadge(summary.verdict)}**`;
  return (
    blocks(
      '# Performance summary',
      `${verdict} · ${escapeMarkdown(summary.headline)}`,
      input.gate !== undefined && `SLO ${scoreText(input.gate)}. ${consequenceText(input.gate)}`,
      keyFigures(input, steady),
      input.loadTest?.regression && baseAgainstHead(input.loadTest.regression),
      comparisonSection(summary),
      generatorWarning(steady?.generator),
      sloSection(input.gate),
      input.loadTest && scenariosSection(input.loadTest),
      bottleneckSection(input.profile),
      planSection(input.plan),
      roiSection(input.plan, input.loadTest?.capacity),
      planOutcomeSection(summary.planOutcome),
      '## Next steps',
      summary.nextSteps.length === 0
        ? 'None.'
        : // A task list with an owner to fill in: the team decides who, perf-flow cannot.
          summary.nextSteps.map((s) => `- [ ] ${escapeMarkdown(s)} · owner: ____`).join('\n'),
      chartsSection(input, steady),
      stagesSection(summary),
      renderGuidance(summary.guidance),
      collapsed(
        'How this was measured',
        renderHowMeasured(summary.provenance, steady?.load ?? input.baseline?.load),
      ),
    ) + '\n'
  );
}
