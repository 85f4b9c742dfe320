import { describe, expect, it } from 'vitest';
import {
  formatBytes,
  formatEventCount,
  formatMs,
  formatPct,
  formatRate,
  formatSliValue,
} from '../../src/measure/format.js';
import { ms, pct } from '../../src/plan/text.js';

describe('formatMs', () => {
  it.each([
    [0, '0 ms'],
    [0.42, '0.42 ms'],
    [0.0042, '0.0042 ms'],
    [1.5, '1.5 ms'],
    [9.876, '9.88 ms'],
    [12.3, '12.3 ms'],
    [48.74, '48.7 ms'],
    [50, '50 ms'],
    // Near a hand-written threshold the decimal matters: 100.4 ms misses "< 100ms".
    [100.4, '100.4 ms'],
    [999.4, '999.4 ms'],
    [999.97, '1 s'],
    [1234, '1.23 s'],
    [61_500, '61.5 s'],
    [1_234_000, '1,234 s'],
    [Number.NaN, '—'],
  ])('%s ms → %s', (ms, expected) => {
    expect(formatMs(ms)).toBe(expected);
  });
});

describe('formatPct', () => {
  it.each([
    [0, '0%'],
    [1, '100%'],
    [0.5, '50%'],
    [0.1234, '12.3%'],
    [0.00244, '0.24%'],
    [0.0025, '0.25%'],
    [0.01, '1%'],
    [0.99927, '99.93%'],
    [0.997, '99.7%'],
    // Neither a near-perfect availability nor a tiny error rate may round to 100% or 0%.
    [0.9999, '99.99%'],
    [0.99995, '99.995%'],
    [0.00004, '0.004%'],
    [1.2518, '125.2%'],
  ])('%s → %s', (fraction, expected) => {
    expect(formatPct(fraction)).toBe(expected);
  });
});

describe('formatRate and formatBytes', () => {
  it.each([
    [412, '412 req/s'],
    [412.4, '412.4 req/s'],
    [399.96, '400 req/s'],
    [12.34, '12.3 req/s'],
    [0.5, '0.5 req/s'],
    [1234.5, '1,235 req/s'],
  ])('rate %s → %s', (rps, expected) => {
    expect(formatRate(rps)).toBe(expected);
  });

  it.each([
    [512, '512 B'],
    [1536, '1.5 KiB'],
    [150 * 1024 ** 2, '150 MiB'],
    [16 * 1024 ** 3, '16 GiB'],
  ])('bytes %s → %s', (bytes, expected) => {
    expect(formatBytes(bytes)).toBe(expected);
  });
});

describe('formatEventCount', () => {
  it.each([
    [0, '0'],
    [0.3, '0.3'],
    [0.05, '0.05'],
    [2.5, '2.5'],
    [9.99, '9.99'],
    [10, '10'],
    [817.9, '818'],
    [12_360, '12,360'],
  ])('%s → %s', (value, expected) => {
    expect(formatEventCount(value)).toBe(expected);
  });
});

describe('formatSliValue', () => {
  it('formats an observed value in its SLI unit', () => {
    expect(formatSliValue('latency.p95', 102.5)).toBe('102.5 ms');
    expect(formatSliValue('error_rate', 0.00244)).toBe('0.24%');
    expect(formatSliValue('availability', 0.9995)).toBe('99.95%');
    expect(formatSliValue('throughput', 498.7)).toBe('498.7 req/s');
    expect(formatSliValue('latency.p99', null)).toBe('not measured');
  });
});

describe('one formatter for every page', () => {
  // The plan's evidence, the SLO reasons and the reports' tables print a value alike.
  it.each([0, 0.347, 9.876, 10, 100, 100.031, 180, 1234])('ms(%d) is formatMs', (value) => {
    expect(ms(value)).toBe(formatMs(value));
    expect(formatSliValue('latency.p95', value)).toBe(formatMs(value));
  });

  it.each([0, 0.00004, 0.05, 0.4, 0.99995, 1])('pct(%d) is formatPct', (value) => {
    expect(pct(value)).toBe(formatPct(value));
  });
});
