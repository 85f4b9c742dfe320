import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { guidedConfig } from '../../src/config/guided-config.js';
import type { IntakeChoices } from '../../src/config/intake.js';
import { guidanceText, intakeSettings, matchChoice } from '../../src/config/intake.js';
import { parseConfigText } from '../../src/config/load.js';
import { configErrorOf } from '../helpers/config-error.js';

const FILE = '/repo/perf-flow.yml';
const MINIMAL = {
  service: { start: 'node server.js', url: 'http://127.0.0.1:${PORT}' },
  journeys: [{ name: 'items', path: '/api/items' }],
  slos: [{ sli: 'latency.p95', target: '< 300ms' }],
};
const parse = (extra: Record<string, unknown> = {}) =>
  parseConfigText(stringify({ ...MINIMAL, ...extra }), FILE);

const choices = (overrides: Partial<IntakeChoices>): IntakeChoices => ({
  monitoring: 'basic',
  investment: 'moderate',
  timeline: 'normal',
  ...overrides,
});

describe('intakeSettings: what the closed answers change', () => {
  it.each([
    ['quick-wins', 'quick-wins'],
    ['moderate', 'moderate'],
    ['comprehensive', 'comprehensive'],
  ] as const)('investment %s gives plan depth %s', (investment, depth) => {
    expect(intakeSettings(choices({ investment })).depth).toBe(depth);
  });

  it.each([
    ['urgent', 'mature', ['load']],
    ['urgent', 'none', ['load']],
    ['normal', 'basic', ['load', 'stress', 'spike']],
    ['normal', 'mature', ['load', 'stress', 'spike']],
    // Without monitoring, a slow leak would go unseen in production: the soak runs first.
    ['normal', 'none', ['load', 'stress', 'spike', 'soak']],
    ['relaxed', 'mature', ['load', 'stress', 'spike', 'soak']],
  ] as const)('timeline %s with monitoring %s runs %j', (timeline, monitoring, scenarios) => {
    expect(intakeSettings(choices({ timeline, monitoring })).scenarios).toEqual(scenarios);
  });

  it.each([
    ['none', 'relaxed', 'low'],
    ['basic', 'urgent', 'low'],
    ['basic', 'normal', 'medium'],
    ['mature', 'urgent', 'medium'],
    ['mature', 'normal', 'high'],
  ] as const)(
    'monitoring %s with timeline %s gives risk tolerance %s',
    (monitoring, timeline, risk) => {
      expect(intakeSettings(choices({ monitoring, timeline })).riskTolerance).toBe(risk);
    },
  );

  it('reads answers by name in any case, with spaces, or by number', () => {
    const values = ['quick-wins', 'moderate', 'comprehensive'] as const;
    expect(matchChoice(values, ' Quick wins ')).toBe('quick-wins');
    expect(matchChoice(values, '3', true)).toBe('comprehensive');
    expect(matchChoice(values, '3')).toBeUndefined();
    expect(matchChoice(values, '4', true)).toBeUndefined();
    expect(matchChoice(values, 'lots')).toBeUndefined();
  });
});

describe('the guidance and plan sections of perf-flow.yml', () => {
  it('reads both, and defaults to the whole plan ranked by ROI', () => {
    expect(parse().plan).toEqual({ depth: 'comprehensive', riskTolerance: 'high' });
    expect(parse().guidance).toBeUndefined();
    const config = parse({
      guidance: {
        trigger: 'slo-breach',
        'current-baseline': 'p95 about 800ms',
        target: 'p95 under 100ms',
        'suspected-bottlenecks': 'slow SQL queries',
      },
      plan: { depth: 'quick-wins', 'risk-tolerance': 'low' },
    });
    expect(config.plan).toEqual({ depth: 'quick-wins', riskTolerance: 'low' });
    expect(config.guidance).toEqual({
      trigger: 'slo-breach',
      currentBaseline: 'p95 about 800ms',
      target: 'p95 under 100ms',
      suspectedBottlenecks: 'slow SQL queries',
    });
  });

  it.each([
    [
      { plan: { depth: 'deep' } },
      'plan.depth',
      'expected one of quick-wins, moderate, comprehensive, got "deep"',
    ],
    [
      { plan: { 'risk-tolerance': 'none' } },
      'plan.risk-tolerance',
      'expected one of low, medium, high',
    ],
    [
      { plan: { dept: 'moderate' } },
      'plan.dept',
      'unknown key (expected one of depth, risk-tolerance)',
    ],
    [{ guidance: { trigger: 'panic' } }, 'guidance.trigger', 'expected one of slo-breach,'],
    [{ guidance: { target: '' } }, 'guidance.target', 'must not be empty'],
    [{ guidance: { goal: 'fast' } }, 'guidance.goal', 'unknown key'],
  ])('refuses %j, naming %s', (extra, field, message) => {
    const error = configErrorOf(stringify({ ...MINIMAL, ...extra }), FILE);
    expect(error.field).toBe(field);
    expect(error.message).toContain(message);
  });
});

