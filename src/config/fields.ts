import { validateHeaderName, validateHeaderValue } from 'node:http';
import { z } from 'zod';
import type { Parsed } from './units.js';
import { describeValue, readDuration, readPercent, readRate } from './units.js';

/** Field schemas shared by the sections of perf-flow.yml (schema.ts). */

/** Every object is strict: a misspelt key silently falling back to a default is worse than an error. */
export function strictObject<Shape extends z.ZodRawShape>(shape: Shape) {
  const keys = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys' ? `unknown key (expected one of ${keys})` : undefined,
  });
}

/** A field written with a unit ("30s", "200rps", "90%"), parsed by one of the units.ts readers. */
export function withUnit<T>(read: (value: unknown) => Parsed<T>) {
  return z.unknown().transform((value, ctx): T => {
    const result = read(value);
    if (result.ok) return result.value;
    ctx.addIssue({ code: 'custom', message: result.message });
    return z.NEVER;
  });
}

/** Case-insensitive in, canonical spelling out: "get" is as clear as "GET". */
export function oneOfUpperCase<const T extends readonly string[]>(values: T) {
  return z.string().transform((text, ctx): T[number] => {
    const found = values.find((value) => value === text.trim().toUpperCase());
    if (found !== undefined) return found;
    ctx.addIssue({
      code: 'custom',
      message: `expected one of ${values.join(', ')}, got ${describeValue(text)}`,
    });
    return z.NEVER;
  });
}

export const duration = withUnit(readDuration);
export const positiveDuration = duration.refine((ms) => ms > 0, 'must be longer than 0s');
export const positiveRate = withUnit(readRate).refine((rps) => rps > 0, 'must be above 0rps');

/** A duration above 0 that keeps the text it was written as, for messages that quote it. */
export const positiveDurationAsWritten = withUnit((value): Parsed<{ ms: number; text: string }> => {
  const parsed = readDuration(value);
  if (!parsed.ok) return parsed;
  return { ok: true, value: { ms: parsed.value, text: String(value).trim() } };
}).refine(({ ms }) => ms > 0, 'must be longer than 0s');

/** Scoring thresholds: a fraction (0.9) or a percentage ("90%"). */
export const fraction = withUnit((value): Parsed<number> => {
  const parsed = typeof value === 'number' ? { ok: true as const, value } : readPercent(value);
  if (parsed.ok && parsed.value >= 0 && parsed.value <= 1) return parsed;
  return {
    ok: false,
    message: `expected a fraction from 0 to 1 or a percentage like "90%", got ${describeValue(value)}`,
  };
});

/** YAML turns `PORT: 3000` and `DEBUG: true` into numbers and booleans; they mean strings. */
export const scalarText = z.unknown().transform((value, ctx): string => {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  ctx.addIssue({ code: 'custom', message: `expected a string, got ${describeValue(value)}` });
  return z.NEVER;
});

export const stringMap = z.record(z.string(), scalarText);

/** Checked here because node:http would otherwise reject them mid-run, as a crash. */
export const headerMap = stringMap.superRefine((headers, ctx) => {
  for (const [name, value] of Object.entries(headers)) {
    const problem = headerProblem(name, value);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', path: [name], message: problem });
  }
});

function headerProblem(name: string, value: string): string | undefined {
  try {
    validateHeaderName(name);
  } catch {
    return `not a valid HTTP header name (letters, digits and !#$%&'*+-.^_\`|~ only)`;
  }
  try {
    validateHeaderValue(name, value);
  } catch {
    return `not a valid HTTP header value (no line breaks or control characters), got ${describeValue(value)}`;
  }
  return undefined;
}

export const nonEmpty = z.string().trim().min(1);
export const urlPath = z
  .string()
  .trim()
  .startsWith('/', { error: (issue) => `must start with "/", got ${describeValue(issue.input)}` })
  .regex(/^[\x21-\x7e]*$/, {
    error: (issue) =>
      `must be visible ASCII characters only (percent-encode spaces and the rest), got ${describeValue(issue.input)}`,
  });

/** A body is sent as written, or, given as a mapping or list, as JSON. */
export const requestBody = z.unknown().transform((value, ctx): { text: string; json: boolean } => {
  if (typeof value === 'string') return { text: value, json: false };
  if (typeof value === 'object' && value !== null) {
    try {
      return { text: JSON.stringify(value), json: true };
    } catch {
      // Only a YAML alias pointing at its own ancestor gets here.
    }
  }
  ctx.addIssue({
    code: 'custom',
    message: `expected a string, or a mapping or list to send as JSON, got ${describeValue(value)}`,
  });
  return z.NEVER;
});
