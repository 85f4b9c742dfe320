import { describe, expect, it } from 'vitest';
import type { ProcessRuntime, RuntimeSample } from '../../src/profile/runtime-probe.js';
import { summarizeRuntime } from '../../src/profile/runtime-summary.js';

const kind = (count = 0, ms = 0) => ({ count, ms });

function second(t: number, over: Partial<RuntimeSample> = {}): RuntimeSample {
  return {
    t,
    heapUsed: 20e6,
    heapTotal: 40e6,
    rss: 80e6,
    external: 1e6,
    eventLoopDelayMs: { p50: 0, p99: 1, max: 2 },
    gc: { minor: kind(), major: kind(), incremental: kind(), weakcb: kind() },
    activeResources: 10,
    heapAfterGc: null,
    heapAfterMinorGc: null,
    ...over,
  };
}

describe('summarizeRuntime', () => {
  const window = { startMs: 10_000, endMs: 15_000 };
  // The service: five seconds in the window, GC every second, one blocked second.
  const service: ProcessRuntime = {
    pid: 2,
    skippedLines: 0,
    samples: [
      second(9_000, { eventLoopDelayMs: { p50: 900, p99: 900, max: 900 } }), // before the load
      ...[11_000, 12_000, 13_000, 14_000, 15_000].map((t, i) =>
        second(t, {
          heapUsed: 20e6 + i * 1e6,
          gc: {
            minor: kind(10, 20),
            major: kind(i === 2 ? 1 : 0, i === 2 ? 30 : 0),
            incremental: kind(),
            weakcb: kind(),
          },
          gcPausesMs: [...Array<number>(10).fill(2), ...(i === 2 ? [30] : [])],
          eventLoopDelayMs: i === 3 ? { p50: 5, p99: 140, max: 160 } : { p50: 0, p99: 1, max: 2 },
        }),
      ),
    ],
  };
  // npm, waiting: in the window too, but idle.
  const wrapper: ProcessRuntime = {
    pid: 1,
    skippedLines: 0,
    samples: [second(12_000), second(13_000)],
  };

  it('takes the worst loop delay of any process and the GC and heap of the busiest, inside the load', () => {
    const summary = summarizeRuntime([wrapper, service], window)!;
    expect(summary).toMatchObject({
      processes: 2,
      seconds: 5,
      eventLoopDelayMs: { p99: 140, max: 160 },
      heapUsedBytes: { first: 20e6, last: 24e6 },
      activeResourcesMax: 10,
    });
    expect(summary.gc.pauseShare).toBeCloseTo((5 * 20 + 30) / 5000, 10);
    expect(summary.gc.pausesPerSecond).toBeCloseTo(51 / 5, 10);
    expect(summary.gc.pauseMs).toEqual({ p50: 2, p99: 30, max: 30 });
    expect(summary.gc.byKind.major).toEqual({ count: 1, totalMs: 30 });
    // Second by second from the load's start, each sample covering the second before it.
    expect(summary.timeline.map((p) => [p.second, p.eventLoopDelayP99Ms, p.gcPauseMs])).toEqual([
      [0, 1, 20],
      [1, 1, 20],
      [2, 1, 50],
      [3, 140, 20],
      [4, 1, 20],
    ]);
  });

  it('is null when no process reported inside the load', () => {
    expect(summarizeRuntime([wrapper], { startMs: 0, endMs: 5_000 })).toBeNull();
  });
});
