import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/load/arrivals.js';
import type { TimelinePoint } from '../../src/data/common.js';
import { formatNumber } from '../../src/measure/format.js';
import {
  formatInterval,
  linearTrend,
  logGamma,
  regularizedIncompleteBeta,
  soakDrift,
  studentTCdf,
  studentTQuantile,
} from '../../src/scenarios/drift.js';

/** Deterministic noise in [-1, 1): tests must not flake on a random draw. */
function noise(seed: number): () => number {
  const draw = mulberry32(seed);
  return () => draw() * 2 - 1;
}

describe('Student t', () => {
  it.each([
    [0.975, 1, 12.706],
    [0.975, 2, 4.303],
    [0.975, 5, 2.571],
    [0.975, 10, 2.228],
    [0.975, 30, 2.042],
    [0.975, 120, 1.98],
    [0.95, 10, 1.812],
    [0.995, 5, 4.032],
    [0.9995, 1, 636.619],
  ])('quantile(%d, df=%d) matches the table: %d', (p, df, table) => {
    expect(studentTQuantile(p, df)).toBeCloseTo(table, 3);
  });

  it('approaches the normal quantile for large df', () => {
    expect(studentTQuantile(0.975, 1000)).toBeCloseTo(1.962, 3);
    expect(studentTQuantile(0.975, 1e6)).toBeCloseTo(1.95996, 4);
  });

  it('is symmetric and inverts its CDF, for fractional df too', () => {
    expect(studentTQuantile(0.5, 7)).toBe(0);
    expect(studentTQuantile(0.025, 10)).toBeCloseTo(-2.228, 3);
    for (const df of [0.5, 1, 2.7, 9.3, 44]) {
      for (const p of [0.6, 0.9, 0.99]) {
        expect(studentTCdf(studentTQuantile(p, df), df)).toBeCloseTo(p, 12);
      }
    }
  });

  it('has the closed-form CDF for df = 1 (Cauchy) and df = 2', () => {
    for (const t of [-3, -0.5, 0, 0.7, 4]) {
      expect(studentTCdf(t, 1)).toBeCloseTo(0.5 + Math.atan(t) / Math.PI, 12);
      expect(studentTCdf(t, 2)).toBeCloseTo(0.5 + t / (2 * Math.sqrt(2 + t * t)), 12);
    }
  });

  it('refuses impossible arguments', () => {
    expect(() => studentTQuantile(1, 5)).toThrow(RangeError);
    expect(() => studentTQuantile(0.9, 0)).toThrow(RangeError);
  });

  it('builds on an accurate log-gamma and incomplete beta', () => {
    expect(logGamma(1)).toBeCloseTo(0, 12);
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
    expect(logGamma(10)).toBeCloseTo(Math.log(362880), 10);
    // I_x(1, 1) = x; I_x(a, 1) = x^a; I_x(a, b) = 1 - I_{1-x}(b, a).
    expect(regularizedIncompleteBeta(0.3, 1, 1)).toBeCloseTo(0.3, 12);
    expect(regularizedIncompleteBeta(0.6, 3, 1)).toBeCloseTo(0.216, 12);
    expect(regularizedIncompleteBeta(0.2, 2.5, 4)).toBeCloseTo(
      1 - regularizedIncompleteBeta(0.8, 4, 2.5),
      12,
    );
  });
});

