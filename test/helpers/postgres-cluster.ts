/**
 * A throwaway PostgreSQL cluster for a test file: initdb into a temporary directory, started
 * on 127.0.0.1 at a free port (and a unix socket in the same directory), stopped and deleted
 * by `stop`. Over TCP it asks for a password (scram-sha-256), so that a wrong one can be
 * tested; `url` carries the right one. As root, the server runs as the `postgres` user,
 * which Debian's package creates (PostgreSQL refuses to run as root).
 *
 * `.ci/run` installs PostgreSQL from Debian's packages; on a machine without it the helper
 * throws, naming what is missing, rather than letting the tests pass without a database.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

export const SUPERUSER_PASSWORD = 'perf-flow-test';

export interface PostgresCluster {
  /** postgres://postgres:<password>@127.0.0.1:<port>/postgres */
  url: string;
  port: number;
  /** The same database under another name: `url` with `database` in place of postgres. */
  urlFor(database: string, user?: string, password?: string): string;
  /** Runs SQL as the superuser (setup: tables, roles, extensions). */
  sql(text: string, database?: string): Promise<pg.QueryResult>;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  /** Preload pg_stat_statements and create the extension in the postgres database. */
  statements?: boolean;
}

function binDir(): string {
  const fromEnv = process.env.PERF_FLOW_PG_BIN;
  if (fromEnv) return fromEnv;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(path.join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) {
    throw new Error(
      'PostgreSQL is not installed (no /usr/lib/postgresql/<version>/bin/initdb): ' +
        '`apt-get install postgresql postgresql-contrib`, or set PERF_FLOW_PG_BIN',
    );
  }
  return path.join(root, versions[0]!, 'bin');
}

const asRoot = process.getuid?.() === 0;

/** Runs a PostgreSQL program, as the postgres user when this process is root. */
async function pgProgram(bin: string, program: string, args: string[]): Promise<void> {
  const file = path.join(bin, program);
  const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
  await run(cmd, argv, { timeout: 60_000 });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function startPostgres(options: ClusterOptions = {}): Promise<PostgresCluster> {
  const bin = binDir();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'perf-flow-pg-'));
  const data = path.join(dir, 'data');
  const log = path.join(dir, 'server.log');
  const pwfile = path.join(dir, 'pw');
  await writeFile(pwfile, SUPERUSER_PASSWORD);
  if (asRoot) {
    const owner = async (flag: string) => Number((await run('id', [flag, 'postgres'])).stdout);
    const [uid, gid] = [await owner('-u'), await owner('-g')];
    await chown(dir, uid, gid);
    await chown(pwfile, uid, gid);
  }
  await pgProgram(bin, 'initdb', [
    '-D',
    data,
    '-U',
    'postgres',
    '--pwfile',
    pwfile,
    '--auth-local=trust',
    '--auth-host=scram-sha-256',
    '-E',
    'UTF8',
    '--no-sync',
  ]);
  const port = await freePort();
  const settings = [
    `-c listen_addresses=127.0.0.1`,
    `-p ${port}`,
    `-k ${dir}`,
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    ...(options.statements ? ['-c shared_preload_libraries=pg_stat_statements'] : []),
  ].join(' ');
  try {
    await pgProgram(bin, 'pg_ctl', [
      'start',
      '-D',
      data,
      '-w',
      '-t',
      '30',
      '-l',
      log,
      '-o',
      settings,
    ]);
  } catch (error) {
    const tail = await readFile(log, 'utf8').catch(() => '');
    await rm(dir, { recursive: true, force: true });
    throw new Error(`PostgreSQL did not start: ${String(error)}\n${tail.slice(-2000)}`);
  }

  const urlFor = (database: string, user = 'postgres', password = SUPERUSER_PASSWORD) =>
    `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
  const sql = async (text: string, database = 'postgres') => {
    const client = new pg.Client({ connectionString: urlFor(database) });
    await client.connect();
    try {
      return await client.query(text);
    } finally {
      await client.end();
    }
  };
  if (options.statements) await sql('CREATE EXTENSION pg_stat_statements');
  return {
    url: urlFor('postgres'),
    port,
    urlFor,
    sql,
    async stop() {
      await pgProgram(bin, 'pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w', '-t', '30']);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Makes a session publish its table and database counters now. A busy backend publishes them
 * at most once a second, an idle one 10 s later (see takeSnapshot): a test's few statements
 * would otherwise not be counted yet, where a load of several seconds is.
 */
export async function publishStats(client: pg.Client): Promise<void> {
  await client.query('SELECT pg_stat_force_next_flush()');
}
