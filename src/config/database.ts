import { z } from 'zod';
import { nonEmpty, positiveDuration, strictObject } from './fields.js';
import { describeValue } from './units.js';

/** `database:` in perf-flow.yml: the service's PostgreSQL, watched while it is loaded. */
export interface DatabaseConfig {
  kind: 'postgres';
  /**
   * The URL as written: `${NAME}` (or `$NAME`) for an environment variable holding it, read
   * when the flow runs (see resolveDatabaseUrl), or a URL without a password.
   */
  url: string;
  sampleIntervalMs: number;
  /** Each of perf-flow's own statements (statistics, EXPLAIN) is cancelled past this. */
  statementTimeoutMs: number;
}

export const DATABASE_DEFAULTS = { sampleIntervalMs: 100, statementTimeoutMs: 5000 } as const;

const ENV_REFERENCE = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))$/;

/** The environment variable `url` names, if it is a reference. */
export function urlVariable(url: string): string | undefined {
  const match = ENV_REFERENCE.exec(url.trim());
  return match === null ? undefined : (match[1] ?? match[2]);
}

export const databaseSchema = strictObject({
  kind: z.string().refine((kind) => kind === 'postgres', {
    error: (issue) =>
      `expected postgres (the one kind perf-flow watches), got ${describeValue(issue.input)}`,
  }),
  url: nonEmpty.superRefine((url, ctx) => {
    if (urlVariable(url) !== undefined) return;
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      ctx.addIssue({
        code: 'custom',
        // Not echoed: a URL that fails to parse may still hold a password.
        message:
          'expected ${DATABASE_URL} (an environment variable holding the URL) or a postgres:// URL, got text that is neither',
      });
      return;
    }
    if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
      ctx.addIssue({
        code: 'custom',
        message: `expected a postgres:// URL, got ${parsed.protocol}//…`,
      });
    } else if (parsed.password !== '') {
      // The message must not repeat the URL: it holds the password.
      ctx.addIssue({
        code: 'custom',
        message:
          'holds a password: write url: ${DATABASE_URL} and set that variable (a secret in a workflow), so that the password is neither committed nor printed',
      });
    }
  }),
  'sample-interval': positiveDuration.default(DATABASE_DEFAULTS.sampleIntervalMs),
  'statement-timeout': positiveDuration.default(DATABASE_DEFAULTS.statementTimeoutMs),
}).transform((raw): DatabaseConfig => ({
  kind: 'postgres',
  url: raw.url.trim(),
  sampleIntervalMs: raw['sample-interval'],
  statementTimeoutMs: raw['statement-timeout'],
}));

/**
 * The URL to connect to: the variable's value for `${NAME}`; `undefined` with the reason when
 * the variable is not set.
 */
export function resolveDatabaseUrl(
  config: DatabaseConfig,
  env: NodeJS.ProcessEnv,
): { url: string } | { missing: string } {
  const name = urlVariable(config.url);
  if (name === undefined) return { url: config.url };
  const value = env[name];
  if (value === undefined || value.trim() === '') {
    return { missing: `database.url: the environment variable ${name} is not set` };
  }
  return { url: value.trim() };
}
