import type pg from 'pg';
import { isOwnStatement, own } from './connection.js';
import { normalizeSql, parameterizeSql } from './sql-text.js';

/** A user table's counters (pg_stat_user_tables) and size. */
export interface TableStats {
  /** schema.table */
  name: string;
  seqScan: number;
  seqTupRead: number;
  idxScan: number;
  idxTupFetch: number;
  liveRows: number;
  sizeBytes: number;
}

/** A statement's counters from pg_stat_statements. */
export interface StatementStats {
  queryId: string;
  /** pg_stat_statements' own normalised text, normalised once more (see normalizeSql). */
  text: string;
  /** Its text with any literal left made a parameter, for EXPLAIN. */
  preparable: string;
  calls: number;
  totalMs: number;
  rows: number;
  sharedBlksHit: number;
  sharedBlksRead: number;
}

export interface DatabaseCounters {
  commits: number;
  rollbacks: number;
  blocksRead: number;
  blocksHit: number;
  rowsReturned: number;
  rowsFetched: number;
  deadlocks: number;
  tempBytes: number;
}

/** The database's statistics at one moment. */
export interface DatabaseSnapshot {
  serverVersion: number;
  database: DatabaseCounters;
  tables: TableStats[];
  connections: { total: number; max: number };
  /** Null when pg_stat_statements cannot be read; `statementsMissing` then says why. */
  statements: StatementStats[] | null;
  statementsMissing?: string;
  /** Whether this role sees other sessions' statements (superuser or pg_read_all_stats). */
  readsAllStats: boolean;
}

const num = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));

/**
 * Reads every statistic the analysis compares before and after a window of load. The
 * service's backends publish their table and database counters at most once a second while
 * busy (PostgreSQL 15; 500 ms through the stats collector before it), and 10 s after going
 * idle, so a window's table figures lag up to a second at each end, which cancels out under
 * a steady load. pg_stat_statements and pg_stat_activity are current at once.
 */
export async function takeSnapshot(client: pg.Client): Promise<DatabaseSnapshot> {
  const serverVersion = num(
    (await client.query(own("SELECT current_setting('server_version_num') AS v"))).rows[0]?.v,
  );
  const database = (
    await client.query(
      own(`SELECT xact_commit, xact_rollback, blks_read, blks_hit, tup_returned, tup_fetched,
              deadlocks, temp_bytes
         FROM pg_stat_database WHERE datname = current_database()`),
    )
  ).rows[0] as Record<string, unknown> | undefined;
  const tables = await client.query(
    own(`SELECT schemaname || '.' || relname AS name, seq_scan, seq_tup_read, idx_scan,
            idx_tup_fetch, n_live_tup, pg_total_relation_size(relid) AS size
       FROM pg_stat_user_tables`),
  );
  const connections = (
    await client.query(
      own(`SELECT (SELECT count(*) FROM pg_stat_activity
                 WHERE backend_type = 'client backend'
                    OR (backend_type IS NULL AND datname IS NOT NULL)) AS total,
              current_setting('max_connections')::int AS max`),
    )
  ).rows[0] as Record<string, unknown>;
  const readsAllStats = Boolean(
    (
      await client.query(
        own(`SELECT current_setting('is_superuser') = 'on'
                OR pg_has_role(current_user, 'pg_read_all_stats', 'MEMBER') AS reads`),
      )
    ).rows[0]?.reads,
  );
  const { statements, missing } = await readStatements(client, serverVersion);
  return {
    serverVersion,
    database: {
      commits: num(database?.xact_commit),
      rollbacks: num(database?.xact_rollback),
      blocksRead: num(database?.blks_read),
      blocksHit: num(database?.blks_hit),
      rowsReturned: num(database?.tup_returned),
      rowsFetched: num(database?.tup_fetched),
      deadlocks: num(database?.deadlocks),
      tempBytes: num(database?.temp_bytes),
    },
    tables: tables.rows.map((row: Record<string, unknown>) => ({
      name: String(row.name),
      seqScan: num(row.seq_scan),
      seqTupRead: num(row.seq_tup_read),
      idxScan: num(row.idx_scan),
      idxTupFetch: num(row.idx_tup_fetch),
      liveRows: num(row.n_live_tup),
      sizeBytes: num(row.size),
    })),
    connections: { total: num(connections.total), max: num(connections.max) },
    statements,
    ...(missing !== undefined && { statementsMissing: missing }),
    readsAllStats,
  };
}

