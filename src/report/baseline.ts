import type { BaselineData } from '../data/stages.js';
import { latencyChart, throughputChart } from './charts.js';
import { formatNumber } from '../measure/format.js';
import { blocks, escapeMarkdown, table } from './format.js';
import { renderGuidance, renderHowMeasured } from './sections.js';
import {
  journeyTable,
  keyFiguresTable,
  latencyNote,
  loadSummary,
  serviceSection,
  statusCodeTable,
} from './sli.js';

function slosSection(slos: BaselineData['slos']): string {
  if (slos.length === 0) {
    return blocks('## SLOs defined', 'No SLOs are defined: the gate will have nothing to judge.');
  }
  const rows = slos.map((s) => [
    escapeMarkdown(s.name),
    escapeMarkdown(s.sli),
    s.journey === undefined ? 'all' : escapeMarkdown(s.journey),
    escapeMarkdown(s.target),
    s.warning === undefined ? '' : escapeMarkdown(s.warning),
    s.key ? '★' : '',
    formatNumber(s.weight),
    s.source,
  ]);
  return blocks(
    '## SLOs defined',
    table(['SLO', 'SLI', 'journey', 'target', 'warning', 'key', 'weight', 'from'], rows),
    '★ a key SLO: failing it fails the gate whatever the score.',
  );
}

/**
 * The baseline has no timeline across journeys (percentiles of different journeys cannot
 * be merged per second), so each journey gets its own charts.
 */
function chartsSection(journeys: BaselineData['journeys']): string | null {
  const charts = journeys
    .map((j) => {
      const latency = latencyChart(j.timeline, `${j.name}: latency per second`);
      const throughput = throughputChart(j.timeline, `${j.name}: requests per second`);
      if (latency === null && throughput === null) return null;
      return blocks(`### ${escapeMarkdown(j.name)}`, latency, throughput);
    })
    .filter((c): c is string => c !== null);
  return charts.length === 0 ? null : blocks('## Charts', ...charts);
}

export function renderBaseline(d: BaselineData): string {
  return (
    blocks(
      '# Performance baseline',
      `Each journey was measured alone: ${loadSummary(d.load)}`,
      '## Headline (all journeys)',
      keyFiguresTable(d.overall),
      '## Journeys',
      journeyTable(d.journeys, d.overall),
      latencyNote(d.overall, d.load),
      statusCodeTable(d.journeys, d.overall),
      serviceSection(d.service),
      slosSection(d.slos),
      chartsSection(d.journeys),
      renderGuidance(d.guidance),
      renderHowMeasured(d.provenance, d.load),
    ) + '\n'
  );
}
