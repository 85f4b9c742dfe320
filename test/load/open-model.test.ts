import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { ArrivalPhase } from '../../src/data/common.js';
import { GeneratorHealth, LoadParams } from '../../src/data/common.js';
import { ConfigError, RuntimeError } from '../../src/errors.js';
import type { ArrivalPattern } from '../../src/load/arrivals.js';
import { arrivals } from '../../src/load/arrivals.js';
import type { OpenModelSettings } from '../../src/load/open-model.js';
import { OPEN_MODEL_TOOL, runOpenModel } from '../../src/load/open-model.js';
import type { LoadProgress, LoadRunResult } from '../../src/load/types.js';
import { countAboveMs, decodeHistogram } from '../../src/measure/histogram.js';
import {
  closedPortUrl,
  journey,
  openModelSettings as settings,
  serversClosedAfterEach,
  totalReceived,
} from '../helpers/load-fixtures.js';

const serve = serversClosedAfterEach();

/** Arrivals the schedule has in the measured window (the warm-up runs at the first rate). */
function scheduledInWindow(s: OpenModelSettings, weights: number[]): number[] {
  const first = s.phases[0] as ArrivalPhase;
  const phases = s.warmupMs > 0 ? [{ ...first, durationMs: s.warmupMs }, ...s.phases] : s.phases;
  const perJourney = weights.map(() => 0);
  for (const a of arrivals(phases, {
    arrival: s.arrival,
    weights,
    ...(s.seed === undefined ? {} : { seed: s.seed }),
  })) {
    if (a.atMs >= s.warmupMs) perJourney[a.journey] = (perJourney[a.journey] ?? 0) + 1;
  }
  return perJourney;
}

/** Every request of the window is accounted for once, and the timeline adds up to the totals. */
function expectAccountedFor(run: LoadRunResult, scheduled: number) {
  const o = run.overall;
  const responses = Object.values(o.statusCodes).reduce((t, n) => t + n, 0);
  expect(responses + o.timeouts + o.transportErrors).toBe(o.requests);
  expect(o.requests + (run.generator.unsent ?? 0)).toBe(scheduled);
  expect(run.timeline.reduce((t, p) => t + p.requests, 0)).toBe(o.requests);
  expect(run.journeys.reduce((t, j) => t + j.result.requests, 0)).toBe(o.requests);
  expect(() => GeneratorHealth.parse(run.generator)).not.toThrow();
  expect(() => LoadParams.parse(run.load)).not.toThrow();
}

