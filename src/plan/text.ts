import type { Hotspot } from '../data/stages.js';

/**
 * The plan prints shares and latencies as every report does (measure/format.ts), so its
 * evidence reads "40%" and "180 ms" beside the tables that show the same figures.
 */
export { formatPct as pct, formatMs as ms } from '../measure/format.js';

/** One decimal, as gains and percentages are reported. */
export function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

export function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

/** Lowercase words joined by dashes, for ids that stay stable between runs. */
export function slug(text: string): string {
  const words = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return words.slice(0, 40).replace(/-+$/, '') || 'unnamed';
}

/** "src/app.js:12", "node:internal/timers:581", or "native code" when V8 gave no script. */
export function whereIs(hotspot: Hotspot): string {
  if (hotspot.file === null) return 'native code';
  return hotspot.line === null ? hotspot.file : `${hotspot.file}:${hotspot.line}`;
}
