import type { ActivityProfile } from './activity.js';
import type { SeqScanPlan } from './explain.js';
import type { DatabaseDelta } from './stats.js';

// A statement run this many times per request of one journey, or more, is an N+1 suspect.
export const N_PLUS_ONE_CALLS = 5;
// …and one: its calls match (within this share) the rows another statement of the journey
// returns per request: one query per row of the first.
const N_PLUS_ONE_MATCH = 0.25;
// Without a statement whose rows explain the calls, this many calls per request still are.
const MANY_CALLS = 20;
// A sequential scan of a table this large, under load, is worth an index.
export const SEQ_SCAN_MIN_ROWS = 10_000;
// Shares of the running statements' samples spent waiting on locks, and on I/O.
const LOCK_WAIT_SHARE = 0.1;
const IO_WAIT_SHARE = 0.2;
// The service's connections all busy in this share of the samples: its pool is the limit.
const POOL_BUSY_SHARE = 0.8;
// Connections against max_connections.
const CONNECTIONS_NEAR_LIMIT = 0.8;

/** A statement's share of the database's time under the load. */
export interface TopStatement {
  text: string;
  /** Null when pg_stat_statements is missing: the figures come from sampling alone. */
  calls: number | null;
  totalMs: number | null;
  meanMs: number | null;
  rows: number | null;
  /** Its share of the time of every statement listed (0-1). */
  share: number;
  /** Samples that found it running, and what it waited on then. */
  samples: number;
  waits: Record<string, number>;
}

export interface JourneyStatement {
  text: string;
  callsPerRequest: number;
  rowsPerRequest: number;
  meanMs: number;
}

/** What one journey asks of the database, per HTTP request. */
export interface JourneyDatabaseUse {
  journey: string;
  requests: number;
  /** Statements per request; null without pg_stat_statements. */
  queriesPerRequest: number | null;
  statements: JourneyStatement[];
}

export type DatabaseFindingKind =
  | 'n-plus-one'
  | 'missing-index'
  | 'lock-wait'
  | 'io-wait'
  | 'pool-saturated'
  | 'connections-near-limit';

export interface DatabaseFinding {
  kind: DatabaseFindingKind;
  summary: string;
  evidence: string[];
  /** The statement at fault, as normalised text, when there is one. */
  statement?: string;
  journey?: string;
  table?: string;
  /** For a missing index: the CREATE INDEX that would serve the scan. */
  suggestedIndex?: string;
}

/** A journey's window alone: its requests, and what the database did meanwhile. */
export interface JourneyWindow {
  journey: string;
  /** The load's measured requests. */
  requests: number;
  /**
   * The requests the window's statements belong to, when not `requests`: a window open over a
   * whole run (warm-up too) counts every answered request's statements.
   */
  windowRequests?: number;
  delta: DatabaseDelta;
}

/** Per-journey use from each journey's window alone (statements' calls ÷ its requests). */
export function journeyUse(window: JourneyWindow): JourneyDatabaseUse {
  const { delta, requests } = window;
  const divisor = window.windowRequests ?? requests;
  if (delta.statements === null || requests === 0 || divisor <= 0) {
    return { journey: window.journey, requests, queriesPerRequest: null, statements: [] };
  }
  const statements = delta.statements
    .map((s) => ({
      text: s.text,
      callsPerRequest: s.calls / divisor,
      rowsPerRequest: s.rows / divisor,
      meanMs: s.calls === 0 ? 0 : s.totalMs / s.calls,
    }))
    .sort((a, b) => b.callsPerRequest - a.callsPerRequest);
  return {
    journey: window.journey,
    requests,
    queriesPerRequest: statements.reduce((sum, s) => sum + s.callsPerRequest, 0),
    statements,
  };
}

/** The statements ranked by database time: pg_stat_statements' when present, else samples. */
export function topStatements(delta: DatabaseDelta, activity: ActivityProfile): TopStatement[] {
  // By query id where PostgreSQL gives one (14+): pg_stat_statements writes a statement's
  // constants as $1, the sampler's text has them as ?, so the texts differ.
  const byId = new Map(activity.statements.map((s) => [s.queryId, s]));
  const byText = new Map(activity.statements.map((s) => [s.text, s]));
  if (delta.statements !== null) {
    const total = delta.statements.reduce((sum, s) => sum + s.totalMs, 0);
    return delta.statements.map((s) => {
      const sampled = byId.get(s.queryId) ?? byText.get(s.text);
      return {
        text: s.text,
        calls: s.calls,
        totalMs: s.totalMs,
        meanMs: s.calls === 0 ? 0 : s.totalMs / s.calls,
        rows: s.rows,
        share: total > 0 ? s.totalMs / total : 0,
        samples: sampled?.samples ?? 0,
        waits: sampled?.waits ?? {},
      };
    });
  }
  const total = activity.statements.reduce((sum, s) => sum + s.samples, 0);
  return activity.statements.map((s) => ({
    text: s.text,
    calls: null,
    totalMs: null,
    meanMs: null,
    rows: null,
    share: total > 0 ? s.samples / total : 0,
    samples: s.samples,
    waits: s.waits,
  }));
}

