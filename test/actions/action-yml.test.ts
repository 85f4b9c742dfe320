import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { INPUTS as baseline } from '../../src/actions/baseline/inputs.js';
import { INPUTS as loadTest } from '../../src/actions/load-test/inputs.js';
import { INPUTS as plan } from '../../src/actions/optimization-plan/inputs.js';
import { INPUTS as profile } from '../../src/actions/profile-analysis/inputs.js';
import { INPUTS as run } from '../../src/actions/run/inputs.js';
import { INPUTS as gate } from '../../src/actions/slo-gate/inputs.js';
import { INPUTS as summary } from '../../src/actions/summary/inputs.js';
import type { InputSpec } from '../../src/actions/inputs.js';

const actions: [string, string, Record<string, InputSpec>, string][] = [
  ['baseline', 'actions/baseline/action.yml', baseline, '../../dist/baseline/index.js'],
  [
    'profile-analysis',
    'actions/profile-analysis/action.yml',
    profile,
    '../../dist/profile-analysis/index.js',
  ],
  [
    'optimization-plan',
    'actions/optimization-plan/action.yml',
    plan,
    '../../dist/optimization-plan/index.js',
  ],
  ['load-test', 'actions/load-test/action.yml', loadTest, '../../dist/load-test/index.js'],
  ['slo-gate', 'actions/slo-gate/action.yml', gate, '../../dist/slo-gate/index.js'],
  ['summary', 'actions/summary/action.yml', summary, '../../dist/summary/index.js'],
  ['run (root)', 'action.yml', run, 'dist/run/index.js'],
];

interface ActionYml {
  name: string;
  description: string;
  inputs: Record<string, { description: string; required: boolean; default?: string }>;
  outputs: Record<string, { description: string }>;
  runs: { using: string; main: string };
}

describe.each(actions)('%s action.yml', (_name, file, spec, main) => {
  const yml = YAML.parse(readFileSync(file, 'utf8')) as ActionYml;

  it('declares every input the entry reads, and reads every input it declares', () => {
    expect(Object.keys(yml.inputs).sort()).toEqual(Object.keys(spec).sort());
  });

  it('gives each input the default and description the code uses', () => {
    for (const [name, input] of Object.entries(spec)) {
      expect(yml.inputs[name]!.default, name).toBe(input.default);
      expect(yml.inputs[name]!.description, name).toBe(input.description);
      expect(yml.inputs[name]!.required, name).toBe(false);
    }
  });

  it('runs its own bundle on node24 and documents its outputs', () => {
    expect(yml.runs).toEqual({ using: 'node24', main });
    expect(Object.keys(yml.outputs)).toContain(file === 'action.yml' ? 'verdict' : 'report-path');
    for (const output of Object.values(yml.outputs))
      expect(output.description.length).toBeGreaterThan(10);
  });
});