describe('guidedConfig: the intake answers on a run', () => {
  it('turns the written target into a key SLO and the bottlenecks into focus, quoting the baseline', () => {
    const { config, guidance } = guidedConfig(
      parse({
        guidance: {
          trigger: 'user-complaint',
          'current-baseline': 'p95 is about 800ms, 150 rps at peak',
          target: 'p95 under 100ms',
          'suspected-bottlenecks': 'the database',
        },
      }),
      {},
    );
    expect(config.slos.map((slo) => `${slo.sli} ${slo.target.text} ${slo.source}`)).toEqual([
      'latency.p95 < 100ms guidance',
    ]);
    expect(guidance.trigger).toBe('user-complaint');
    expect(guidance.focus).toEqual(['latency', 'database', 'api']);
    expect(guidance.text).toBe('Target p95 under 100ms. Suspected bottlenecks: the database');
    expect(guidance.applied).toContain(
      'current baseline, as told: "p95 is about 800ms, 150 rps at peak" (quoted only: the measurements here are perf-flow\'s own)',
    );
    // The baseline's "150 rps" is how things are, not a wish for throughput.
    expect(guidance.focus).not.toContain('throughput');
  });

  it('reads a target with a weak comparison as one, since it answered the target question', () => {
    const { guidance } = guidedConfig(parse({ guidance: { target: 'p99 up to 250ms' } }), {});
    expect(guidance.targets).toEqual(['latency.p99 <= 250ms']);
  });

  it('lets inputs replace the written answers, and says so', () => {
    const written = parse({
      guidance: { target: 'p95 under 100ms', trigger: 'proactive' },
      plan: { depth: 'comprehensive', 'risk-tolerance': 'high' },
      scenarios: { run: ['load'] },
    });
    const { config, guidance } = guidedConfig(written, {
      trigger: 'slo-breach',
      intake: { target: 'p95 under 50ms', investment: 'quick-wins', timeline: 'relaxed' },
    });
    expect(guidance.targets).toEqual(['latency.p95 < 50ms']);
    expect(guidance.trigger).toBe('slo-breach');
    expect(config.plan).toEqual({ depth: 'quick-wins', riskTolerance: 'medium' });
    expect(config.scenarios.run).toEqual(['load', 'stress', 'spike', 'soak']);
    expect(guidance.applied).toEqual(
      expect.arrayContaining([
        'intake input target replaces perf-flow.yml\'s guidance.target "p95 under 100ms"',
        "the trigger input replaces perf-flow.yml's guidance.trigger proactive",
        expect.stringMatching(
          /^intake input investment quick-wins: plan depth quick-wins \(perf-flow\.yml: comprehensive\)/,
        ),
        expect.stringMatching(
          /^intake inputs monitoring basic, timeline relaxed \(monitoring not given: taken as basic\): scenarios \[load, stress, spike, soak\] \(perf-flow\.yml: \[load\]\)/,
        ),
      ]),
    );
  });

  it('changes nothing when neither the file nor the inputs hold any answer', () => {
    const loaded = parse();
    const { config, guidance } = guidedConfig(loaded, {});
    expect(config.plan).toEqual(loaded.plan);
    expect(config.scenarios.run).toEqual(['load']);
    expect(guidance.applied).toEqual(["no guidance given: the config's SLOs apply as written"]);
  });

  it('keeps the guidance input as it was when nothing else is written', () => {
    expect(guidanceText({ text: 'API latency is critical, p95 must be under 100ms' })).toBe(
      'API latency is critical, p95 must be under 100ms',
    );
    expect(guidanceText({ text: 'Be quick.', target: 'p95 under 1s' })).toBe(
      'Be quick. Target p95 under 1s',
    );
    expect(guidanceText({})).toBeUndefined();
  });
});
