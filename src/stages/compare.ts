import type { SliResult } from '../data/common.js';
import type { Comparison, JourneyResult } from '../data/stages.js';

type Direction = 'lower' | 'higher';

const METRICS: { metric: string; pick: (r: SliResult) => number; better: Direction }[] = [
  { metric: 'latency.p50', pick: (r) => r.latency.p50, better: 'lower' },
  { metric: 'latency.p95', pick: (r) => r.latency.p95, better: 'lower' },
  { metric: 'latency.p99', pick: (r) => r.latency.p99, better: 'lower' },
  { metric: 'throughput', pick: (r) => r.throughputRps, better: 'higher' },
  { metric: 'error_rate', pick: (r) => r.errorRate, better: 'lower' },
];

function row(
  metric: string,
  before: number,
  after: number,
  better: Direction,
  journey?: string,
): Comparison {
  const changePct = after === before ? 0 : before === 0 ? null : ((after - before) / before) * 100;
  return {
    metric,
    ...(journey ? { journey } : {}),
    before,
    after,
    changePct,
    better: after === before ? null : better === 'lower' ? after < before : after > before,
  };
}

/** Before/after rows: every headline SLI overall, and p95 per journey both runs measured. */
export function compareResults(
  before: { overall: SliResult; journeys: JourneyResult[] },
  after: { overall: SliResult; journeys: JourneyResult[] },
): Comparison[] {
  const rows = METRICS.map((m) =>
    row(m.metric, m.pick(before.overall), m.pick(after.overall), m.better),
  );
  for (const journey of after.journeys) {
    const earlier = before.journeys.find((j) => j.name === journey.name);
    if (earlier) {
      rows.push(
        row(
          'latency.p95',
          earlier.result.latency.p95,
          journey.result.latency.p95,
          'lower',
          journey.name,
        ),
      );
    }
  }
  return rows;
}
