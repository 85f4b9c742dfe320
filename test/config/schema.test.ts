import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseConfigText } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';
import { PORT_PLACEHOLDER } from '../../src/config/types.js';
import { ConfigError } from '../../src/errors.js';

const FILE = '/repo/perf/perf-flow.yml';

type Raw = Record<string, unknown>;

const MINIMAL: Raw = {
  service: { start: 'node server.js', url: 'http://127.0.0.1:${PORT}' },
  journeys: [{ name: 'list-items', path: '/api/items' }],
};

/** The minimal config with top-level sections replaced. */
function withConfig(changes: Raw): string {
  return stringify({ ...MINIMAL, ...changes });
}

function withService(changes: Raw): string {
  return withConfig({ service: { ...(MINIMAL.service as Raw), ...changes } });
}

function withJourney(changes: Raw): string {
  return withConfig({ journeys: [{ name: 'list-items', path: '/api/items', ...changes }] });
}

function parse(text: string): Config {
  return parseConfigText(text, FILE);
}

function errorOf(text: string): ConfigError {
  try {
    parse(text);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError, the config was accepted');
}

describe('defaults', () => {
  it('fills every optional field of a minimal config', () => {
    const text = withConfig({});
    expect(parse(text)).toEqual({
      path: FILE,
      hash: createHash('sha256').update(text).digest('hex').slice(0, 16),
      service: {
        start: 'node server.js',
        url: 'http://127.0.0.1:${PORT}',
        ready: '/',
        env: {},
        cwd: '/repo/perf',
        startTimeoutMs: 30_000,
        buildTimeoutMs: 600_000,
        stopTimeoutMs: 5_000,
      },
      journeys: [{ name: 'list-items', method: 'GET', path: '/api/items', headers: {}, weight: 1 }],
      slos: [],
      scoring: { pass: 0.9, partial: 0.75 },
      baseline: { durationMs: 10_000, warmupMs: 2_000, connections: 10, requestTimeoutMs: 10_000 },
      loadTest: { durationMs: 20_000, warmupMs: 2_000, connections: 10, requestTimeoutMs: 10_000 },
      profile: { durationMs: 10_000, connections: 10 },
      failOn: ['FAIL', 'INCONCLUSIVE'],
      allowedHosts: [],
    } satisfies Config);
  });

  it('hashes the text: a changed file gets a new hash', () => {
    expect(parse(withConfig({})).hash).toMatch(/^[0-9a-f]{16}$/);
    expect(parse(withConfig({})).hash).not.toBe(parse(`${withConfig({})}# edited\n`).hash);
  });

  it('lets load-test inherit load except its duration, and profile inherit the connections', () => {
    const config = parse(
      withConfig({
        load: { duration: '5s', 'warm-up': '0s', connections: 4, rate: '200rps', timeout: '2s' },
        'load-test': { connections: 8 },
      }),
    );
    expect(config.baseline).toEqual({
      durationMs: 5_000,
      warmupMs: 0,
      connections: 4,
      rateRps: 200,
      requestTimeoutMs: 2_000,
    });
    expect(config.loadTest).toEqual({
      durationMs: 20_000,
      warmupMs: 0,
      connections: 8,
      rateRps: 200,
      requestTimeoutMs: 2_000,
    });
    expect(config.profile).toEqual({ durationMs: 10_000, connections: 4 });
  });

  it('accepts scoring as fractions or percentages', () => {
    expect(parse(withConfig({ scoring: { pass: '95%', partial: 0.5 } })).scoring).toEqual({
      pass: 0.95,
      partial: 0.5,
    });
  });

  it('reads fail-on case-insensitively and drops repeats', () => {
    expect(parse(withConfig({ 'fail-on': ['fail', 'FAIL', 'Partial'] })).failOn).toEqual([
      'FAIL',
      'PARTIAL',
    ]);
    expect(parse(withConfig({ 'fail-on': [] })).failOn).toEqual([]);
  });
});

describe('service', () => {
  it('resolves working-directory against the config file, coerces env values to strings', () => {
    const service = parse(
      withService({
        build: 'npm run build',
        'working-directory': '../app',
        env: { PORT_OFFSET: 1, DEBUG: true, NAME: 'x' },
        'start-timeout': '1m',
        ready: '/health',
      }),
    ).service;
    expect(service).toMatchObject({
      build: 'npm run build',
      cwd: '/repo/app',
      env: { PORT_OFFSET: '1', DEBUG: 'true', NAME: 'x' },
      startTimeoutMs: 60_000,
      ready: '/health',
    });
    expect(parse(withService({ 'working-directory': '/srv/app' })).service.cwd).toBe('/srv/app');
  });

  it.each([
    ['http://127.0.0.1:${PORT}', 'node s.js', [], undefined],
    ['http://localhost:${PORT}/base', 'node s.js', [], undefined],
    ['http://127.0.0.2:8080', undefined, [], undefined],
    ['http://[::1]:8080', undefined, [], undefined],
    ['https://staging.internal', undefined, ['Staging.Internal'], undefined],
    [
      'http://example.com:8080',
      undefined,
      [],
      'service.url: host "example.com" is not loopback (127.0.0.0/8, localhost, ::1): load goes elsewhere only to hosts listed in allowed-hosts',
    ],
    [
      'http://0.0.0.0:8080',
      undefined,
      [],
      'service.url: host "0.0.0.0" is not loopback (127.0.0.0/8, localhost, ::1): load goes elsewhere only to hosts listed in allowed-hosts',
    ],
    ['ftp://127.0.0.1', undefined, [], 'service.url: must be http or https, got "ftp"'],
    [
      '127.0.0.1:8080/x',
      undefined,
      [],
      'service.url: expected a URL like "http://127.0.0.1:${PORT}", got "127.0.0.1:8080/x"',
    ],
    [
      'http://127.0.0.1:${PORT}',
      undefined,
      [],
      'service.url: contains ${PORT}, but without service.start there is nothing to pass PORT to: write the port the service listens on',
    ],
  ])('url %s (start %s, allowed %j) → %s', (url, start, allowed, message) => {
    const text = withConfig({
      service: { url, ...(start !== undefined && { start }) },
      'allowed-hosts': allowed,
    });
    if (message === undefined) expect(parse(text).service.url).toBe(url);
    else expect(errorOf(text).message).toBe(message);
  });
});

describe('journeys', () => {
  it('upper-cases the method', () => {
    expect(parse(withJourney({ method: 'post' })).journeys[0]?.method).toBe('POST');
  });

  it('sends an object body as JSON with a JSON content-type', () => {
    const journey = parse(withJourney({ method: 'POST', body: { a: 1, b: [true] } })).journeys[0];
    expect(journey?.body).toBe('{"a":1,"b":[true]}');
    expect(journey?.headers).toEqual({ 'content-type': 'application/json' });
  });

  it('keeps a content-type the user set, whatever its case', () => {
    const journey = parse(
      withJourney({ body: ['x'], headers: { 'Content-Type': 'application/vnd.api+json' } }),
    ).journeys[0];
    expect(journey?.body).toBe('["x"]');
    expect(journey?.headers).toEqual({ 'Content-Type': 'application/vnd.api+json' });
  });

  it('sends a string body as written, without guessing a content-type', () => {
    const journey = parse(withJourney({ body: '{"a":1}' })).journeys[0];
    expect(journey?.body).toBe('{"a":1}');
    expect(journey?.headers).toEqual({});
  });
});

describe('slos', () => {
  it('derives names, parses thresholds by SLI, defaults weight and key', () => {
    const slos = parse(
      withConfig({
        slos: [
          { sli: 'latency.p95', journey: 'list-items', target: '< 100ms', warning: '< 150ms' },
          { name: 'errors', sli: 'error_rate', target: '<= 0.1%', weight: 2, key: true },
          { sli: 'throughput', target: '>= 500rps', warning: '>= 400rps' },
        ],
      }),
    ).slos;
    expect(slos).toEqual([
      {
        name: 'latency.p95 of list-items < 100ms',
        sli: 'latency.p95',
        journey: 'list-items',
        target: { op: '<', value: 100, text: '< 100ms' },
        warning: { op: '<', value: 150, text: '< 150ms' },
        weight: 1,
        key: false,
        source: 'config',
      },
      {
        name: 'errors',
        sli: 'error_rate',
        target: { op: '<=', value: 0.001, text: '<= 0.1%' },
        weight: 2,
        key: true,
        source: 'config',
      },
      {
        name: 'throughput >= 500rps',
        sli: 'throughput',
        target: { op: '>=', value: 500, text: '>= 500rps' },
        warning: { op: '>=', value: 400, text: '>= 400rps' },
        weight: 1,
        key: false,
        source: 'config',
      },
    ]);
  });
});

const P95 = { sli: 'latency.p95', target: '< 100ms' };

describe('errors name the field and what was expected', () => {
  it.each<[string, string, string]>([
    [
      'a threshold that is not a comparison',
      withConfig({ slos: [P95, { sli: 'latency.p99', target: 'fast' }] }),
      'slos[1].target: expected a comparison like "< 100ms", got "fast"',
    ],
    [
      'a threshold in the wrong unit',
      withConfig({ slos: [{ sli: 'error_rate', target: '< 5ms' }] }),
      'slos[0].target: error_rate needs a percentage, like "<= 0.1%", got "< 5ms"',
    ],
    [
      'a missing target',
      withConfig({ slos: [{ sli: 'latency.p95' }] }),
      'slos[0].target: required',
    ],
    [
      'an unknown SLI',
      withConfig({ slos: [{ sli: 'latency.p96', target: '< 1s' }] }),
      'slos[0].sli: expected one of latency.p50, latency.p90, latency.p95, latency.p99, latency.max, error_rate, availability, throughput, got "latency.p96"',
    ],
    [
      'a warning in the other direction',
      withConfig({ slos: [{ ...P95, warning: '> 150ms' }] }),
      'slos[0].warning: must compare in the same direction as the target "< 100ms" (< or <=), got "> 150ms"',
    ],
    [
      'a warning stricter than the target',
      withConfig({ slos: [{ ...P95, warning: '< 80ms' }] }),
      'slos[0].warning: must be looser than the target "< 100ms" (a higher limit), got "< 80ms"',
    ],
    [
      'a throughput warning above its target',
      withConfig({ slos: [{ sli: 'throughput', target: '>= 500rps', warning: '>= 600rps' }] }),
      'slos[0].warning: must be looser than the target ">= 500rps" (a lower limit), got ">= 600rps"',
    ],
    [
      'an SLO naming a journey that does not exist',
      withConfig({ slos: [{ ...P95, journey: 'checkout' }] }),
      'slos[0].journey: no journey named "checkout" (journeys: list-items)',
    ],
    [
      'two SLOs with one name',
      withConfig({ slos: [P95, P95] }),
      'slos[1].name: duplicate SLO name "latency.p95 < 100ms" (also slos[0]): give each SLO its own name',
    ],
    [
      'a negative SLO weight',
      withConfig({ slos: [{ ...P95, weight: -1 }] }),
      'slos[0].weight: must be at least 0',
    ],
    [
      'two journeys with one name',
      withConfig({
        journeys: [
          { name: 'a', path: '/a' },
          { name: 'a', path: '/b' },
        ],
      }),
      'journeys[1].name: duplicate journey name "a" (also journeys[0])',
    ],
    ['no journeys', withConfig({ journeys: [] }), 'journeys: needs at least 1 entry'],
    [
      'an unknown method',
      withJourney({ method: 'FETCH' }),
      'journeys[0].method: expected one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, got "FETCH"',
    ],
    [
      'a relative path',
      withJourney({ path: 'api' }),
      'journeys[0].path: must start with "/", got "api"',
    ],
    [
      'a zero journey weight',
      withJourney({ weight: 0 }),
      'journeys[0].weight: must be greater than 0',
    ],
    [
      'a body that is neither text nor JSON',
      withJourney({ body: 5 }),
      'journeys[0].body: expected a string, or a mapping or list to send as JSON, got 5',
    ],
    [
      'a header name with a space',
      withJourney({ headers: { 'x trace': '1' } }),
      `journeys[0].headers["x trace"]: not a valid HTTP header name (letters, digits and !#$%&'*+-.^_\`|~ only)`,
    ],
    [
      'a header value with a line break',
      withJourney({ headers: { 'x-a': 'a\r\nx-b: b' } }),
      'journeys[0].headers.x-a: not a valid HTTP header value (no line breaks or control characters), got "a\\r\\nx-b: b"',
    ],
    [
      'a bare-number duration',
      withService({ 'start-timeout': 30 }),
      'service.start-timeout: expected a duration like "30s", "500ms" or "5m", got 30 (a bare number is ambiguous: add a unit)',
    ],
    [
      'a zero duration',
      withConfig({ load: { duration: '0s' } }),
      'load.duration: must be longer than 0s',
    ],
    [
      'a misspelt load key',
      withConfig({ load: { conections: 5 } }),
      'load.conections: unknown key (expected one of duration, warm-up, connections, rate, timeout)',
    ],
    [
      'an unknown top-level key',
      withConfig({ slo: [] }),
      'slo: unknown key (expected one of service, journeys, slos, scoring, load, load-test, profile, fail-on, allowed-hosts)',
    ],
    [
      'too many connections',
      withConfig({ 'load-test': { connections: 20_000 } }),
      'load-test.connections: must be at most 10000',
    ],
    [
      'fractional connections',
      withConfig({ profile: { connections: 2.5 } }),
      'profile.connections: expected an integer, got 2.5',
    ],
    [
      'a rate without a unit',
      withConfig({ load: { rate: 200 } }),
      'load.rate: expected a rate like "200rps" or "200/s", got 200 (a bare number is ambiguous: add a unit)',
    ],
    [
      'partial above pass',
      withConfig({ scoring: { pass: '80%', partial: '85%' } }),
      'scoring.partial: must not be above scoring.pass (0.8), got 0.85',
    ],
    [
      'a score written as a whole percentage number',
      withConfig({ scoring: { pass: 90 } }),
      'scoring.pass: expected a fraction from 0 to 1 or a percentage like "90%", got 90',
    ],
    [
      'an unknown verdict',
      withConfig({ 'fail-on': ['FAIL', 'BAD'] }),
      'fail-on[1]: expected one of PASS, PARTIAL, FAIL, INCONCLUSIVE, got "BAD"',
    ],
    [
      'an allowed host with a scheme',
      withConfig({ 'allowed-hosts': ['https://staging'] }),
      'allowed-hosts[0]: expected a host name or IP address without scheme, port or path, got "https://staging"',
    ],
    ['a missing service', stringify({ journeys: MINIMAL.journeys }), 'service: required'],
    [
      'an empty value',
      'service:\n  url: http://127.0.0.1:3000\n  build:\njourneys: [{name: a, path: /}]\n',
      'service.build: expected a string, got nothing (an empty value)',
    ],
    ['a list instead of a mapping', '- a\n- b\n', 'config: expected a mapping, got ["a","b"]'],
  ])('%s', (_case, text, message) => {
    expect(errorOf(text).message).toBe(message);
  });

  it('sets the field of the error to the path of the first problem', () => {
    const error = errorOf(withConfig({ slos: [P95, { sli: 'latency.p99', target: 'fast' }] }));
    expect(error.field).toBe('slos[1].target');
  });

  it('reports every problem, one per line, the first one first', () => {
    const text = withConfig({
      service: { url: 'http://127.0.0.1:3000', 'start-timeout': 'soon' },
      journeys: [{ name: 'a', path: '/a', method: 'FETCH', extra: 1 }],
      load: { conections: 5 },
    });
    expect(errorOf(text).message.split('\n')).toEqual([
      'service.start-timeout: expected a duration like "30s", "500ms" or "5m", got "soon"',
      'journeys[0].method: expected one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, got "FETCH"',
      'journeys[0].extra: unknown key (expected one of name, method, path, headers, body, weight)',
      'load.conections: unknown key (expected one of duration, warm-up, connections, rate, timeout)',
    ]);
  });
});

describe('PORT_PLACEHOLDER', () => {
  it('is exported from src/config for the service runner, and is what service.url may contain', () => {
    expect(PORT_PLACEHOLDER).toBe('${PORT}');
    expect(parse(withConfig({})).service.url).toContain(PORT_PLACEHOLDER);
  });
});

const RATED_REASON =
  "autocannon keeps a throttled connection's timeout running while it waits up to a second for its next quota, and would count the wait as a timeout";

describe('request timeouts autocannon can work with', () => {
  it.each<[string, Raw, string]>([
    [
      'a load timeout under 1s',
      { load: { timeout: '500ms' } },
      'load.timeout: expected at least 1s (autocannon\'s minimum), got "500ms"',
    ],
    [
      'a load timeout under 2s with a load rate',
      { load: { rate: '50rps', timeout: '1s' } },
      `load.timeout: with a rate (load.rate), expected at least 2s, got "1s": ${RATED_REASON}`,
    ],
    [
      'a load-test timeout under 1s',
      { 'load-test': { timeout: '0.5s' } },
      'load-test.timeout: expected at least 1s (autocannon\'s minimum), got "0.5s"',
    ],
    [
      'a load-test timeout under 2s with a load-test rate',
      { 'load-test': { rate: '400rps', timeout: '1500ms' } },
      `load-test.timeout: with a rate (load-test.rate), expected at least 2s, got "1500ms": ${RATED_REASON}`,
    ],
    [
      "a load-test timeout under 2s with load's rate, which it inherits",
      { load: { rate: '50rps', timeout: '2s' }, 'load-test': { timeout: '1s' } },
      `load-test.timeout: with a rate (load.rate), expected at least 2s, got "1s": ${RATED_REASON}`,
    ],
    [
      "load's timeout inherited by a load-test with a rate of its own",
      { load: { timeout: '1s' }, 'load-test': { rate: '400rps' } },
      `load-test.timeout: with a rate (load-test.rate), expected at least 2s, got "1s" (from load.timeout): ${RATED_REASON}`,
    ],
  ])('refuses %s', (_case, changes, message) => {
    expect(errorOf(withConfig(changes)).message).toBe(message);
  });

  it('reports a short load timeout once when load-test inherits it with the rate', () => {
    const error = errorOf(withConfig({ load: { rate: '50rps', timeout: '1s' } }));
    expect(error.field).toBe('load.timeout');
    expect(error.message.split('\n')).toHaveLength(1);
  });

  it.each<[string, Raw]>([
    ['1s without a rate', { load: { timeout: '1s' }, 'load-test': { timeout: '1s' } }],
    ['2s with a rate', { load: { rate: '50rps', timeout: '2s' } }],
    ['the default with a rate', { 'load-test': { rate: '400rps' } }],
    [
      'a load-test timeout of its own',
      { load: { timeout: '1s' }, 'load-test': { rate: '400rps', timeout: '2s' } },
    ],
  ])('accepts %s', (_case, changes) => {
    expect(() => parse(withConfig(changes))).not.toThrow();
  });

  it('keeps the timeout in milliseconds', () => {
    const config = parse(withConfig({ load: { timeout: '1.5s' }, 'load-test': { timeout: '3s' } }));
    expect(config.baseline.requestTimeoutMs).toBe(1500);
    expect(config.loadTest.requestTimeoutMs).toBe(3000);
  });
});

describe('throughput targets against the load-test rate', () => {
  const TWO_JOURNEYS = [
    { name: 'list-items', path: '/api/items', weight: 3 },
    { name: 'checkout', path: '/checkout', weight: 1 },
  ];

  it.each<[string, Raw, string]>([
    [
      'a target above the load-test rate',
      {
        'load-test': { rate: '400rps' },
        slos: [P95, { sli: 'throughput', target: '>= 500rps' }],
      },
      'slos[1].target: ">= 500rps" cannot be met: the load test offers only 400 req/s (load-test.rate); lower the target or raise the rate',
    ],
    [
      'a strict target at the rate',
      { 'load-test': { rate: '400rps' }, slos: [{ sli: 'throughput', target: '> 400rps' }] },
      'slos[0].target: "> 400rps" cannot be met: the load test offers only 400 req/s (load-test.rate); lower the target or raise the rate',
    ],
    [
      "a target above load's rate, which load-test inherits",
      {
        load: { rate: '100/s' },
        slos: [{ sli: 'throughput', target: '>= 150rps', warning: '>= 90rps' }],
      },
      'slos[0].target: ">= 150rps" cannot be met: the load test offers only 100 req/s (load.rate); lower the target or raise the rate',
    ],
    [
      "a journey's target above its weight's share of the rate",
      {
        journeys: TWO_JOURNEYS,
        'load-test': { rate: '400rps' },
        slos: [{ sli: 'throughput', journey: 'checkout', target: '>= 150rps' }],
      },
      'slos[0].target: ">= 150rps" cannot be met: the load test offers journey "checkout" only about 100 req/s (its weight\'s share of load-test.rate, 400 req/s); lower the target or raise the rate',
    ],
  ])('refuses %s', (_case, changes, message) => {
    const error = errorOf(withConfig(changes));
    expect(error.message).toBe(message);
    expect(error.field).toMatch(/^slos\[\d\]\.target$/);
  });

  it.each<[string, Raw]>([
    [
      'a target at the rate',
      { 'load-test': { rate: '400rps' }, slos: [{ sli: 'throughput', target: '>= 400rps' }] },
    ],
    [
      'a target below the rate',
      { 'load-test': { rate: '400rps' }, slos: [{ sli: 'throughput', target: '> 300rps' }] },
    ],
    ['any target without a rate', { slos: [{ sli: 'throughput', target: '>= 50000rps' }] }],
    [
      'an upper bound',
      { 'load-test': { rate: '400rps' }, slos: [{ sli: 'throughput', target: '< 1000rps' }] },
    ],
    [
      "a journey's target within its share",
      {
        journeys: TWO_JOURNEYS,
        'load-test': { rate: '400rps' },
        slos: [{ sli: 'throughput', journey: 'list-items', target: '>= 300rps' }],
      },
    ],
    [
      'a load-test rate above the rate of load',
      {
        load: { rate: '100rps' },
        'load-test': { rate: '600rps' },
        slos: [{ sli: 'throughput', target: '>= 500rps' }],
      },
    ],
  ])('accepts %s', (_case, changes) => {
    expect(() => parse(withConfig(changes))).not.toThrow();
  });
});
