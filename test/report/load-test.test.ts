import { describe, expect, it } from 'vitest';
import { RATE_CAVEAT, renderLoadTest, TIMELINE_OPEN_ROWS } from '../../src/report/load-test.js';
import {
  chartLines,
  expectWellFormedTables,
  loadTest,
  rowStartingWith,
  tableWithHeader,
} from './fixtures.js';

describe('renderLoadTest', () => {
  it('states the scenario and load parameters up front', () => {
    const md = renderLoadTest(loadTest());
    expect(md.split('\n')[2]).toBe('**Scenarios:** load.');
    expect(md).toContain(
      'Steady load over the weighted journey mix. 50 connections, throttled to ' +
        '500 req/s, for 30 s after 5 s of warm-up (closed loop, autocannon 9.0.0).',
    );
  });

  it('shows overall and per-journey figures', () => {
    const md = renderLoadTest(loadTest());
    expectWellFormedTables(md);
    const overall = tableWithHeader(md, 'requests', 'rps', 'p50');
    expect(overall[1]?.slice(0, 6)).toEqual([
      '16,360',
      '498.7 req/s',
      '22.6 ms',
      '71.8 ms',
      '102.5 ms',
      '288.1 ms',
    ]);
    const journeys = tableWithHeader(md, 'journey', 'request');
    expect(rowStartingWith(journeys, 'create order')[6]).toBe('151.9 ms');
    expect(journeys.some((r) => r[0] === '**all journeys**')).toBe(false);
  });

  it('says what the latency figures are made of, timeouts included', () => {
    const none = loadTest();
    none.overall = { ...none.overall, timeouts: 0 };
    const clean = renderLoadTest(none);
    expect(clean).toContain(
      'Latency covers every response, whatever its status, and every request that timed out, ' +
        'counted at the request timeout (10 s), the least it took; a connection error has no ' +
        'latency and is left out.',
    );
    expect(clean).not.toContain('timed out: a percentile');
    const d = loadTest();
    d.overall = { ...d.overall, timeouts: 1_234 };
    expect(renderLoadTest(d)).toContain(
      'left out. 1,234 requests timed out: a percentile that reads 10 s or more is a lower bound.',
    );
  });

  it('tabulates the timeline per second, folded when long', () => {
    const md = renderLoadTest(loadTest(30));
    const t = tableWithHeader(md, 'second', 'requests', 'errors', 'p50', 'p95', 'p99');
    expect(t).toHaveLength(31);
    expect(rowStartingWith(t, '7')).toEqual(['7', '410', '3', '18.1 ms', '250 ms', '400 ms']);
    expect(md).toContain('<details>\n<summary>Per-second timeline (30 s)</summary>\n\n| second');
  });

  it('leaves a short timeline open', () => {
    const md = renderLoadTest(loadTest(TIMELINE_OPEN_ROWS));
    expect(tableWithHeader(md, 'second')).toHaveLength(TIMELINE_OPEN_ROWS + 1);
    expect(md).not.toContain('<details>');
  });

  it('charts latency and throughput from the timeline, at most 60 points', () => {
    expect(chartLines(renderLoadTest(loadTest(30))).map((l) => l.length)).toEqual([30, 30, 30, 30]);
    expect(chartLines(renderLoadTest(loadTest(300))).map((l) => l.length)).toEqual([
      60, 60, 60, 60,
    ]);
    const single = renderLoadTest(loadTest(1));
    expect(single).not.toContain('```mermaid');
    expect(single).not.toContain('## Charts');
  });

  it('shows the service CPU and RSS', () => {
    const md = renderLoadTest(loadTest());
    expect(rowStartingWith(tableWithHeader(md, 'metric', 'mean', 'max'), 'RSS')).toEqual([
      'RSS',
      '150 MiB',
      '212 MiB',
    ]);
  });
});

describe('the rate caveat', () => {
  it('appears when the load was throttled to a rate, and only then', () => {
    const throttled = loadTest();
    throttled.load = { ...throttled.load, rateRps: 400 };
    expect(renderLoadTest(throttled)).toContain(RATE_CAVEAT);
    const unthrottled = loadTest();
    delete unthrottled.load.rateRps;
    expect(renderLoadTest(unthrottled)).not.toContain(RATE_CAVEAT);
  });
});
