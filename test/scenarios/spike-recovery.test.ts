import { describe, expect, it } from 'vitest';
import type { TimelinePoint } from '../../src/data/common.js';
import { median, spikeRecovery } from '../../src/scenarios/spike-recovery.js';

/** One point per second from [requests, errors, p95] triples. */
function timeline(rows: [number, number, number][]): TimelinePoint[] {
  return rows.map(([requests, errors, p95], second) => ({
    second,
    requests,
    errors,
    p50: p95 / 2,
    p95,
    p99: p95 * 2,
  }));
}

const base = (n: number, p95 = 20): [number, number, number][] =>
  Array.from({ length: n }, (_, i) => [100, 0, p95 + (i % 3) - 1]);
const phases = { peakStartSec: 10, peakEndSec: 15 };

describe('spikeRecovery', () => {
  it('measures the level before, the peak, and the seconds to recover', () => {
    const rows: [number, number, number][] = [
      ...base(10), // p95 19, 20, 21 ...: median 20
      ...Array.from({ length: 5 }, (): [number, number, number] => [500, 50, 400]),
      [100, 5, 200], // still draining the queue
      [100, 0, 60],
      [100, 0, 24], // back: ≤ 20 × 1.25 = 25 and no errors
      [100, 0, 22],
      [100, 0, 23],
      [100, 0, 21],
    ];
    const result = spikeRecovery(timeline(rows), phases);
    expect(result.pre).toEqual({ p95Ms: 20, errorRate: 0, seconds: 10, secondsWithRequests: 10 });
    expect(result.peak).toMatchObject({ p95Ms: 400, p95MaxMs: 400, errorRate: 0.1, seconds: 5 });
    expect(result.limits).toEqual({ p95Ms: 25, errorRate: 0.01 });
    expect(result.recoverySec).toBe(2);
    expect(result.recoveredAtSecond).toBe(17);
    expect(result.reason).toMatch(/2 s after the peak, for 3 s in a row/);
  });

  it('counts 0 when the service is back at once', () => {
    const rows = [...base(10), ...base(5, 30), ...base(3)];
    expect(spikeRecovery(timeline(rows), phases).recoverySec).toBe(0);
  });

  it('needs K good seconds in a row: a lull between bad seconds is not recovery', () => {
    const rows: [number, number, number][] = [
      ...base(10),
      ...base(5, 300),
      [100, 0, 20],
      [100, 0, 200],
      [100, 0, 20],
      [100, 0, 20],
      [100, 0, 300],
      [100, 0, 20],
      [100, 0, 20],
      [100, 0, 20],
    ];
    expect(spikeRecovery(timeline(rows), phases).recoverySec).toBe(5);
    expect(spikeRecovery(timeline(rows), phases, { consecutive: 1 }).recoverySec).toBe(0);
    expect(spikeRecovery(timeline(rows), phases, { consecutive: 2 }).recoverySec).toBe(2);
  });

  it('holds errors against the level before plus the slack', () => {
    // 2% errors before; 2.5% after is within the 1-point slack, 4% is not.
    const before = Array.from({ length: 10 }, (): [number, number, number] => [100, 2, 20]);
    const rows: [number, number, number][] = [
      ...before,
      ...base(5, 20).map(([r]): [number, number, number] => [r, 40, 20]),
      [200, 8, 20],
      [200, 5, 20],
      [200, 5, 20],
      [200, 5, 20],
    ];
    const result = spikeRecovery(timeline(rows), phases);
    expect(result.pre.errorRate).toBeCloseTo(0.02, 12);
    expect(result.limits?.errorRate).toBeCloseTo(0.03, 12);
    expect(result.recoverySec).toBe(1);
  });

  it('treats seconds with no requests as not recovered, and leaves them out of levels', () => {
    const rows: [number, number, number][] = [
      ...base(4),
      [0, 0, 0], // a second with nothing served before the spike: no p95 of 0 in the median
      ...base(5),
      ...base(5, 500),
      [0, 0, 0],
      [0, 0, 0],
      ...base(3),
    ];
    const result = spikeRecovery(timeline(rows), phases);
    expect(result.pre).toMatchObject({ p95Ms: 20, seconds: 10, secondsWithRequests: 9 });
    expect(result.recoverySec).toBe(2);
  });

  it('reads missing seconds as seconds with no requests', () => {
    const points = timeline([...base(10), ...base(5, 500), ...base(6)]).filter(
      (p) => p.second !== 16,
    );
    expect(spikeRecovery(points, phases).recoverySec).toBe(2);
  });

  it('says not recovered when the run ends first, and why', () => {
    const short = spikeRecovery(
      timeline([...base(10), ...base(5, 500), [100, 0, 20], [100, 0, 20]]),
      phases,
    );
    expect(short.recoverySec).toBeNull();
    expect(short.reason).toMatch(/the last 2 s were back, fewer than the 3/);
    const never = spikeRecovery(timeline([...base(10), ...base(10, 500)]), phases);
    expect(never.recoverySec).toBeNull();
    expect(never.reason).toMatch(/none of the 5 s after the peak/);
    const ends = spikeRecovery(timeline([...base(10), ...base(5, 500)]), phases);
    expect(ends.reason).toMatch(/the run ends with the peak/);
  });

  it('gives a small p95 an absolute slack: 25% of 0.4 ms is scheduling noise', () => {
    const rows: [number, number, number][] = [
      ...Array.from({ length: 10 }, (): [number, number, number] => [100, 0, 0.4]),
      ...base(5, 50),
      ...Array.from({ length: 3 }, (): [number, number, number] => [100, 0, 1.2]),
    ];
    const result = spikeRecovery(timeline(rows), phases);
    expect(result.limits?.p95Ms).toBeCloseTo(1.4, 12);
    expect(result.recoverySec).toBe(0);
  });

  it('has no level to recover to without requests before the spike', () => {
    const rows: [number, number, number][] = [
      ...Array.from({ length: 10 }, (): [number, number, number] => [0, 0, 0]),
      ...base(8),
    ];
    const result = spikeRecovery(timeline(rows), phases);
    expect(result).toMatchObject({ limits: null, recoverySec: null, pre: { p95Ms: null } });
    expect(result.reason).toMatch(/no requests before the spike/);
  });

  it('refuses phases that do not make a peak', () => {
    expect(() => spikeRecovery([], { peakStartSec: 5, peakEndSec: 5 })).toThrow(RangeError);
    expect(() => spikeRecovery([], phases, { consecutive: 0 })).toThrow(RangeError);
  });
});

describe('median', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNull();
  });
});
