import { describe, expect, it } from 'vitest';
import type { Comparator, SliName, SloConfig, Threshold } from '../../src/config/types.js';
import type { SliResult } from '../../src/data/common.js';
import { SloEvaluation } from '../../src/data/stages.js';
import {
  createLatencyHistogram,
  encodeHistogram,
  latencyStats,
  recordMs,
} from '../../src/measure/histogram.js';
import { formatSliValue } from '../../src/measure/format.js';
import { evaluateSlos, meetsThreshold, minimumSamples } from '../../src/slo/evaluate.js';

const th = (op: Comparator, value: number, text = `${op} ${value}`): Threshold => ({
  op,
  value,
  text,
});

function slo(sli: SliName, target: Threshold, extra: Partial<SloConfig> = {}): SloConfig {
  return { name: `${sli} slo`, sli, target, weight: 1, key: false, source: 'config', ...extra };
}

/**
 * A measured result built the way the load stages build one: a real HDR histogram of the
 * given [ms, count] groups, with the counters derived from it unless overridden.
 */
function sli(
  latencies: Array<[ms: number, count: number]>,
  over: { requests?: number; errors?: number; serverErrors?: number; durationSec?: number } = {},
): SliResult {
  const h = createLatencyHistogram();
  for (const [ms, count] of latencies) for (let i = 0; i < count; i++) recordMs(h, ms);
  const latency = latencyStats(h);
  const requests = over.requests ?? latency.count;
  const errors = over.errors ?? 0;
  const serverErrors = over.serverErrors ?? 0;
  const durationSec = over.durationSec ?? 10;
  return {
    requests,
    errors,
    serverErrors,
    timeouts: 0,
    transportErrors: 0,
    statusCodes: {},
    durationSec,
    throughputRps: durationSec > 0 ? requests / durationSec : 0,
    errorRate: requests > 0 ? errors / requests : 0,
    availability: requests > 0 ? 1 - serverErrors / requests : 1,
    latency,
    histogram: encodeHistogram(h),
  };
}

const fast = sli([[10, 2000]]);

interface Case {
  name: string;
  slo: SloConfig;
  overall?: SliResult;
  journeys?: Record<string, SliResult>;
  expect: Partial<SloEvaluation> & { reasonMatches?: RegExp };
}