describe('linearTrend', () => {
  it('fits by least squares with the t interval (worked by hand)', () => {
    // x̄ = 1.5, ȳ = 3.75, Sxx = 5, Sxy = 9.5: slope 1.9, intercept 0.9; residuals
    // 0.1, 0.2, -0.7, 0.4: SSE 0.7, s.e. √(0.7 / 2 / 5) = 0.26458; t(0.975, 2) = 4.3027.
    const trend = linearTrend([
      { x: 0, y: 1 },
      { x: 1, y: 3 },
      { x: 2, y: 4 },
      { x: 3, y: 7 },
    ]);
    expect(trend).not.toBeNull();
    expect(trend?.slope).toBeCloseTo(1.9, 12);
    expect(trend?.intercept).toBeCloseTo(0.9, 12);
    expect(trend?.n).toBe(4);
    expect(trend?.rSquared).toBeCloseTo(1 - 0.7 / 18.75, 12);
    expect(trend?.slopeStdError).toBeCloseTo(0.264575, 6);
    expect(trend?.slopeLow).toBeCloseTo(1.9 - 4.302653 * 0.264575, 5);
    expect(trend?.slopeHigh).toBeCloseTo(1.9 + 4.302653 * 0.264575, 5);
  });

  it('narrows the interval for a lower confidence', () => {
    const points = [0, 1, 2, 3, 4].map((x) => ({ x, y: 2 * x + (x % 2 ? 0.5 : -0.5) }));
    const wide = linearTrend(points, 0.99);
    const narrow = linearTrend(points, 0.8);
    expect(wide && narrow).toBeTruthy();
    expect(narrow!.slopeHigh - narrow!.slopeLow).toBeLessThan(wide!.slopeHigh - wide!.slopeLow);
  });

  it('keeps precision with x in epoch milliseconds', () => {
    const t0 = 1.75e12;
    const trend = linearTrend(
      [0, 1000, 2000, 3000].map((dt) => ({ x: t0 + dt, y: 5 + dt / 1000 })),
    );
    expect(trend?.slope).toBeCloseTo(0.001, 12);
    expect(trend?.slopeLow).toBeCloseTo(0.001, 12);
  });

  it('gives an exact line a zero-width interval, and two points an unbounded one', () => {
    const exact = linearTrend([0, 1, 2].map((x) => ({ x, y: 3 * x + 1 })));
    expect(exact).toMatchObject({ slope: 3, slopeLow: 3, slopeHigh: 3, rSquared: 1 });
    const two = linearTrend([
      { x: 0, y: 0 },
      { x: 1, y: 2 },
    ]);
    expect(two).toMatchObject({ slope: 2, slopeLow: -Infinity, slopeHigh: Infinity });
  });

  it('writes an unbounded end of an interval as ∞, and a bounded one as measured values are', () => {
    expect(formatInterval(-Infinity, Infinity, formatNumber)).toBe('-∞ to ∞');
    expect(formatInterval(-0.25, 1234.5, formatNumber)).toBe('-0.25 to 1,235');
  });

  it('has no slope with fewer than two points or a single x', () => {
    expect(linearTrend([])).toBeNull();
    expect(linearTrend([{ x: 1, y: 1 }])).toBeNull();
    expect(
      linearTrend([
        { x: 2, y: 1 },
        { x: 2, y: 5 },
      ]),
    ).toBeNull();
  });

  it('widens the interval for autocorrelated residuals, and never narrows it', () => {
    // A slow wave around a flat line: neighbours share their error.
    const wave = Array.from({ length: 120 }, (_, x) => ({ x, y: 10 + Math.sin(x / 8) }));
    const plain = linearTrend(wave)!;
    const adjusted = linearTrend(wave, 0.95, { adjustForAutocorrelation: true })!;
    expect(plain.residualAutocorrelation).toBeGreaterThan(0.9);
    expect(adjusted.slope).toBe(plain.slope);
    expect(adjusted.degreesOfFreedom).toBeLessThan(plain.degreesOfFreedom);
    expect(adjusted.slopeHigh - adjusted.slopeLow).toBeGreaterThan(
      3 * (plain.slopeHigh - plain.slopeLow),
    );
    // Alternating residuals: negative r₁, left as plain OLS.
    const zigzag = Array.from({ length: 40 }, (_, x) => ({ x, y: x % 2 ? 1 : -1 }));
    const z = linearTrend(zigzag, 0.95, { adjustForAutocorrelation: true })!;
    expect(z.residualAutocorrelation).toBeLessThan(0);
    expect(z.slopeStdError).toBe(linearTrend(zigzag)!.slopeStdError);
  });
});

function timeline(
  seconds: number,
  at: (s: number) => { requests: number; p95: number; errors?: number },
): TimelinePoint[] {
  return Array.from({ length: seconds }, (_, second) => {
    const { requests, p95, errors = 0 } = at(second);
    return { second, requests, errors, p50: p95 / 2, p95, p99: p95 * 1.5 };
  });
}

