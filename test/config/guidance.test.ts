import { describe, expect, it } from 'vitest';
import { applyGuidance, guidanceData, parseGuidance } from '../../src/config/guidance.js';
import { parseConfigText } from '../../src/config/load.js';
import type { Comparator, Config, FocusArea, SliName, Trigger } from '../../src/config/types.js';
import { GuidanceData } from '../../src/data/common.js';
import { ConfigError } from '../../src/errors.js';

describe('parseGuidance', () => {
  it('reads the brief example into focus areas and one key SLO', () => {
    const guidance = parseGuidance('API latency is critical, p95 must be under 100ms', undefined);
    expect(guidance.focus).toEqual(['api', 'latency']);
    expect(guidance.targets).toEqual([
      {
        name: 'guidance: latency.p95 < 100ms',
        sli: 'latency.p95',
        target: { op: '<', value: 100, text: '< 100ms' },
        weight: 1,
        key: true,
        source: 'guidance',
      },
    ]);
    expect(guidance.applied).toEqual([
      '"p95 must be under 100ms" → key SLO latency.p95 < 100ms',
      'focus: api, latency (from the text)',
    ]);
  });

  it.each<[string, SliName, Comparator, number]>([
    ['p95 must be under 100ms', 'latency.p95', '<', 100],
    ['p99 below 250 ms', 'latency.p99', '<', 250],
    ['p50 < 20ms', 'latency.p50', '<', 20],
    ['P90 latency at most 80 milliseconds', 'latency.p90', '<=', 80],
    ['median response time no more than 40ms', 'latency.p50', '<=', 40],
    ['max latency under 1s', 'latency.max', '<', 1000],
    ['keep the maximum latency below 2 seconds', 'latency.max', '<', 2000],
    ['p95 latency must not exceed 300 ms', 'latency.p95', '<=', 300],
    ['p99 within 500us', 'latency.p99', '<=', 0.5],
    ['error rate below 0.5%', 'error_rate', '<', 0.005],
    ['errors under 1%', 'error_rate', '<', 0.01],
    ['the error-rate must stay at most 0.1%', 'error_rate', '<=', 0.001],
    ['availability of at least 99.9%', 'availability', '>=', 0.999],
    ['availability above 99%', 'availability', '>', 0.99],
    ['throughput of at least 500 rps', 'throughput', '>=', 500],
    ['throughput over 1,200 requests per second', 'throughput', '>', 1200],
    ['we need to handle 500 rps', 'throughput', '>=', 500],
    ['it should sustain at least 250 req/s', 'throughput', '>=', 250],
  ])('%j → %s %s %d', (text, sli, op, value) => {
    const [target, ...others] = parseGuidance(text, undefined).targets;
    expect(others).toEqual([]);
    expect(target).toMatchObject({ sli, target: { op, value }, key: true, source: 'guidance' });
  });

  it.each([
    'latency is too high',
    'p95 is 300ms today',
    'reduce p95, it is 300ms',
    'under 100ms please',
    'p95 under 100',
    'error rate below 0.5',
    'handle 500 users',
  ])('finds no target in %j', (text) => {
    expect(parseGuidance(text, undefined).targets).toEqual([]);
  });

  it.each<[string, SliName, Comparator, number]>([
    ['keep p99 below 250 ms', 'latency.p99', '<', 250],
    ['p95 latency has to stay under 120 ms', 'latency.p95', '<', 120],
    ['p95 should not go above 200ms', 'latency.p95', '<=', 200],
    ['p99 should be up to 250ms', 'latency.p99', '<=', 250],
    ['target: p95 < 100ms', 'latency.p95', '<', 100],
    ['our SLO is p95 under 100ms', 'latency.p95', '<', 100],
    ['p95 is fine today, but we need p99 under 250ms', 'latency.p99', '<', 250],
    ['error rate needs to be at most 1%', 'error_rate', '<=', 0.01],
    ['errors must never be above 2%', 'error_rate', '<=', 0.02],
    ['availability must never drop below 99.9%', 'availability', '>=', 0.999],
    ['handle 500 rps', 'throughput', '>=', 500],
    ['the service has to serve 300 requests per second', 'throughput', '>=', 300],
  ])('takes the target-worded %j as %s %s %d', (text, sli, op, value) => {
    const guidance = parseGuidance(text, undefined);
    expect(guidance.targets).toHaveLength(1);
    expect(guidance.targets[0]).toMatchObject({ sli, target: { op, value }, source: 'guidance' });
    expect(guidance.applied.filter((line) => line.endsWith('ignored'))).toEqual([]);
  });

  it('reads the description and the target in one sentence apart', () => {
    const guidance = parseGuidance('p95 is 2s today and we need p99 under 250ms', undefined);
    expect(guidance.targets.map((slo) => slo.name)).toEqual(['guidance: latency.p99 < 250ms']);
    expect(guidance.applied).toEqual([
      '"p95 is 2s" describes the service as it is, not a target: ignored',
      '"p99 under 250ms" → key SLO latency.p99 < 250ms',
      'focus: latency (from the text)',
    ]);
  });

  it.each<[string, string[]]>([
    ['p95 is above 2s', ['"p95 is above 2s" describes the problem, not a target: ignored']],
    ['errors over 5% at peak', ['"errors over 5%" describes the problem, not a target: ignored']],
    ['p99 is 3s', ['"p99 is 3s" describes the service as it is, not a target: ignored']],
    [
      'the p95 latency is 2.5 seconds at peak',
      ['"p95 latency is 2.5 seconds" describes the service as it is, not a target: ignored'],
    ],
    [
      'availability is below 99%',
      ['"availability is below 99%" describes the problem, not a target: ignored'],
    ],
    [
      'availability dropped under 98%',
      ['"availability dropped under 98%" describes the problem, not a target: ignored'],
    ],
    [
      'throughput fell below 100 rps',
      ['"throughput fell below 100 rps" describes the problem, not a target: ignored'],
    ],
    [
      'p99 is over 1 second',
      ['"p99 is over 1 second" describes the problem, not a target: ignored'],
    ],
    [
      'p95 is under 100ms',
      ['"p95 is under 100ms" describes the service as it is, not a target: ignored'],
    ],
    [
      'error rate is up to 10%',
      ['"error rate is up to 10%" describes the service as it is, not a target: ignored'],
    ],
    [
      'p95 spikes up to 3s',
      ['"p95 spikes up to 3s" describes the service as it is, not a target: ignored'],
    ],
    [
      'p95 went below 100ms after the fix',
      ['"p95 went below 100ms" describes the service as it is, not a target: ignored'],
    ],
    [
      'we saw p95 under 100ms',
      ['"p95 under 100ms" describes the service as it is, not a target: ignored'],
    ],
    [
      'it can only handle 300 rps',
      ['"handle 300 rps" describes the service as it is, not a target: ignored'],
    ],
    [
      'it handles 300 rps',
      ['"handles 300 rps" describes the service as it is, not a target: ignored'],
    ],
    [
      'p99 up to 250ms',
      [
        '"p99 up to 250ms" is not worded as a target (say "must", "keep", "under", "at most"...): ignored',
      ],
    ],
    [
      'p95 must be above 2s',
      [
        '"p95 must be above 2s" is not a target: a latency.p95 target is an upper limit (under, below, at most): ignored',
      ],
    ],
    [
      'throughput should be under 100 rps',
      [
        '"throughput should be under 100 rps" is not a target: a throughput target is a lower limit (above, at least): ignored',
      ],
    ],
    [
      'p95 must be 100ms',
      ['"p95 must be 100ms" states no limit (under, at most, at least...), not a target: ignored'],
    ],
    [
      'Users complain that checkout is slow: p95 is above 2s and errors over 5% at peak',
      [
        '"p95 is above 2s" describes the problem, not a target: ignored',
        '"errors over 5%" describes the problem, not a target: ignored',
      ],
    ],
  ])('sets no target from %j and says why', (text, ignored) => {
    const guidance = parseGuidance(text, undefined);
    expect(guidance.targets).toEqual([]);
    expect(guidance.applied.filter((line) => line.endsWith(': ignored'))).toEqual(ignored);
    expect(guidance.applied).not.toContain(
      'the guidance text names no focus area or target perf-flow recognises',
    );
  });

  it('reads several targets in the order written', () => {
    const guidance = parseGuidance(
      'p95 and p99 under 100ms; error rate below 0.1% and availability of at least 99.95%',
      undefined,
    );
    expect(guidance.targets.map((slo) => slo.name)).toEqual([
      'guidance: latency.p95 < 100ms',
      'guidance: latency.p99 < 100ms',
      'guidance: error_rate < 0.1%',
      'guidance: availability >= 99.95%',
    ]);
  });

  it('keeps the first target for an SLI and says it ignored the later one', () => {
    const guidance = parseGuidance('p95 under 100ms, ideally p95 under 80ms', undefined);
    expect(guidance.targets.map((slo) => slo.target.value)).toEqual([100]);
    expect(guidance.applied).toContain(
      '"p95 under 80ms" ignored: the text already set latency.p95 < 100ms, the first target for latency.p95 wins',
    );
  });

  it.each<[string, FocusArea[]]>([
    ['the postgres queries are slow', ['database', 'latency']],
    ['SQL', ['database']],
    ['our db bill is too high', ['database', 'cost']],
    ['the checkout endpoint', ['api']],
    ['the product page in the browser', ['frontend']],
    ['make it cheaper', ['cost']],
    ['response times went up', ['latency']],
    ['we must scale for more load', ['throughput']],
    ['nothing specific', []],
    ['dbx apis', ['api']],
  ])('%j → focus %j', (text, focus) => {
    expect(parseGuidance(text, undefined).focus).toEqual(focus);
  });

  it.each<[Trigger, FocusArea[], string]>([
    ['slo-breach', ['latency'], 'focus: latency (from trigger slo-breach)'],
    ['capacity-planning', ['throughput'], 'focus: throughput (from trigger capacity-planning)'],
    ['cost-reduction', ['cost'], 'focus: cost (from trigger cost-reduction)'],
    ['user-complaint', ['latency', 'api'], 'focus: latency, api (from trigger user-complaint)'],
    ['proactive', [], 'trigger proactive: no focus area, every bottleneck is considered'],
    ['new-feature', ['api'], 'focus: api (from trigger new-feature)'],
  ])('trigger %s → focus %j', (trigger, focus, line) => {
    const guidance = parseGuidance(undefined, trigger);
    expect(guidance).toEqual({ trigger, focus, targets: [], applied: [line] });
  });

  it('adds the trigger focus after the text focus, once each', () => {
    const guidance = parseGuidance('the database is slow', ' User-Complaint ');
    expect(guidance.trigger).toBe('user-complaint');
    expect(guidance.focus).toEqual(['database', 'latency', 'api']);
    expect(guidance.applied).toEqual([
      'focus: database, latency, api (from the text and trigger user-complaint)',
    ]);
  });

  it('refuses an unknown trigger, listing the valid ones', () => {
    let error: unknown;
    try {
      parseGuidance('p95 under 100ms', 'panic');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).field).toBe('trigger');
    expect((error as ConfigError).message).toBe(
      'trigger: expected one of slo-breach, capacity-planning, cost-reduction, user-complaint, proactive, new-feature, got "panic"',
    );
  });

  it('treats empty inputs as no guidance', () => {
    expect(parseGuidance('  ', '')).toEqual({ focus: [], targets: [], applied: [] });
  });

  it('says when the text gave nothing it recognises', () => {
    expect(parseGuidance('make it good', undefined).applied).toEqual([
      'the guidance text names no focus area or target perf-flow recognises',
    ]);
  });
});

