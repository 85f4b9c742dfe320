import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { minimumSamples } from '../../src/slo/evaluate.js';

const CONFIG = fileURLToPath(new URL('../../examples/demo-service/perf-flow.yml', import.meta.url));

describe("the demo's perf-flow.yml", () => {
  it('is valid and says what the README says', async () => {
    const config = await loadConfig(CONFIG);
    expect(config.service).toMatchObject({
      start: 'node server.mjs',
      url: 'http://127.0.0.1:${PORT}',
      ready: '/health',
      startTimeoutMs: 15_000,
      cwd: fileURLToPath(new URL('../../examples/demo-service', import.meta.url)),
    });
    expect(config.journeys.map((j) => [j.name, j.method, j.path, j.weight])).toEqual([
      ['list-items', 'GET', '/api/items', 4],
      ['get-item', 'GET', '/api/items/7', 3],
      ['create-order', 'POST', '/api/orders', 2],
      ['recommendations', 'GET', '/api/recommendations?user=42', 1],
    ]);
    const order = config.journeys.find((j) => j.name === 'create-order');
    expect(JSON.parse(order?.body ?? '')).toEqual({ itemId: 7, quantity: 2 });
    expect(order?.headers['content-type']).toBe('application/json');
    expect(config.scoring).toEqual({ pass: 0.9, partial: 0.75 });
    expect(config.loadTest).toMatchObject({
      model: 'open',
      arrival: 'poisson',
      durationMs: 10_000,
      // A quarter second of arrivals: the pool never throttles the rate.
      connections: 100,
      rateRps: 400,
    });
    expect(config.failOn).toEqual(['FAIL', 'INCONCLUSIVE']);
  });

  it('asks for no more samples than its load test delivers, so the gate can decide', async () => {
    const config = await loadConfig(CONFIG);
    const { rateRps, durationMs } = config.loadTest;
    const totalWeight = config.journeys.reduce((sum, j) => sum + j.weight, 0);
    for (const slo of config.slos) {
      const journey = config.journeys.find((j) => j.name === slo.journey);
      const share = journey ? journey.weight / totalWeight : 1;
      const expected = ((rateRps ?? 0) * durationMs * share) / 1000;
      // Half the nominal rate still suffices: a slow CI runner must not turn PASS into INCONCLUSIVE.
      expect(expected / 2, `${slo.name}: ~${expected} samples`).toBeGreaterThanOrEqual(
        minimumSamples(slo.sli),
      );
    }
  });

  it('fails on a key latency SLO when DEMO_LATENCY_MS=200 slows every response', async () => {
    const config = await loadConfig(CONFIG);
    const keyLatency = config.slos.filter(
      (s) => s.key && s.sli.startsWith('latency.') && s.journey === undefined,
    );
    expect(keyLatency.length).toBeGreaterThan(0);
    for (const slo of keyLatency) {
      expect(slo.target.value).toBeLessThan(200);
      expect(slo.warning?.value ?? 0).toBeLessThan(200);
    }
  });
});
