import type { BaselineData, DatabaseAnalysisData } from '../data/stages.js';
import type { DraftItem } from './draft.js';
import { draftItem, uniqueId } from './draft.js';
import { findingId } from './finding-ids.js';
import { testingApproach } from './testing.js';
import { ms, pct, round1, slug } from './text.js';

type Finding = DatabaseAnalysisData['findings'][number];
type JourneyUse = DatabaseAnalysisData['journeys'][number];

// A round trip to the database costs at least this on top of the statement's own time (a
// local socket, the driver, the pool); over a network it is more: the high end of a range.
const ROUND_TRIP_MS = { low: 0.1, high: 0.5 };
// A gain is never claimed above this share of a journey's latency.
const MAX_GAIN_PCT = 90;
// What an index takes off a sequential scan's time: most of it, not all (the rows still
// have to be read and sent).
const INDEX_CUT = { low: 0.7, high: 0.95 };
// Without a baseline for the journey, what the gain is stated as.
const UNKNOWN_GAIN = { low: 5, high: 30 };
// A SELECT taking this share of the database's time, called on most requests, is worth
// caching if nothing else explains it.
const CACHE_SHARE = 0.3;

/** The journey's p50 latency in the baseline, ms; null without one. */
function journeyP50(baseline: BaselineData | null, journey: string | undefined): number | null {
  const found = baseline?.journeys.find((j) => j.name === journey);
  return found && found.result.latency.count > 0 ? found.result.latency.p50 : null;
}

/** `saved` ms a request as a percent range of the journey's p50, or the generic range. */
function gainOf(
  saved: { low: number; high: number },
  p50: number | null,
): { low: number; high: number; of: string } {
  if (p50 === null || p50 <= 0) return { ...UNKNOWN_GAIN, of: 'no baseline for the journey' };
  const cap = (v: number) => Math.min(MAX_GAIN_PCT, round1((100 * v) / p50));
  return { low: cap(saved.low), high: cap(saved.high), of: `of its p50 of ${ms(p50)}` };
}

function statementOf(journeys: readonly JourneyUse[], journey: string | undefined, text: string) {
  return journeys.find((j) => j.journey === journey)?.statements.find((s) => s.text === text);
}

/** The journey whose requests run `text` most often. */
function busiestJourney(journeys: readonly JourneyUse[], text: string) {
  let best: { journey: string; callsPerRequest: number; meanMs: number } | undefined;
  for (const use of journeys) {
    const s = use.statements.find((x) => x.text === text);
    if (s !== undefined && (best === undefined || s.callsPerRequest > best.callsPerRequest)) {
      best = { journey: use.journey, callsPerRequest: s.callsPerRequest, meanMs: s.meanMs };
    }
  }
  return best;
}

function nPlusOneItem(
  f: Finding,
  db: DatabaseAnalysisData,
  baseline: BaselineData | null,
  ids: Set<string>,
): DraftItem {
  const s = statementOf(db.journeys, f.journey, f.statement ?? '');
  const calls = s?.callsPerRequest ?? 0;
  const mean = s?.meanMs ?? 0;
  // One query for all the rows instead of one each: calls - 1 round trips fewer; the one
  // query left reads as many rows, so the statements' own time mostly stays.
  const saved = {
    low: Math.max(0, calls - 1) * ROUND_TRIP_MS.low,
    high: Math.max(0, calls - 1) * (ROUND_TRIP_MS.high + mean / 2),
  };
  const gain = gainOf(saved, journeyP50(baseline, f.journey));
  return draftItem({
    id: uniqueId(`n-plus-one-${slug(f.journey ?? 'journey')}`, ids),
    title: `Fetch ${f.journey}'s rows in one query instead of one query per row`,
    kind: 'database',
    hypothesis: `${f.journey} runs "${f.statement}" ${round1(calls)} times per request, once per row of another query: each call is a round trip, and they add up on every request.`,
    evidence: [f.summary, ...f.evidence],
    steps: [
      'Load the rows for all parents in one statement (WHERE parent_id = ANY($1), or a JOIN) and group them in the service',
      'Or batch the per-row calls of one request (a DataLoader-style loader) if the code path is shared',
      'Measure again with perf-flow: the database section gives the statements per request',
    ],
    expectedGain: {
      latencyPctLow: gain.low,
      latencyPctHigh: gain.high,
      rationale: `${round1(calls - 1)} round trips fewer per request at ${ROUND_TRIP_MS.low}-${ROUND_TRIP_MS.high} ms each plus part of the statements' own ${ms(mean)}, ${gain.of}`,
    },
    effortDays: 1,
    risk: 'low',
    successCriteria: [
      `"${f.statement}" runs at most twice per ${f.journey} request in the next database analysis (now ${round1(calls)})`,
    ],
    testing: testingApproach(
      `${f.journey} returns the same rows as before, in the same order, for a parent with no rows, one and many (a test against a real database)`,
      "the next database analysis shows the statement's calls per request",
      'low',
    ),
    rollback: 'Revert the change: the per-row queries were slow, not wrong.',
  });
}

