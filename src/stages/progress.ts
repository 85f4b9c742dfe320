import type { LoadProgress } from '../load/closed-loop.js';

/**
 * Progress lines for a load phase: one when a phase starts, then one every few seconds,
 * so a long phase shows it is alive without flooding the log.
 */
export function loadProgressPrinter(
  print: (message: string) => void,
  label: string,
  everyMs = 5000,
) {
  let lastPhase: string | undefined;
  let lastPrinted = 0;
  return (p: LoadProgress) => {
    const left = Math.max(0, Math.ceil(p.remainingMs / 1000));
    const due = p.phase !== lastPhase || p.elapsedMs - lastPrinted >= everyMs;
    if (due && left > 0) {
      print(`${label}: ${p.phase === 'warm-up' ? 'warming up' : 'measuring'}, ${left}s left`);
      lastPhase = p.phase;
      lastPrinted = p.elapsedMs;
    }
  };
}
