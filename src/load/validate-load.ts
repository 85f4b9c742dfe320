import type { JourneyConfig } from '../config/types.js';
import { ConfigError } from '../errors.js';

/** The methods a generator can send, and how to name them in an error. */
export interface MethodRule {
  accepts(method: string): boolean;
  /** Completes "expected …, got "X"". */
  expected: string;
}

/**
 * What every generator needs of its journeys: at least one, each with a positive weight, a
 * method the generator can send and a path from the root (it goes after the base URL).
 */
export function validateJourneys(journeys: readonly JourneyConfig[], methods: MethodRule): void {
  if (journeys.length === 0) throw new ConfigError('at least one journey is needed', 'journeys');
  journeys.forEach((j, i) => {
    if (!(j.weight > 0) || !Number.isFinite(j.weight)) {
      throw new ConfigError(`expected a positive weight, got ${j.weight}`, `journeys[${i}].weight`);
    }
    if (!methods.accepts(j.method)) {
      throw new ConfigError(
        `expected ${methods.expected}, got "${j.method}"`,
        `journeys[${i}].method`,
      );
    }
    if (!j.path.startsWith('/')) {
      throw new ConfigError(
        `expected a path starting with "/", got "${j.path}"`,
        `journeys[${i}].path`,
      );
    }
  });
}

/** `what` must be a finite number above 0: "rate must be positive, got 0 req/s". */
export function requirePositive(what: string, value: number, unit: 'ms' | 'req/s'): void {
  if (!(value > 0) || !Number.isFinite(value)) {
    const shown = unit === 'ms' ? `${value}ms` : `${value} req/s`;
    throw new ConfigError(`${what} must be positive, got ${shown}`);
  }
}

export function requireWarmup(warmupMs: number): void {
  if (!(warmupMs >= 0) || !Number.isFinite(warmupMs)) {
    throw new ConfigError(`warm-up must not be negative, got ${warmupMs}ms`);
  }
}
