import { markdownTable } from 'markdown-table';
import type { SloGateData, SloEvaluation } from '../data/stages.js';

export type Verdict = SloGateData['verdict'];
export type SloStatus = SloEvaluation['status'];

/**
 * Makes any string from a data file inert text in GitHub markdown, table cells included.
 *
 * Data may come from an untrusted fork's run, so nothing in it may become markup: no HTML,
 * no links or images, no emphasis or code spans that swallow the text around them, no
 * headings, no cell breaks in a table, no math, no @-mentions that notify people.
 * Newlines become spaces because one would end a table row or a list item.
 */
export function escapeMarkdown(text: string): string {
  return (
    text
      // The backslash goes first: every escape added below starts with one.
      .replace(/\\/g, '\\\\')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      // GitHub detects $…$ math in the source, before backslash escapes apply.
      .replace(/\$/g, '&#36;')
      .replace(/[|[\]`*_~]/g, (c) => `\\${c}`)
      // A zero-width space after @ keeps the name readable but stops the notification.
      .replace(/@(?=[\w-])/g, '@&#8203;')
      .replace(/\r\n|[\r\n\u2028\u2029]/g, ' ')
      // Only at the start of a line do these open a heading, a list, a rule or (after a
      // line of a quote) a setext underline; elsewhere they are plain text and stay so.
      .replace(/^(\s*)(#|=|-(?=[\s-]|$)|\+(?=\s|$))/, '$1\\$2')
      .replace(/^(\s*\d{1,9})([.)])(?=\s|$)/, '$1\\$2')
  );
}

/**
 * A fenced block that shows `lines` verbatim (for command lines to copy), whatever they hold:
 * the fence is longer than any run of backticks inside, so no line can close it early.
 */
export function codeBlock(lines: readonly string[], info = 'text'): string {
  const body = lines.join('\n');
  const longestRun = Math.max(0, ...Array.from(body.matchAll(/`+/g), (m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longestRun + 1));
  return `${fence}${info}\n${body}\n${fence}`;
}

/** A GFM table. Cells must already be escaped or formatted: this adds no escaping. */
export function table(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  align?: readonly ('l' | 'r' | 'c' | '')[],
): string {
  return markdownTable([header, ...rows], align ? { align } : undefined);
}

/** Non-empty parts joined as markdown blocks. */
export function blocks(...parts: (string | null | undefined | false)[]): string {
  return parts.filter((p): p is string => typeof p === 'string' && p.length > 0).join('\n\n');
}

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

export function formatCount(value: number): string {
  if (!Number.isFinite(value)) return NOT_MEASURED;
  return Math.round(value).toLocaleString('en-US');
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

/** A relative change in percent: the direction the figure moved, then whether that is good. */
export function formatChange(changePct: number | null, better: boolean | null): string {
  if (changePct === null || !Number.isFinite(changePct)) return 'n/a (before was 0)';
  const rounded = Number(changePct.toFixed(1));
  const arrow = rounded > 0 ? '▲' : rounded < 0 ? '▼' : '=';
  const figure = `${rounded > 0 ? '+' : ''}${rounded.toFixed(1)}%`;
  const judgement = better === null ? '' : better ? ' 🟢 better' : ' 🔴 worse';
  return `${arrow} ${figure}${judgement}`;
}

const VERDICT_EMOJI: Record<Verdict, string> = {
  PASS: '✅',
  PARTIAL: '⚠️',
  FAIL: '❌',
  INCONCLUSIVE: '❔',
};

export function verdictBadge(verdict: Verdict | null): string {
  if (verdict === null) return 'NO VERDICT ➖';
  return `${verdict} ${VERDICT_EMOJI[verdict]}`;
}

const STATUS_EMOJI: Record<SloStatus, string> = {
  pass: '✅',
  warning: '⚠️',
  fail: '❌',
  inconclusive: '❔',
};

export function sloStatusBadge(status: SloStatus): string {
  return `${STATUS_EMOJI[status]} ${status}`;
}

/**
 * A value in its SLI's canonical unit (stages.ts: ms for latency, fractions for error rate
 * and availability, req/s for throughput), formatted for reading.
 */
export function formatSliValue(sli: string, value: number | null): string {
  if (value === null) return 'not measured';
  if (sli.startsWith('latency')) return formatMs(value);
  if (sli === 'error_rate' || sli === 'availability') return formatPct(value);
  if (sli === 'throughput') return formatRate(value);
  return formatNumber(value);
}

/** "2 days", "0.5 days", "1 day". */
export function formatDays(days: number): string {
  return `${formatNumber(days)} ${days === 1 ? 'day' : 'days'}`;
}
