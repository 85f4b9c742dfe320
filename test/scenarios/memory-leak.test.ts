import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/load/arrivals.js';
import {
  analyzeMemoryLeak,
  windowMinima,
  type MemorySample,
} from '../../src/scenarios/memory-leak.js';

const MiB = 1024 * 1024;

/** Deterministic noise in [-1, 1). */
function noise(seed: number): () => number {
  const draw = mulberry32(seed);
  return () => draw() * 2 - 1;
}

/**
 * A GC sawtooth sampled every second: the heap climbs 4 MiB a second from its low for 10 s,
 * then a GC brings it back to the low, which follows `low(seconds)`.
 */
function sawtooth(seconds: number, low: (s: number) => number, jitter = 0): MemorySample[] {
  const r = noise(11);
  return Array.from({ length: seconds }, (_, s) => ({
    tMs: 1_700_000_000_000 + s * 1000,
    bytes: low(s) + (s % 10) * 4 * MiB + jitter * r(),
  }));
}

describe('analyzeMemoryLeak on heap lows', () => {
  it('sees no leak in a sawtooth whose lows are flat, however high its teeth', () => {
    const result = analyzeMemoryLeak(sawtooth(600, () => 50 * MiB, 0.2 * MiB));
    expect(result.verdict).toBe('no-leak');
    expect(result.source).toBe('heap-lows');
    // A tenth of the run a window: ten lows, the first dropped with the warm-up.
    expect(result.lows.length).toBe(9);
    expect(Math.abs(result.growthOverRun!)).toBeLessThan(1 * MiB);
    // The raw sawtooth would have fitted a slope: the lows do not.
    expect(result.lows.every((l) => Math.abs(l.bytes - 50 * MiB) < 0.2 * MiB)).toBe(true);
  });

  it('finds a leak when the lows rise steadily', () => {
    // 0.5 MiB a minute over 10 minutes: 4.5 MiB over the analysed 9, above the 2.5 MiB bar.
    const result = analyzeMemoryLeak(
      sawtooth(600, (s) => 50 * MiB + (s / 60) * 0.5 * MiB, 0.1 * MiB),
    );
    expect(result.verdict).toBe('leak');
    expect(result.bytesPerMinute! / MiB).toBeCloseTo(0.5, 1);
    expect(result.bytesPerMinuteLow).toBeGreaterThan(0);
    expect(result.projectedBytesPerHour! / MiB).toBeCloseTo(30, 0);
    expect(result.threshold).toBeCloseTo(0.05 * 50 * MiB, -5);
    expect(result.reason).toMatch(/heap lows grow [\d.]+ KiB\/min \(95%: .*MiB more per hour/);
  });

  it('holds a slow rise below the threshold as no leak', () => {
    // 1 MiB over 10 min on a 400 MiB heap: real, but well under 5% (20 MiB).
    const result = analyzeMemoryLeak(sawtooth(600, (s) => 400 * MiB + (s / 600) * MiB));
    expect(result.bytesPerMinuteLow).toBeGreaterThan(0);
    expect(result.verdict).toBe('no-leak');
    expect(result.threshold).toBeCloseTo(20 * MiB, -5);
  });

  it('calls pure noise no leak or inconclusive, never a leak', () => {
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const r = noise(seed);
      const samples = Array.from({ length: 300 }, (_, s) => ({
        tMs: s * 1000,
        bytes: 30 * MiB + 3 * MiB * r(),
      }));
      expect(['no-leak', 'inconclusive']).toContain(analyzeMemoryLeak(samples).verdict);
    }
  });

  it('is inconclusive when a big rise is lost in noise', () => {
    // Lows 10 to 16 MiB apart by chance: a 9 MiB rise passes the bar, its interval reaches
    // well below zero.
    const lows = [34, 30, 44, 32, 46, 40].map((m, i) => ({ tMs: i * 10_000, bytes: m * MiB }));
    const result = analyzeMemoryLeak(lows, { warmupFraction: 0, windowMs: 10_000 });
    expect(result.growthOverRun).toBeGreaterThan(result.threshold!);
    expect(result.bytesPerMinuteLow).toBeLessThan(0);
    expect(result.verdict).toBe('inconclusive');
    expect(result.reason).toMatch(/interval reaches zero/);
  });

  it('is inconclusive with too few points', () => {
    expect(analyzeMemoryLeak([]).verdict).toBe('inconclusive');
    expect(analyzeMemoryLeak([{ tMs: 5, bytes: 1 }]).reason).toMatch(/not spread over time/);
    const four = [0, 1, 2, 3].map((s) => ({ tMs: s * 1000, bytes: (10 + 10 * s) * MiB }));
    const result = analyzeMemoryLeak(four);
    expect(result.verdict).toBe('inconclusive');
    expect(result.reason).toMatch(/fewer than the 5 a trend needs/);
  });

  it('drops the warm-up, where heaps grow while the JIT and caches fill', () => {
    // Steep growth for the first 10% only, then flat.
    const samples = Array.from({ length: 200 }, (_, s) => ({
      tMs: s * 1000,
      bytes: (s < 20 ? 20 + s : 40) * MiB,
    }));
    const dropped = analyzeMemoryLeak(samples);
    expect(dropped.verdict).toBe('no-leak');
    expect(dropped.growthOverRun).toBeCloseTo(0, 6);
    // Kept, the warm-up's low drags the start of the line down: growth appears.
    const kept = analyzeMemoryLeak(samples, { warmupFraction: 0 });
    expect(kept.growthOverRun).toBeGreaterThan(kept.threshold!);
    expect(kept.verdict).not.toBe('no-leak');
  });

  it('names RSS lows as such', () => {
    const samples = Array.from({ length: 60 }, (_, s) => ({ tMs: s * 1000, bytes: 80 * MiB }));
    expect(analyzeMemoryLeak(samples, { kind: 'rss' })).toMatchObject({
      source: 'rss-lows',
      verdict: 'no-leak',
    });
  });
});

