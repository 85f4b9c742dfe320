import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { DatabaseSession } from '../../src/stages/database-session.js';

const CONFIG = {
  kind: 'postgres' as const,
  url: '${SHOP_DB}',
  sampleIntervalMs: 50,
  statementTimeoutMs: 1000,
};

async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

describe('DatabaseSession', () => {
  it('an unset variable: incomplete, the variable named, exit 2, no window', async () => {
    const session = await DatabaseSession.open(CONFIG, {});
    expect(session.window(0)).toBeUndefined();
    const outcome = await session.finish(undefined, []);
    expect(outcome.analysis).toMatchObject({ status: 'incomplete', target: 'PostgreSQL' });
    expect(outcome.analysis.missing).toEqual([
      'database.url: the environment variable SHOP_DB is not set',
    ]);
    expect(outcome.problem).toEqual({
      exitCode: 2,
      message: 'database.url: the environment variable SHOP_DB is not set',
    });
  });

  it('a refused connection: incomplete, the server named without the password, exit 3', async () => {
    const port = await closedPort();
    const session = await DatabaseSession.open(CONFIG, {
      SHOP_DB: `postgres://app:s3cret-pw@127.0.0.1:${port}/shop`,
    });
    expect(session.window(0)).toBeUndefined();
    const outcome = await session.finish(undefined, []);
    expect(outcome.analysis.status).toBe('incomplete');
    expect(outcome.analysis.target).toBe(
      `PostgreSQL at 127.0.0.1:${port}, database "shop" as "app"`,
    );
    expect(outcome.problem?.exitCode).toBe(3);
    expect(outcome.problem?.message).toContain('refused the connection');
    expect(JSON.stringify(outcome)).not.toContain('s3cret-pw');
  });
});
