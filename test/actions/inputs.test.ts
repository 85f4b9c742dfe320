import { describe, expect, it } from 'vitest';
import {
  readBaseRef,
  readCommonInputs,
  readFailOn,
  readLoadOverrides,
  withIntakeChoices,
} from '../../src/actions/inputs.js';

const reader = (values: Record<string, string>) => (name: string) => values[name] ?? '';

describe('action inputs', () => {
  it('treats empty as unset and applies the documented defaults', () => {
    expect(readCommonInputs(reader({ guidance: '  ', trigger: '' }))).toEqual({
      config: 'perf-flow.yml',
      reportDir: 'perf-flow-report',
      workingDirectory: '.',
    });
  });

  it('passes guidance and trigger through for the stage to validate', () => {
    const inputs = readCommonInputs(
      reader({ guidance: 'p95 under 100ms', trigger: 'slo-breach', config: 'x.yml' }),
    );
    expect(inputs).toMatchObject({
      guidance: 'p95 under 100ms',
      trigger: 'slo-breach',
      config: 'x.yml',
    });
  });

  it('reads the intake answers into the fields the stages apply', () => {
    const read = reader({
      target: ' p95 under 100ms ',
      'suspected-bottlenecks': 'database',
      'current-baseline': '',
      investment: 'Quick-Wins',
      timeline: 'urgent',
      monitoring: '',
    });
    expect(withIntakeChoices(readCommonInputs(read), read).intake).toEqual({
      target: 'p95 under 100ms',
      suspectedBottlenecks: 'database',
      investment: 'quick-wins',
      timeline: 'urgent',
    });
    expect(withIntakeChoices(readCommonInputs(reader({})), reader({}))).not.toHaveProperty(
      'intake',
    );
  });

  it('names the intake input and its answers for a value outside them', () => {
    expect(() =>
      withIntakeChoices(readCommonInputs(reader({})), reader({ investment: 'lots' })),
    ).toThrow('investment: expected one of quick-wins, moderate, comprehensive, got "lots"');
  });

  it.each([
    ['FAIL', ['FAIL']],
    ['fail, inconclusive', ['FAIL', 'INCONCLUSIVE']],
    ['PARTIAL FAIL', ['PARTIAL', 'FAIL']],
  ])('reads fail-on %j', (text, expected) => {
    expect(readFailOn(reader({ 'fail-on': text }))).toEqual(expected);
  });

  it('names the input and the expected values for a bad fail-on', () => {
    expect(() => readFailOn(reader({ 'fail-on': 'FAIL,MAYBE' }))).toThrow(
      'fail-on: expected verdicts from PASS, PARTIAL, FAIL, INCONCLUSIVE, got "MAYBE"',
    );
  });

  it.each([
    ['', {}],
    ['none', {}],
    ['NONE', {}],
    [
      '0123456789abcdef0123456789abcdef01234567',
      { baseRef: '0123456789abcdef0123456789abcdef01234567' },
    ],
    [' origin/main ', { baseRef: 'origin/main' }],
  ])('reads base-ref %j (empty outside a pull request: no comparison)', (text, expected) => {
    expect(readBaseRef(reader({ 'base-ref': text }))).toEqual(expected);
  });

  it('parses load overrides strictly', () => {
    expect(
      readLoadOverrides(reader({ duration: '30s', connections: '25', rate: '200rps' })),
    ).toEqual({
      durationMs: 30_000,
      connections: 25,
      rateRps: 200,
    });
    expect(() => readLoadOverrides(reader({ connections: '2.5' }))).toThrow(
      /^connections: expected a whole number/,
    );
    expect(() => readLoadOverrides(reader({ duration: 'soon' }))).toThrow(/^duration: /);
  });
});
