import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { own } from './connection.js';
import { normalizeSql, parameterizeSql } from './sql-text.js';

/** A statement seen running by the activity sampler. */
export interface ActivityStatement {
  /** The statement with its literals removed (see normalizeSql). */
  text: string;
  /** The statement as first seen with its literals made parameters, for EXPLAIN. */
  preparable: string;
  /** pg_stat_activity's query_id (PostgreSQL 14+ with compute_query_id), to match statistics. */
  queryId: string | null;
  /** Samples that found it running: times the interval, an estimate of its database time. */
  samples: number;
  /** What it waited on in those samples, by "type: event" (Lock: relation, IO: DataFileRead…). */
  waits: Record<string, number>;
}

/**
 * A sampling profile of the database: what its sessions were doing at each tick, the way a
 * CPU profiler samples stacks. It needs no extension, only pg_stat_activity.
 */
export interface ActivityProfile {
  intervalMs: number;
  /** Ticks taken. */
  samples: number;
  durationMs: number;
  /** Most samples first. */
  statements: ActivityStatement[];
  sessions: {
    /** Sessions of the database (perf-flow's own left out), largest and mean over the ticks. */
    maxTotal: number;
    meanTotal: number;
    /** Running a statement. */
    maxActive: number;
    meanActive: number;
    /** Holding a transaction open while doing nothing: a pool connection lost to the app. */
    maxIdleInTransaction: number;
  };
  /** Samples of running statements by wait event type (Lock, IO, LWLock, Client…). */
  waitsByType: Record<string, number>;
  /** Sessions seen whose activity this role may not read (it needs pg_read_all_stats). */
  hiddenSamples: number;
  /** Why sampling ended early, if it did. */
  stoppedBy?: string;
}

export interface ActivitySampler {
  /** Stops sampling (after the tick in progress) and returns the profile. */
  stop(): Promise<ActivityProfile>;
}

export interface SamplerOptions {
  intervalMs: number;
  /** The sampler stops by itself after this many ticks. */
  maxSamples: number;
}

interface ActivityRow {
  state: string | null;
  wait_event_type: string | null;
  wait_event: string | null;
  query_id: string | null;
  query: string | null;
}

const HIDDEN = '<insufficient privilege>';
// Distinct statement texts remembered for normalisation: a service that inlines its values
// makes a new text per request, and memory must stay bounded.
const MAX_TEXTS = 10_000;

/**
 * Samples pg_stat_activity for the client's database every `intervalMs` until stopped,
 * leaving out perf-flow's own sessions. Each tick is one cheap query on a catalog view held
 * in memory; the client's statement timeout bounds it.
 */
export function startActivitySampler(client: pg.Client, options: SamplerOptions): ActivitySampler {
  const statements = new Map<string, ActivityStatement>();
  const waitsByType: Record<string, number> = {};
  let samples = 0;
  let hiddenSamples = 0;
  let sumTotal = 0;
  let sumActive = 0;
  let maxTotal = 0;
  let maxActive = 0;
  let maxIdleInTransaction = 0;
  let stoppedBy: string | undefined;
  let stopping = false;
  let wake: (() => void) | undefined;
  const startedAt = performance.now();

  // The same texts come back tick after tick: each is normalised once.
  const normalized = new Map<string, string>();
  const tick = async (queryIdColumn: string) => {
    const { rows } = await client.query<ActivityRow>({
      // Prepared once per connection (named): the tick is then planned once, not every time,
      // which is most of what it costs the database.
      name: `perf_flow_activity_${queryIdColumn === 'NULL::text' ? 'old' : 'v14'}`,
      text: own(`SELECT state, wait_event_type, wait_event, ${queryIdColumn} AS query_id, query
         FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid()
          -- A role without pg_read_all_stats sees no backend_type for other roles' sessions.
          AND (backend_type = 'client backend' OR backend_type IS NULL)
          AND application_name IS DISTINCT FROM 'perf-flow'`),
    });
    samples++;
    let active = 0;
    let idleInTransaction = 0;
    for (const row of rows) {
      if (row.state === 'idle in transaction' || row.state === 'idle in transaction (aborted)') {
        idleInTransaction++;
      }
      // Another role's session, to a role without pg_read_all_stats: no state, no text.
      if (row.query === HIDDEN || (row.state === null && row.query === null)) {
        hiddenSamples++;
        continue;
      }
      if (row.state !== 'active' || row.query === null) continue;
      active++;
      if (row.wait_event_type !== null) {
        waitsByType[row.wait_event_type] = (waitsByType[row.wait_event_type] ?? 0) + 1;
      }
      let text = normalized.get(row.query);
      if (text === undefined) {
        text = normalizeSql(row.query);
        if (normalized.size < MAX_TEXTS) normalized.set(row.query, text);
      }
      const key = row.query_id ?? text;
      let entry = statements.get(key);
      if (entry === undefined) {
        entry = {
          text,
          preparable: parameterizeSql(row.query),
          queryId: row.query_id,
          samples: 0,
          waits: {},
        };
        statements.set(key, entry);
      }
      entry.samples++;
      if (row.wait_event_type !== null) {
        const wait = `${row.wait_event_type}: ${row.wait_event ?? '?'}`;
        entry.waits[wait] = (entry.waits[wait] ?? 0) + 1;
      }
    }
    sumTotal += rows.length;
    sumActive += active;
    maxTotal = Math.max(maxTotal, rows.length);
    maxActive = Math.max(maxActive, active);
    maxIdleInTransaction = Math.max(maxIdleInTransaction, idleInTransaction);
  };

  const loop = (async () => {
    try {
      const version = Number(
        (
          await client.query<{ v: string }>(
            own("SELECT current_setting('server_version_num') AS v"),
          )
        ).rows[0]?.v ?? 0,
      );
      // query_id arrived in PostgreSQL 14.
      const queryIdColumn = version >= 140000 ? 'query_id::text' : 'NULL::text';
      while (!stopping && samples < options.maxSamples) {
        const from = performance.now();
        await tick(queryIdColumn);
        const rest = options.intervalMs - (performance.now() - from);
        if (rest > 0 && !stopping) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, rest);
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          wake = undefined;
        }
      }
      if (!stopping) stoppedBy = `the bound of ${options.maxSamples} samples was reached`;
    } catch (error) {
      stoppedBy = `sampling failed: ${error instanceof Error ? error.message : String(error)}`;
    }
  })();

  return {
    async stop() {
      stopping = true;
      wake?.();
      await loop;
      return {
        intervalMs: options.intervalMs,
        samples,
        durationMs: performance.now() - startedAt,
        statements: [...statements.values()].sort((a, b) => b.samples - a.samples),
        sessions: {
          maxTotal,
          meanTotal: samples === 0 ? 0 : sumTotal / samples,
          maxActive,
          meanActive: samples === 0 ? 0 : sumActive / samples,
          maxIdleInTransaction,
        },
        waitsByType,
        hiddenSamples,
        ...(stoppedBy !== undefined && { stoppedBy }),
      };
    },
  };
}
