const MASK = '***';

/**
 * The key must not reach a report, a data file or a log line, whatever carries it there: an
 * error message quoting a header, a proxy echoing the request, an answer repeating it.
 */
export function redact(text: string, secret: string): string {
  return secret === '' ? text : text.split(secret).join(MASK);
}

/** Every string in a JSON value, redacted. */
export function redactDeep<T>(value: T, secret: string): T {
  // The secret as it appears inside a JSON string, escapes included.
  const encoded = JSON.stringify(secret).slice(1, -1);
  return JSON.parse(redact(JSON.stringify(value), encoded)) as T;
}
