import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { configErrorOf } from '../helpers/config-error.js';
import { parseConfigText } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';
import { PORT_PLACEHOLDER } from '../../src/config/types.js';
import type { ConfigError } from '../../src/errors.js';

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
  return configErrorOf(text, FILE);
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
      baseline: {
        model: 'closed',
        durationMs: 10_000,
        warmupMs: 2_000,
        connections: 10,
        requestTimeoutMs: 10_000,
      },
      loadTest: {
        model: 'closed',
        durationMs: 20_000,
        warmupMs: 2_000,
        connections: 10,
        requestTimeoutMs: 10_000,
      },
      profile: { durationMs: 10_000, connections: 10, files: [] },
      scenarios: {
        run: ['load'],
        stress: {
          startRps: 50,
          stepRps: 50,
          stepDurationMs: 10_000,
          maxRps: 2000,
          errorThreshold: 0.05,
          stepsRps: Array.from({ length: 40 }, (_, step) => 50 + 50 * step),
          // 10 s × (50 + 100 + ... + 2000) rps
          plannedRequests: 410_000,
          maxRequests: 451_000,
        },
        spike: {
          baseRps: 50,
          peakRps: 500,
          beforeMs: 10_000,
          spikeMs: 10_000,
          afterMs: 30_000,
          tolerance: 0.2,
          plannedRequests: 7_000,
          maxRequests: 7_700,
        },
        soak: {
          rateRps: 100,
          durationMs: 600_000,
          leakThresholdBytes: 5_000_000,
          plannedRequests: 60_000,
          maxRequests: 66_000,
        },
      },
      capacity: { growth: 1, targetUtilization: 0.7, currency: 'USD' },
      regression: {
        criteria: [
          { sli: 'latency.p95', worse: 'higher', scale: 'ratio', threshold: 0.1 },
          { sli: 'throughput', worse: 'lower', scale: 'ratio', threshold: 0.05 },
          { sli: 'error_rate', worse: 'higher', scale: 'difference', threshold: 0.01 },
        ],
        confidence: 0.95,
        budgetMs: 120_000,
        blockMs: 5_000,
        calibrate: false,
        baseline: 'branch',
      },
      failOn: ['FAIL', 'INCONCLUSIVE'],
      allowedHosts: [],
      plan: { depth: 'comprehensive', riskTolerance: 'high' },
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
      model: 'open',
      arrival: 'poisson',
      durationMs: 5_000,
      warmupMs: 0,
      connections: 4,
      rateRps: 200,
      requestTimeoutMs: 2_000,
    });
    expect(config.loadTest).toEqual({
      model: 'open',
      arrival: 'poisson',
      durationMs: 20_000,
      warmupMs: 0,
      connections: 8,
      rateRps: 200,
      requestTimeoutMs: 2_000,
    });
    expect(config.profile).toEqual({ durationMs: 10_000, connections: 4, files: [] });
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
      'a path with a space in it',
      withJourney({ path: '/search?q=two words' }),
      'journeys[0].path: must be visible ASCII characters only (percent-encode spaces and the rest), got "/search?q=two words"',
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
      'load.conections: unknown key (expected one of model, arrival, duration, warm-up, connections, rate, timeout)',
    ],
    [
      'an unknown top-level key',
      withConfig({ slo: [] }),
      'slo: unknown key (expected one of service, journeys, slos, scoring, load, load-test, profile, scenarios, capacity, regression, fail-on, allowed-hosts, database, guidance, plan)',
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
      'load.conections: unknown key (expected one of model, arrival, duration, warm-up, connections, rate, timeout)',
    ]);
  });
});

describe('PORT_PLACEHOLDER', () => {
  it('is exported from src/config for the service runner, and is what service.url may contain', () => {
    expect(PORT_PLACEHOLDER).toBe('${PORT}');
    expect(parse(withConfig({})).service.url).toContain(PORT_PLACEHOLDER);
  });
});

