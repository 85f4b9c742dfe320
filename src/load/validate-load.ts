import { validateHeaderValue } from 'node:http';
import type { JourneyConfig } from '../config/types.js';
import { ConfigError } from '../errors.js';

/** The methods a generator can send, and how to name them in an error. */
export interface MethodRule {
  accepts(method: string): boolean;
  /** Completes "expected …, got "X"". */
  expected: string;
}

// An HTTP token (RFC 9110 5.6.2): methods and header names.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// A request target's characters (RFC 3986): visible ASCII, nothing to split the request line.
const PATH = /^\/[\x21-\x7e]*$/;
// The generators frame each request themselves: a journey may not declare its own framing.
const FRAMING_HEADERS = new Set(['content-length', 'transfer-encoding']);

/** CONNECT would turn the connection into a tunnel. */
export const HTTP_METHODS: MethodRule = {
  accepts: (method) => TOKEN.test(method) && method.toUpperCase() !== 'CONNECT',
  expected: 'an HTTP method other than CONNECT',
};

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
    if (!PATH.test(j.path)) {
      throw new ConfigError(
        `expected a path of visible ASCII characters (percent-encode spaces and the rest), got ${JSON.stringify(j.path)}`,
        `journeys[${i}].path`,
      );
    }
    for (const [name, value] of Object.entries(j.headers ?? {})) {
      const field = `journeys[${i}].headers.${name}`;
      if (!TOKEN.test(name)) {
        throw new ConfigError(
          `expected a header name made of token characters, got ${JSON.stringify(name)}`,
          field,
        );
      }
      if (FRAMING_HEADERS.has(name.toLowerCase())) {
        throw new ConfigError('expected no framing header: perf-flow sets the body length', field);
      }
      try {
        validateHeaderValue(name, value);
      } catch {
        throw new ConfigError(
          `expected a header value without line breaks or control characters, got ${JSON.stringify(value)}`,
          field,
        );
      }
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