const cases: Case[] = [
  // Latency percentiles, with budgets: pXX < T allows (1 - q) of the responses above T.
  {
    name: 'p95 under the target passes, the budget exactly used up',
    slo: slo('latency.p95', th('<', 50, '< 50ms')),
    overall: sli([
      [10, 950],
      [200, 50],
    ]),
    expect: {
      status: 'pass',
      score: 1,
      samples: 1000,
      budget: { allowed: 50, consumed: 50, burned: 1 },
      reasonMatches: /^p95 of all journeys 10 ms meets < 50ms$/,
    },
  },
  {
    name: 'p95 over the target but under the warning is a warning',
    slo: slo('latency.p95', th('<', 50, '< 50ms'), { warning: th('<', 300, '< 300ms') }),
    overall: sli([
      [10, 940],
      [200, 60],
    ]),
    expect: {
      status: 'warning',
      score: 0.5,
      budget: { allowed: 50, consumed: 60, burned: 1.2 },
      reasonMatches: /^p95 of all journeys 200\.\d ms misses < 50ms but meets the warning < 300ms$/,
    },
  },
  {
    name: 'p95 over target and warning fails',
    slo: slo('latency.p95', th('<', 50, '< 50ms'), { warning: th('<', 100, '< 100ms') }),
    overall: sli([
      [10, 900],
      [200, 100],
    ]),
    expect: {
      status: 'fail',
      score: 0,
      budget: { allowed: 50, consumed: 100, burned: 2 },
      reasonMatches: /misses < 50ms and the warning < 100ms$/,
    },
  },
  {
    name: 'p99 budget counts only responses above the threshold',
    slo: slo('latency.p99', th('<=', 100, '<= 100ms')),
    overall: sli([
      [5, 1990],
      [99, 5],
      [150, 5],
    ]),
    expect: { status: 'pass', budget: { allowed: 20, consumed: 5, burned: 0.25 } },
  },
  // 99.99 ms and 100.02 ms fall in one HDR bucket, [99.968, 100.031] ms: the verdict and
  // the budget read it at the same edge (the highest), so they agree, both ways round.
  {
    name: 'p95 at 99.99 ms reads 100.031 ms: it misses "< 100ms" and the budget counts it',
    slo: slo('latency.p95', th('<', 100, '< 100ms')),
    overall: sli([[99.99, 1000]]),
    expect: {
      status: 'fail',
      observed: 100.031,
      budget: { allowed: 50, consumed: 1000, burned: 20 },
      reasonMatches: /^p95 of all journeys 100 ms \(100\.031 ms before rounding\) misses < 100ms$/,
    },
  },
  {
    name: 'p95 at 100.02 ms misses "< 100ms" and the budget counts it',
    slo: slo('latency.p95', th('<', 100, '< 100ms')),
    overall: sli([[100.02, 1000]]),
    expect: { status: 'fail', budget: { allowed: 50, consumed: 1000, burned: 20 } },
  },
  {
    name: 'p95 at 100.02 ms passes "< 101ms" with nothing consumed',
    slo: slo('latency.p95', th('<', 101, '< 101ms')),
    overall: sli([[100.02, 1000]]),
    expect: { status: 'pass', budget: { allowed: 50, consumed: 0, burned: 0 } },
  },
  {
    name: 'a response at exactly the target is a bad event for "<" but not for "<="',
    slo: slo('latency.p95', th('<', 1, '< 1ms')),
    overall: sli([[1, 1000]]),
    expect: {
      status: 'fail',
      observed: 1,
      budget: { allowed: 50, consumed: 1000, burned: 20 },
      reasonMatches: /^p95 of all journeys 1 ms misses < 1ms$/,
    },
  },
  {
    name: 'p95 at exactly the target meets "<=" with nothing consumed',
    slo: slo('latency.p95', th('<=', 1, '<= 1ms')),
    overall: sli([[1, 1000]]),
    expect: { status: 'pass', budget: { allowed: 50, consumed: 0, burned: 0 } },
  },
  {
    name: 'max at exactly the target: "<" counts the one response, "<=" does not',
    slo: slo('latency.max', th('<', 1.5, '< 1.5ms')),
    overall: sli([
      [1, 99],
      [1.5, 1],
    ]),
    expect: { status: 'fail', budget: { allowed: 0, consumed: 1, burned: null } },
  },
  {
    name: 'p50 is judged at 20 responses',
    slo: slo('latency.p50', th('<', 50)),
    overall: sli([[10, 20]]),
    expect: { status: 'pass', samples: 20, budget: { allowed: 10, consumed: 0, burned: 0 } },
  },
  {
    name: 'p50 is inconclusive at 19 responses',
    slo: slo('latency.p50', th('<', 50)),
    overall: sli([[10, 19]]),
    expect: {
      status: 'inconclusive',
      score: 0,
      samples: 19,
      budget: null,
      reasonMatches: /^only 19 responses for all journeys: p50 needs at least 20$/,
    },
  },
  {
    name: 'p90 is inconclusive at 99 responses',
    slo: slo('latency.p90', th('<', 50)),
    overall: sli([[10, 99]]),
    expect: { status: 'inconclusive' },
  },
  {
    name: 'p90 is judged at 100 responses',
    slo: slo('latency.p90', th('<', 50)),
    overall: sli([[10, 100]]),
    expect: { status: 'pass' },
  },
  {
    name: 'p95 is inconclusive at 199 responses',
    slo: slo('latency.p95', th('<', 50)),
    overall: sli([[10, 199]]),
    expect: { status: 'inconclusive', reasonMatches: /p95 needs at least 200$/ },
  },
  {
    name: 'p99 is inconclusive at 120 responses, whatever the latency',
    slo: slo('latency.p99', th('<', 50, '< 50ms')),
    overall: sli([[500, 120]]),
    expect: {
      status: 'inconclusive',
      observed: 500.223,
      reasonMatches: /^only 120 responses for all journeys: p99 needs at least 1000$/,
    },
  },
  {
    name: 'a latency SLO without any response is inconclusive and observes nothing',
    slo: slo('latency.p95', th('<', 50)),
    overall: sli([], { requests: 50, errors: 50, serverErrors: 50 }),
    expect: {
      status: 'inconclusive',
      observed: null,
      samples: 0,
      reasonMatches: /^no responses for all journeys/,
    },
  },
  // Max latency: nothing is allowed above it.
  {
    name: 'max over the target fails with a budget that allows nothing',
    slo: slo('latency.max', th('<', 250, '< 250ms')),
    overall: sli([
      [10, 99],
      [300, 1],
    ]),
    expect: {
      status: 'fail',
      budget: { allowed: 0, consumed: 1, burned: null },
      reasonMatches: /^max latency of all journeys 300 ms misses < 250ms$/,
    },
  },
  {
    name: 'max is judged from a single response',
    slo: slo('latency.max', th('<', 250)),
    overall: sli([[10, 1]]),
    expect: { status: 'pass', samples: 1, budget: { allowed: 0, consumed: 0, burned: null } },
  },
  // Error rate: errors (4xx, 5xx, transport) against the allowed share of requests.
  {
    name: 'error rate at exactly the target passes and burns the whole budget',
    slo: slo('error_rate', th('<=', 0.01, '<= 1%')),
    overall: sli([[10, 1000]], { errors: 10 }),
    expect: {
      status: 'pass',
      observed: 0.01,
      samples: 1000,
      budget: { allowed: 10, consumed: 10, burned: 1 },
      reasonMatches: /^error rate of all journeys 1% meets <= 1%$/,
    },
  },
  {
    name: 'error rate one error over fails',
    slo: slo('error_rate', th('<=', 0.01, '<= 1%')),
    overall: sli([[10, 1000]], { errors: 11 }),
    expect: { status: 'fail', budget: { allowed: 10, consumed: 11, burned: 1.1 } },
  },
  {
    name: 'error rate is inconclusive under 100 requests',
    slo: slo('error_rate', th('<=', 0.01)),
    overall: sli([[10, 99]]),
    expect: {
      status: 'inconclusive',
      reasonMatches: /^only 99 requests for all journeys: error rate needs at least 100$/,
    },
  },
  {
    name: 'error rate on a sample too small to resolve the target is judged, and says so',
    slo: slo('error_rate', th('<=', 0.001, '<= 0.1%')),
    overall: sli([[10, 500]]),
    expect: {
      status: 'pass',
      budget: { allowed: 0.5, consumed: 0, burned: 0 },
      reasonMatches:
        /meets <= 0\.1% \(only 500 requests: a single error is already 0\.2%, more than the 0\.1% allowed\)$/,
    },
  },
  {
    name: 'error rate of zero allows nothing',
    slo: slo('error_rate', th('<=', 0, '<= 0%')),
    overall: sli([[10, 200]], { errors: 1 }),
    expect: { status: 'fail', budget: { allowed: 0, consumed: 1, burned: null } },
  },
  // Availability: only server errors count against it.
  {
    name: 'availability of exactly 99.9% meets ">= 99.9%" despite 99.9 / 100 in floating point',
    slo: slo('availability', th('>=', 99.9 / 100, '>= 99.9%')),
    overall: sli([[10, 10000]], { serverErrors: 10 }),
    expect: {
      status: 'pass',
      observed: 0.999,
      budget: { allowed: 10, consumed: 10, burned: 1 },
      reasonMatches: /^availability of all journeys 99\.9% meets >= 99\.9%$/,
    },
  },
  {
    name: 'availability ignores client errors',
    slo: slo('availability', th('>=', 0.999)),
    overall: sli([[10, 1000]], { errors: 50, serverErrors: 0 }),
    expect: { status: 'pass', observed: 1, budget: { allowed: 1, consumed: 0, burned: 0 } },
  },
  {
    name: 'availability below target fails',
    slo: slo('availability', th('>=', 0.99, '>= 99%')),
    overall: sli([[10, 1000]], { serverErrors: 25 }),
    expect: { status: 'fail', observed: 0.975, budget: { allowed: 10, consumed: 25, burned: 2.5 } },
  },
  // Throughput: no budget, needs a second of measurement.
  {
    name: 'throughput above the floor passes',
    slo: slo('throughput', th('>=', 200, '>= 200rps')),
    overall: sli([[10, 1000]], { durationSec: 4 }),
    expect: {
      status: 'pass',
      observed: 250,
      samples: 1000,
      budget: null,
      reasonMatches: /^throughput of all journeys 250 req\/s meets >= 200rps$/,
    },
  },
  {
    name: 'throughput below the floor fails',
    slo: slo('throughput', th('>=', 200, '>= 200rps'), { warning: th('>=', 150) }),
    overall: sli([[10, 1000]], { durationSec: 10 }),
    expect: { status: 'fail', observed: 100, budget: null },
  },
  {
    name: 'throughput over half a second is inconclusive',
    slo: slo('throughput', th('>=', 200)),
    overall: sli([[10, 1000]], { durationSec: 0.5 }),
    expect: {
      status: 'inconclusive',
      observed: 2000,
      reasonMatches:
        /^the measured window for all journeys lasted 0\.5 s: throughput needs at least 1 s$/,
    },
  },
  // Journey scoping.
  {
    name: 'a journey SLO reads its journey, not the overall result',
    slo: slo('latency.p95', th('<', 50, '< 50ms'), { journey: 'checkout' }),
    overall: fast,
    journeys: { checkout: sli([[84.2, 300]]), search: fast },
    expect: {
      status: 'fail',
      journey: 'checkout',
      samples: 300,
      reasonMatches: /^p95 of checkout 84\.2 ms misses < 50ms$/,
    },
  },
  {
    name: 'a journey without measurements is inconclusive',
    slo: slo('error_rate', th('<=', 0.01), { journey: 'search' }),
    overall: fast,
    journeys: { checkout: fast },
    expect: {
      status: 'inconclusive',
      observed: null,
      samples: 0,
      budget: null,
      reasonMatches: /^no measurements for journey search$/,
    },
  },
  {
    name: 'a journey named like an Object.prototype member is not found there',
    slo: slo('latency.p95', th('<', 50), { journey: 'constructor' }),
    overall: fast,
    journeys: {},
    expect: { status: 'inconclusive', reasonMatches: /no measurements for journey constructor/ },
  },
];

