import net from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startActivitySampler } from '../../src/db/activity.js';
import { DatabaseProblem, openDatabase } from '../../src/db/connection.js';
import { takeSnapshot } from '../../src/db/stats.js';
import { DatabaseWatch } from '../../src/db/watch.js';
import {
  SUPERUSER_PASSWORD,
  publishStats,
  startPostgres,
  type PostgresCluster,
} from '../helpers/postgres-cluster.js';

const OPEN = { connectTimeoutMs: 5000, statementTimeoutMs: 5000 };
const ROWS = 20_000;

let cluster: PostgresCluster;

/** A connection of "the service": not perf-flow's, so it is what perf-flow watches. */
async function appClient(database = 'shop'): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: cluster.urlFor(database),
    application_name: 'app',
  });
  await client.connect();
  return client;
}

/** perf-flow watching the shop database, sampling every `intervalMs`. */
function openWatch(intervalMs: number): Promise<DatabaseWatch> {
  return DatabaseWatch.open({
    url: cluster.urlFor('shop'),
    sampleIntervalMs: intervalMs,
    maxSamples: 1000,
    ...OPEN,
  });
}

beforeAll(async () => {
  cluster = await startPostgres({ statements: true });
  await cluster.sql('CREATE DATABASE shop');
  await cluster.sql('CREATE DATABASE nostats');
  await cluster.sql('CREATE EXTENSION pg_stat_statements', 'shop');
  await cluster.sql(
    `CREATE TABLE items (id serial PRIMARY KEY, owner text NOT NULL, price int NOT NULL);
     INSERT INTO items (owner, price) SELECT 'owner' || (g % 500), g % 997 FROM generate_series(1, ${ROWS}) g;
     ANALYZE items;`,
    'shop',
  );
  await cluster.sql(
    `CREATE TABLE orders (id int PRIMARY KEY, customer int NOT NULL);
     CREATE TABLE order_lines (order_id int NOT NULL, sku text NOT NULL, qty int NOT NULL);
     INSERT INTO orders SELECT g, g % 250 FROM generate_series(1, 2000) g;
     INSERT INTO order_lines SELECT 1 + g % 2000, 'sku' || g, 1 + g % 3 FROM generate_series(1, 16000) g;
     CREATE INDEX ON orders (customer);
     ANALYZE orders; ANALYZE order_lines;`,
    'shop',
  );
  await cluster.sql("CREATE ROLE watcher LOGIN PASSWORD 'watch-pw'");
});

afterAll(async () => cluster?.stop());