const WITHOUT_STATEMENTS =
  'statement times come from activity sampling alone: statements shorter than the sampling ' +
  'interval are undercounted, and calls, rows and exact times are missing';

async function readStatements(
  client: pg.Client,
  serverVersion: number,
): Promise<{ statements: StatementStats[] | null; missing?: string }> {
  const installed = await client.query(
    own(`SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'`),
  );
  if (installed.rowCount === 0) {
    return {
      statements: null,
      missing:
        'pg_stat_statements is not installed in this database (it needs ' +
        "shared_preload_libraries = 'pg_stat_statements' and CREATE EXTENSION " +
        `pg_stat_statements): ${WITHOUT_STATEMENTS}`,
    };
  }
  // The time columns were renamed in PostgreSQL 13.
  const total = serverVersion >= 130000 ? 'total_exec_time' : 'total_time';
  try {
    const { rows } = await client.query(
      own(`SELECT queryid::text AS id, query, calls, ${total} AS total_ms, rows,
              shared_blks_hit, shared_blks_read
         FROM pg_stat_statements
        WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND queryid IS NOT NULL`),
    );
    return {
      statements: rows
        .filter((row: Record<string, unknown>) => !isOwnStatement(String(row.query ?? '')))
        .map((row: Record<string, unknown>) => ({
          queryId: String(row.id),
          text: normalizeSql(String(row.query ?? '')),
          preparable: parameterizeSql(String(row.query ?? '')),
          calls: num(row.calls),
          totalMs: num(row.total_ms),
          rows: num(row.rows),
          sharedBlksHit: num(row.shared_blks_hit),
          sharedBlksRead: num(row.shared_blks_read),
        })),
    };
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    return {
      statements: null,
      missing: `pg_stat_statements cannot be read (${text}): ${WITHOUT_STATEMENTS}`,
    };
  }
}

/** What a load phase did to the database: `after` less `before`, counters only. */
export interface DatabaseDelta {
  database: DatabaseCounters;
  /** Tables that were read or scanned, most sequentially scanned rows first. */
  tables: TableStats[];
  /** Statements run in between, most time first; null without pg_stat_statements. */
  statements: StatementStats[] | null;
  statementsMissing?: string;
  connections: { peakSeen: number; max: number };
  readsAllStats: boolean;
}

export function snapshotDelta(before: DatabaseSnapshot, after: DatabaseSnapshot): DatabaseDelta {
  const minus = <T extends object>(a: T, b: T | undefined, keys: (keyof T)[]): T => {
    const out = { ...a };
    for (const key of keys) {
      (out[key] as number) = (a[key] as number) - ((b?.[key] as number | undefined) ?? 0);
    }
    return out;
  };
  const tablesBefore = new Map(before.tables.map((t) => [t.name, t]));
  const tables = after.tables
    .map((t) =>
      minus(t, tablesBefore.get(t.name), ['seqScan', 'seqTupRead', 'idxScan', 'idxTupFetch']),
    )
    .filter((t) => t.seqScan > 0 || t.idxScan > 0)
    .sort((a, b) => b.seqTupRead - a.seqTupRead);
  let statements: StatementStats[] | null = null;
  if (after.statements !== null) {
    const earlier = new Map((before.statements ?? []).map((s) => [s.queryId, s]));
    statements = after.statements
      .map((s) =>
        minus(s, earlier.get(s.queryId), [
          'calls',
          'totalMs',
          'rows',
          'sharedBlksHit',
          'sharedBlksRead',
        ]),
      )
      .filter((s) => s.calls > 0)
      .sort((a, b) => b.totalMs - a.totalMs);
  }
  const missing = after.statementsMissing ?? before.statementsMissing;
  return {
    database: minus(after.database, before.database, [
      'commits',
      'rollbacks',
      'blocksRead',
      'blocksHit',
      'rowsReturned',
      'rowsFetched',
      'deadlocks',
      'tempBytes',
    ]),
    tables,
    statements,
    ...(missing !== undefined && { statementsMissing: missing }),
    connections: {
      peakSeen: Math.max(before.connections.total, after.connections.total),
      max: after.connections.max,
    },
    readsAllStats: after.readsAllStats,
  };
}