describe('evaluateSlos', () => {
  it.each(cases)('$name', (c) => {
    const [evaluation] = evaluateSlos([c.slo], {
      overall: c.overall ?? fast,
      journeys: c.journeys ?? {},
    });
    // Whatever it says must fit the data contract the slo-gate file is validated against.
    expect(SloEvaluation.parse(evaluation)).toEqual(evaluation);
    const { reasonMatches, observed, ...rest } = c.expect;
    expect(evaluation).toMatchObject(rest);
    if (observed === null) expect(evaluation?.observed).toBeNull();
    else if (observed !== undefined) expect(evaluation?.observed).toBeCloseTo(observed, 3);
    if (reasonMatches) expect(evaluation?.reason).toMatch(reasonMatches);
  });

  it('carries the SLO definition through', () => {
    const config = slo('latency.p95', th('<', 50, '< 50ms'), {
      name: 'checkout p95',
      journey: 'checkout',
      warning: th('<', 80, '< 80ms'),
      weight: 3,
      key: true,
    });
    const [evaluation] = evaluateSlos([config], {
      overall: fast,
      journeys: { checkout: fast },
    });
    expect(evaluation).toMatchObject({
      name: 'checkout p95',
      sli: 'latency.p95',
      journey: 'checkout',
      target: '< 50ms',
      warning: '< 80ms',
      weight: 3,
      key: true,
    });
  });

  it('leaves journey and warning out when the SLO has none', () => {
    const [evaluation] = evaluateSlos([slo('latency.p95', th('<', 50))], {
      overall: fast,
      journeys: {},
    });
    expect(evaluation).not.toHaveProperty('journey');
    expect(evaluation).not.toHaveProperty('warning');
  });

  it('judges many SLOs on one result in order', () => {
    const result = sli([[10, 1000]], { errors: 5 });
    const evaluations = evaluateSlos(
      [
        slo('latency.p95', th('<', 5)),
        slo('latency.p95', th('<', 50)),
        slo('error_rate', th('<=', 0.01)),
      ],
      { overall: result, journeys: {} },
    );
    expect(evaluations.map((e) => e.status)).toEqual(['fail', 'pass', 'pass']);
  });

  it('refuses a damaged histogram with a message naming it', () => {
    const damaged = { ...sli([[10, 300]]), histogram: 'not a histogram' };
    expect(() =>
      evaluateSlos([slo('latency.p95', th('<', 50), { journey: 'checkout' })], {
        overall: fast,
        journeys: { checkout: damaged },
      }),
    ).toThrow(/latency histogram of journey checkout cannot be decoded .*measure again/);
  });

  it('returns nothing for no SLOs', () => {
    expect(evaluateSlos([], { overall: fast, journeys: {} })).toEqual([]);
  });
});