describe('watching PostgreSQL', () => {
  it('counts a window of load: sequential scans per table, statements with calls, its own left out', async () => {
    const watch = await openWatch(20);
    const app = await appClient();
    try {
      const end = await watch.window();
      for (let i = 0; i < 5; i++) {
        await app.query(`SELECT * FROM items WHERE owner = 'owner${i}'`);
        await app.query('SELECT * FROM items WHERE id = $1', [i + 1]);
      }
      await publishStats(app);
      const { delta, activity } = await end();
      const items = delta.tables.find((t) => t.name === 'public.items');
      expect(items).toMatchObject({ seqScan: 5, seqTupRead: 5 * ROWS, idxScan: 5, liveRows: ROWS });

      expect(delta.statements).not.toBeNull();
      const byOwner = delta.statements!.find((s) => s.text.includes('owner ='));
      expect(byOwner).toMatchObject({ text: 'SELECT * FROM items WHERE owner = $1', calls: 5 });
      expect(byOwner!.rows).toBe(5 * (ROWS / 500));
      expect(delta.statements!.find((s) => s.text.includes('id ='))).toMatchObject({ calls: 5 });
      // perf-flow's own statements (the snapshots, the sampling) are not the service's.
      expect(
        delta.statements!.some((s) =>
          /pg_stat_(?:user_tables|database|activity|statements)|pg_extension|current_setting/.test(
            s.text,
          ),
        ),
      ).toBe(false);
      expect(activity.statements.some((s) => /pg_stat/.test(s.text))).toBe(false);
      expect(delta.readsAllStats).toBe(true);
      expect(delta.connections.max).toBe(100);
    } finally {
      await app.end();
      await watch.close();
    }
  });

  it('finds an N+1 pattern per journey, and the index its inner statement lacks', async () => {
    const watch = await openWatch(10);
    const app = await appClient();
    // One request of "order history": a customer's orders, then each order's lines, one by one.
    const request = async (customer: number) => {
      const orders = await app.query('SELECT id FROM orders WHERE customer = $1', [customer]);
      for (const order of orders.rows) {
        await app.query('SELECT sku, qty FROM order_lines WHERE order_id = $1', [order.id]);
      }
    };
    try {
      const endLoad = await watch.window();
      for (let c = 0; c < 10; c++) await request(c);
      await publishStats(app);
      const load = await endLoad();
      const endAlone = await watch.window();
      for (let c = 10; c < 30; c++) await request(c);
      await publishStats(app);
      const alone = await endAlone();

      const analysis = await watch.analyze(load, [
        { journey: 'order history', requests: 20, window: alone },
      ]);
      expect(analysis.status).toBe('complete');
      expect(analysis.missing).toEqual([]);
      const [use] = analysis.journeys;
      // 1 + 8 statements a request, and the test's one call to publish the counters.
      expect(use?.queriesPerRequest).toBeCloseTo(9 + 1 / 20, 5);
      const nPlusOne = analysis.findings.find((f) => f.kind === 'n-plus-one');
      expect(nPlusOne).toMatchObject({
        journey: 'order history',
        statement: 'SELECT sku, qty FROM order_lines WHERE order_id = $1',
      });
      expect(nPlusOne!.summary).toContain('8 calls per request');
      const index = analysis.findings.find((f) => f.kind === 'missing-index');
      expect(index).toMatchObject({
        table: 'public.order_lines',
        statement: 'SELECT sku, qty FROM order_lines WHERE order_id = $1',
        suggestedIndex: 'CREATE INDEX CONCURRENTLY ON public.order_lines (order_id);',
      });
      expect(analysis.top[0]?.text).toBe('SELECT sku, qty FROM order_lines WHERE order_id = $1');
      expect(analysis.target).toContain('database "shop"');
    } finally {
      await app.end();
      await watch.close();
    }
  });

  it('says what is missing without pg_stat_statements', async () => {
    const watch = await openDatabase(cluster.urlFor('nostats'), OPEN);
    try {
      const snapshot = await takeSnapshot(watch);
      expect(snapshot.statements).toBeNull();
      expect(snapshot.statementsMissing).toMatch(/pg_stat_statements is not installed/);
      expect(snapshot.statementsMissing).toMatch(/activity sampling alone/);
    } finally {
      await watch.end();
    }
  });

  it('samples what the sessions run and wait on, literals removed', async () => {
    const watch = await openDatabase(cluster.urlFor('shop'), OPEN);
    const sleeper = await appClient();
    const holder = await appClient();
    const blocked = await appClient();
    try {
      const sampler = startActivitySampler(watch, { intervalMs: 20, maxSamples: 1000 });
      const sleeping = sleeper.query("SELECT pg_sleep(0.6), 'secret-value'");
      // Another connection of perf-flow's (named perf-flow) is not the service's.
      const ownWork = openDatabase(cluster.urlFor('shop'), OPEN).then(async (own) => {
        await own.query('SELECT pg_sleep(0.4), 1 AS perf_flow_own');
        await own.end();
      });
      // A lock held by an idle transaction, and a statement waiting for it.
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE items IN ACCESS EXCLUSIVE MODE');
      const waiting = blocked.query('SELECT count(*) FROM items WHERE price > 10');
      await new Promise((resolve) => setTimeout(resolve, 400));
      await holder.query('COMMIT');
      await Promise.all([sleeping, waiting, ownWork]);
      const profile = await sampler.stop();
      expect(profile.statements.some((s) => s.text.includes('perf_flow_own'))).toBe(false);

      expect(profile.samples).toBeGreaterThan(10);
      const sleep = profile.statements.find((s) => s.text.startsWith('SELECT pg_sleep'));
      expect(sleep?.text).toBe('SELECT pg_sleep(?), ?');
      expect(sleep!.samples * profile.intervalMs).toBeGreaterThan(300);
      const count = profile.statements.find((s) => s.text.includes('count(*)'));
      expect(count?.text).toBe('SELECT count(*) FROM items WHERE price > ?');
      expect(count!.waits['Lock: relation']).toBeGreaterThan(5);
      expect(profile.waitsByType.Lock).toBeGreaterThan(5);
      expect(profile.sessions.maxIdleInTransaction).toBe(1);
      expect(profile.sessions.maxTotal).toBe(3);
      expect(profile.hiddenSamples).toBe(0);
      expect(JSON.stringify(profile)).not.toContain('secret-value');
      expect(profile.stoppedBy).toBeUndefined();
    } finally {
      await Promise.all([sleeper.end(), holder.end(), blocked.end(), watch.end()]);
    }
  });

  it('stops by itself at its bound of samples', async () => {
    const watch = await openDatabase(cluster.urlFor('shop'), OPEN);
    try {
      const sampler = startActivitySampler(watch, { intervalMs: 5, maxSamples: 4 });
      await new Promise((resolve) => setTimeout(resolve, 200));
      const profile = await sampler.stop();
      expect(profile.samples).toBe(4);
      expect(profile.stoppedBy).toMatch(/bound of 4 samples/);
    } finally {
      await watch.end();
    }
  });

  it('sees other sessions only as "hidden" with a role lacking pg_read_all_stats', async () => {
    const watch = await openDatabase(cluster.urlFor('shop', 'watcher', 'watch-pw'), OPEN);
    const sleeper = await appClient();
    try {
      const sampler = startActivitySampler(watch, { intervalMs: 20, maxSamples: 1000 });
      await sleeper.query('SELECT pg_sleep(0.3)');
      const profile = await sampler.stop();
      expect(profile.hiddenSamples).toBeGreaterThan(3);
      expect(profile.statements).toEqual([]);
      expect((await takeSnapshot(watch)).readsAllStats).toBe(false);
    } finally {
      await Promise.all([sleeper.end(), watch.end()]);
    }
  });
});

