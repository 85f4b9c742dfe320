import { decodeHistogram } from '../../src/measure/histogram.js';
import { describe, expect, it } from 'vitest';
import { LoadRecorder } from '../../src/load/load-recorder.js';

const TIMEOUT_MS = 2000;

/** A recorder on a clock the test moves by hand, with requests timing out at 2 s. */
function recorderAt(journeys: number, window: { warmupMs: number; durationMs: number }) {
  const clock = { now: 1000 };
  const recorder = new LoadRecorder(
    journeys,
    { ...window, requestTimeoutMs: TIMEOUT_MS },
    () => clock.now,
  );
  return { recorder, clock };
}

const ok = { kind: 'response', status: 200 } as const;

describe('LoadRecorder', () => {
  it('counts only what ends inside the measured window', () => {
    const { recorder, clock } = recorderAt(1, { warmupMs: 500, durationMs: 2000 });
    for (const [at, latency] of [
      [1499, 400], // during the warm-up
      [1500, 5], // first instant measured
      [3499, 6], // last instant measured
      [3500, 7], // after the window
    ] as const) {
      clock.now = at;
      recorder.record(0, ok, latency);
    }
    const { overall, journeys, timeline } = recorder.finish();
    expect(overall.requests).toBe(2);
    expect(overall.latency.max).toBeCloseTo(6, 2);
    expect(journeys[0]?.result.requests).toBe(2);
    expect(timeline.map((p) => p.requests)).toEqual([1, 1]);
    expect(overall.durationSec).toBe(2);
    expect(overall.throughputRps).toBe(1);
  });

  it('fills silent seconds with empty points, and a partial last second', () => {
    const { recorder, clock } = recorderAt(2, { warmupMs: 0, durationMs: 3500 });
    clock.now = 1100;
    recorder.record(0, ok, 10);
    clock.now = 3600;
    recorder.record(1, { kind: 'timeout' });
    recorder.record(0, { kind: 'response', status: 500 }, 30);
    const { timeline, journeys } = recorder.finish();
    // Each second keeps its histogram (for exact merging of shards); its count is the second's.
    for (const point of timeline) {
      expect(decodeHistogram(point.histogram!).totalCount).toBe(point.requests);
    }
    expect(timeline.map(({ histogram: _h, ...point }) => point)).toEqual([
      {
        second: 0,
        requests: 1,
        errors: 0,
        p50: expect.closeTo(10, 1),
        p95: expect.closeTo(10, 1),
        p99: expect.closeTo(10, 1),
      },
      { second: 1, requests: 0, errors: 0, p50: 0, p95: 0, p99: 0 },
      {
        second: 2,
        requests: 2,
        errors: 2,
        // The timeout counts at the request timeout, 2 s.
        p50: expect.closeTo(30, 1),
        p95: expect.closeTo(TIMEOUT_MS, -1),
        p99: expect.closeTo(TIMEOUT_MS, -1),
      },
      { second: 3, requests: 0, errors: 0, p50: 0, p95: 0, p99: 0 },
    ]);
    expect(journeys[0]?.timeline.map((p) => p.requests)).toEqual([1, 0, 1, 0]);
    expect(journeys[1]?.timeline.map((p) => p.errors)).toEqual([0, 0, 1, 0]);
    expect(journeys[1]?.result).toMatchObject({ requests: 1, timeouts: 1, availability: 0 });
  });

  it('records a timeout in the latency at the request timeout, a value it took at least', () => {
    const { recorder, clock } = recorderAt(2, { warmupMs: 0, durationMs: 3000 });
    clock.now = 1500;
    for (let i = 0; i < 9; i++) recorder.record(0, ok, 5);
    recorder.record(0, { kind: 'timeout' });
    recorder.record(1, { kind: 'transport' });
    const { overall, journeys, timeline } = recorder.finish();
    const journey = journeys[0]!.result;
    expect(journey).toMatchObject({ requests: 10, timeouts: 1 });
    expect(journey.latency.count).toBe(10);
    expect(journey.latency.max).toBeGreaterThanOrEqual(TIMEOUT_MS);
    expect(journey.latency.max).toBeLessThan(TIMEOUT_MS * 1.001);
    expect(journey.latency.p95).toBeGreaterThanOrEqual(TIMEOUT_MS);
    expect(journey.latency.p50).toBeCloseTo(5, 1);
    // A transport error has no latency, not even a lower bound: it stays out.
    expect(journeys[1]!.result.latency.count).toBe(0);
    expect(overall.latency.count).toBe(10);
    expect(overall.latency.max).toBeGreaterThanOrEqual(TIMEOUT_MS);
    // The per-second points count it the same way.
    expect(timeline[0]?.p99).toBeGreaterThanOrEqual(TIMEOUT_MS);
  });

  it('keeps each second’s percentiles to that second', () => {
    const { recorder, clock } = recorderAt(1, { warmupMs: 0, durationMs: 2000 });
    clock.now = 1000;
    for (let i = 0; i < 10; i++) recorder.record(0, ok, 100);
    clock.now = 2000;
    for (let i = 0; i < 10; i++) recorder.record(0, ok, 1);
    const { timeline, overall } = recorder.finish();
    expect(timeline[0]?.p99).toBeCloseTo(100, 0);
    expect(timeline[1]?.p99).toBeCloseTo(1, 2);
    expect(overall.latency.count).toBe(20);
  });
});
