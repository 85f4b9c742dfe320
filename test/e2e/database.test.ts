import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresCluster } from '../helpers/postgres-cluster.js';
import { cli, DEMO_DIR, profileAnalysisRun, readStageData, ROOT } from './helpers.js';

const DB_CONFIG = path.join(ROOT, 'test/fixtures/configs/demo-db.yml');
const N_PLUS_ONE = 'SELECT sku, quantity, price_cents FROM order_lines WHERE order_id = $1';
const BY_CATEGORY =
  'SELECT id, name, price_cents FROM products WHERE category = $1 ORDER BY price_cents DESC LIMIT $2';

let cluster: PostgresCluster;
let url: string;

beforeAll(async () => {
  cluster = await startPostgres({ statements: true });
  await cluster.sql('CREATE DATABASE shop');
  await cluster.sql('CREATE EXTENSION pg_stat_statements', 'shop');
  await cluster.sql('CREATE DATABASE plain');
  url = cluster.urlFor('shop');
  for (const database of [url, cluster.urlFor('plain')]) {
    await promisify(execFile)(process.execPath, ['seed.mjs'], {
      cwd: DEMO_DIR,
      env: { ...process.env, DEMO_DATABASE_URL: database },
      timeout: 60_000,
    });
  }
  await cluster.sql("CREATE ROLE watcher LOGIN PASSWORD 'watch-pw'");
}, 90_000);

afterAll(async () => cluster?.stop());

const profile = (env: Record<string, string>) => profileAnalysisRun(DB_CONFIG, env);

describe("the demo's database journeys", () => {
  it('names the N+1 statement with its calls per request, and the unindexed filter with its index; with the index, not', async () => {
    const { out, run, data, report } = await profile({
      DEMO_DATABASE_URL: url,
      WATCH_DATABASE_URL: url,
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const db = data.database!;
    expect(db.status).toBe('complete');
    expect(db.missing).toEqual([]);
    const nPlusOne = db.findings.find((f) => f.kind === 'n-plus-one');
    expect(nPlusOne, JSON.stringify(db.findings)).toMatchObject({
      journey: 'order-history',
      statement: N_PLUS_ONE,
    });
    expect(nPlusOne!.summary).toContain('8 calls per request');
    const history = db.journeys.find((j) => j.journey === 'order-history')!;
    expect(history.statements[0]).toMatchObject({ text: N_PLUS_ONE });
    expect(history.statements[0]!.callsPerRequest).toBeCloseTo(8, 0);

    const index = db.findings.find((f) => f.kind === 'missing-index');
    expect(index, JSON.stringify(db.findings)).toMatchObject({
      table: 'public.products',
      statement: BY_CATEGORY,
      suggestedIndex: 'CREATE INDEX CONCURRENTLY ON public.products (category);',
    });
    expect(report).toContain('## Database');
    expect(report).toContain('**N+1 queries.**');
    expect(report).toContain('CREATE INDEX CONCURRENTLY ON public.products (category);');
    // The URL's password is in the environment only: never in the data or the report.
    const written = JSON.stringify(data) + report + run.stdout + run.stderr;
    expect(written).not.toContain(new URL(url).password);

    // The plan turns both into items, the index's CREATE INDEX among its steps.
    const planned = await cli(['optimization-plan', '-c', DB_CONFIG, '-o', out]);
    expect(planned.code, planned.stdout + planned.stderr).toBe(0);
    const plan = await readStageData(out, 'optimization-plan');
    const ids = plan.items.map((item) => item.id);
    expect(ids).toContain('n-plus-one-order-history');
    expect(ids).toContain('index-public-products');
    expect(plan.items.find((i) => i.id === 'index-public-products')!.steps[0]).toContain(
      'CREATE INDEX CONCURRENTLY ON public.products (category);',
    );

    // With database guidance, a database item comes first.
    const guided = await cli([
      'optimization-plan',
      '-c',
      DB_CONFIG,
      '-o',
      out,
      '-g',
      'the database queries are too slow',
    ]);
    expect(guided.code, guided.stdout + guided.stderr).toBe(0);
    const guidedPlan = await readStageData(out, 'optimization-plan');
    expect(
      guidedPlan.items[0]!.kind,
      JSON.stringify(guidedPlan.items.map((i) => [i.title, i.roi])),
    ).toBe('database');
    expect(guidedPlan.items[0]!.guidanceNote).toMatch(/the guidance focuses on database/);

    await cluster.sql('CREATE INDEX ON products (category)', 'shop');
    const after = await profile({ DEMO_DATABASE_URL: url, WATCH_DATABASE_URL: url });
    expect(after.run.code, after.run.stdout + after.run.stderr).toBe(0);
    expect(after.data.database!.findings.filter((f) => f.kind === 'missing-index')).toEqual([]);
    expect(after.data.database!.findings.some((f) => f.kind === 'n-plus-one')).toBe(true);
  }, 120_000);

  it('without pg_stat_statements, ranks the statements by sampling and says what is missing', async () => {
    const plain = cluster.urlFor('plain');
    const { run, data, report } = await profile({
      DEMO_DATABASE_URL: plain,
      WATCH_DATABASE_URL: plain,
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const db = data.database!;
    expect(db.status).toBe('complete');
    expect(db.missing.join(' ')).toContain('pg_stat_statements is not installed');
    // The products scan takes most of the database's time: first in the samples too.
    expect(db.top[0]).toMatchObject({ calls: null, totalMs: null });
    expect(db.top[0]!.text).toContain('FROM products WHERE category = $1');
    expect(db.top[0]!.samples).toBeGreaterThan(5);
    expect(report).toContain('pg\\_stat\\_statements is not installed');
  }, 120_000);

  it.each([
    [
      'a role without pg_read_all_stats',
      'watcher',
      'watch-pw',
      0,
      'grant it pg\\_read\\_all\\_stats',
    ],
    ['a wrong password', 'postgres', 'not-the-password', 3, 'rejected the credentials'],
  ])(
    'marks the analysis incomplete for %s, and the rest stands',
    async (_, user, password, code, says) => {
      const watch = cluster.urlFor('shop', user, password);
      const { run, data, report } = await profile({
        DEMO_DATABASE_URL: url,
        WATCH_DATABASE_URL: watch,
      });
      expect(run.code, run.stdout + run.stderr).toBe(code);
      expect(data.status).toBe('analyzed');
      expect(data.database!.status).toBe('incomplete');
      expect(report).toContain('**Incomplete');
      expect(report).toContain(says);
      expect(JSON.stringify(data) + report + run.stdout + run.stderr).not.toContain(password);
    },
    120_000,
  );

  it('goes on without the database when it refuses the connection, saying why', async () => {
    const refused = url.replace(/:(\d+)\//, ':1/');
    const { run, data, report } = await profile({
      DEMO_DATABASE_URL: url,
      WATCH_DATABASE_URL: refused,
    });
    // The service still reaches its own database: only perf-flow's watch is refused.
    expect(data.status).toBe('analyzed');
    expect(data.database).toMatchObject({ status: 'incomplete' });
    expect(data.database!.missing.join(' ')).toContain('127.0.0.1:1');
    expect(data.database!.missing.join(' ')).toContain('refused the connection');
    expect(report).toContain('**Incomplete.**');
    expect(run.code).toBe(3);
  }, 120_000);
});
