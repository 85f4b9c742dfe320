import { markdownTable } from 'markdown-table';
import type { SloGateData, SloEvaluation } from '../data/stages.js';
import { formatNumber } from '../measure/format.js';

export type Verdict = SloGateData['verdict'];
export type SloStatus = SloEvaluation['status'];

/**
 * Makes any string from a data file inert text in GitHub markdown, table cells included.
 *
 * Data may come from an untrusted fork's run, so nothing in it may become markup: no HTML,
 * no links or images (bare URLs that GitHub would autolink included), no emphasis or code
 * spans that swallow the text around them, no headings, no cell breaks in a table, no math,
 * no @-mentions that notify people.
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
      // A zero-width space after @ keeps the name readable but stops the notification
      // (and the e-mail autolink).
      .replace(/@(?=[\w-])/g, '@&#8203;')
      // GitHub autolinks bare URLs ("https://…", any scheme) and "www." at a word's start
      // (after a space, "(", "*", "_" or "~"): a zero-width space inside each keeps the
      // text readable and no link forms.
      .replace(/:\/\//g, ':&#8203;//')
      .replace(/(?<![\p{L}\p{N}])(www)\./giu, '$1&#8203;.')
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

/** A percent range as the plan states it: "10%", or "20–35%". */
export function percentRange(range: { low: number; high: number }): string {
  return range.low === range.high
    ? `${formatNumber(range.low)}%`
    : `${formatNumber(range.low)}–${formatNumber(range.high)}%`;
}
