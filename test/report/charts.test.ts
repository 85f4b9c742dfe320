import { describe, expect, it } from 'vitest';
import {
  downsampleTimeline,
  escapeMermaidText,
  latencyChart,
  MAX_CHART_POINTS,
  throughputChart,
} from '../../src/report/charts.js';
import { chartLines, timeline } from './fixtures.js';

describe('downsampleTimeline', () => {
  it('keeps a short timeline point for point', () => {
    const points = downsampleTimeline(timeline(30));
    expect(points).toHaveLength(30);
    expect(points[7]).toMatchObject({ second: 7, spanSec: 1, p95: 250, p99: 400 });
  });

  it('groups a long timeline into at most 60 points, keeping the worst second of each', () => {
    const points = downsampleTimeline(timeline(150));
    // 150 seconds in stretches of 3 seconds.
    expect(points).toHaveLength(50);
    expect(points.length).toBeLessThanOrEqual(MAX_CHART_POINTS);
    // Second 7 falls in the stretch starting at second 6: its spike must survive.
    expect(points[2]).toMatchObject({ second: 6, spanSec: 3, p95: 250, p99: 400, errors: 3 });
    // Requests add up exactly.
    const input = timeline(150).reduce((sum, p) => sum + p.requests, 0);
    expect(points.reduce((sum, p) => sum + p.requests, 0)).toBe(input);
  });

  it('counts seconds missing from the timeline in the span, so a rate stays per second', () => {
    const sparse = [
      { second: 0, requests: 100, errors: 0, p50: 1, p95: 2, p99: 3 },
      { second: 3, requests: 100, errors: 0, p50: 1, p95: 2, p99: 3 },
    ];
    const [point] = downsampleTimeline(sparse, 1);
    expect(point).toMatchObject({ second: 0, spanSec: 4, requests: 200 });
  });

  it('sorts by second', () => {
    const shuffled = timeline(5).reverse();
    expect(downsampleTimeline(shuffled).map((p) => p.second)).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('latencyChart', () => {
  it('draws p50, p95 and p99 with one value per second', () => {
    const chart = latencyChart(timeline(30), 'Latency') ?? '';
    expect(chart).toMatch(/^```mermaid\nxychart-beta\n/);
    const lines = chartLines(chart);
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(line).toHaveLength(30);
    const [p50, p95, p99] = lines;
    expect(p50?.[0]).toBe(18);
    expect(p95?.[7]).toBe(250);
    expect(p99?.[7]).toBe(400);
    expect(chart).toContain('x-axis "second" [0, 1, 2,');
    expect(chart).toContain('bottom to top: p50, p95, p99');
  });

  it('draws at most 60 points and says how many seconds each covers', () => {
    const chart = latencyChart(timeline(600), 'Latency') ?? '';
    for (const line of chartLines(chart)) expect(line).toHaveLength(60);
    expect(chart).toContain('(10 s per point)');
    expect(chart).toContain('the worst second of each point');
  });

  it('is omitted for fewer than two points', () => {
    expect(latencyChart(timeline(1), 'Latency')).toBeNull();
    expect(latencyChart([], 'Latency')).toBeNull();
    expect(throughputChart(timeline(1), 'Throughput')).toBeNull();
  });

  it('keeps a hostile title from ending the quoted string or injecting markup', () => {
    const chart = latencyChart(timeline(2), 'a"b<script>`x`#quot;') ?? '';
    const title = chart.split('\n').find((l) => l.trim().startsWith('title')) ?? '';
    expect(title).toBe('  title "a b script x quot"');
  });
});

describe('throughputChart', () => {
  it('draws requests per second, divided by the span when downsampled', () => {
    const single = chartLines(throughputChart(timeline(30), 'Throughput') ?? '');
    expect(single).toHaveLength(1);
    expect(single[0]?.slice(0, 3)).toEqual([400, 405, 410]);

    const grouped = chartLines(throughputChart(timeline(120), 'Throughput') ?? '');
    expect(grouped[0]).toHaveLength(60);
    // Seconds 0 and 1: (400 + 405) / 2.
    expect(grouped[0]?.[0]).toBe(402.5);
  });
});

describe('escapeMermaidText', () => {
  it('keeps letters, digits and plain punctuation', () => {
    expect(escapeMermaidText('list users: p95 (ms) 50%')).toBe('list users: p95 (ms) 50%');
    expect(escapeMermaidText('zählen/über')).toBe('zählen/über');
  });
});