describe('runOpenModel against a 2 ms service', () => {
  it('sends rate × duration requests on schedule and times each from its send', async () => {
    const server = await serve((_req, res) => setTimeout(() => res.end('ok'), 2));
    const s = settings({ phases: [{ rateRps: 200, durationMs: 2000 }], warmupMs: 300 });
    const run = await runOpenModel(server.url, [journey('a', '/a')], s);

    expectAccountedFor(run, 400);
    expect(run.generator.unsent).toBe(0);
    expect(run.overall.statusCodes).toEqual({ '200': 400 });
    // The warm-up's 60 were sent too, and nothing more.
    expect(totalReceived(server)).toBe(460);
    expect(run.overall.latency.p50).toBeGreaterThanOrEqual(2);
    expect(run.overall.latency.p50).toBeLessThan(20);
    expect(run.overall.throughputRps).toBe(200);
    expect(run.timeline.map((p) => p.requests)).toEqual([200, 200]);
    expect(run.load).toEqual({
      model: 'open',
      tool: OPEN_MODEL_TOOL,
      connections: 10,
      rateRps: 200,
      arrival: 'uniform',
      durationMs: 2000,
      warmupMs: 300,
      requestTimeoutMs: 2000,
    });
    expect(OPEN_MODEL_TOOL).toMatch(/^perf-flow open model \(node:net/);
  });

  it('sends a seeded Poisson schedule, split by weight, every request accounted for', async () => {
    const server = await serve((_req, res) => setTimeout(() => res.end('ok'), 2));
    const s = settings({
      phases: [{ rateRps: 300, durationMs: 1500 }],
      warmupMs: 200,
      arrival: 'poisson',
      seed: 7,
    });
    const weights = [3, 1];
    const expected = scheduledInWindow(s, weights);
    const total = expected.reduce((t, n) => t + n, 0);
    // A Poisson count: 450 expected, sd about 21.
    expect(Math.abs(total - 450)).toBeLessThan(90);

    const run = await runOpenModel(server.url, [journey('a', '/a', 3), journey('b', '/b', 1)], s);
    expectAccountedFor(run, total);
    expect(run.generator.unsent).toBe(0);
    expect(run.journeys.map((j) => j.result.requests)).toEqual(expected);
    expect(run.load.arrival).toBe('poisson');
  });

  it('changes rate at each phase boundary and reports the phases', async () => {
    const server = await serve((_req, res) => res.end('ok'));
    const phases = [
      { rateRps: 100, durationMs: 1000 },
      { rateRps: 300, durationMs: 1000 },
    ];
    const run = await runOpenModel(server.url, [journey('a', '/a')], settings({ phases }));
    expectAccountedFor(run, 400);
    // Outcomes are placed at their scheduled second.
    expect(run.timeline.map((p) => p.requests)).toEqual([100, 300]);
    expect(run.load.phases).toEqual(phases);
    expect(run.load.rateRps).toBe(200);
    expect(run.load.durationMs).toBe(2000);
  });

  it('reports progress through warm-up and the measured window', async () => {
    const server = await serve((_req, res) => res.end('ok'));
    const progress: LoadProgress[] = [];
    await runOpenModel(
      server.url,
      [journey('a', '/a')],
      settings({ phases: [{ rateRps: 20, durationMs: 1000 }], warmupMs: 1500 }),
      { onProgress: (p) => progress.push(p) },
    );
    expect(progress.map((p) => p.phase)).toEqual(['warm-up', 'measure']);
    expect(progress[1]?.remainingMs).toBeGreaterThan(0);
  });
});

describe('runOpenModel against a service that stalls', () => {
  it('shows a 1 s freeze in p99 and max, and loses no request to it', async () => {
    // Answers at once, except that once, 1 s into the measured window, it holds every
    // response for a second. Only 10 connections: most requests due during the freeze wait
    // in perf-flow's queue, and that wait is part of their latency too.
    const warmupMs = 500;
    const started = performance.now();
    let state: 'before' | 'frozen' | 'after' = 'before';
    let frozenMs = 0;
    const held: (() => void)[] = [];
    const server = await serve((_req, res) => {
      const now = performance.now();
      if (state === 'before' && now - started >= warmupMs + 1000) {
        state = 'frozen';
        setTimeout(() => {
          // This VM's timers can fire late: the freeze lasts until the release really runs.
          frozenMs = performance.now() - now;
          state = 'after';
          held.splice(0).forEach((release) => release());
        }, 1000);
      }
      if (state === 'frozen') held.push(() => res.end('late'));
      else res.end('ok');
    });
    const s = settings({
      phases: [{ rateRps: 100, durationMs: 3000 }],
      warmupMs,
      maxConnections: 10,
    });
    const run = await runOpenModel(server.url, [journey('a', '/a')], s);

    // A timer may fire a fraction of a millisecond early by performance.now().
    expect(frozenMs).toBeGreaterThanOrEqual(990);
    expectAccountedFor(run, 300);
    expect(run.generator.unsent).toBe(0);
    expect(run.overall.statusCodes).toEqual({ '200': 300 });
    expect(totalReceived(server)).toBe(350);
    expect(run.overall.latency.p99).toBeGreaterThanOrEqual(900);
    expect(run.overall.latency.max).toBeGreaterThanOrEqual(900);
    // The ~100 requests due during the freeze waited from 1000 ms down to 0: about half of
    // them over 500 ms. A generator that waited for a free connection before starting the
    // clock would show at most its 10 connections' worth.
    const slow = countAboveMs(decodeHistogram(run.overall.histogram), 500);
    expect(slow).toBeGreaterThanOrEqual(35);
    expect(slow).toBeLessThanOrEqual((frozenMs - 500) / 10 + 20);
    expect(Math.max(...run.timeline.map((p) => p.p99))).toBeGreaterThanOrEqual(900);
  });
});

describe('runOpenModel watching itself', () => {
  // This VM stalls for 100-400 ms now and then with nothing else running (FACTS.md): one such
  // stall in a 2 s window is more than the rule allows, and is a fact of the machine, not of
  // the generator. Three attempts show the generator itself keeps a modest schedule.
  it('is not saturated at 50 req/s', { retry: 2 }, async () => {
    const server = await serve((_req, res) => res.end('ok'));
    const run = await runOpenModel(
      server.url,
      [journey('a', '/a')],
      settings({ phases: [{ rateRps: 50, durationMs: 2000 }], warmupMs: 200 }),
    );
    expectAccountedFor(run, 100);
    expect(run.generator.reasons).toEqual([]);
    expect(run.generator.saturated).toBe(false);
    expect(run.generator.unsent).toBe(0);
    expect(run.generator.lateThresholdMs).toBeGreaterThan(0);
    expect(run.generator.sendLagMs?.p50).toBeLessThan(5);
    expect(run.generator.eventLoopUtilization).toBeLessThan(0.9);
  });

  it(
    'sends on time between fast responses, and counts the wait before a send as idle',
    { retry: 2 },
    async () => {
      const server = await serve((_req, res) => res.end('ok'));
      const run = await runOpenModel(
        server.url,
        [journey('a', '/a')],
        settings({ phases: [{ rateRps: 1000, durationMs: 1500 }], warmupMs: 300 }),
      );
      expectAccountedFor(run, 1500);
      // A timer alone would send up to a millisecond late, about half of one at the median.
      expect(run.generator.sendLagMs?.p50).toBeLessThan(0.25);
      // The scheduler blocks the loop while it waits for a send (nothing is in flight then):
      // counted as busy, the loop would look saturated.
      expect(run.generator.eventLoopUtilization).toBeLessThan(0.7);
    },
  );

  it('is saturated when its own event loop is blocked for a second', async () => {
    const server = await serve((_req, res) => res.end('ok'));
    const block = setTimeout(() => {
      const until = performance.now() + 1000;
      while (performance.now() < until) {
        // perf-flow's own loop is stuck: nothing can be sent on time.
      }
    }, 1000);
    const run = await runOpenModel(
      server.url,
      [journey('a', '/a')],
      settings({ phases: [{ rateRps: 100, durationMs: 3000 }], warmupMs: 200 }),
    ).finally(() => clearTimeout(block));
    expectAccountedFor(run, 300);
    expect(run.generator.saturated).toBe(true);
    expect(run.generator.lateStarts).toBeGreaterThanOrEqual(80);
    expect(run.generator.sendLagMs?.max).toBeGreaterThanOrEqual(900);
    expect(run.generator.reasons.join('\n')).toMatch(/late/);
    // The block is perf-flow's, not the service's: the ~100 requests due during it were sent
    // late and timed from their send. Only what was in flight when it began waited it out.
    expect(run.overall.latency.p95).toBeLessThan(100);
    expect(countAboveMs(decodeHistogram(run.overall.histogram), 900)).toBeLessThanOrEqual(5);
  });

  it('does not send what is already past its timeout when it gets to it', async () => {
    const server = await serve((_req, res) => res.end('ok'));
    let blockedMs = 0;
    const block = setTimeout(() => {
      const from = performance.now();
      while (performance.now() - from < 1600) {
        // perf-flow's own loop is stuck for longer than the request timeout.
      }
      blockedMs = performance.now() - from;
    }, 700);
    const run = await runOpenModel(
      server.url,
      [journey('a', '/a')],
      settings({
        phases: [{ rateRps: 100, durationMs: 3000 }],
        warmupMs: 200,
        requestTimeoutMs: 1000,
      }),
    ).finally(() => clearTimeout(block));
    expect(blockedMs).toBeGreaterThanOrEqual(1600);
    expectAccountedFor(run, 300);
    // Due in the block's first 600 ms: over a second late when the loop came back. (A VM
    // stall around the block can add a few.)
    const { unsent } = run.generator;
    expect(unsent).toBeGreaterThanOrEqual(55);
    expect(unsent).toBeLessThanOrEqual(90);
    expect(run.generator.saturated).toBe(true);
    expect(run.generator.reasons.join('\n')).toMatch(/never sent/);
    // What was skipped never reached the server (20 warm-up requests besides the window's;
    // one sent just in time may still be refused by its timeout while it waits for a socket).
    const sendable = 20 + 300 - (unsent ?? 0);
    expect(totalReceived(server)).toBeLessThanOrEqual(sendable);
    expect(totalReceived(server)).toBeGreaterThanOrEqual(sendable - 5);
  });

  it('is saturated, and says so, when asked for far more than it can send', async () => {
    const server = await serve((_req, res) => res.end('ok'));
    const s = settings({
      phases: [{ rateRps: 200_000, durationMs: 1000 }],
      requestTimeoutMs: 1000,
      maxConnections: 20,
    });
    const started = performance.now();
    const run = await runOpenModel(server.url, [journey('a', '/a')], s);
    expect(performance.now() - started).toBeLessThan(8000);
    expectAccountedFor(run, 200_000);
    expect(run.generator.saturated).toBe(true);
    // Which rules trip depends on how fast this machine is at the moment (it may still send
    // them all, late, within the grace second); some of them must.
    const { lateStarts, unsent } = run.generator;
    expect((lateStarts ?? 0) + (unsent ?? 0)).toBeGreaterThan(10_000);
    expect(run.generator.reasons.join('\n')).toMatch(/late|never sent|event-loop utilisation/);
  });
});

describe('runOpenModel outcomes', () => {
  it('counts requests unanswered within the timeout as timeouts, at the timeout', async () => {
    const server = await serve((req, res) => {
      if (req.url === '/ok') res.end('ok');
      // /hang never answers.
    });
    const s = settings({
      phases: [{ rateRps: 40, durationMs: 1500 }],
      requestTimeoutMs: 300,
      maxConnections: 50,
    });
    const run = await runOpenModel(server.url, [journey('ok', '/ok'), journey('hang', '/hang')], s);
    expectAccountedFor(run, 60);
    const [ok, hang] = run.journeys.map((j) => j.result);
    expect(hang?.requests).toBe(30);
    expect(hang?.timeouts).toBe(30);
    expect(hang?.transportErrors).toBe(0);
    expect(hang?.latency.p50).toBeGreaterThanOrEqual(300);
    expect(ok?.timeouts).toBe(0);
    expect(ok?.statusCodes).toEqual({ '200': 30 });
    expect(run.overall.timeouts).toBe(30);
  });

  it('counts connections reset without an answer as transport errors', async () => {
    const server = await serve((req, res) => {
      if (req.url === '/reset') req.socket.destroy();
      else res.end('ok');
    });
    const run = await runOpenModel(
      server.url,
      [journey('ok', '/ok'), journey('reset', '/reset')],
      settings({ phases: [{ rateRps: 40, durationMs: 1000 }] }),
    );
    expectAccountedFor(run, 40);
    const [ok, reset] = run.journeys.map((j) => j.result);
    expect(reset?.transportErrors).toBe(20);
    expect(reset?.timeouts).toBe(0);
    expect(ok?.statusCodes).toEqual({ '200': 20 });
    expect(run.overall.transportErrors).toBe(20);
    // Nothing is retried: the schedule's requests and no more.
    expect(server.received.get('/reset')).toBe(20);
  });

  it('counts status codes and errors', async () => {
    const server = await serve((req, res) => {
      res.statusCode = req.url === '/missing' ? 404 : 500;
      res.end();
    });
    const run = await runOpenModel(
      server.url,
      [journey('missing', '/missing'), journey('broken', '/broken')],
      settings({ phases: [{ rateRps: 40, durationMs: 1000 }] }),
    );
    expect(run.overall.statusCodes).toEqual({ '404': 20, '500': 20 });
    expect(run.overall.errors).toBe(40);
    expect(run.overall.serverErrors).toBe(20);
  });

  it('sends the method, headers and body, under the base URL’s path', async () => {
    const seen: string[] = [];
    const server = await serve((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        seen.push(`${req.method} ${req.url} ${req.headers['x-test']} ${body}`);
        res.end();
      });
    });
    await runOpenModel(
      `${server.url}/api/`,
      [
        {
          name: 'post',
          method: 'POST',
          path: '/items',
          headers: { 'x-test': 'yes' },
          body: '{}',
          weight: 1,
        },
      ],
      settings({ phases: [{ rateRps: 10, durationMs: 500 }] }),
    );
    expect(seen).toHaveLength(5);
    expect(new Set(seen)).toEqual(new Set(['POST /api/items yes {}']));
  });
});

