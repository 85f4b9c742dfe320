import http from 'node:http';
import type { AddressInfo } from 'node:net';

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