describe('soakDrift', () => {
  const jitter = noise(7);

  it('calls a noisy but flat run stable', () => {
    const r = noise(1);
    const drift = soakDrift(timeline(600, () => ({ requests: 500 + 20 * r(), p95: 20 + 2 * r() })));
    expect(drift.throughput.verdict).toBe('stable');
    expect(drift.p95.verdict).toBe('stable');
    expect(drift.throughput.points).toBe(600);
    expect(Math.abs(drift.p95.driftOverRun!)).toBeLessThan(drift.p95.threshold!);
  });

  it('finds falling throughput and rising p95 as degrading, in units per minute', () => {
    // Throughput 500 → 400 req/s over 10 min (-10 per minute); p95 20 → 40 ms (+2 per minute).
    const drift = soakDrift(
      timeline(600, (s) => ({
        requests: Math.round(500 - s / 6 + 10 * jitter()),
        p95: 20 + s / 30 + jitter(),
      })),
    );
    expect(drift.throughput.verdict).toBe('degrading');
    expect(drift.throughput.perMinute).toBeCloseTo(-10, 0);
    expect(drift.throughput.perMinuteHigh).toBeLessThan(0);
    expect(drift.p95.verdict).toBe('degrading');
    expect(drift.p95.perMinute).toBeCloseTo(2, 1);
    expect(drift.p95.reason).toMatch(/ms over 9\.98 min/);
  });

  it('calls the opposite direction improving', () => {
    const drift = soakDrift(
      timeline(300, (s) => ({ requests: 300 + s / 3 + 5 * jitter(), p95: 50 - s / 20 + jitter() })),
    );
    expect(drift.throughput.verdict).toBe('improving');
    expect(drift.p95.verdict).toBe('improving');
  });

  it('calls a significant but tiny drift stable: below the practical threshold', () => {
    // +0.5 ms over 10 min on a 20 ms p95 with little noise: real, but 2.5% of the mean.
    const drift = soakDrift(
      timeline(600, (s) => ({ requests: 500, p95: 20 + s / 1200 + 0.05 * jitter() })),
    );
    expect(drift.p95.perMinuteLow).toBeGreaterThan(0);
    expect(drift.p95.verdict).toBe('stable');
    expect(
      soakDrift(
        timeline(600, (s) => ({ requests: 500, p95: 20 + s / 1200 + 0.05 * jitter() })),
        { practicalFraction: 0.01 },
      ).p95.verdict,
    ).toBe('degrading');
  });

  it('is inconclusive when a large drift is lost in noise', () => {
    // 40 seconds, p95 wandering ±15 ms around a 2 ms rise: an estimate of ~7 ms whose
    // interval spans zero.
    const r = noise(3);
    const drift = soakDrift(timeline(40, (s) => ({ requests: 100, p95: 20 + s / 20 + 15 * r() })));
    expect(drift.p95.perMinuteLow).toBeLessThan(0);
    expect(drift.p95.perMinuteHigh).toBeGreaterThan(0);
    expect(drift.p95.driftOverRun).toBeGreaterThan(drift.p95.threshold!);
    expect(drift.p95.verdict).toBe('inconclusive');
    expect(drift.p95.reason).toMatch(/would matter .* includes no change/);
  });

  it('is inconclusive with too few seconds', () => {
    const drift = soakDrift(timeline(10, (s) => ({ requests: 100 - s, p95: 10 + s })));
    expect(drift.throughput).toMatchObject({
      verdict: 'inconclusive',
      points: 10,
      perMinute: null,
    });
    expect(drift.throughput.reason).toMatch(/10 usable seconds, fewer than the 30/);
  });

  it('leaves seconds with too few requests out of the p95 fit, not out of throughput', () => {
    // Every other second serves 5 requests with a wild p95: they must not make p95 drift.
    const drift = soakDrift(
      timeline(120, (s) =>
        s % 2 ? { requests: 5, p95: 1000 + s * 50 } : { requests: 200, p95: 15 + 0.2 * jitter() },
      ),
    );
    expect(drift.p95.points).toBe(60);
    expect(drift.p95.verdict).toBe('stable');
    expect(drift.throughput.points).toBe(120);
  });
});