describe('analyzeMemoryLeak on post-GC readings', () => {
  it('prefers them to the lows of the periodic samples', () => {
    // Periodic samples between GCs rise within each cycle; the post-GC heap is flat.
    const samples: MemorySample[] = [];
    for (let s = 0; s < 120; s++) {
      samples.push({ tMs: s * 1000, bytes: (60 + (s % 30)) * MiB });
      if (s % 10 === 9) samples.push({ tMs: s * 1000 + 1, bytes: 55 * MiB, afterGc: true });
    }
    const result = analyzeMemoryLeak(samples);
    expect(result.source).toBe('heap-after-gc');
    expect(result.lows).toHaveLength(11);
    expect(result.verdict).toBe('no-leak');
  });

  it('finds a leak in post-GC readings that rise', () => {
    const samples: MemorySample[] = [];
    for (let s = 0; s < 120; s++) {
      samples.push({ tMs: s * 1000, bytes: 200 * MiB });
      if (s % 10 === 9) samples.push({ tMs: s * 1000, bytes: (50 + s / 4) * MiB, afterGc: true });
    }
    const result = analyzeMemoryLeak(samples);
    expect(result).toMatchObject({ source: 'heap-after-gc', verdict: 'leak' });
    expect(result.bytesPerMinute! / MiB).toBeCloseTo(15, 5);
  });

  it('falls back to lows when there are too few of them', () => {
    const samples: MemorySample[] = Array.from({ length: 60 }, (_, s) => ({
      tMs: s * 1000,
      bytes: 30 * MiB,
    }));
    samples.push({ tMs: 30_500, bytes: 29 * MiB, afterGc: true });
    expect(analyzeMemoryLeak(samples).source).toBe('heap-lows');
  });
});

describe('windowMinima', () => {
  it('keeps the lowest sample of each window at its own time', () => {
    const samples = [
      { tMs: 0, bytes: 5 },
      { tMs: 400, bytes: 3 },
      { tMs: 900, bytes: 4 },
      { tMs: 1000, bytes: 9 },
      { tMs: 3100, bytes: 7 },
      { tMs: 3500, bytes: 6 },
    ];
    expect(windowMinima(samples, 1000)).toEqual([
      { tMs: 400, bytes: 3 },
      { tMs: 1000, bytes: 9 },
      { tMs: 3500, bytes: 6 },
    ]);
    expect(windowMinima([], 1000)).toEqual([]);
    expect(() => windowMinima(samples, 0)).toThrow(RangeError);
  });
});
