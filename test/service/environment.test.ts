import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isWithheldVariable, serviceEnvironment } from '../../src/service/environment.js';
import { buildService, startService } from '../../src/service/runner.js';
import type { RunningService } from '../../src/service/runner.js';
import { killMarkedProcesses, nodeFixture, serviceConfig, tempDir } from './helpers.js';

/** What a GitHub runner and the perf-flow action put in perf-flow's own environment. */
const SECRETS: Record<string, string> = {
  INPUT_TOKEN: 'ghs_input_token',
  INPUT_ANTHROPIC_API_KEY: 'sk-ant-input',
  ACTIONS_RUNTIME_TOKEN: 'runtime-token',
  ACTIONS_RUNTIME_URL: 'https://pipelines.example/',
  ACTIONS_CACHE_URL: 'https://cache.example/',
  ACTIONS_RESULTS_URL: 'https://results.example/',
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'oidc-token',
  ACTIONS_ID_TOKEN_REQUEST_URL: 'https://oidc.example/',
  GITHUB_TOKEN: 'ghs_github_token',
  GH_TOKEN: 'ghs_gh_token',
  ANTHROPIC_API_KEY: 'sk-ant-key',
};

describe('serviceEnvironment', () => {
  it.each([
    ['INPUT_TOKEN', true],
    ['INPUT_FAIL-ON', true],
    ['input_token', true],
    ['ACTIONS_RUNTIME_TOKEN', true],
    ['ACTIONS_ID_TOKEN_REQUEST_URL', true],
    ['ACTIONS_CACHE_URL', true],
    ['GITHUB_TOKEN', true],
    ['GH_TOKEN', true],
    ['ANTHROPIC_API_KEY', true],
    ['GITHUB_SHA', false],
    ['GITHUB_ACTIONS', false],
    ['RUNNER_TEMP', false],
    ['PATH', false],
    ['NODE_OPTIONS', false],
    ['MY_INPUT_TOKEN', false],
  ])('withholds %s: %s', (name, withheld) => {
    expect(isWithheldVariable(name)).toBe(withheld);
  });

  it('keeps the rest, lets service.env set anything, and adds perf-flow’s own last', () => {
    const base: Record<string, string> = {
      ...SECRETS,
      PATH: '/usr/bin',
      GITHUB_SHA: 'abc',
      HOME: '/home/runner',
    };
    expect(serviceEnvironment(base, {})).toEqual({
      PATH: '/usr/bin',
      GITHUB_SHA: 'abc',
      HOME: '/home/runner',
    });
    expect(
      serviceEnvironment(
        base,
        { GH_TOKEN: 'chosen by the user', HOME: '/srv', PORT: '1' },
        { PORT: '4242', NODE_OPTIONS: '--import probe' },
      ),
    ).toEqual({
      PATH: '/usr/bin',
      GITHUB_SHA: 'abc',
      HOME: '/srv',
      GH_TOKEN: 'chosen by the user',
      PORT: '4242',
      NODE_OPTIONS: '--import probe',
    });
    // The base is not changed, and undefined values are not carried over.
    expect(base.GH_TOKEN).toBe('ghs_gh_token');
    expect(serviceEnvironment({ A: undefined, B: 'b' }, {})).toEqual({ B: 'b' });
  });
});

describe('the environment a real service and build get', () => {
  const dir = tempDir('environment');
  const saved = new Map<string, string | undefined>();
  let service: RunningService | null = null;

  beforeEach(() => {
    for (const [name, value] of Object.entries(SECRETS)) {
      saved.set(name, process.env[name]);
      process.env[name] = value;
    }
  });
  afterEach(async () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    saved.clear();
    try {
      await service?.stop();
    } finally {
      service = null;
      killMarkedProcesses();
    }
  });
  afterAll(() => dir.remove());

  const names = (log: string): string[] =>
    log
      .split('\n')
      .map((line) => /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(line)?.[1])
      .filter((name): name is string => name !== undefined);

  it('keeps perf-flow’s credentials out of the service’s log, unless service.env sets one', async () => {
    service = await startService(
      serviceConfig({
        start: nodeFixture('env-dump.mjs'),
        env: { GREETING: 'hello', GH_TOKEN: 'chosen by the user' },
      }),
      { logDir: dir.path, name: 'env' },
    );
    const log = readFileSync(join(dir.path, 'env.log'), 'utf8');
    const seen = names(log);
    expect(seen).toEqual(expect.arrayContaining(['PATH', 'PORT', 'GREETING', 'GH_TOKEN']));
    for (const name of Object.keys(SECRETS).filter((n) => n !== 'GH_TOKEN')) {
      expect(seen).not.toContain(name);
    }
    expect(log).toContain('GH_TOKEN=chosen by the user');
    for (const value of Object.values(SECRETS)) expect(log).not.toContain(value);
  });

  it('has none of them in the build’s log either', async () => {
    const logDir = join(dir.path, 'build');
    await buildService(serviceConfig({ build: 'env' }), { logDir });
    const log = readFileSync(join(logDir, 'build.log'), 'utf8');
    expect(names(log)).toContain('PATH');
    for (const name of Object.keys(SECRETS)) expect(names(log)).not.toContain(name);
    for (const value of Object.values(SECRETS)) expect(log).not.toContain(value);
  });
});
