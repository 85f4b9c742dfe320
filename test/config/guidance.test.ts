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
