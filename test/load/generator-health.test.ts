import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { GeneratorHealth } from '../../src/data/common.js';
import { runClosedLoop } from '../../src/load/closed-loop.js';
import type { SendFigures } from '../../src/load/generator-health.js';
import {
  LATE_THRESHOLD_MS,
  allowedLateStarts,
  judgeGeneratorHealth,
  startGeneratorMonitor,
} from '../../src/load/generator-health.js';
import { createLatencyHistogram, recordMs } from '../../src/measure/histogram.js';
import type { TestServer } from '../helpers/load-fixtures.js';
import { closedLoopSettings, journey, startServer } from '../helpers/load-fixtures.js';

function busyWait(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // Keeps the event loop busy on purpose.
  }
}

/** Send figures of a window: `lags` in ms, one per request sent. */
function sends(lags: number[], overrides: Partial<SendFigures> = {}): SendFigures {
  const sendLag = createLatencyHistogram();
  for (const lag of lags) recordMs(sendLag, lag);
  return {
    sendLag,
    lateStarts: lags.filter((l) => l > LATE_THRESHOLD_MS).length,
    lateThresholdMs: LATE_THRESHOLD_MS,
    sent: lags.length,
    unsent: 0,
    windowMs: 2000,
    ...overrides,
  };
}

const calm = { eventLoopUtilization: 0.2, cpuCores: 0.3 };

describe('startGeneratorMonitor', () => {
  it('sees a busy event loop as busy, and an idle one as idle', async () => {
    const busy = startGeneratorMonitor();
    busyWait(300);
    const busyHealth = busy.finish();
    expect(busyHealth.eventLoopUtilization).toBeGreaterThan(0.9);
    // CPU time, unlike the loop's own accounting, loses to other processes on a shared VM.
    expect(busyHealth.cpuCores).toBeGreaterThan(0.2);
    expect(busyHealth.saturated).toBe(true);
    expect(busyHealth.reasons[0]).toMatch(/event-loop utilisation \d+% \(over 90%\)/);

    const idle = startGeneratorMonitor();
    await sleep(300);
    const idleHealth = idle.finish();
    expect(idleHealth.eventLoopUtilization).toBeLessThan(0.5);
    expect(idleHealth.saturated).toBe(false);
    expect(idleHealth.reasons).toEqual([]);
    expect(() => GeneratorHealth.parse(idleHealth)).not.toThrow();
  });

  it('takes spin-waiting off the busy time', () => {
    const monitor = startGeneratorMonitor();
    busyWait(200);
    monitor.addSpinWait(200);
    expect(monitor.finish().eventLoopUtilization).toBeLessThan(0.5);
  });

  it('keeps the figures of the window it was stopped at', async () => {
    const monitor = startGeneratorMonitor();
    await sleep(100);
    monitor.stop();
    busyWait(200);
    expect(monitor.finish().eventLoopUtilization).toBeLessThan(0.5);
  });

  it('leaves the open-model figures null for a closed loop', () => {
    const health = startGeneratorMonitor().finish();
    expect(health.sendLagMs).toBeNull();
    expect(health.lateStarts).toBeNull();
    expect(health.lateThresholdMs).toBeNull();
    expect(health.unsent).toBeNull();
  });
});

describe('judgeGeneratorHealth', () => {
  it('passes a generator that kept its schedule', () => {
    const health = judgeGeneratorHealth(calm, sends(Array.from({ length: 100 }, () => 0.05)));
    expect(health.saturated).toBe(false);
    expect(health.reasons).toEqual([]);
    expect(health.sendLagMs?.p50).toBeLessThan(0.1);
    expect(health.lateStarts).toBe(0);
    expect(health.lateThresholdMs).toBe(LATE_THRESHOLD_MS);
  });

  it('flags an event loop over 90%, with the figure', () => {
    const health = judgeGeneratorHealth({ eventLoopUtilization: 0.97, cpuCores: 1 }, sends([1]));
    expect(health.saturated).toBe(true);
    expect(health.reasons).toEqual([
      expect.stringMatching(/^event-loop utilisation 97% \(over 90%\)/),
    ]);
    expect(health.reasons[0]).toContain('measure perf-flow, not the service');
  });

  it('flags any request left unsent', () => {
    const health = judgeGeneratorHealth(calm, sends([0.1, 0.1], { unsent: 1 }));
    expect(health.saturated).toBe(true);
    expect(health.reasons[0]).toMatch(/^1 of 3 scheduled requests never sent/);
  });

  it('forgives one 200 ms freeze of the machine at 50 req/s: 10 late of 100', () => {
    const lags = [
      ...Array.from({ length: 90 }, () => 0.1),
      ...Array.from({ length: 10 }, (_, i) => 200 - 20 * i),
    ];
    const figures = sends(lags);
    expect(figures.lateStarts).toBe(10);
    // 250 ms at 50 req/s is 12.5 requests, over 1% of 100.
    expect(allowedLateStarts(figures)).toBe(12.5);
    const health = judgeGeneratorHealth(calm, figures);
    expect(health.saturated).toBe(false);
    expect(health.sendLagMs?.max).toBeGreaterThanOrEqual(200);
  });

  it('flags lateness beyond the allowance: a generator behind for a second', () => {
    const lags = [
      ...Array.from({ length: 200 }, () => 0.1),
      ...Array.from({ length: 100 }, (_, i) => 1000 - 10 * i),
    ];
    const health = judgeGeneratorHealth(calm, sends(lags, { windowMs: 3000 }));
    expect(health.saturated).toBe(true);
    expect(health.reasons).toHaveLength(1);
    expect(health.reasons[0]).toMatch(
      /^100 of 300 requests \(33%\) sent over 5 ms late \(allowed: 25\)/,
    );
    expect(health.reasons[0]).toContain('send lag p99');
  });

  it('holds long runs to 1% of their requests', () => {
    // 60 s at 1000 req/s: a 250 ms allowance is 250 requests, 1% is 600.
    expect(allowedLateStarts({ sent: 60_000, unsent: 0, windowMs: 60_000 })).toBe(600);
    const lags = [
      ...Array.from({ length: 59_300 }, () => 0.1),
      ...Array.from({ length: 700 }, () => 8),
    ];
    expect(judgeGeneratorHealth(calm, sends(lags, { windowMs: 60_000 })).saturated).toBe(true);
  });
});

describe('runClosedLoop watching itself', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
  });

  it('fills the loop figures and leaves the send figures null', async () => {
    server = await startServer((_req, res) => setTimeout(() => res.end('ok'), 5));
    const run = await runClosedLoop(
      server.url,
      [journey('a', '/a')],
      closedLoopSettings({ durationMs: 1000, warmupMs: 200 }),
    );
    expect(() => GeneratorHealth.parse(run.generator)).not.toThrow();
    expect(run.generator.eventLoopUtilization).toBeGreaterThan(0);
    expect(run.generator.eventLoopUtilization).toBeLessThan(0.9);
    expect(run.generator.cpuCores).toBeGreaterThan(0);
    expect(run.generator.sendLagMs).toBeNull();
    expect(run.generator.unsent).toBeNull();
    expect(run.generator.saturated).toBe(false);
  });
});
