import { describe, expect, it } from 'vitest';
import { readScenarios } from '../../src/actions/inputs.js';
import { readInputs as readLoadTestInputs } from '../../src/actions/load-test/inputs.js';
import { readInputs as readRunInputs } from '../../src/actions/run/inputs.js';
import { ConfigError } from '../../src/errors.js';

// The scenarios input and --scenarios replace scenarios.run for one run; they are read with
// the same strictness as the file.

const reader = (values: Record<string, string>) => (name: string) => values[name] ?? '';

function errorOf(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

describe('readScenarios', () => {
  it.each([
    ['load', ['load']],
    ['stress,spike', ['stress', 'spike']],
    [' Soak , LOAD ', ['soak', 'load']],
    ['spike spike,load', ['spike', 'load']],
  ])('reads %j in order, once each', (text, names) => {
    expect(readScenarios(reader({ scenarios: text }))).toEqual(names);
  });

  it('leaves an empty input to the config', () => {
    expect(readScenarios(reader({ scenarios: '  ' }))).toBeUndefined();
  });

  it.each([
    ['load,stres', 'stres'],
    [',', ','],
  ])('refuses %j as a usage error on scenarios', (text, got) => {
    const error = errorOf(() => readScenarios(reader({ scenarios: text })));
    expect(error.exitCode).toBe(2);
    expect(error.field).toBe('scenarios');
    expect(error.message).toBe(
      `scenarios: expected scenario names from load, stress, spike, soak, comma-separated, got "${got}"`,
    );
  });

  it('reaches the load-test and root actions, and stays out when unset', () => {
    expect(readLoadTestInputs(reader({ scenarios: 'stress' })).scenarios).toEqual(['stress']);
    expect(readRunInputs(reader({ scenarios: 'load,soak' })).scenarios).toEqual(['load', 'soak']);
    expect(readLoadTestInputs(reader({}))).not.toHaveProperty('scenarios');
    expect(readRunInputs(reader({}))).not.toHaveProperty('scenarios');
  });
});
