import { RuntimeError } from '../errors.js';

/**
 * Socket error codes that mean the target refuses connections or does not exist: while
 * nothing has answered yet, every further request would fail the same way, so a generator
 * gives up at the first one instead of hammering a dead address until its window ends.
 */
export const UNREACHABLE_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
]);

/** The error's `code` (ECONNREFUSED, UND_ERR_HEADERS_TIMEOUT...) when it has a string one. */
export function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

/** An error for a sentence: "ECONNREFUSED (connect ECONNREFUSED 127.0.0.1:9)". */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = errorCode(error);
    return code ? `${code} (${error.message})` : error.message;
  }
  return String(error);
}

/** The run got no response at all from `url`, only `error`s. */
export function unreachable(url: string, error: unknown): RuntimeError {
  return new RuntimeError(`no response at all from ${url}: ${describeError(error)}`, {
    cause: error,
  });
}
