import type { TimelinePoint } from '../data/common.js';
import type { LoadTestData, SteadyLoadTest } from '../data/stages.js';
import { steadyLoad } from '../data/stages.js';
import { latencyChart, throughputChart } from './charts.js';
import { formatCount, formatMs } from '../measure/format.js';
import { blocks, escapeMarkdown, table } from './format.js';
import {
  capacitySection,
  generatorLine,
  generatorWarning,
  soakSection,
  spikeSection,
  stressSection,
} from './scenarios.js';
import { renderGuidance, renderHowMeasured } from './sections.js';
import { regressionProblemSection, regressionSection } from './regression.js';
import {
  journeyTable,
  latencyNote,
  loadSummary,
  overallTable,
  serviceSection,
  statusCodeTable,
} from './sli.js';

/** Beyond this many seconds the timeline table is folded away: the charts show its shape. */
export const TIMELINE_OPEN_ROWS = 15;

export function timelineTable(timeline: readonly TimelinePoint[]): string {
  if (timeline.length === 0) return 'No per-second timeline was recorded.';
  const rendered = table(
    ['second', 'requests', 'errors', 'p50', 'p95', 'p99'],
    [...timeline]
      .sort((a, b) => a.second - b.second)
      .map((p) => [
        String(p.second),
        formatCount(p.requests),
        formatCount(p.errors),
        formatMs(p.p50),
        formatMs(p.p95),
        formatMs(p.p99),
      ]),
    ['r', 'r', 'r', 'r', 'r', 'r'],
  );
  if (timeline.length <= TIMELINE_OPEN_ROWS) return rendered;
  // The blank lines around the table let GitHub render markdown inside the HTML block.
  return `<details>\n<summary>Per-second timeline (${timeline.length} s)</summary>\n\n${rendered}\n\n</details>`;
}

/**
 * A closed loop with a rate is a throttle: each connection waits for its answer before it
 * takes its next slot, so a service slower than connections ÷ rate gets less than the rate,
 * and the wait is not in the latency. Said wherever such a run is reported.
 */
export const RATE_CAVEAT =
  '> [!NOTE]\n> The rate is a throttle on a closed loop: each connection waits for its ' +
  'answer before its next slot, so a slow service receives less than the rate and the wait ' +
  'is not in the latency. For a constant arrival rate whatever the service does, use the ' +
  'open model (`model: open`).';

export function renderLoadTest(data: LoadTestData): string {
  const d = steadyLoad(data);
  return (
    blocks(
      '# Load test results',
      `**Scenarios:** ${data.scenarios.join(', ')}.`,
      d && steadySection(d),
      data.stress && stressSection(data.stress),
      data.spike && spikeSection(data.spike),
      data.soak && soakSection(data.soak),
      data.capacity && capacitySection(data.capacity),
      data.regression && regressionSection(data.regression),
      data.regressionProblem !== undefined && regressionProblemSection(data.regressionProblem),
      data.regressionNote !== undefined &&
        blocks('## Base against head', escapeMarkdown(data.regressionNote)),
      renderGuidance(data.guidance),
      renderHowMeasured(data.provenance, d?.load),
    ) + '\n'
  );
}

/** The steady load over the weighted journey mix: what the gate judges. */
function steadySection(d: SteadyLoadTest): string {
  const latency = latencyChart(d.timeline, 'Latency per second, all journeys');
  const throughput = throughputChart(d.timeline, 'Requests per second, all journeys');
  return blocks(
    '## Steady load',
    `Steady load over the weighted journey mix. ${loadSummary(d.load)}`,
    d.mergedShards !== undefined &&
      `Merged from ${d.mergedShards} shards, each sending its share of the load: their ` +
        'latency histograms are added, so the percentiles are those of all the requests together.',
    d.shard !== undefined &&
      `This is shard ${d.shard.index} of ${d.shard.count}: its share of the load only; ` +
        '`perf-flow merge` (or the SLO gate) adds the shards up.',
    generatorWarning(d.generator),
    d.load.model === 'closed' && d.load.rateRps !== undefined && RATE_CAVEAT,
    '## All journeys',
    overallTable(d.overall),
    '## Per journey',
    journeyTable(d.journeys),
    latencyNote(d.overall, d.load),
    statusCodeTable(d.journeys, d.overall),
    '## Timeline',
    `Measured window only, ${formatMs(d.load.durationMs)}; second 0 is the first after warm-up.`,
    timelineTable(d.timeline),
    (latency !== null || throughput !== null) && blocks('## Charts', latency, throughput),
    serviceSection(d.service),
    d.generator && generatorLine(d.generator),
  );
}
