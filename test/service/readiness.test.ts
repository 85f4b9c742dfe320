import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { findFreePort } from '../../src/service/free-port.js';
import { joinUrl, waitForReady } from '../../src/service/readiness.js';

let server: Server | null = null;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = null;
});

async function listen(handler: Parameters<typeof createServer>[1]): Promise<number> {
  server = createServer(handler);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

describe('joinUrl', () => {
  it.each([
    ['http://h:1', '/health', 'http://h:1/health'],
    ['http://h:1/', '/health', 'http://h:1/health'],
    ['http://h:1/api/', 'health', 'http://h:1/api/health'],
    ['http://h:1/api', '/v1/ready?deep=1', 'http://h:1/api/v1/ready?deep=1'],
    ['http://h:1', '', 'http://h:1'],
  ])('%s + %s = %s', (base, path, joined) => {
    expect(joinUrl(base, path)).toBe(joined);
  });
});

describe('findFreePort', () => {
  it('gives a port that can be listened on', async () => {
    const port = await findFreePort();
    expect(port).toBeGreaterThan(0);
    server = createServer();
    await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
    expect((server.address() as AddressInfo).port).toBe(port);
  });
});

describe('waitForReady', () => {
  it('keeps polling until the answer is 2xx', async () => {
    let calls = 0;
    const port = await listen((_req, res) => {
      calls++;
      res.statusCode = calls < 3 ? 503 : 204;
      res.end();
    });
    const result = await waitForReady(`http://127.0.0.1:${port}/health`, {
      timeoutMs: 3000,
      intervalMs: 20,
    });
    expect(result).toEqual({ ready: true, lastAttempt: 'HTTP 503' });
    expect(calls).toBe(3);
  });

  it('gives up at the timeout, saying what the last attempt got', async () => {
    const port = await findFreePort();
    const started = Date.now();
    const result = await waitForReady(`http://127.0.0.1:${port}/health`, { timeoutMs: 300 });
    expect(result).toEqual({ ready: false, lastAttempt: 'ECONNREFUSED' });
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('does not let one hanging request use up the whole wait', async () => {
    const port = await listen(() => {
      // never answers
    });
    const started = Date.now();
    const result = await waitForReady(`http://127.0.0.1:${port}/`, {
      timeoutMs: 400,
      requestTimeoutMs: 100,
    });
    expect(result).toEqual({ ready: false, lastAttempt: 'no answer in time' });
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('stops as soon as the signal aborts', async () => {
    const port = await findFreePort();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    const result = await waitForReady(`http://127.0.0.1:${port}/`, {
      timeoutMs: 5000,
      signal: controller.signal,
    });
    expect(result.ready).toBe(false);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
