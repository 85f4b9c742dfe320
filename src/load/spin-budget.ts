/**
 * How much of a core the open model's scheduler may spend spinning (see SPIN_SHARE in
 * open-model.ts): earned with wall time, at most `bankMs` banked, spent by every spin.
 *
 * A class because the scheduler updates these figures several times a turn, and a turn can
 * come every few microseconds while it spins: V8 updates a number field of an object in
 * place, whereas a number kept in a closure's variable is a new heap object at every store
 * (2 KB a request of the 12 KB the open model allocated at 1,000/s, before it stopped
 * spinning for responses it expects soon).
 */
export class SpinBudget {
  private budgetMs = 0;
  private earnedAt: number;
  /** When the current setImmediate spin turn was queued; NaN when none is. */
  private turnFrom = Number.NaN;

  constructor(
    now: number,
    private readonly share: number,
    private readonly bankMs: number,
  ) {
    this.earnedAt = now;
  }

  /** Adds what the time since the last call earned, up to the bank's limit. */
  earn(now: number): void {
    this.budgetMs = Math.min(this.bankMs, this.budgetMs + (now - this.earnedAt) * this.share);
    this.earnedAt = now;
  }

  get availableMs(): number {
    return this.budgetMs;
  }

  spend(ms: number): void {
    this.budgetMs -= ms;
  }

  /** A spin turn is queued now (setImmediate). */
  startTurn(now: number): void {
    this.turnFrom = now;
  }

  /**
   * Ends the queued spin turn, if any, and charges it: returns its length, or -1 when no
   * turn was queued (the scheduler woke from a timer or a response).
   */
  endTurn(now: number): number {
    if (Number.isNaN(this.turnFrom)) return -1;
    const gap = now - this.turnFrom;
    this.turnFrom = Number.NaN;
    this.budgetMs -= gap;
    return gap;
  }
}
