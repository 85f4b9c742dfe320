import { describe, expect, it } from 'vitest';
import { renderBaseline } from '../../src/report/baseline.js';
import {
  baseline,
  chartLines,
  expectWellFormedTables,
  rowStartingWith,
  tableWithHeader,
  timeline,
} from './fixtures.js';

describe('renderBaseline', () => {
  it('leads with the overall figures', () => {
    const md = renderBaseline(baseline());
    expect(md.startsWith('# Performance baseline\n')).toBe(true);
    const headline = tableWithHeader(md, 'p50', 'p95', 'p99', 'throughput');
    expect(headline[1]).toEqual([
      '22.6 ms',
      '102.5 ms',
      '288.1 ms',
      '545.3 req/s',
      '0.24%',
      '99.93%',
      '16,360',
    ]);
  });

  it('says under the journeys that a timeout counts in the latency at the request timeout', () => {
    const md = renderBaseline(baseline());
    const after = md.slice(md.indexOf('## Journeys'));
    expect(after).toMatch(
      /\n\nLatency covers every response, .* counted at the request timeout \(10 s\)/,
    );
  });

  it('puts each journey’s figures in its own row', () => {
    const md = renderBaseline(baseline());
    expectWellFormedTables(md);
    const t = tableWithHeader(md, 'journey', 'request', 'requests', 'rps');
    expect(t[0]).toEqual([
      'journey',
      'request',
      'requests',
      'rps',
      'p50',
      'p90',
      'p95',
      'p99',
      'max',
      'error rate',
      'availability',
    ]);
    expect(rowStartingWith(t, 'list users')).toEqual([
      'list users',
      'GET /api/users?limit=50',
      '12,360',
      '412 req/s',
      '18.2 ms',
      '39.6 ms',
      '48.7 ms',
      '97.3 ms',
      '1.23 s',
      '0%',
      '100%',
    ]);
    expect(rowStartingWith(t, 'create order')).toEqual([
      'create order',
      'POST /api/orders',
      '4,000',
      '133.3 req/s',
      '61.5 ms',
      '120.4 ms',
      '151.9 ms',
      '310.6 ms',
      '2.87 s',
      '1%',
      '99.7%',
    ]);
    expect(rowStartingWith(t, '**all journeys**')[6]).toBe('102.5 ms');
  });

  it('breaks status codes down per journey when there are failures', () => {
    const md = renderBaseline(baseline());
    const t = tableWithHeader(md, 'status', 'list users', 'create order', 'all journeys');
    expect(rowStartingWith(t, '503')).toEqual(['503', '0', '10', '10']);
    expect(rowStartingWith(t, '422')).toEqual(['422', '0', '28', '28']);
    expect(rowStartingWith(t, 'timeouts')).toEqual(['timeouts', '0', '2', '2']);
  });

  it('leaves the status-code table out when every response was 2xx', () => {
    const d = baseline();
    d.journeys = d.journeys.slice(0, 1);
    d.overall = d.journeys[0]!.result;
    const md = renderBaseline(d);
    expect(md).not.toContain('## Status codes');
  });

  it('shows service CPU and memory, or says why they were not measured', () => {
    const md = renderBaseline(baseline());
    const t = tableWithHeader(md, 'metric', 'mean', 'max');
    expect(rowStartingWith(t, 'CPU (% of one core)')).toEqual([
      'CPU (% of one core)',
      '137.5%',
      '196.2%',
    ]);
    expect(rowStartingWith(t, 'RSS')).toEqual(['RSS', '150 MiB', '212 MiB']);
    expect(md).toContain('CPU time: 41.3 s');

    const d = baseline();
    d.service = null;
    expect(renderBaseline(d)).toContain('Not measured: the service was not started by perf-flow.');
  });

  it('lists the SLOs defined with target, warning, key and weight', () => {
    const md = renderBaseline(baseline());
    const t = tableWithHeader(md, 'SLO', 'SLI', 'journey', 'target', 'warning', 'key', 'weight');
    expect(rowStartingWith(t, 'p95 under 100ms')).toEqual([
      'p95 under 100ms',
      'latency.p95',
      'all',
      '&lt; 100ms',
      '&lt; 150ms',
      '★',
      '2',
      'config',
    ]);
    expect(rowStartingWith(t, 'orders error rate').slice(2, 7)).toEqual([
      'create order',
      '&lt; 0.5%',
      '',
      '',
      '1',
    ]);
  });

  it('charts latency and throughput per journey', () => {
    const md = renderBaseline(baseline());
    expect(md).toContain('### list users');
    expect(md).toContain('### create order');
    // Two journeys: three latency lines and one throughput line each, 30 seconds apiece.
    const lines = chartLines(md);
    expect(lines).toHaveLength(8);
    for (const line of lines) expect(line).toHaveLength(30);
  });

  it('omits the charts when a journey has a single second', () => {
    const d = baseline();
    for (const j of d.journeys) j.timeline = timeline(1);
    const md = renderBaseline(d);
    expect(md).not.toContain('```mermaid');
    expect(md).not.toContain('## Charts');
  });
});