const CONFIG = parseConfigText(
  `service:
  url: http://127.0.0.1:3000
journeys:
  - name: checkout
    path: /checkout
slos:
  - sli: latency.p95
    target: "< 200ms"
    weight: 3
  - sli: latency.p95
    journey: checkout
    target: "< 300ms"
  - sli: error_rate
    target: "< 1%"
`,
  '/repo/perf-flow.yml',
);

function names(config: Config): string[] {
  return config.slos.map((slo) => slo.name);
}

describe('applyGuidance', () => {
  it('replaces the config SLO for the same SLI over all journeys, in place', () => {
    const guidance = parseGuidance('p95 must be under 100ms', undefined);
    const { config, applied } = applyGuidance(CONFIG, guidance);
    expect(names(config)).toEqual([
      'guidance: latency.p95 < 100ms',
      'latency.p95 of checkout < 300ms',
      'error_rate < 1%',
    ]);
    expect(config.slos[0]).toMatchObject({ key: true, weight: 1, source: 'guidance' });
    expect(applied).toEqual([
      '"p95 must be under 100ms" → key SLO latency.p95 < 100ms (replaces the config\'s target "< 200ms")',
      'focus: latency (from the text)',
    ]);
  });

  it('appends a target the config has no overall SLO for', () => {
    const guidance = parseGuidance('availability of at least 99.9%', 'user-complaint');
    const { config, applied } = applyGuidance(CONFIG, guidance);
    expect(names(config)).toEqual([...names(CONFIG), 'guidance: availability >= 99.9%']);
    expect(applied).toEqual([
      '"availability of at least 99.9%" → key SLO availability >= 99.9% (added: the config has no overall availability SLO)',
      'focus: latency, api (from trigger user-complaint)',
    ]);
  });

  it("keeps the config's targets when the text describes the problem", () => {
    const guidance = parseGuidance(
      'Users complain that checkout is slow: p95 is above 2s and errors over 5% at peak',
      'user-complaint',
    );
    const { config, applied } = applyGuidance(CONFIG, guidance);
    expect(config.slos).toEqual(CONFIG.slos);
    expect(applied).toEqual([
      '"p95 is above 2s" describes the problem, not a target: ignored',
      '"errors over 5%" describes the problem, not a target: ignored',
      'focus: latency, api (from the text and trigger user-complaint)',
      "no targets in the guidance: the config's SLOs apply as written",
    ]);
  });

  it('never lets a target pointing the wrong way replace a config SLO', () => {
    const inverted = { ...parseGuidance('error rate below 5%', undefined) };
    const [target] = inverted.targets;
    if (target === undefined) throw new Error('expected a target');
    inverted.targets = [{ ...target, target: { op: '>', value: 0.05, text: '> 5%' } }];
    expect(() => applyGuidance(CONFIG, inverted)).toThrow(/points the wrong way/);
  });

  it('refuses a throughput target above the rate the load test offers', () => {
    const rated = parseConfigText(
      `service:
  url: http://127.0.0.1:3000
journeys:
  - name: checkout
    path: /checkout
slos:
  - sli: throughput
    target: ">= 300rps"
load-test:
  rate: 400rps
`,
      '/repo/perf-flow.yml',
    );
    let error: unknown;
    try {
      applyGuidance(rated, parseGuidance('we need to handle 500 rps', 'capacity-planning'));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).field).toBe('guidance');
    expect((error as ConfigError).message).toBe(
      'guidance: the target throughput >= 500rps cannot be met: the load test offers only 400 req/s (its rate in perf-flow.yml); ask for at most 400rps or raise the rate',
    );
    const { config } = applyGuidance(rated, parseGuidance('handle 400 rps', undefined));
    expect(names(config)).toEqual(['guidance: throughput >= 400rps']);
  });

  it('leaves the config it was given untouched', () => {
    const before = structuredClone(CONFIG);
    applyGuidance(CONFIG, parseGuidance('p95 under 1ms and error rate below 0.1%', undefined));
    expect(CONFIG).toEqual(before);
  });

  it('says so when there is no guidance, and changes nothing', () => {
    const result = applyGuidance(CONFIG, parseGuidance(undefined, undefined));
    expect(result.config).toBe(CONFIG);
    expect(result.applied).toEqual(["no guidance given: the config's SLOs apply as written"]);
  });

  it('says the config SLOs apply when the guidance sets no target', () => {
    const { config, applied } = applyGuidance(CONFIG, parseGuidance(undefined, 'proactive'));
    expect(config.slos).toEqual(CONFIG.slos);
    expect(applied).toEqual([
      'trigger proactive: no focus area, every bottleneck is considered',
      "no targets in the guidance: the config's SLOs apply as written",
    ]);
  });
});

describe('guidanceData', () => {
  it('records the guidance as the data contract describes it', () => {
    const guidance = parseGuidance('p95 under 100ms', 'slo-breach');
    const { applied } = applyGuidance(CONFIG, guidance);
    const data = guidanceData(guidance, applied);
    expect(GuidanceData.parse(data)).toEqual(data);
    expect(data).toEqual({
      text: 'p95 under 100ms',
      trigger: 'slo-breach',
      focus: ['latency'],
      targets: ['latency.p95 < 100ms'],
      applied,
    });
  });

  it('leaves text and trigger out when absent', () => {
    expect(guidanceData(parseGuidance(undefined, undefined), [])).toEqual({
      focus: [],
      targets: [],
      applied: [],
    });
  });
});
