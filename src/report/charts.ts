import type { Comparison } from '../data/stages.js';
import type { TimelinePoint } from '../data/common.js';

export const MAX_CHART_POINTS = 60;

/** A stretch of consecutive timeline seconds drawn as one chart point. */
export interface ChartPoint {
  /** The first second of the stretch. */
  second: number;
  /** Seconds the stretch covers, including seconds the timeline has no point for. */
  spanSec: number;
  requests: number;
  errors: number;
  /** The worst of the stretch's per-second percentiles, in ms. */
  p50: number;
  p95: number;
  p99: number;
}

/**
 * Groups a timeline into at most `maxPoints` stretches of equal length. Percentiles cannot
 * be averaged, so a stretch shows the worst second's: a spike stays visible after
 * downsampling instead of being smoothed away. Requests and errors add up exactly.
 */
export function downsampleTimeline(
  timeline: readonly TimelinePoint[],
  maxPoints = MAX_CHART_POINTS,
): ChartPoint[] {
  const sorted = [...timeline].sort((a, b) => a.second - b.second);
  const size = Math.max(1, Math.ceil(sorted.length / maxPoints));
  const points: ChartPoint[] = [];
  for (let start = 0; start < sorted.length; start += size) {
    const group = sorted.slice(start, start + size);
    const first = group[0];
    const last = group[group.length - 1];
    if (first === undefined || last === undefined) continue;
    points.push({
      second: first.second,
      spanSec: last.second - first.second + 1,
      requests: group.reduce((sum, p) => sum + p.requests, 0),
      errors: group.reduce((sum, p) => sum + p.errors, 0),
      p50: Math.max(...group.map((p) => p.p50)),
      p95: Math.max(...group.map((p) => p.p95)),
      p99: Math.max(...group.map((p) => p.p99)),
    });
  }
  return points;
}

/**
 * Mermaid parses the title itself (quotes end it, `#…;` are entity codes) and the text
 * comes from data: keep letters, digits and harmless punctuation only.
 */
export function escapeMermaidText(text: string): string {
  return text
    .replace(/[^\p{L}\p{N} .,:/()+%-]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

function num(value: number): string {
  return Number.isFinite(value) ? String(Number(value.toFixed(3))) : '0';
}

function xychart(
  title: string,
  seconds: readonly number[],
  yTitle: string,
  lines: number[][],
): string {
  return [
    '```mermaid',
    'xychart-beta',
    `  title "${escapeMermaidText(title)}"`,
    `  x-axis "second" [${seconds.join(', ')}]`,
    `  y-axis "${yTitle}"`,
    ...lines.map((values) => `  line [${values.map(num).join(', ')}]`),
    '```',
  ].join('\n');
}

function stretchNote(points: readonly ChartPoint[], timelineLength: number): string {
  if (points.length === timelineLength) return '';
  return ` (${Math.ceil(timelineLength / points.length)} s per point)`;
}

/**
 * p50, p95 and p99 per second. xychart-beta draws no legend, so the caption names the
 * lines; percentiles never cross, so bottom to top is p50, p95, p99.
 * Null when there are fewer than two points: one point draws no line.
 */
export function latencyChart(timeline: readonly TimelinePoint[], title: string): string | null {
  if (timeline.length < 2) return null;
  const points = downsampleTimeline(timeline);
  const note = stretchNote(points, timeline.length);
  const chart = xychart(
    `${title}${note}`,
    points.map((p) => p.second),
    'latency (ms)',
    [points.map((p) => p.p50), points.map((p) => p.p95), points.map((p) => p.p99)],
  );
  const worst = note === '' ? '' : ', the worst second of each point';
  return `${chart}\n\n_Lines, bottom to top: p50, p95, p99 (ms${worst})._`;
}

/** Requests per second; null below two points. */
export function throughputChart(timeline: readonly TimelinePoint[], title: string): string | null {
  if (timeline.length < 2) return null;
  const points = downsampleTimeline(timeline);
  const note = stretchNote(points, timeline.length);
  return xychart(
    `${title}${note}`,
    points.map((p) => p.second),
    'requests/s',
    [points.map((p) => p.requests / p.spanSec)],
  );
}

/**
 * Overall p50, p95 and p99 before and after, as pairs of bars. Null without those rows.
 * xychart-beta draws no legend: the caption says which bar is which.
 */
export function beforeAfterChart(rows: readonly Comparison[]): string | null {
  const picked = ['latency.p50', 'latency.p95', 'latency.p99']
    .map((metric) => rows.find((r) => r.metric === metric && r.journey === undefined))
    .filter((r): r is Comparison => r !== undefined);
  if (picked.length === 0) return null;
  return [
    '```mermaid',
    'xychart-beta',
    '  title "Latency before and after (ms)"',
    `  x-axis [${picked.map((r) => r.metric.replace('latency.', '')).join(', ')}]`,
    '  y-axis "latency (ms)"',
    `  bar [${picked.map((r) => num(r.before)).join(', ')}]`,
    `  bar [${picked.map((r) => num(r.after)).join(', ')}]`,
    '```',
    '',
    '_Bars: before (drawn first), after (drawn over it)._',
  ].join('\n');
}

/**
 * The runtime second by second under the load: event-loop delay p99 and GC pause time, both
 * in ms. Null below two seconds. At most MAX_CHART_POINTS points, the worst of each stretch.
 */
export function runtimeChart(
  timeline: readonly { second: number; eventLoopDelayP99Ms: number | null; gcPauseMs: number }[],
  title: string,
): string | null {
  if (timeline.length < 2) return null;
  const size = Math.max(1, Math.ceil(timeline.length / MAX_CHART_POINTS));
  const seconds: number[] = [];
  const delay: number[] = [];
  const gc: number[] = [];
  for (let start = 0; start < timeline.length; start += size) {
    const group = timeline.slice(start, start + size);
    seconds.push(group[0]!.second);
    delay.push(Math.max(...group.map((p) => p.eventLoopDelayP99Ms ?? 0)));
    gc.push(Math.max(...group.map((p) => p.gcPauseMs)));
  }
  const chart = xychart(title, seconds, 'ms', [gc, delay]);
  return `${chart}\n\n_Lines: GC pause time in the second, and the event loop's delay p99 (ms${size > 1 ? `; the worst second of each ${size}` : ''})._`;
}