describe('request timeouts the load can work with', () => {
  it.each<[string, Raw, string]>([
    [
      'a load timeout under 1s',
      { load: { timeout: '500ms' } },
      'load.timeout: expected at least 1s, got "500ms"',
    ],
    [
      'a load-test timeout under 1s',
      { 'load-test': { timeout: '0.5s' } },
      'load-test.timeout: expected at least 1s, got "0.5s"',
    ],
    [
      'an open-model timeout under 1s',
      { 'load-test': { rate: '400rps', timeout: '900ms' } },
      'load-test.timeout: expected at least 1s, got "900ms"',
    ],
  ])('refuses %s', (_case, changes, message) => {
    expect(errorOf(withConfig(changes)).message).toBe(message);
  });

  it('reports a short load timeout once, on load, though load-test inherits it', () => {
    const error = errorOf(
      withConfig({ load: { model: 'closed', rate: '50rps', timeout: '0.5s' } }),
    );
    expect(error.field).toBe('load.timeout');
    expect(error.message.split('\n')).toHaveLength(1);
  });

  it.each<[string, Raw]>([
    ['1s without a rate', { load: { timeout: '1s' }, 'load-test': { timeout: '1s' } }],
    // The closed loop's throttle keeps no timer running while a connection waits for its slot.
    [
      '1s with the closed model and a rate',
      { load: { model: 'closed', rate: '50rps', timeout: '1s' } },
    ],
    ['1s with the open model', { load: { rate: '50rps', timeout: '1s' } }],
    [
      "load's 1s inherited by an open-model load-test",
      { load: { timeout: '1s' }, 'load-test': { rate: '400rps' } },
    ],
    ['the default with a rate', { 'load-test': { model: 'closed', rate: '400rps' } }],
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

describe('load model', () => {
  it.each<[string, Raw, Partial<Config['loadTest']>]>([
    ['closed without a rate', {}, { model: 'closed', connections: 10 }],
    [
      'open with a rate, Poisson arrivals, a pool raised to 64',
      { 'load-test': { rate: '100rps' } },
      { model: 'open', arrival: 'poisson', rateRps: 100, connections: 64 },
    ],
    [
      "open with load's rate, which load-test inherits",
      { load: { rate: '40rps' } },
      { model: 'open', arrival: 'poisson', rateRps: 40, connections: 64 },
    ],
    [
      'a pool for a quarter second of arrivals at a high rate',
      { 'load-test': { rate: '2000rps' } },
      { model: 'open', connections: 500 },
    ],
    [
      'the pool at most 10000',
      { 'load-test': { rate: '100000rps' } },
      { model: 'open', connections: 10_000 },
    ],
    [
      "load's connections raised, since they were set for load's closed model",
      { load: { connections: 4 }, 'load-test': { rate: '100rps' } },
      { model: 'open', connections: 64 },
    ],
    [
      "load-test's own connections as written",
      { 'load-test': { rate: '2000rps', connections: 30 } },
      { model: 'open', connections: 30 },
    ],
    [
      'uniform arrivals',
      { 'load-test': { rate: '100rps', arrival: 'uniform' } },
      { model: 'open', arrival: 'uniform' },
    ],
    [
      "load's arrival, inherited",
      { load: { rate: '10rps', arrival: 'uniform' }, 'load-test': { rate: '100rps' } },
      { model: 'open', arrival: 'uniform' },
    ],
    [
      'closed with a rate: the throttled closed loop, connections as they were',
      { 'load-test': { model: 'closed', rate: '100rps' } },
      { model: 'closed', rateRps: 100, connections: 10 },
    ],
    [
      "load's model, inherited",
      { load: { model: 'closed' }, 'load-test': { rate: '100rps' } },
      { model: 'closed', rateRps: 100, connections: 10 },
    ],
  ])('%s', (_case, changes, expected) => {
    const loadTest = parse(withConfig(changes)).loadTest;
    expect(loadTest).toMatchObject(expected);
    if (loadTest.model === 'closed') expect(loadTest).not.toHaveProperty('arrival');
  });

  it("gives load its own model, and profile load's connections", () => {
    const config = parse(withConfig({ load: { rate: '400rps' } }));
    expect(config.baseline).toMatchObject({ model: 'open', connections: 100 });
    expect(config.profile.connections).toBe(100);
  });

  it('drops an arrival inherited by a section that runs the closed model', () => {
    const config = parse(
      withConfig({
        load: { rate: '10rps', arrival: 'uniform' },
        'load-test': { model: 'closed' },
      }),
    );
    expect(config.loadTest).toEqual({
      model: 'closed',
      durationMs: 20_000,
      warmupMs: 2_000,
      connections: 10,
      rateRps: 10,
      requestTimeoutMs: 10_000,
    });
  });

  it.each<[string, Raw, string]>([
    [
      'the open model without a rate',
      { 'load-test': { model: 'open' } },
      'load-test.model: the open model needs a rate: set load-test.rate to the rate requests arrive at (e.g. "200rps"), or use model: closed',
    ],
    [
      'an arrival with model: closed',
      { 'load-test': { model: 'closed', rate: '100rps', arrival: 'poisson' } },
      'load-test.arrival: applies to the open model only, and load-test runs the closed model (load-test.model): remove arrival, or use model: open',
    ],
    [
      "an arrival with load's model: closed, inherited",
      { load: { model: 'closed' }, 'load-test': { rate: '100rps', arrival: 'uniform' } },
      'load-test.arrival: applies to the open model only, and load-test runs the closed model (load.model): remove arrival, or use model: open',
    ],
    [
      'an arrival without a rate',
      { load: { arrival: 'uniform' } },
      'load.arrival: applies to the open model only, and load runs the closed model because it has no rate: set load.rate, or remove arrival',
    ],
    [
      'an unknown model',
      { load: { model: 'opened' } },
      'load.model: expected one of open, closed, got "opened"',
    ],
    [
      'an unknown arrival',
      { 'load-test': { rate: '10rps', arrival: 'random' } },
      'load-test.arrival: expected one of uniform, poisson, got "random"',
    ],
  ])('refuses %s, naming the key', (_case, changes, message) => {
    expect(errorOf(withConfig(changes)).message).toBe(message);
  });

  it("reports load's open model without a rate once, on load.model", () => {
    const error = errorOf(withConfig({ load: { model: 'open' } }));
    expect(error.message).toBe(
      'load.model: the open model needs a rate: set load.rate to the rate requests arrive at (e.g. "200rps"), or use model: closed',
    );
  });

  it("needs load's own rate for load's open model, even when load-test has one", () => {
    expect(
      errorOf(withConfig({ load: { model: 'open' }, 'load-test': { rate: '10rps' } })).field,
    ).toBe('load.model');
    expect(
      parse(withConfig({ load: { model: 'open', rate: '10rps' }, 'load-test': { rate: '20rps' } }))
        .loadTest,
    ).toMatchObject({ model: 'open', rateRps: 20 });
  });
});

describe('scenarios', () => {
  it('reads every key with its unit', () => {
    const scenarios = parse(
      withConfig({
        scenarios: {
          run: ['stress', 'load', 'stress', 'soak'],
          stress: {
            start: '100rps',
            step: '100/s',
            'step-duration': '3s',
            max: '1500rps',
            'error-threshold': 0.1,
          },
          spike: {
            base: '100rps',
            peak: '800rps',
            before: '5s',
            spike: '5s',
            after: '10s',
            tolerance: '150%',
          },
          soak: { rate: '150rps', duration: '30s', 'leak-threshold': '2MiB' },
        },
      }),
    ).scenarios;
    expect(scenarios).toEqual({
      run: ['stress', 'load', 'soak'],
      stress: {
        startRps: 100,
        stepRps: 100,
        stepDurationMs: 3_000,
        maxRps: 1500,
        errorThreshold: 0.1,
        stepsRps: Array.from({ length: 15 }, (_, step) => 100 * (step + 1)),
        // 3 s × (100 + 200 + ... + 1500) rps
        plannedRequests: 36_000,
        maxRequests: 39_600,
      },
      spike: {
        baseRps: 100,
        peakRps: 800,
        beforeMs: 5_000,
        spikeMs: 5_000,
        afterMs: 10_000,
        tolerance: 1.5,
        plannedRequests: 5_500,
        maxRequests: 6_050,
      },
      soak: {
        rateRps: 150,
        durationMs: 30_000,
        leakThresholdBytes: 2 * 1024 * 1024,
        plannedRequests: 4_500,
        maxRequests: 4_950,
      },
    });
  });

  it('stops the staircase at the last step at or below max, without float drift', () => {
    const stress = parse(
      withConfig({ scenarios: { stress: { start: '0.1rps', step: '0.1rps', max: '0.35rps' } } }),
    ).scenarios.stress;
    expect(stress.stepsRps).toEqual([0.1, 0.2, 0.3]);
    expect(
      parse(withConfig({ scenarios: { stress: { start: '100rps', max: '100rps' } } })).scenarios
        .stress.stepsRps,
    ).toEqual([100]);
  });

  it('leaves room above the planned requests for Poisson variation, more at small counts', () => {
    // 1 s at 50 rps: 50 planned; six standard deviations of a Poisson count are 6√50 ≈ 43.
    const soak = parse(withConfig({ scenarios: { soak: { rate: '50rps', duration: '1s' } } }))
      .scenarios.soak;
    expect(soak).toMatchObject({ plannedRequests: 50, maxRequests: 93 });
  });

  it.each<[string, Raw, string]>([
    [
      'an unknown scenario in run',
      { run: ['load', 'stres'] },
      'scenarios.run[1]: expected one of load, stress, spike, soak, got "stres"',
    ],
    ['an empty run', { run: [] }, 'scenarios.run: needs at least 1 entry'],
    ['a run that is not a list', { run: 'load' }, 'scenarios.run: expected a list, got "load"'],
    [
      'a stress max below its start',
      { stress: { start: '500rps', max: '400rps' } },
      'scenarios.stress.max: must be at least scenarios.stress.start (500rps), got 400rps',
    ],
    [
      'a stress start above the default max',
      { stress: { start: '3000rps' } },
      'scenarios.stress.max: must be at least scenarios.stress.start (3000rps), got 2000rps (the default)',
    ],
    [
      'a zero stress step',
      { stress: { step: '0rps' } },
      'scenarios.stress.step: must be above 0rps',
    ],
    [
      'a staircase of thousands of steps',
      { stress: { step: '0.5rps' } },
      'scenarios.stress.step: gives 3901 steps from 50rps to 2000rps, expected at most 500: raise step or lower max',
    ],
    [
      'an error threshold above 100%',
      { stress: { 'error-threshold': '150%' } },
      'scenarios.stress.error-threshold: expected a fraction from 0 to 1 or a percentage like "90%", got "150%"',
    ],
    [
      'a spike peak at its base',
      { spike: { base: '500rps' } },
      'scenarios.spike.peak: must be above scenarios.spike.base (500rps), got 500rps (the default)',
    ],
    [
      'a negative phase',
      { spike: { after: '-10s' } },
      'scenarios.spike.after: expected a duration like "30s", "500ms" or "5m", got "-10s"',
    ],
    [
      'a phase under a second',
      { stress: { 'step-duration': '500ms' } },
      'scenarios.stress.step-duration: expected at least 1s (scenarios are measured in one-second windows), got "500ms"',
    ],
    [
      'a zero tolerance',
      { spike: { tolerance: '0%' } },
      'scenarios.spike.tolerance: expected a percentage above 0 like "20%", or a fraction like 0.2, got "0%"',
    ],
    [
      'a soak rate without a unit',
      { soak: { rate: 100 } },
      'scenarios.soak.rate: expected a rate like "200rps" or "200/s", got 100 (a bare number is ambiguous: add a unit)',
    ],
    [
      'a leak threshold in an unknown unit',
      { soak: { 'leak-threshold': '1mb' } },
      'scenarios.soak.leak-threshold: expected a size like "512KB", "1MB" or "2GiB" (B, kB or KB, MB, GB in powers of 1000; KiB, MiB, GiB in powers of 1024), got "1mb"',
    ],
    [
      'a zero leak threshold',
      { soak: { 'leak-threshold': '0B' } },
      'scenarios.soak.leak-threshold: must be more than 0B',
    ],
    [
      'a misspelt key',
      { soak: { rates: '1rps' } },
      'scenarios.soak.rates: unknown key (expected one of rate, duration, leak-threshold)',
    ],
  ])('refuses %s, naming the key', (_case, scenarios, message) => {
    expect(errorOf(withConfig({ scenarios })).message).toBe(message);
  });
});

describe('capacity', () => {
  it.each<[unknown, number]>([
    [1.5, 1.5],
    ['1.5x', 1.5],
    ['2×', 2],
    ['+50%', 1.5],
    ['-20%', 0.8],
    ['+0.5%', 1.005],
  ])('reads growth %j as ×%d', (growth, factor) => {
    expect(parse(withConfig({ capacity: { growth } })).capacity.growth).toBe(factor);
  });

  it('reads every key', () => {
    expect(
      parse(
        withConfig({
          capacity: {
            growth: '+50%',
            'peak-rate': '300rps',
            'target-utilization': '60%',
            'instance-cost-per-hour': 0.096,
            currency: 'eur',
          },
        }),
      ).capacity,
    ).toEqual({
      growth: 1.5,
      peakRps: 300,
      targetUtilization: 0.6,
      instanceCostPerHour: 0.096,
      currency: 'EUR',
    });
  });

  it.each<[string, Raw, string]>([
    [
      'a growth percentage without its sign',
      { growth: '50%' },
      'capacity.growth: a percentage needs its sign, "+50%" for more demand or "-50%" for less, got "50%"',
    ],
    [
      'a growth that leaves no demand',
      { growth: '-100%' },
      'capacity.growth: expected a growth above 0 (some demand must remain), got "-100%"',
    ],
    [
      'a growth in words',
      { growth: 'double' },
      'capacity.growth: expected a multiplier like 1.5 or "1.5x", or a change like "+50%" or "-20%", got "double"',
    ],
    [
      'a peak rate without a unit',
      { 'peak-rate': 300 },
      'capacity.peak-rate: expected a rate like "200rps" or "200/s", got 300 (a bare number is ambiguous: add a unit)',
    ],
    [
      'a target utilization of 0',
      { 'target-utilization': '0%' },
      'capacity.target-utilization: must be above 0%: an instance planned to do no work serves no one',
    ],
    [
      'a target utilization above 100%',
      { 'target-utilization': '120%' },
      'capacity.target-utilization: expected a fraction from 0 to 1 or a percentage like "90%", got "120%"',
    ],
    [
      'a cost with a currency sign',
      { 'instance-cost-per-hour': '$0.10' },
      `capacity.instance-cost-per-hour: expected a number of at least 0 in the currency's units (e.g. 0.096), got "$0.10"`,
    ],
    [
      'a negative cost',
      { 'instance-cost-per-hour': -1 },
      `capacity.instance-cost-per-hour: expected a number of at least 0 in the currency's units (e.g. 0.096), got -1`,
    ],
    [
      'a currency symbol',
      { currency: '€' },
      'capacity.currency: expected a three-letter ISO 4217 currency code like "USD" or "EUR", got "€"',
    ],
  ])('refuses %s, naming the key', (_case, capacity, message) => {
    expect(errorOf(withConfig({ capacity })).message).toBe(message);
  });
});

describe('mistakes that must stop the run before any load (exit 2, the field named)', () => {
  it.each<[string, string, string, string]>([
    [
      'a rate that is not a rate',
      withConfig({ 'load-test': { rate: 'fast' } }),
      'load-test.rate',
      'expected a rate like "200rps" or "200/s", got "fast"',
    ],
    [
      'a negative duration',
      withConfig({ load: { duration: '-5s' } }),
      'load.duration',
      'expected a duration like "30s", "500ms" or "5m", got "-5s"',
    ],
    [
      'every journey weighing zero',
      withConfig({
        journeys: [
          { name: 'a', path: '/a', weight: 0 },
          { name: 'b', path: '/b', weight: 0 },
        ],
      }),
      'journeys[0].weight',
      'must be greater than 0\njourneys[1].weight: must be greater than 0',
    ],
    [
      'a target host not allowed',
      withService({ url: 'http://203.0.113.9:8080', start: undefined }),
      'service.url',
      'host "203.0.113.9" is not loopback (127.0.0.0/8, localhost, ::1): load goes elsewhere only to hosts listed in allowed-hosts',
    ],
  ])('%s', (_case, text, field, message) => {
    const error = errorOf(text);
    expect(error.exitCode).toBe(2);
    expect(error.field).toBe(field);
    expect(error.message).toBe(`${field}: ${message}`);
  });
});
