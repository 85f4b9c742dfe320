/**
 * Measured values as text: the one home of unit formatting. The reports' tables, the SLO
 * reasons and the plan's evidence all print through these, so a value reads the same on
 * every page ("100 ms" in a table never sits beside "100.0 ms" in a reason). Pure and
 * dependency-free.
 */

const NOT_MEASURED = '—';

/**
 * Precise enough to compare against a threshold written by hand ("< 100ms", ">= 400rps"),
 * short enough to scan: one decimal from 10 up, three significant digits below, whole
 * numbers with thousands separators from 1,000. Never exponent notation.
 */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return NOT_MEASURED;
  const text =
    Math.abs(value) >= 10
      ? value.toFixed(1).replace(/\.0$/, '')
      : value.toLocaleString('en-US', { maximumSignificantDigits: 3, useGrouping: false });
  if (Math.abs(Number(text)) >= 1000) return Math.round(value).toLocaleString('en-US');
  return text === '-0' ? '0' : text;
}

/** A whole number of things, with thousands separators: "12,360". */
export function formatCount(value: number): string {
  if (!Number.isFinite(value)) return NOT_MEASURED;
  return Math.round(value).toLocaleString('en-US');
}

/**
 * A number of events that may be fractional, as an error budget's allowance is (a p99 over
 * 30 responses allows 0.3 above the target): three significant digits below 10, so a small
 * allowance never reads as 0 beside the events it was burned by, whole from 10 up.
 */
export function formatEventCount(value: number): string {
  if (!Number.isFinite(value)) return NOT_MEASURED;
  return Math.abs(value) < 10 ? formatNumber(value) : formatCount(value);
}

/** Milliseconds, switching to seconds from one second up: 0.42 ms, 12.3 ms, 1.23 s. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return NOT_MEASURED;
  // Decide on the rounded figure, so 999.7 ms reads "1 s" rather than "1,000 ms".
  if (Math.abs(Number(formatNumber(ms).replace(/,/g, ''))) >= 1000) {
    return `${formatNumber(ms / 1000)} s`;
  }
  return `${formatNumber(ms)} ms`;
}

/**
 * A fraction (0..1, or above for budgets burned) as a percentage. Decimals are added until
 * the figure no longer rounds to 0% or 100% when it is neither: 99.995% availability must
 * not read as 100%, nor a 0.004% error rate as 0%.
 */
export function formatPct(fraction: number): string {
  if (!Number.isFinite(fraction)) return NOT_MEASURED;
  const pct = fraction * 100;
  // Within 1% of either end a second decimal tells 0.24% from a 0.25% target, or 99.93%
  // availability from 99.95%.
  const start = Math.abs(pct) < 1 || (pct > 99 && pct < 100) ? 2 : 1;
  let text = pct.toFixed(start);
  for (let decimals = start + 1; decimals <= 4; decimals++) {
    const shown = Number(text);
    const misleading = (shown === 0 && pct !== 0) || (shown === 100 && pct !== 100);
    if (!misleading) break;
    text = pct.toFixed(decimals);
  }
  return `${text.includes('.') ? text.replace(/\.?0+$/, '') : text}%`;
}

export function formatRate(rps: number): string {
  return `${formatNumber(rps)} req/s`;
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return NOT_MEASURED;
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${formatNumber(value)} ${BYTE_UNITS[unit]}`;
}

/** "2 days", "0.5 days", "1 day". */
export function formatDays(days: number): string {
  return `${formatNumber(days)} ${days === 1 ? 'day' : 'days'}`;
}

/**
 * A value in its SLI's canonical unit (ms for latency, fractions for error rate and
 * availability, req/s for throughput), formatted for reading.
 */
export function formatSliValue(sli: string, value: number | null): string {
  if (value === null) return 'not measured';
  if (sli.endsWith(RELATIVE_SUFFIX)) {
    const base = sli.slice(0, -RELATIVE_SUFFIX.length);
    return formatSignedChange(
      value,
      base === 'error_rate' || base === 'availability' ? 'difference' : 'ratio',
    );
  }
  if (sli.startsWith('latency')) return formatMs(value);
  if (sli === 'error_rate' || sli === 'availability') return formatPct(value);
  if (sli === 'throughput') return formatRate(value);
  return formatNumber(value);
}

/**
 * A value in its SLI's unit to the precision it was measured at (microseconds, or six
 * decimals of a percent), for the rare sentence that must show why a value that rounds to
 * its target still misses it: "100 ms (100.031 ms before rounding) misses < 100ms".
 */
export function formatSliValueUnrounded(sli: string, value: number): string {
  const trimmed = (n: number, decimals: number) => String(Number(n.toFixed(decimals)));
  if (sli.startsWith('latency')) return `${trimmed(value, 3)} ms`;
  if (sli === 'error_rate' || sli === 'availability') return `${trimmed(value * 100, 6)}%`;
  if (sli === 'throughput') return `${trimmed(value, 3)} req/s`;
  return trimmed(value, 6);
}

/** The SLI name of a relative SLO (regression against the base): "latency.p95 vs base". */
export const RELATIVE_SUFFIX = ' vs base';

/**
 * A change against a base: `ratio`, relative (0.084 is +8.4%); `difference`, a change of a
 * fraction in percentage points (0.005 is +0.50 pp).
 */
export function formatSignedChange(value: number, scale: 'ratio' | 'difference'): string {
  if (!Number.isFinite(value)) return value > 0 ? '+∞' : '-∞';
  const sign = value > 0 ? '+' : value < 0 ? '-' : '±';
  const magnitude = Math.abs(value) * 100;
  const digits = magnitude >= 10 ? 0 : 1;
  return scale === 'ratio'
    ? `${sign}${magnitude.toFixed(digits)}%`
    : `${sign}${magnitude.toFixed(2)} pp`;
}