function indexItem(
  f: Finding,
  db: DatabaseAnalysisData,
  baseline: BaselineData | null,
  ids: Set<string>,
): DraftItem {
  const busiest = f.statement === undefined ? undefined : busiestJourney(db.journeys, f.statement);
  const perRequest = busiest ? busiest.callsPerRequest * busiest.meanMs : 0;
  const gain = gainOf(
    { low: perRequest * INDEX_CUT.low, high: perRequest * INDEX_CUT.high },
    journeyP50(baseline, busiest?.journey),
  );
  const share = db.top.find((t) => t.text === f.statement)?.share;
  return draftItem({
    id: uniqueId(`index-${slug(f.table ?? 'table')}`, ids),
    title: `Add the index ${f.table} lacks${busiest ? ` (${busiest.journey})` : ''}`,
    kind: 'database',
    hypothesis: `${f.summary}: every execution reads the whole table where an index would read the matching rows.`,
    evidence: [
      ...f.evidence,
      ...(share === undefined
        ? []
        : [`the statement takes ${pct(share)} of the database's time under load`]),
    ],
    steps: [
      ...(f.suggestedIndex
        ? [`Run ${f.suggestedIndex} (CONCURRENTLY: no lock on writes)`]
        : ['Index the columns the statement filters on']),
      'Check with EXPLAIN that the statement uses it',
      'Measure again with perf-flow: the table no longer shows in the database section',
    ],
    expectedGain: {
      latencyPctLow: gain.low,
      latencyPctHigh: gain.high,
      rationale: busiest
        ? `${round1(busiest.callsPerRequest)} executions per ${busiest.journey} request at ${ms(busiest.meanMs)}, ${Math.round(INDEX_CUT.low * 100)}-${Math.round(INDEX_CUT.high * 100)}% of it saved by the index, ${gain.of}`
        : `the statement's time, most of it saved by the index, ${gain.of}`,
    },
    effortDays: 0.5,
    risk: 'low',
    successCriteria: [
      `no sequential scan of ${f.table} in the next database analysis`,
      ...(busiest
        ? [
            `the statement's mean time falls by at least ${Math.round(INDEX_CUT.low * 100)}% (now ${ms(busiest.meanMs)})`,
          ]
        : []),
    ],
    testing: testingApproach(
      `EXPLAIN of the statement on a copy of the data at production size shows an index scan, and the writes to ${f.table} stay as fast (an index costs every insert and update)`,
      "the next database analysis shows the statement's mean time and no sequential scan",
      'low',
    ),
    rollback: `Drop the index (DROP INDEX CONCURRENTLY): nothing else depends on it.`,
  });
}

function waitItem(f: Finding, ids: Set<string>): DraftItem {
  const locks = f.kind === 'lock-wait';
  return draftItem({
    id: uniqueId(locks ? 'db-lock-waits' : 'db-io-waits', ids),
    title: locks
      ? 'Shorten the transactions that hold the locks statements wait for'
      : 'Cut the reads that wait on disk',
    kind: 'database',
    hypothesis: `${f.summary}: that wait is in the latency of every request that runs them.`,
    evidence: f.evidence,
    steps: locks
      ? [
          'Find the transactions holding the locks (pg_locks joined to pg_stat_activity during the load)',
          'Keep transactions short: no network calls or user waits inside them; update hot rows last',
          'Measure again with perf-flow: the lock waits in the database section',
        ]
      : [
          'Check the statements waiting on I/O for missing indexes or large scans',
          'Give the database more memory for its cache (shared_buffers) if the working set does not fit',
          'Measure again with perf-flow',
        ],
    expectedGain: {
      latencyPctLow: UNKNOWN_GAIN.low,
      latencyPctHigh: UNKNOWN_GAIN.high,
      rationale:
        'waits are part of the latency of the statements that wait; how much depends on what holds them',
    },
    effortDays: locks ? 3 : 2,
    risk: 'medium',
    successCriteria: [
      `${locks ? 'lock' : 'I/O'} waits under ${locks ? '10' : '20'}% of the running statements' samples in the next database analysis`,
    ],
    testing: testingApproach(
      locks
        ? 'the shortened transactions still commit or roll back as a whole (a test of the failure in the middle)'
        : 'the statements return the same rows as before',
      `the next database analysis shows the ${locks ? 'lock' : 'I/O'} waits among the running statements' samples`,
      'medium',
    ),
    rollback: 'Revert the change.',
  });
}

