import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { resolveDatabaseUrl } from '../../src/config/database.js';
import { parseConfigText } from '../../src/config/load.js';
import { configErrorOf } from '../helpers/config-error.js';

const MINIMAL = {
  service: { url: 'http://127.0.0.1:3000' },
  journeys: [{ name: 'a', path: '/' }],
};

const parse = (database: unknown) =>
  parseConfigText(stringify({ ...MINIMAL, database }), '/repo/perf-flow.yml');

const refusal = (database: unknown) =>
  configErrorOf(stringify({ ...MINIMAL, database }), '/repo/perf-flow.yml');

describe('database config', () => {
  it('reads an environment variable reference, with the defaults', () => {
    expect(parse({ kind: 'postgres', url: '${DATABASE_URL}' }).database).toEqual({
      kind: 'postgres',
      url: '${DATABASE_URL}',
      sampleIntervalMs: 100,
      statementTimeoutMs: 5000,
    });
    expect(
      parse({ kind: 'postgres', url: '$PG_URL', 'sample-interval': '50ms' }).database,
    ).toMatchObject({
      url: '$PG_URL',
      sampleIntervalMs: 50,
    });
    expect(parse(undefined).database).toBeUndefined();
  });

  it('accepts a URL without a password, and refuses one with, without printing it', () => {
    expect(
      parse({ kind: 'postgres', url: 'postgres://app@127.0.0.1:5432/shop' }).database?.url,
    ).toBe('postgres://app@127.0.0.1:5432/shop');
    const error = refusal({ kind: 'postgres', url: 'postgres://app:hunter2@127.0.0.1/shop' });
    expect(error.message).toContain('database.url');
    expect(error.message).toContain('${DATABASE_URL}');
    expect(error.message).not.toContain('hunter2');
    expect(error.exitCode).toBe(2);
    // Nor when the URL does not even parse.
    const unparsable = refusal({ kind: 'postgres', url: 'postgres://app:hunter2@db:99999/shop' });
    expect(unparsable.message).toContain('database.url');
    expect(unparsable.message).not.toContain('hunter2');
  });

  it.each([
    [{ kind: 'mysql', url: '${DATABASE_URL}' }, 'database.kind', 'expected postgres'],
    [{ kind: 'postgres', url: 'localhost/shop' }, 'database.url', 'expected ${DATABASE_URL}'],
    [{ kind: 'postgres', url: 'mysql://u@h/db' }, 'database.url', 'expected a postgres:// URL'],
    [
      { kind: 'postgres', url: '${DATABASE_URL}', 'sample-interval': '0s' },
      'database.sample-interval',
      'longer than 0s',
    ],
    [{ kind: 'postgres' }, 'database.url', ''],
    [{ kind: 'postgres', url: '${DATABASE_URL}', pool: 5 }, 'database', 'unknown key'],
  ])('refuses %j, naming %s', (database, field, fragment) => {
    const error = refusal(database);
    expect(error.message).toContain(field);
    expect(error.message).toContain(fragment);
  });

  it('resolves the variable when the flow runs, or says which is unset', () => {
    const config = parse({ kind: 'postgres', url: '${DATABASE_URL}' }).database!;
    expect(resolveDatabaseUrl(config, { DATABASE_URL: 'postgres://a:b@h/db' })).toEqual({
      url: 'postgres://a:b@h/db',
    });
    expect(resolveDatabaseUrl(config, {})).toEqual({
      missing: 'database.url: the environment variable DATABASE_URL is not set',
    });
  });
});
