import type { LoadParams, ProcessStats, SliResult } from '../data/common.js';
import type { JourneyResult } from '../data/stages.js';
import {
  formatBytes,
  formatCount,
  formatMs,
  formatNumber,
  formatPct,
  formatRate,
} from '../measure/format.js';
import { blocks, escapeMarkdown, table } from './format.js';

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

/**
 * The figures a reader looks for first, as one row: the baseline report leads with it, and
 * the summary shows it for whichever stage measured (`measuredBy`, its first column).
 */
export function keyFiguresTable(r: SliResult, measuredBy?: string): string {
  const header = ['p50', 'p95', 'p99', 'throughput', 'error rate', 'availability', 'requests'];
  const row = [
    formatMs(r.latency.p50),
    formatMs(r.latency.p95),
    formatMs(r.latency.p99),
    formatRate(r.throughputRps),
    formatPct(r.errorRate),
    formatPct(r.availability),
    formatCount(r.requests),
  ];
  return measuredBy === undefined
    ? table(header, [row])
    : table(['measured by', ...header], [[escapeMarkdown(measuredBy), ...row]]);
}

/**
 * What the latency figures are made of, said where they are shown. A timed-out request has
 * no response time, only a lower bound: it is recorded at the request timeout (a censored
 * value), so that timeouts raise the percentiles instead of vanishing from them.
 */
export function latencyNote(overall: SliResult, load: LoadParams): string {
  const timeout = formatMs(load.requestTimeoutMs);
  const base =
    'Latency covers every response, whatever its status, and every request that timed out, ' +
    `counted at the request timeout (${timeout}), the least it took; a connection error has ` +
    'no latency and is left out.';
  if (overall.timeouts === 0) return base;
  const n = overall.timeouts;
  return (
    `${base} ${formatCount(n)} ${n === 1 ? 'request' : 'requests'} timed out: a percentile ` +
    `that reads ${timeout} or more is a lower bound.`
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
  const window = `for ${formatMs(load.durationMs)} after ${formatMs(load.warmupMs)} of warm-up`;
  if (load.model === 'open') {
    const rate =
      load.phases && load.phases.length > 1
        ? load.phases
            .map((p) => `${formatRate(p.rateRps)} for ${formatMs(p.durationMs)}`)
            .join(', then ')
        : formatRate(load.rateRps ?? 0);
    return (
      `${load.arrival === 'uniform' ? 'Evenly spaced' : 'Poisson'} arrivals at ${rate}, over at most ` +
      `${formatCount(load.connections)} connections, ${window} (open model: each request sent ` +
      `when due, its latency from that send, ${escapeMarkdown(load.tool)}).`
    );
  }
  const rate =
    load.rateRps === undefined ? 'unthrottled' : `throttled to ${formatRate(load.rateRps)}`;
  return (
    `${formatCount(load.connections)} connections, ${rate}, ${window} ` +
    `(closed loop, ${escapeMarkdown(load.tool)}).`
  );
}