/** N+1 patterns in each journey's statements. */
export function nPlusOne(journeys: readonly JourneyDatabaseUse[]): DatabaseFinding[] {
  const findings: DatabaseFinding[] = [];
  for (const use of journeys) {
    for (const s of use.statements) {
      if (s.callsPerRequest < N_PLUS_ONE_CALLS) continue;
      const driver = use.statements.find(
        (other) =>
          other !== s &&
          other.callsPerRequest < s.callsPerRequest / 2 &&
          Math.abs(other.rowsPerRequest - s.callsPerRequest) <=
            N_PLUS_ONE_MATCH * s.callsPerRequest,
      );
      if (driver === undefined && s.callsPerRequest < MANY_CALLS) continue;
      const calls = round(s.callsPerRequest);
      findings.push({
        kind: 'n-plus-one',
        journey: use.journey,
        statement: s.text,
        summary:
          driver === undefined
            ? `${use.journey}: one statement runs ${calls} times per request`
            : `${use.journey}: N+1 queries, one statement per row of another (${calls} calls per request)`,
        evidence: [
          `${s.text}: ${calls} calls per request, ${Number(s.meanMs.toPrecision(2))} ms each`,
          ...(driver === undefined
            ? []
            : [
                `${driver.text}: ${round(driver.callsPerRequest)} calls and ${round(driver.rowsPerRequest)} rows per request`,
              ]),
          `measured over ${use.requests} requests of ${use.journey} run alone`,
        ],
      });
    }
  }
  return findings;
}

/** A table scanned sequentially under load, the statement behind it and its plan. */
export interface ScannedTable {
  table: string;
  seqScans: number;
  rowsRead: number;
  liveRows: number;
  /** The statement whose plan scans it, and that scan; undefined when none was found. */
  statement?: string;
  plan?: SeqScanPlan;
}

/** Large tables read by sequential scans, with the index that would serve the scan. */
export function missingIndexes(scanned: readonly ScannedTable[]): DatabaseFinding[] {
  return scanned
    .filter((t) => t.liveRows >= SEQ_SCAN_MIN_ROWS && t.seqScans > 0)
    .map((t) => ({
      kind: 'missing-index' as const,
      table: t.table,
      ...(t.statement !== undefined && { statement: t.statement }),
      ...(t.plan?.suggestedIndex != null && { suggestedIndex: t.plan.suggestedIndex }),
      summary:
        t.plan?.suggestedIndex != null
          ? `${t.table}: sequential scans of ${t.liveRows} rows; an index on (${t.plan.columns.join(', ')}) would serve them`
          : `${t.table}: sequential scans of ${t.liveRows} rows`,
      evidence: [
        `${t.seqScans} sequential scans read ${t.rowsRead} rows under the load (${round(t.rowsRead / t.seqScans)} a scan)`,
        ...(t.statement === undefined ? [] : [`statement: ${t.statement}`]),
        ...(t.plan?.filter != null
          ? [`plan: Seq Scan on ${t.table}, Filter: ${t.plan.filter}`]
          : []),
      ],
    }));
}

/** Lock and I/O waits, a saturated connection pool, connections near the server's limit. */
export function waitsAndConnections(
  activity: ActivityProfile,
  delta: DatabaseDelta,
): DatabaseFinding[] {
  const findings: DatabaseFinding[] = [];
  const running =
    activity.statements.reduce((sum, s) => sum + s.samples, 0) + activity.hiddenSamples;
  const waitedOn = (type: string) =>
    activity.statements
      .map((s) => ({
        text: s.text,
        samples: Object.entries(s.waits)
          .filter(([wait]) => wait.startsWith(`${type}: `))
          .reduce((sum, [, n]) => sum + n, 0),
      }))
      .filter((s) => s.samples > 0)
      .sort((a, b) => b.samples - a.samples);
  for (const [type, kind, threshold] of [
    ['Lock', 'lock-wait', LOCK_WAIT_SHARE],
    ['IO', 'io-wait', IO_WAIT_SHARE],
  ] as const) {
    const samples = activity.waitsByType[type] ?? 0;
    if (running === 0 || samples / running < threshold) continue;
    const top = waitedOn(type);
    findings.push({
      kind,
      ...(top[0] !== undefined && { statement: top[0].text }),
      summary: `statements waited on ${type === 'Lock' ? 'locks' : 'I/O'} in ${percent(samples / running)} of the samples that found them running`,
      evidence: top.slice(0, 3).map((s) => `${s.text}: ${s.samples} samples waiting`),
    });
  }
  const { sessions } = activity;
  if (
    activity.samples > 0 &&
    sessions.maxTotal > 0 &&
    sessions.meanActive / sessions.maxTotal >= POOL_BUSY_SHARE
  ) {
    findings.push({
      kind: 'pool-saturated',
      summary: `all ${sessions.maxTotal} of the service's connections were busy most of the time: requests queue for a connection`,
      evidence: [
        `${round(sessions.meanActive)} of ${sessions.maxTotal} connections running a statement on average over ${activity.samples} samples`,
      ],
    });
  }
  if (
    delta.connections.max > 0 &&
    delta.connections.peakSeen >= CONNECTIONS_NEAR_LIMIT * delta.connections.max
  ) {
    findings.push({
      kind: 'connections-near-limit',
      summary: `${delta.connections.peakSeen} connections against max_connections ${delta.connections.max}`,
      evidence: [`at most ${delta.connections.peakSeen} client connections seen`],
    });
  }
  return findings;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

function percent(share: number): string {
  return `${Math.round(share * 100)}%`;
}
