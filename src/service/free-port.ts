import { createServer } from 'node:net';

/**
 * A loopback port that was free a moment ago. Another process can still take it before the
 * service binds it; the service then fails to start and says so in its log.
 */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => {
        if (port > 0) resolve(port);
        else reject(new Error('the operating system did not report the port it assigned'));
      });
    });
  });
}
