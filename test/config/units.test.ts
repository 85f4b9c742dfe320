import { describe, expect, it } from 'vitest';
import type { Comparator, SliName } from '../../src/config/types.js';
import {
  parseBytes,
  parseDuration,
  parsePercent,
  parseRate,
  parseThreshold,
  readGrowth,
} from '../../src/config/units.js';
import { ConfigError } from '../../src/errors.js';

function errorOf(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

const DURATION = 'expected a duration like "30s", "500ms" or "5m"';
const BARE = ' (a bare number is ambiguous: add a unit)';

describe('parseDuration', () => {
  it.each([
    ['250ms', 250],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1.5s', 1_500],
    ['.5s', 500],
    ['0s', 0],
    ['500us', 0.5],
    ['500µs', 0.5],
    ['500μs', 0.5],
    [' 30 s ', 30_000],
    ['1.1s', 1_100],
  ])('%j is %d ms', (text, ms) => {
    expect(parseDuration(text, 'timeout')).toBe(ms);
  });

  it.each([
    ['abc', `${DURATION}, got "abc"`],
    ['10', `${DURATION}, got "10"${BARE}`],
    ['1.5', `${DURATION}, got "1.5"${BARE}`],
    ['', `${DURATION}, got ""`],
    ['-5s', `${DURATION}, got "-5s"`],
    ['5 minutes', `${DURATION}, got "5 minutes"`],
    ['5M', `${DURATION}, got "5M"`],
    ['1d', `${DURATION}, got "1d"`],
    ['1m30s', `${DURATION}, got "1m30s"`],
    ['constructor', `${DURATION}, got "constructor"`],
  ])('rejects %j', (text, message) => {
    const error = errorOf(() => parseDuration(text, 'service.start-timeout'));
    expect(error.field).toBe('service.start-timeout');
    expect(error.message).toBe(`service.start-timeout: ${message}`);
  });
});

describe('parseRate', () => {
  it.each([
    ['200rps', 200],
    ['200/s', 200],
    ['2.5rps', 2.5],
    ['200 rps', 200],
  ])('%j is %d rps', (text, rps) => {
    expect(parseRate(text, 'rate')).toBe(rps);
  });

  it.each([
    ['200', `expected a rate like "200rps" or "200/s", got "200"${BARE}`],
    ['200rpm', 'expected a rate like "200rps" or "200/s", got "200rpm"'],
    ['fast', 'expected a rate like "200rps" or "200/s", got "fast"'],
  ])('rejects %j', (text, message) => {
    expect(errorOf(() => parseRate(text, 'rate')).message).toBe(`rate: ${message}`);
  });
});

describe('parsePercent', () => {
  it.each([
    ['10%', 0.1],
    ['0.1%', 0.001],
    ['99.9%', 0.999],
    ['100%', 1],
    ['150%', 1.5],
    ['0%', 0],
  ])('%j is %d', (text, fraction) => {
    expect(parsePercent(text, 'tolerance')).toBe(fraction);
  });

  it.each([
    ['10', `expected a percentage like "10%", got "10"${BARE}`],
    ['0.1', `expected a percentage like "10%", got "0.1"${BARE}`],
    ['ten%', 'expected a percentage like "10%", got "ten%"'],
    ['-1%', 'expected a percentage like "10%", got "-1%"'],
  ])('rejects %j', (text, message) => {
    expect(errorOf(() => parsePercent(text, 'tolerance')).message).toBe(`tolerance: ${message}`);
  });
});

const SIZE =
  'expected a size like "512KB", "1MB" or "2GiB" (B, kB or KB, MB, GB in powers of 1000; KiB, MiB, GiB in powers of 1024)';

describe('parseBytes', () => {
  it.each([
    ['512B', 512],
    ['512KB', 512_000],
    ['512kB', 512_000],
    ['1MB', 1_000_000],
    ['1.5 MB', 1_500_000],
    ['2GB', 2_000_000_000],
    ['1KiB', 1024],
    ['1.5MiB', 1_572_864],
    ['2GiB', 2_147_483_648],
    ['0.1KiB', 102],
  ])('%j is %d bytes', (text, bytes) => {
    expect(parseBytes(text, 'leak-threshold')).toBe(bytes);
  });

  it.each([
    ['1024', `${SIZE}, got "1024"${BARE}`],
    ['1mb', `${SIZE}, got "1mb"`],
    ['1M', `${SIZE}, got "1M"`],
    ['1Mb', `${SIZE}, got "1Mb"`],
    ['-1MB', `${SIZE}, got "-1MB"`],
  ])('rejects %j', (text, message) => {
    expect(errorOf(() => parseBytes(text, 'leak-threshold')).message).toBe(
      `leak-threshold: ${message}`,
    );
  });
});

describe('readGrowth', () => {
  it.each<[unknown, number]>([
    [1.5, 1.5],
    [0.5, 0.5],
    ['1.5', 1.5],
    ['1.5x', 1.5],
    ['1.5 x', 1.5],
    ['3×', 3],
    ['+50%', 1.5],
    ['+ 50%', 1.5],
    ['-25%', 0.75],
    ['+200%', 3],
  ])('%j is ×%d', (value, factor) => {
    expect(readGrowth(value)).toEqual({ ok: true, value: factor });
  });

  it.each<[unknown, string]>([
    ['50%', 'a percentage needs its sign, "+50%" for more demand or "-50%" for less, got "50%"'],
    [0, 'expected a growth above 0 (some demand must remain), got 0'],
    ['-150%', 'expected a growth above 0 (some demand must remain), got "-150%"'],
    [
      '1.5y',
      'expected a multiplier like 1.5 or "1.5x", or a change like "+50%" or "-20%", got "1.5y"',
    ],
    [true, 'expected a multiplier like 1.5 or "1.5x", or a change like "+50%" or "-20%", got true'],
  ])('rejects %j', (value, message) => {
    expect(readGrowth(value)).toEqual({ ok: false, message });
  });
});

describe('parseThreshold', () => {
  it.each<[string, SliName, Comparator, number]>([
    ['< 100ms', 'latency.p95', '<', 100],
    ['<=250us', 'latency.p99', '<=', 0.25],
    ['<= 250µs', 'latency.p99', '<=', 0.25],
    ['< 1.5s', 'latency.max', '<', 1_500],
    ['> 1ms', 'latency.p50', '>', 1],
    ['<= 0.1%', 'error_rate', '<=', 0.001],
    ['>= 99.9%', 'availability', '>=', 0.999],
    ['>= 500rps', 'throughput', '>=', 500],
    ['> 20/s', 'throughput', '>', 20],
  ])('%j for %s is %s %d', (text, sli, op, value) => {
    expect(parseThreshold(text, sli, 'target')).toEqual({ op, value, text });
  });

  it('keeps the text as written, trimmed, for reports', () => {
    expect(parseThreshold('  <  100ms ', 'latency.p95', 'target').text).toBe('<  100ms');
  });

  it.each<[string, SliName, string]>([
    ['fast', 'latency.p95', 'expected a comparison like "< 100ms", got "fast"'],
    ['100ms', 'latency.p95', 'expected a comparison like "< 100ms", got "100ms"'],
    ['', 'latency.p95', 'expected a comparison like "< 100ms", got ""'],
    ['= 100ms', 'latency.p95', 'expected a comparison like "< 100ms", got "= 100ms"'],
    ['fast', 'throughput', 'expected a comparison like ">= 500rps", got "fast"'],
    ['fast', 'error_rate', 'expected a comparison like "<= 0.1%", got "fast"'],
    ['fast', 'availability', 'expected a comparison like "<= 0.1%", got "fast"'],
    [
      '< 5%',
      'latency.p95',
      'latency.p95 needs a latency in us, µs, ms or s, like "< 100ms", got "< 5%"',
    ],
    [
      '< 5m',
      'latency.p95',
      'latency.p95 needs a latency in us, µs, ms or s, like "< 100ms", got "< 5m"',
    ],
    [
      '< 100',
      'latency.p50',
      `latency.p50 needs a latency in us, µs, ms or s, like "< 100ms", got "< 100"${BARE}`,
    ],
    [
      '>= 500',
      'throughput',
      `throughput needs a rate in rps or /s, like ">= 500rps", got ">= 500"${BARE}`,
    ],
    [
      '>= 500ms',
      'throughput',
      'throughput needs a rate in rps or /s, like ">= 500rps", got ">= 500ms"',
    ],
    ['<= 0.1', 'error_rate', `error_rate needs a percentage, like "<= 0.1%", got "<= 0.1"${BARE}`],
    [
      '>= 100rps',
      'availability',
      'availability needs a percentage, like "<= 0.1%", got ">= 100rps"',
    ],
    ['<= 150%', 'error_rate', 'error_rate is at most 100%, got "<= 150%"'],
    [
      '< -5ms',
      'latency.p95',
      'latency.p95 needs a latency in us, µs, ms or s, like "< 100ms", got "< -5ms"',
    ],
  ])('rejects %j for %s', (text, sli, message) => {
    const error = errorOf(() => parseThreshold(text, sli, 'slos[1].target'));
    expect(error.field).toBe('slos[1].target');
    expect(error.message).toBe(`slos[1].target: ${message}`);
  });
});
