import { describe, expect, it } from 'vitest';
import type { ActivityProfile } from '../../src/db/activity.js';
import {
  journeyUse,
  missingIndexes,
  nPlusOne,
  topStatements,
  waitsAndConnections,
} from '../../src/db/findings.js';
import type { DatabaseDelta, StatementStats } from '../../src/db/stats.js';

const counters = {
  commits: 0,
  rollbacks: 0,
  blocksRead: 0,
  blocksHit: 0,
  rowsReturned: 0,
  rowsFetched: 0,
  deadlocks: 0,
  tempBytes: 0,
};

function statement(text: string, calls: number, rows: number, totalMs: number): StatementStats {
  return {
    queryId: text,
    text,
    preparable: text,
    calls,
    rows,
    totalMs,
    sharedBlksHit: 0,
    sharedBlksRead: 0,
  };
}

function delta(
  statements: StatementStats[] | null,
  connections = { peakSeen: 5, max: 100 },
): DatabaseDelta {
  return { database: counters, tables: [], statements, connections, readsAllStats: true };
}

function activity(overrides: Partial<ActivityProfile> = {}): ActivityProfile {
  return {
    intervalMs: 10,
    samples: 100,
    durationMs: 1000,
    statements: [],
    sessions: { maxTotal: 10, meanTotal: 10, maxActive: 4, meanActive: 2, maxIdleInTransaction: 0 },
    waitsByType: {},
    hiddenSamples: 0,
    ...overrides,
  };
}

const ORDERS = 'SELECT * FROM orders WHERE customer_id = $1';
const LINES = 'SELECT * FROM order_lines WHERE order_id = $1';

describe('nPlusOne', () => {
  it('names a statement run once per row of another, with its calls per request', () => {
    // 50 requests: each reads 12 orders, then their lines one order at a time.
    const use = journeyUse({
      journey: 'order history',
      requests: 50,
      delta: delta([statement(ORDERS, 50, 600, 40), statement(LINES, 600, 2400, 300)]),
    });
    expect(use.queriesPerRequest).toBe(13);
    const [finding, ...rest] = nPlusOne([use]);
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({
      kind: 'n-plus-one',
      journey: 'order history',
      statement: LINES,
    });
    expect(finding!.summary).toContain('12 calls per request');
    expect(finding!.evidence.join('\n')).toContain(`${ORDERS}: 1 calls and 12 rows per request`);
  });

  it('leaves alone a few statements per request, and flags very many without a driver', () => {
    const few = journeyUse({
      journey: 'item',
      requests: 100,
      delta: delta([statement(ORDERS, 100, 100, 5), statement(LINES, 300, 300, 5)]),
    });
    expect(nPlusOne([few])).toEqual([]);
    const many = journeyUse({
      journey: 'report',
      requests: 10,
      delta: delta([statement(LINES, 400, 400, 5)]),
    });
    expect(nPlusOne([many])).toEqual([
      expect.objectContaining({
        kind: 'n-plus-one',
        summary: 'report: one statement runs 40 times per request',
      }),
    ]);
  });

  it('has no per-request figures without pg_stat_statements', () => {
    const use = journeyUse({ journey: 'x', requests: 10, delta: delta(null) });
    expect(use).toEqual({ journey: 'x', requests: 10, queriesPerRequest: null, statements: [] });
    expect(nPlusOne([use])).toEqual([]);
  });
});

describe('topStatements', () => {
  it('ranks by pg_stat_statements time, with shares', () => {
    const top = topStatements(
      delta([statement(LINES, 600, 600, 300), statement(ORDERS, 50, 600, 100)]),
      activity(),
    );
    expect(top.map((s) => [s.text, s.share, s.meanMs])).toEqual([
      [LINES, 0.75, 0.5],
      [ORDERS, 0.25, 2],
    ]);
  });

  it('falls back to the samples, with nothing it cannot know', () => {
    const profile = activity({
      statements: [
        { text: LINES, preparable: LINES, queryId: null, samples: 30, waits: {} },
        {
          text: ORDERS,
          preparable: ORDERS,
          queryId: null,
          samples: 10,
          waits: { 'IO: DataFileRead': 4 },
        },
      ],
    });
    const top = topStatements(delta(null), profile);
    expect(top.map((s) => [s.text, s.share, s.calls, s.totalMs])).toEqual([
      [LINES, 0.75, null, null],
      [ORDERS, 0.25, null, null],
    ]);
    expect(top[1]!.waits).toEqual({ 'IO: DataFileRead': 4 });
  });
});

describe('missingIndexes', () => {
  it('only for tables past the size threshold', () => {
    const found = missingIndexes([
      { table: 'public.small', seqScans: 40, rowsRead: 4000, liveRows: 100 },
      { table: 'public.big', seqScans: 4, rowsRead: 400_000, liveRows: 100_000 },
    ]);
    expect(found.map((f) => f.table)).toEqual(['public.big']);
    expect(found[0]!.summary).toBe('public.big: sequential scans of 100000 rows');
  });
});

describe('waitsAndConnections', () => {
  it('reports lock waits with the statements that waited', () => {
    const profile = activity({
      statements: [
        {
          text: ORDERS,
          preparable: ORDERS,
          queryId: null,
          samples: 20,
          waits: { 'Lock: transactionid': 8 },
        },
        { text: LINES, preparable: LINES, queryId: null, samples: 20, waits: {} },
      ],
      waitsByType: { Lock: 8 },
    });
    const [finding] = waitsAndConnections(profile, delta(null));
    expect(finding).toMatchObject({ kind: 'lock-wait', statement: ORDERS });
    expect(finding!.summary).toContain('20% of the samples');
  });

  it('reports a pool whose connections are all busy, and connections near the limit', () => {
    const busy = activity({
      sessions: {
        maxTotal: 10,
        meanTotal: 10,
        maxActive: 10,
        meanActive: 9.2,
        maxIdleInTransaction: 0,
      },
    });
    const kinds = waitsAndConnections(busy, delta(null, { peakSeen: 90, max: 100 })).map(
      (f) => f.kind,
    );
    expect(kinds).toEqual(['pool-saturated', 'connections-near-limit']);
    expect(waitsAndConnections(activity(), delta(null))).toEqual([]);
  });
});

describe('journeyUse over a window open for the whole run', () => {
  it('divides by the requests the window saw, and keeps the measured count', () => {
    // 2000 requests measured after the warm-up; the window, open from the start, saw 2400
    // answered, 8 lines each.
    const use = journeyUse({
      journey: 'order history',
      requests: 2000,
      windowRequests: 2400,
      delta: delta([
        statement(ORDERS, 2400, 2400 * 8, 40),
        statement(LINES, 2400 * 8, 2400 * 8, 300),
      ]),
    });
    expect(use.requests).toBe(2000);
    expect(use.queriesPerRequest).toBe(9);
    expect(nPlusOne([use])[0]!.summary).toContain('(8 calls per request)');
  });
});
