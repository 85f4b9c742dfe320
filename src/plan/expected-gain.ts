import { round1 } from './text.js';

/** The part of a function's own cost a fix is expected to remove, 0..1. */
export interface CostCut {
  low: number;
  high: number;
}

/**
 * Amdahl's law: removing a fraction f of the cost of code that takes a share s of CPU time
 * saves s × f of it, and never more than s. Returns percent of CPU time per request; it
 * becomes a latency cut only as far as the service is CPU-bound.
 */
export function amdahlGainPct(share: number, cut: CostCut): { low: number; high: number } {
  const bound = share * 100;
  const ceiling = amdahlCeilingPct(share);
  return {
    low: Math.min(ceiling, round1(bound * cut.low)),
    high: Math.min(ceiling, round1(bound * cut.high)),
  };
}

/**
 * The most removing all of a share of CPU time can save, percent: the share itself, rounded
 * to one decimal like every reported figure but never up past the share (the epsilon keeps
 * 0.29 * 100 = 28.999999999999996 at 29.0).
 */
export function amdahlCeilingPct(share: number): number {
  return Math.floor(share * 100 * 10 + 1e-9) / 10;
}

/** The function's share after a fraction `cut` of its cost is gone (the total shrinks too). */
export function shareAfterCut(share: number, cut: number): number {
  return (share * (1 - cut)) / (1 - share * cut);
}
