/**
 * What the load generators' tests share: a local target server that counts what it
 * receives, journeys, and each generator's settings with test-sized defaults.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';
import type { JourneyConfig, LoadSettings } from '../../src/config/types.js';
import type { OpenModelSettings } from '../../src/load/open-model.js';

export interface TestServer {
  url: string;
  /** Requests the server has received, by path. */
  received: Map<string, number>;
  close(): Promise<void>;
}

/** A node:http server on 127.0.0.1, port 0, that counts what it receives. */
export async function startServer(handler: http.RequestListener): Promise<TestServer> {
  const received = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const path = req.url ?? '';
    received.set(path, (received.get(path) ?? 0) + 1);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        // Hanging requests and keep-alive connections would hold close() open.
        server.closeAllConnections();
        const timer = setTimeout(resolve, 2000);
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}

/**
 * A startServer whose servers are closed after each test. Call it at the top of a test file
 * (it registers the afterEach there).
 */
export function serversClosedAfterEach(): (handler: http.RequestListener) => Promise<TestServer> {
  const servers: TestServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  return async (handler) => {
    const server = await startServer(handler);
    servers.push(server);
    return server;
  };
}

/** A port nothing listens on: bound, then released. */
export async function closedPortUrl(): Promise<string> {
  const server = await startServer((_req, res) => res.end());
  await server.close();
  return server.url;
}

export function totalReceived(server: TestServer): number {
  let total = 0;
  for (const count of server.received.values()) total += count;
  return total;
}

/** A GET journey without headers or body. */
export const journey = (name: string, path: string, weight = 1): JourneyConfig => ({
  name,
  method: 'GET',
  path,
  headers: {},
  weight,
});

/** Closed-loop settings: 1.5 s on 2 connections, no warm-up, a 2 s request timeout. */
export const closedLoopSettings = (overrides: Partial<LoadSettings> = {}): LoadSettings => ({
  model: 'closed',
  durationMs: 1500,
  warmupMs: 0,
  connections: 2,
  requestTimeoutMs: 2000,
  ...overrides,
});

/** Open-model settings: 100 req/s uniform for 1 s, no warm-up, 10 connections, 2 s timeout. */
export const openModelSettings = (
  overrides: Partial<OpenModelSettings> = {},
): OpenModelSettings => ({
  phases: [{ rateRps: 100, durationMs: 1000 }],
  warmupMs: 0,
  arrival: 'uniform',
  requestTimeoutMs: 2000,
  maxConnections: 10,
  ...overrides,
});