describe('a database that cannot be watched', () => {
  const problem = async (url: string) => {
    const error = await openDatabase(url, OPEN).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DatabaseProblem);
    return error as DatabaseProblem;
  };

  it('names a refused connection, without the password', async () => {
    const closed = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as net.AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const error = await problem(
      `postgres://postgres:${SUPERUSER_PASSWORD}@127.0.0.1:${closed}/shop`,
    );
    expect(error.kind).toBe('refused');
    expect(error.message).toContain(`127.0.0.1:${closed}`);
    expect(error.message).not.toContain(SUPERUSER_PASSWORD);
  });

  it('names a wrong password, without either password', async () => {
    const error = await problem(cluster.urlFor('shop', 'postgres', 'not-the-password'));
    expect(error.kind).toBe('authentication');
    expect(error.message).toContain('"postgres"');
    expect(error.message).not.toContain('not-the-password');
    expect(error.message).not.toContain(SUPERUSER_PASSWORD);
  });

  it('names a database that does not exist', async () => {
    const error = await problem(cluster.urlFor('nosuchdb'));
    expect(error.kind).toBe('no-database');
    expect(error.message).toContain('"nosuchdb"');
  });

  it('refuses a URL that is not postgres://', async () => {
    const error = await problem('mysql://u:p@127.0.0.1:3306/x');
    expect(error.kind).toBe('bad-url');
    expect(error.message).toContain('postgres://');
  });
});
