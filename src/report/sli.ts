import type { LoadParams, ProcessStats, SliResult } from '../data/common.js';
import type { JourneyResult } from '../data/stages.js';
import {
  blocks,
  escapeMarkdown,
  formatBytes,
  formatCount,
  formatMs,
  formatNumber,
  formatPct,
  formatRate,
  table,
} from './format.js';

/** Tables shared by the reports that show measured load: baseline, load test, profiling. */

const SLI_HEADER = [
  'requests',
  'rps',
  'p50',
  'p90',
  'p95',
  'p99',
  'max',
  'error rate',
  'availability',
];

function sliCells(r: SliResult): string[] {
  return [
    formatCount(r.requests),
    formatRate(r.throughputRps),
    formatMs(r.latency.p50),
    formatMs(r.latency.p90),
    formatMs(r.latency.p95),
    formatMs(r.latency.p99),
    formatMs(r.latency.max),
    formatPct(r.errorRate),
    formatPct(r.availability),
  ];
}

const NUMERIC_ALIGN = SLI_HEADER.map(() => 'r' as const);

export function journeyTable(journeys: readonly JourneyResult[], overall?: SliResult): string {
  if (journeys.length === 0) return 'No journeys were measured.';
  const rows = journeys.map((j) => [
    escapeMarkdown(j.name),
    `${escapeMarkdown(j.method)} ${escapeMarkdown(j.path)}`,
    ...sliCells(j.result),
  ]);
  if (overall) rows.push(['**all journeys**', '', ...sliCells(overall)]);
  return table(['journey', 'request', ...SLI_HEADER], rows, ['l', 'l', ...NUMERIC_ALIGN]);
}

export function overallTable(overall: SliResult): string {
  return table(SLI_HEADER, [sliCells(overall)], NUMERIC_ALIGN);
}

/** The figures a reader looks for first, as one row. */
export function headlineTable(overall: SliResult): string {
  return table(
    ['p50', 'p95', 'p99', 'throughput', 'error rate', 'availability', 'requests'],
    [
      [
        formatMs(overall.latency.p50),
        formatMs(overall.latency.p95),
        formatMs(overall.latency.p99),
        formatRate(overall.throughputRps),
        formatPct(overall.errorRate),
        formatPct(overall.availability),
        formatCount(overall.requests),
      ],
    ],
  );
}

function isSuccess(code: string): boolean {
  return /^2\d\d$/.test(code);
}

/**
 * Status codes per journey, only when something other than 2xx happened: an all-2xx table
 * says nothing the error rate does not. Timeouts and transport errors have no status code,
 * so they get rows of their own.
 */
export function statusCodeTable(
  journeys: readonly JourneyResult[],
  overall: SliResult,
): string | null {
  const results = [...journeys.map((j) => j.result), overall];
  const codes = [...new Set(results.flatMap((r) => Object.keys(r.statusCodes)))].sort();
  const anyFailure =
    codes.some((code) => !isSuccess(code)) ||
    results.some((r) => r.timeouts > 0 || r.transportErrors > 0);
  if (!anyFailure) return null;

  const row = (label: string, pick: (r: SliResult) => number): string[] => [
    label,
    ...journeys.map((j) => formatCount(pick(j.result))),
    formatCount(pick(overall)),
  ];
  const rows = codes.map((code) => row(escapeMarkdown(code), (r) => r.statusCodes[code] ?? 0));
  if (results.some((r) => r.timeouts > 0)) rows.push(row('timeouts', (r) => r.timeouts));
  if (results.some((r) => r.transportErrors > 0)) {
    rows.push(row('transport errors', (r) => r.transportErrors));
  }
  return blocks(
    '## Status codes',
    table(['status', ...journeys.map((j) => escapeMarkdown(j.name)), 'all journeys'], rows, [
      'l',
      ...journeys.map(() => 'r' as const),
      'r',
    ]),
  );
}

export function serviceSection(service: ProcessStats | null): string {
  if (service === null) {
    return blocks(
      '## Service CPU and memory',
      'Not measured: the service was not started by perf-flow.',
    );
  }
  return blocks(
    '## Service CPU and memory',
    table(
      ['metric', 'mean', 'max'],
      [
        [
          'CPU (% of one core)',
          `${formatNumber(service.cpuPercentMean)}%`,
          `${formatNumber(service.cpuPercentMax)}%`,
        ],
        ['RSS', formatBytes(service.rssMeanBytes), formatBytes(service.rssMaxBytes)],
      ],
      ['l', 'r', 'r'],
    ),
    `CPU time: ${formatNumber(service.cpuSeconds)} s over ${formatCount(service.samples.length)} samples, whole process tree.`,
  );
}

/** One line a reader can take in without reading the "How this was measured" table. */
export function loadSummary(load: LoadParams): string {
  const rate =
    load.rateRps === undefined ? 'unthrottled' : `throttled to ${formatRate(load.rateRps)}`;
  return (
    `${formatCount(load.connections)} connections, ${rate}, for ${formatMs(load.durationMs)} ` +
    `after ${formatMs(load.warmupMs)} of warm-up (closed loop, ${escapeMarkdown(load.tool)}).`
  );
}