describe('minimumSamples', () => {
  it.each([
    ['latency.p50', 20],
    ['latency.p90', 100],
    ['latency.p95', 200],
    ['latency.p99', 1000],
    ['latency.max', 1],
    ['error_rate', 100],
    ['availability', 100],
    ['throughput', 0],
  ] as const)('%s needs %i', (sliName, expected) => {
    expect(minimumSamples(sliName)).toBe(expected);
  });
});

describe('meetsThreshold', () => {
  it.each([
    ['<', 100, 99.9, true],
    ['<', 100, 100, false],
    ['<=', 100, 100, true],
    ['<=', 100, 100.1, false],
    ['>', 200, 200, false],
    ['>', 200, 200.5, true],
    ['>=', 200, 200, true],
    ['>=', 200, 199.9, false],
    ['>=', 99.9 / 100, 0.999, true],
    ['<=', 0.3, 0.1 + 0.2, true],
    ['<', 0.3, 0.1 + 0.2, false],
    ['>=', 0.999, 0.998, false],
  ] as const)('%s %d with %d is %s', (op, value, observed, expected) => {
    expect(meetsThreshold(th(op, value), observed)).toBe(expected);
  });
});

describe('formatting', () => {
  // The reason prints a value exactly as the reports' tables do (one formatter for both).
  it.each([
    ['latency.p95', [[84.25, 1000]], '< 50ms'],
    ['latency.p95', [[100.4, 1000]], '< 50ms'],
    ['latency.p50', [[0.347, 1000]], '< 50ms'],
    ['latency.max', [[1234, 1]], '< 50ms'],
  ] as const)(
    '%s of %j reads in the reason as formatSliValue prints it',
    (sliName, groups, text) => {
      const [evaluation] = evaluateSlos([slo(sliName, th('<', 50, text))], {
        overall: sli(groups.map(([ms, n]) => [ms, n])),
        journeys: {},
      });
      const shown = formatSliValue(sliName, evaluation!.observed);
      expect(evaluation!.reason.split(' of all journeys ')[1]).toMatch(
        new RegExp(`^${shown.replace(/[.]/g, '\\.')} (meets|misses) `),
      );
    },
  );

  it('prints rates and throughput as the reports do', () => {
    const result = sli([[10, 1000]], { errors: 5, serverErrors: 1, durationSec: 3 });
    const evaluations = evaluateSlos(
      [
        slo('error_rate', th('<=', 0.01, '<= 1%')),
        slo('availability', th('>=', 0.99, '>= 99%')),
        slo('throughput', th('>=', 200, '>= 200rps')),
      ],
      { overall: result, journeys: {} },
    );
    expect(evaluations.map((e) => e.reason)).toEqual([
      `error rate of all journeys ${formatSliValue('error_rate', 0.005)} meets <= 1%`,
      `availability of all journeys ${formatSliValue('availability', 0.999)} meets >= 99%`,
      `throughput of all journeys ${formatSliValue('throughput', 1000 / 3)} meets >= 200rps`,
    ]);
    expect(evaluations[2]?.reason).toContain('333.3 req/s');
  });
});