function poolItem(f: Finding, ids: Set<string>): DraftItem {
  const saturated = f.kind === 'pool-saturated';
  return draftItem({
    id: uniqueId(saturated ? 'db-pool-size' : 'db-connections', ids),
    title: saturated
      ? "Size the service's connection pool to the load"
      : 'Put a pooler in front of the database before connections run out',
    kind: 'database',
    hypothesis: `${f.summary}.`,
    evidence: f.evidence,
    steps: saturated
      ? [
          'Make the statements shorter first (the other items): a pool is saturated by slow statements as much as by too few connections',
          'Then raise the pool size step by step, watching the database CPU and waits',
          'Measure again with perf-flow',
        ]
      : [
          'Use a connection pooler (PgBouncer in transaction mode) or smaller pools per instance',
          'Measure again with perf-flow',
        ],
    expectedGain: {
      latencyPctLow: UNKNOWN_GAIN.low,
      latencyPctHigh: UNKNOWN_GAIN.high,
      rationale: 'requests queue for a connection under load; how long depends on the statements',
    },
    effortDays: saturated ? 0.5 : 2,
    risk: saturated ? 'low' : 'medium',
    successCriteria: [
      saturated
        ? 'not all connections busy most of the time in the next database analysis'
        : 'connections under 80% of max_connections under the same load',
    ],
    testing: testingApproach(
      saturated
        ? "the pool's total over every instance stays under the database's max_connections, with room for administration"
        : 'statements that need a session (prepared statements, advisory locks, SET) still work through the pooler',
      'the next database analysis shows the pool and the connections against max_connections',
      saturated ? 'low' : 'medium',
    ),
    rollback: 'Restore the previous pool settings.',
  });
}

/** A read taking a large share of the database's time that no other item explains. */
function cacheItem(
  db: DatabaseAnalysisData,
  named: Set<string>,
  ids: Set<string>,
): DraftItem | null {
  const top = db.top[0];
  if (top === undefined || top.share < CACHE_SHARE || named.has(top.text)) return null;
  if (!/^\s*SELECT\b/i.test(top.text)) return null;
  const busiest = busiestJourney(db.journeys, top.text);
  if (busiest === undefined || busiest.callsPerRequest < 0.5) return null;
  return draftItem({
    id: uniqueId(`cache-${slug(busiest.journey)}`, ids),
    title: `Cache the result of ${busiest.journey}'s heaviest query`,
    kind: 'database',
    hypothesis: `"${top.text}" takes ${pct(top.share)} of the database's time and runs on ${round1(busiest.callsPerRequest)} of every ${busiest.journey} request: if its result changes less often than it is asked for, most executions can be skipped.`,
    evidence: [
      `${pct(top.share)} of the database's time under load${top.calls === null ? '' : `, ${top.calls} calls`}${top.meanMs === null ? '' : ` at ${ms(top.meanMs)}`}`,
    ],
    // It rests on db.top[0], the statement the catalogue lists first.
    findings: [findingId.statement(0)],
    steps: [
      'Check how often the data behind it changes, and what staleness the journey tolerates',
      'Cache the result in the service (or a shared cache) keyed by its parameters, with that expiry; invalidate on writes if needed',
      'Measure again with perf-flow',
    ],
    expectedGain: {
      latencyPctLow: UNKNOWN_GAIN.low,
      latencyPctHigh: UNKNOWN_GAIN.high,
      rationale: 'the statement is skipped on cache hits; the gain follows the hit rate',
    },
    effortDays: 2,
    risk: 'medium',
    successCriteria: [
      `the statement's calls per ${busiest.journey} request fall below half the current ${round1(busiest.callsPerRequest)}`,
    ],
    testing: testingApproach(
      'a write to the data behind the query shows in the next read within the expiry agreed for the journey (a test that writes, then reads)',
      "the next database analysis shows the statement's calls per request",
      'medium',
    ),
    rollback: 'Turn the cache off: the service reads the database as before.',
  });
}

/** Plan items from the database analysis: one per finding, and a cache where nothing else fits. */
export function databaseItems(
  db: DatabaseAnalysisData | null,
  baseline: BaselineData | null,
  ids: Set<string>,
): DraftItem[] {
  if (db === null) return [];
  const items: DraftItem[] = [];
  const named = new Set<string>();
  for (const [index, f] of db.findings.entries()) {
    if (f.statement !== undefined) named.add(f.statement);
    const item =
      f.kind === 'n-plus-one'
        ? nPlusOneItem(f, db, baseline, ids)
        : f.kind === 'missing-index'
          ? indexItem(f, db, baseline, ids)
          : f.kind === 'lock-wait' || f.kind === 'io-wait'
            ? waitItem(f, ids)
            : poolItem(f, ids);
    items.push({ ...item, findings: [findingId.database(index, f)] });
  }
  const cache = cacheItem(db, named, ids);
  if (cache !== null) items.push(cache);
  return items;
}
