// `npm run bench:database`: what watching the database costs the service under load. The
// demo's database journeys (examples/demo-service with DEMO_DATABASE_URL) run on a throwaway
// PostgreSQL with pg_stat_statements, loaded at a fixed rate by perf-flow's open model. Each
// round runs the same load three times in a rotating order: without a watch, and with
// perf-flow's DatabaseWatch over the run (statistics before and after, pg_stat_activity
// sampled every 100 ms, the default, and every 20 ms). The service's p50 with a watch is
// compared with the p50 without in the same round (paired), and the median of those
// differences is the overhead, as a share of the p50 without.
//
// Options: --rounds N (default 9), --no-write.
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { JourneyConfig } from '../src/config/types.js';
import { DatabaseWatch } from '../src/db/watch.js';
import { runOpenModel } from '../src/load/open-model.js';
import { median } from '../src/scenarios/spike-recovery.js';
import { startPostgres } from '../test/helpers/postgres-cluster.js';
import { stopAll } from './procs.js';
import {
  findRoot,
  sectionOpening,
  packageVersion,
  perfFlowRevision,
  table,
  writeSection,
} from './report.js';
import { startDemo } from './targets.js';

const ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));
const args = process.argv.slice(2);
const ROUNDS = Number(args[args.indexOf('--rounds') + 1] ?? 0) || 9;
const WRITE = !args.includes('--no-write');
const RATE_RPS = 100;
const RUN_MS = 8000;
const WARMUP_MS = 1000;
const GOAL_OVERHEAD = 0.05;
const MODES = [
  { name: 'no watch', intervalMs: null },
  { name: 'watch, sampling every 100 ms (the default)', intervalMs: 100 },
  { name: 'watch, sampling every 20 ms', intervalMs: 20 },
] as const;

const JOURNEYS: JourneyConfig[] = [
  {
    name: 'order-history',
    method: 'GET',
    path: '/api/db/orders?customer=42',
    headers: {},
    weight: 3,
  },
  {
    name: 'products-by-category',
    method: 'GET',
    path: '/api/db/products?category=kettles-3',
    headers: {},
    weight: 1,
  },
];

const log = (message: string) => process.stderr.write(`[bench:database] ${message}\n`);

interface Run {
  mode: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
  samples: number | null;
}

async function main(): Promise<number> {
  const started = Date.now();
  const cluster = await startPostgres({ statements: true });
  try {
    await cluster.sql('CREATE DATABASE shop');
    await cluster.sql('CREATE EXTENSION pg_stat_statements', 'shop');
    const url = cluster.urlFor('shop');
    await promisify(execFile)(process.execPath, ['seed.mjs'], {
      cwd: join(ROOT, 'examples', 'demo-service'),
      env: { ...process.env, DEMO_DATABASE_URL: url },
      timeout: 120_000,
    });
    const demo = await startDemo(ROOT, ['taskset', '-c', '1'], { DEMO_DATABASE_URL: url });
    const origin = new URL(demo.url).origin;
    log(`demo on core 1 at ${origin}, PostgreSQL ${cluster.port}; ${ROUNDS} rounds`);
    const load = () =>
      runOpenModel(origin, JOURNEYS, {
        phases: [{ rateRps: RATE_RPS, durationMs: RUN_MS }],
        arrival: 'uniform',
        warmupMs: WARMUP_MS,
        requestTimeoutMs: 5000,
        maxConnections: 16,
        seed: 7,
      });
    await load(); // warms the service, the pool and PostgreSQL's caches
    const runs: Run[][] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const results: Run[] = [];
      for (let k = 0; k < MODES.length; k++) {
        const mode = (round + k) % MODES.length;
        const { intervalMs } = MODES[mode]!;
        const watch =
          intervalMs === null
            ? undefined
            : await DatabaseWatch.open({
                url,
                sampleIntervalMs: intervalMs,
                maxSamples: 100_000,
                connectTimeoutMs: 10_000,
                statementTimeoutMs: 5000,
              });
        const end = await watch?.window();
        const result = await load();
        const window = await end?.();
        await watch?.close();
        const o = result.overall;
        const run: Run = {
          mode,
          p50: o.latency.p50,
          p99: o.latency.p99,
          requests: o.requests,
          errors: o.errors,
          samples: window?.activity.samples ?? null,
        };
        results.push(run);
        log(
          `round ${round + 1}: ${MODES[mode]!.name}: p50 ${run.p50} ms, p99 ${run.p99} ms, ${run.requests} requests${run.samples === null ? '' : `, ${run.samples} samples`}`,
        );
      }
      runs.push(results);
    }
    await demo.stop();
    return report(runs, cluster.port, started);
  } finally {
    await cluster.stop();
    await stopAll();
  }
}