describe('runOpenModel bounds and safety', () => {
  it('rejects fast with RuntimeError naming the URL when nothing listens', async () => {
    const url = await closedPortUrl();
    const started = performance.now();
    const error = await runOpenModel(
      url,
      [journey('a', '/a')],
      settings({ phases: [{ rateRps: 50, durationMs: 10_000 }] }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RuntimeError);
    expect((error as Error).message).toContain(url);
    expect((error as Error).message).toContain('ECONNREFUSED');
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('stops promptly on abort, rejects with the reason, and leaves the target alone', async () => {
    const server = await serve((_req, res) => res.end('ok'));
    const controller = new AbortController();
    const reason = new Error('cancelled by the test');
    setTimeout(() => controller.abort(reason), 300);
    const started = performance.now();
    const error = await runOpenModel(
      server.url,
      [journey('a', '/a')],
      settings({ phases: [{ rateRps: 100, durationMs: 10_000 }] }),
      { signal: controller.signal },
    ).catch((e: unknown) => e);
    expect(error).toBe(reason);
    expect(performance.now() - started).toBeLessThan(1500);
    // Requests written before the stop may still be read by the server (same process, on a
    // loaded VM); after that, nothing new arrives.
    await sleep(500);
    const afterStop = totalReceived(server);
    expect(afterStop).toBeGreaterThan(0);
    expect(afterStop).toBeLessThan(100);
    await sleep(500);
    expect(totalReceived(server)).toBe(afterStop);
  });

  it('rejects at once when the signal has already fired', async () => {
    const server = await serve((_req, res) => res.end('ok'));
    const reason = new Error('already');
    await expect(
      runOpenModel(server.url, [journey('a', '/a')], settings({}), {
        signal: AbortSignal.abort(reason),
      }),
    ).rejects.toBe(reason);
    expect(totalReceived(server)).toBe(0);
  });

  it('stops at its request bound, says so, and sends nothing past it', async () => {
    const server = await serve((_req, res) => res.end('ok'));
    // 100 warm-up requests (bounded by time, not by count), then 300 due; the bound is 120.
    const s = settings({
      phases: [{ rateRps: 200, durationMs: 1500 }],
      warmupMs: 500,
      maxRequests: 120,
    });
    const error = await runOpenModel(server.url, [journey('a', '/a')], s).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RuntimeError);
    expect((error as Error).message).toMatch(/reached its bound of 120 requests/);
    await sleep(200);
    // Nothing past the bound; the last few sent may not have reached the server when the
    // pool was destroyed (seen under load from parallel test files).
    expect(totalReceived(server)).toBeLessThanOrEqual(100 + 120);
    expect(totalReceived(server)).toBeGreaterThanOrEqual(100 + 120 - 10);
  });

  it('refuses a host that is neither loopback nor allowed, before sending anything', async () => {
    await expect(
      runOpenModel('http://example.com', [journey('a', '/a')], settings({})),
    ).rejects.toBeInstanceOf(ConfigError);
  });

  it.each<[string, Partial<OpenModelSettings>]>([
    ['no phase', { phases: [] }],
    ['a zero rate', { phases: [{ rateRps: 0, durationMs: 1000 }] }],
    ['a zero duration', { phases: [{ rateRps: 10, durationMs: 0 }] }],
    ['a negative warm-up', { warmupMs: -1 }],
    ['no request timeout', { requestTimeoutMs: 0 }],
    ['no connection', { maxConnections: 0 }],
    ['a fractional request bound', { maxRequests: 2.5 }],
    ['an unknown arrival pattern', { arrival: 'bursty' as ArrivalPattern }],
  ])('refuses %s with ConfigError', async (_name, overrides) => {
    await expect(
      runOpenModel('http://127.0.0.1:9', [journey('a', '/a')], settings(overrides)),
    ).rejects.toBeInstanceOf(ConfigError);
  });
});
