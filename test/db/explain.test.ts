import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActivityProfile } from '../../src/db/activity.js';
import { openDatabase } from '../../src/db/connection.js';
import { explainStatement, filterColumns } from '../../src/db/explain.js';
import { missingIndexes } from '../../src/db/findings.js';
import { scannedTables } from '../../src/db/scans.js';
import { snapshotDelta, takeSnapshot } from '../../src/db/stats.js';
import { publishStats, startPostgres, type PostgresCluster } from '../helpers/postgres-cluster.js';

const OPEN = { connectTimeoutMs: 5000, statementTimeoutMs: 5000 };
const ROWS = 30_000;
let cluster: PostgresCluster;
let watch: pg.Client;

const noActivity: ActivityProfile = {
  intervalMs: 10,
  samples: 0,
  durationMs: 0,
  statements: [],
  sessions: { maxTotal: 0, meanTotal: 0, maxActive: 0, meanActive: 0, maxIdleInTransaction: 0 },
  waitsByType: {},
  hiddenSamples: 0,
};

beforeAll(async () => {
  cluster = await startPostgres({ statements: true });
  await cluster.sql(
    `CREATE TABLE orders (id serial PRIMARY KEY, customer text NOT NULL, total int NOT NULL);
     INSERT INTO orders (customer, total) SELECT 'c' || (g % 1000), g % 500 FROM generate_series(1, ${ROWS}) g;
     ANALYZE orders;`,
  );
  watch = await openDatabase(cluster.url, OPEN);
});

afterAll(async () => {
  await watch?.end();
  await cluster?.stop();
});

describe('explainStatement', () => {
  it('finds the sequential scan, its filter and the index to add', async () => {
    const plan = await explainStatement(watch, 'SELECT * FROM orders WHERE customer = $1');
    expect(plan.text).toMatch(/Seq Scan on orders/);
    expect(plan.seqScans).toEqual([
      expect.objectContaining({
        table: 'public.orders',
        filter: '(orders.customer = $1)',
        columns: ['customer'],
        suggestedIndex: 'CREATE INDEX CONCURRENTLY ON public.orders (customer);',
      }),
    ]);
  });

  it('explains without running: no time spent, nothing written', async () => {
    const started = performance.now();
    await explainStatement(watch, 'SELECT pg_sleep(3), id FROM orders WHERE id = $1');
    expect(performance.now() - started).toBeLessThan(2000);
    const plan = await explainStatement(watch, 'DELETE FROM orders WHERE customer = $1');
    expect(plan.text).toMatch(/Delete on orders/);
    expect((await cluster.sql('SELECT count(*)::int AS n FROM orders')).rows[0].n).toBe(ROWS);
    // The session is left as it was: no transaction open, no statement prepared.
    expect(
      (await watch.query('SELECT count(*)::int AS n FROM pg_prepared_statements')).rows[0].n,
    ).toBe(0);
  });
});

describe('explainStatement, carefully', () => {
  it('names the schema of a table outside public', async () => {
    await cluster.sql(
      `CREATE SCHEMA IF NOT EXISTS archive;
       CREATE TABLE IF NOT EXISTS archive.orders (id int, customer text);`,
    );
    const plan = await explainStatement(watch, 'SELECT * FROM archive.orders WHERE customer = $1');
    expect(plan.seqScans.map((s) => [s.table, s.suggestedIndex])).toEqual([
      ['archive.orders', 'CREATE INDEX CONCURRENTLY ON archive.orders (customer);'],
    ]);
  });

  it('refuses a text that holds more than one statement, running none of it', async () => {
    await expect(explainStatement(watch, 'SELECT 1; COMMIT; DROP TABLE orders')).rejects.toThrow(
      'several statements',
    );
    expect((await cluster.sql('SELECT count(*)::int AS n FROM orders')).rows[0].n).toBe(ROWS);
  });
});

describe('filterColumns', () => {
  it.each([
    ['(customer = $1)', 'orders', ['customer']],
    ['((total > 10) AND (customer = $1))', 'orders', ['customer', 'total']],
    ["(lower(customer) = 'x'::text)", 'orders', []],
    ['(orders.customer = $1)', 'orders', ['customer']],
    ['(o.customer = $1)', 'o', ['customer']],
    ["(customer ~~ 'abc%'::text)", 'orders', ['customer']],
    ['("Customer Name" = $1)', 'orders', ['Customer Name']],
    ['((customer)::text = $1)', 'orders', ['customer']],
    ['((orders.customer)::character varying = $1)', 'orders', ['customer']],
    ['((total >= 10) AND (id <= 5) AND (customer = $1))', 'orders', ['customer', 'total']],
  ])('%s', (filter, alias, columns) => {
    expect(filterColumns(filter, alias)).toEqual(columns);
  });
});

describe('scannedTables', () => {
  it('names the statement behind a large scan and its index; with the index, nothing', async () => {
    const app = new pg.Client({ connectionString: cluster.url, application_name: 'app' });
    await app.connect();
    try {
      const measure = async () => {
        const before = await takeSnapshot(watch);
        for (let i = 0; i < 4; i++) {
          await app.query('SELECT * FROM orders WHERE customer = $1', [`c${i}`]);
          await app.query('SELECT * FROM orders WHERE id = $1', [i + 1]);
        }
        await publishStats(app);
        const delta = snapshotDelta(before, await takeSnapshot(watch));
        return scannedTables(watch, delta, noActivity);
      };
      const scanned = await measure();
      expect(scanned).toEqual([
        expect.objectContaining({
          table: 'public.orders',
          seqScans: 4,
          rowsRead: 4 * ROWS,
          statement: 'SELECT * FROM orders WHERE customer = $1',
        }),
      ]);
      const [finding] = missingIndexes(scanned);
      expect(finding).toMatchObject({
        kind: 'missing-index',
        table: 'public.orders',
        suggestedIndex: 'CREATE INDEX CONCURRENTLY ON public.orders (customer);',
      });

      await cluster.sql('CREATE INDEX ON orders (customer)');
      expect(await measure()).toEqual([]);
    } finally {
      await app.end();
    }
  });
});
