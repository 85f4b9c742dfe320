import pg from 'pg';

/** Why the database could not be watched; each names what the user can do about it. */
export type DatabaseProblemKind =
  | 'refused'
  | 'unreachable'
  | 'timeout'
  | 'authentication'
  | 'no-database'
  | 'permission'
  | 'bad-url'
  | 'failed';

/**
 * The database could not be watched. The message names the server (host, port, database and
 * user, never the password) and the problem; the analysis is then incomplete, the flow goes on.
 */
export class DatabaseProblem extends Error {
  constructor(
    readonly kind: DatabaseProblemKind,
    message: string,
  ) {
    super(message);
    this.name = 'DatabaseProblem';
  }
}

export interface DatabaseTarget {
  host: string;
  port: number;
  database: string;
  user: string;
}

/** Where a postgres:// URL points, for messages; its password is never part of it. */
export function describeTarget(target: DatabaseTarget): string {
  return `PostgreSQL at ${target.host}:${target.port}, database "${target.database}" as "${target.user}"`;
}

/** The parts of a postgres:// URL perf-flow names in messages; throws bad-url otherwise. */
export function parseDatabaseUrl(url: string): DatabaseTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DatabaseProblem(
      'bad-url',
      'database.url is not a URL (expected postgres://user:password@host:port/database)',
    );
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new DatabaseProblem(
      'bad-url',
      `database.url must start with postgres:// or postgresql://, got ${parsed.protocol}//`,
    );
  }
  const socketHost = parsed.searchParams.get('host');
  const decode = (part: string) => {
    try {
      return decodeURIComponent(part);
    } catch {
      throw new DatabaseProblem('bad-url', 'database.url has a malformed %-escape');
    }
  };
  return {
    host: socketHost ?? (parsed.hostname || 'localhost'),
    port: parsed.port === '' ? 5432 : Number(parsed.port),
    database: decode(parsed.pathname.replace(/^\//, '')) || decode(parsed.username) || 'postgres',
    user: decode(parsed.username) || 'postgres',
  };
}

// Marks perf-flow's own statements, so that pg_stat_statements' figures leave them out
// (statistics keep a statement's comments; activity sampling leaves perf-flow's sessions out
// by their application_name).
const OWN_MARK = '/* perf-flow */';

/** A statement of perf-flow's own, marked as such. */
export function own(sql: string): string {
  return `${OWN_MARK} ${sql}`;
}

/** A pg_stat_statements text that is one of perf-flow's own statements. */
export function isOwnStatement(query: string): boolean {
  return query.startsWith(OWN_MARK);
}

export interface OpenOptions {
  /** How long connecting may take. */
  connectTimeoutMs: number;
  /** Every statement perf-flow runs is cancelled past this: it must never load the database. */
  statementTimeoutMs: number;
}

/**
 * A connection for watching the database: named `perf-flow` in pg_stat_activity (so the
 * sampler leaves itself out), read-only, each statement bounded by `statementTimeoutMs`.
 */
export async function openDatabase(url: string, options: OpenOptions): Promise<pg.Client> {
  const target = parseDatabaseUrl(url);
  let client: pg.Client | undefined;
  try {
    // Inside the try: the driver's own URL parsing throws too (a missing sslrootcert file).
    client = new pg.Client({
      connectionString: url,
      application_name: 'perf-flow',
      connectionTimeoutMillis: options.connectTimeoutMs,
      statement_timeout: options.statementTimeoutMs,
      query_timeout: options.statementTimeoutMs + 1000,
    });
    // A connection lost later surfaces on the next query; unhandled, it would end the process.
    client.on('error', () => undefined);
    await client.connect();
    await client.query(own('SET default_transaction_read_only = on'));
  } catch (error) {
    if (client !== undefined) await closeClient(client);
    throw classify(error, target);
  }
  return client;
}

// How long closing may wait for the server before the socket is cut.
const CLOSE_TIMEOUT_MS = 2000;

/**
 * Ends the connection: politely, or by cutting the socket when the server does not answer
 * (a network gone silent would otherwise hold the close for TCP's retransmission timeout).
 */
export async function closeClient(client: pg.Client): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const cut = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      (
        client as unknown as { connection?: { stream?: { destroy(): void } } }
      ).connection?.stream?.destroy();
      resolve();
    }, CLOSE_TIMEOUT_MS);
  });
  await Promise.race([client.end().catch(() => undefined), cut]);
  clearTimeout(timer);
}

/** The problem behind a failed connect or query, in the user's terms. */
export function classify(error: unknown, target: DatabaseTarget): DatabaseProblem {
  if (error instanceof DatabaseProblem) return error;
  const where = describeTarget(target);
  const code = (error as { code?: string }).code;
  const text = error instanceof Error ? error.message : String(error);
  switch (code) {
    case 'ECONNREFUSED':
      return new DatabaseProblem(
        'refused',
        `${where} refused the connection: is it running, and on that port?`,
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new DatabaseProblem('unreachable', `${where} cannot be reached (${code})`);
    case '28P01':
    case '28000':
      return new DatabaseProblem(
        'authentication',
        `${where} rejected the credentials (${text}): check the password in database.url's variable`,
      );
    case '3D000':
      return new DatabaseProblem('no-database', `${where}: ${text}`);
    case '42501':
      return new DatabaseProblem('permission', `${where}: ${text}`);
  }
  if (/timeout/i.test(text)) {
    return new DatabaseProblem('timeout', `${where} did not answer in time (${text})`);
  }
  return new DatabaseProblem('failed', `${where}: ${text}`);
}