async function report(runs: Run[][], port: number, started: number): Promise<number> {
  const byMode = (mode: number) => runs.map((r) => r.find((x) => x.mode === mode)!);
  const off = byMode(0);
  const rows = MODES.map((m, mode) => {
    const these = byMode(mode);
    const diffs = these.map((r, i) => r.p50 - off[i]!.p50);
    const overhead = (median(diffs) ?? 0) / (median(off.map((r) => r.p50)) ?? 1);
    return {
      name: m.name,
      cells: [
        m.name,
        (median(these.map((r) => r.p50)) ?? 0).toFixed(3),
        these.map((r) => r.p50.toFixed(3)).join(', '),
        (median(these.map((r) => r.p99)) ?? 0).toFixed(3),
        mode === 0 ? '–' : diffs.map((d) => `${d >= 0 ? '+' : ''}${d.toFixed(3)}`).join(', '),
        mode === 0 ? '–' : `${overhead >= 0 ? '+' : ''}${(overhead * 100).toFixed(1)}%`,
        these.every((r) => r.samples === null)
          ? '–'
          : String(median(these.map((r) => r.samples ?? 0))),
        String(these.reduce((sum, r) => sum + r.errors, 0)),
      ],
      overhead,
    };
  });
  const defaultOverhead = rows[1]!.overhead;
  const verdict = defaultOverhead < GOAL_OVERHEAD ? '**PASS**' : '**MISS**';
  const section = [
    ...(await sectionOpening('database', started)),
    '### Versions',
    '',
    `- perf-flow ${await perfFlowRevision(ROOT, ['src/db'])}`,
    `- node ${process.version}`,
    `- pg ${await packageVersion(ROOT, 'pg')}`,
    `- PostgreSQL: ${(await promisify(execFile)('pg_config', ['--version'])).stdout.trim()} (a throwaway cluster from test/helpers/postgres-cluster.ts, port ${port}, fsync off)`,
    '',
    '### Settings',
    '',
    `- The demo service with DEMO_DATABASE_URL (examples/demo-service/seed.mjs data: 4,000 orders, 24,000 order lines, 50,000 products; products.category without an index), pinned to core 1; PostgreSQL not pinned; the bench (load and watch, one process, as perf-flow runs them) not pinned.`,
    `- Load: perf-flow's open model, ${RATE_RPS} req/s uniform, ${WARMUP_MS / 1000} s warm-up + ${RUN_MS / 1000} s measured, journeys order-history (the N+1, weight 3) and products-by-category (the sequential scan, weight 1), at most 16 connections. One unrecorded run first warms everything.`,
    `- Each round runs the load once per mode, the order rotating from round to round; ${runs.length} rounds. A watch is one DatabaseWatch window over the whole run: statistics snapshots at both ends (pg_stat_user_tables, pg_stat_database, pg_stat_statements, connections) and pg_stat_activity sampled at the interval, over perf-flow's own read-only connection.`,
    '- Overhead: the median over rounds of (p50 with the watch − p50 without, same round), over the median p50 without.',
    '',
    '### Results',
    '',
    table(
      [
        'mode',
        'p50 ms (median)',
        'p50 each round',
        'p99 ms (median)',
        'p50 − no watch, each round',
        'overhead (median paired)',
        'activity samples',
        'errors',
      ],
      rows.map((r) => r.cells),
    ),
    '',
    "### The issue's targets",
    '',
    table(
      ['check', 'measured', 'goal', 'verdict'],
      [
        [
          "the database analysis's addition to the service's p50 under load (default sampling)",
          `${(defaultOverhead * 100).toFixed(1)}% (every 20 ms: ${(rows[2]!.overhead * 100).toFixed(1)}%)`,
          `< ${GOAL_OVERHEAD * 100}%`,
          verdict,
        ],
      ],
    ),
    '',
    '### Commands',
    '',
    '```sh',
    'npm run bench:database   # node bench/run.mjs database',
    '```',
    '',
  ].join('\n');
  if (WRITE) log(`wrote ${await writeSection(ROOT, '## bench:database', section)}`);
  log(`${verdict} overhead at the default interval ${(defaultOverhead * 100).toFixed(1)}%`);
  return 0;
}

process.exitCode = await main();
