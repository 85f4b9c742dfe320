import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseConfigText } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';

const MINIMAL = {
  service: { start: 'node server.js', url: 'http://127.0.0.1:${PORT}' },
  journeys: [{ name: 'list-items', path: '/api/items' }],
};

function regressionOf(section: Record<string, unknown>) {
  return parseConfigText(stringify({ ...MINIMAL, regression: section }), '/repo/perf-flow.yml')
    .regression;
}

describe('regression section', () => {
  it('takes thresholds by SLI name, each the right way up, and replaces the defaults', () => {
    const regression = regressionOf({
      'latency.p99': '+15%',
      throughput: '-2.5%',
      availability: '-0.1%',
      confidence: '90%',
      budget: '3m',
      block: '4s',
      calibrate: true,
      baseline: 'artifact',
      'base-ref': 'origin/main',
    });
    expect(regression).toEqual({
      criteria: [
        { sli: 'latency.p99', worse: 'higher', scale: 'ratio', threshold: 0.15 },
        { sli: 'availability', worse: 'lower', scale: 'difference', threshold: 0.001 },
        { sli: 'throughput', worse: 'lower', scale: 'ratio', threshold: 0.025 },
      ],
      confidence: 0.9,
      budgetMs: 180_000,
      blockMs: 4_000,
      calibrate: true,
      baseline: 'artifact',
      baseRef: 'origin/main',
    });
  });

  it.each<[string, Record<string, unknown>, string]>([
    [
      'a latency threshold that falls',
      { 'latency.p95': '-10%' },
      'regression["latency.p95"]: latency.p95 gets worse as it rises: expected a change like "+10%", got "-10%"',
    ],
    [
      'a throughput threshold without its sign',
      { throughput: '5%' },
      'regression.throughput: expected a change like "-5%", got "5%"',
    ],
    [
      'an error-rate threshold of zero',
      { error_rate: '+0%' },
      'regression.error_rate: error_rate gets worse as it rises: expected a change like "+1%" (percentage points), got "+0%"',
    ],
    [
      'a throughput that would fall by all of it',
      { throughput: '-100%' },
      'regression.throughput: throughput cannot fall by 100% or more, got "-100%"',
    ],
    [
      'a confidence of 100%',
      { confidence: '100%' },
      'regression.confidence: expected a confidence from 50% up to, not including, 100%',
    ],
    [
      'a block under a second',
      { block: '500ms' },
      'regression.block: expected at least 1s (a block is measured per second)',
    ],
    [
      'a budget too short for six pairs of blocks',
      { budget: '50s', block: '5s' },
      'regression.budget: must hold at least 6 pairs of 5s blocks (60s): fewer cannot decide at any useful confidence',
    ],
    ['an unknown baseline', { baseline: 'tag' }, 'regression.baseline'],
    [
      'a misspelt SLI',
      { 'latency.p95s': '+10%' },
      'regression["latency.p95s"]: unknown key (expected an SLI',
    ],
  ])('refuses %s, naming the field', (_case, section, message) => {
    expect(() => regressionOf(section)).toThrow(ConfigError);
    expect(() => regressionOf(section)).toThrow(message);
  });
});
