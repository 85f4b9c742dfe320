// The two targets the bench loads: nginx returning a small static JSON body, and perf-flow's
// demo service. Each starts pinned to its own core and is stopped by its pid.
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Daemon } from './procs.js';
import { startDaemon, stopChild } from './procs.js';

export interface Target {
  name: string;
  /** What it is, for the report. */
  description: string;
  url: string;
  /** The command that started it. */
  command: string[];
  pid: number;
  stop: () => Promise<void>;
}

/** The body nginx returns: about the size of the demo's /api/items/7 answer. */
export const NGINX_BODY = '{"id":7,"name":"Red Kettle","priceCents":1234,"stock":42}';
const READY_TIMEOUT_MS = 10_000;

/** A loopback port free right now (the target binds it a moment later). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

async function waitReady(url: string, daemon: Daemon, name: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let exited = false;
  void daemon.exited.then(() => (exited = true));
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${name} exited before it was ready:\n${daemon.output()}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `${name} did not answer ${url} within ${READY_TIMEOUT_MS}ms:\n${daemon.output()}`,
  );
}

/**
 * nginx with a configuration of its own in `dir`: in the foreground (`daemon off`), one
 * process (`master_process off`: the master would only fork the single worker, and one pid is
 * what the bench can always stop), no access log, keep-alive without a request limit.
 */
export async function startNginx(nginx: string, dir: string, pin: string[]): Promise<Target> {
  const port = await freePort();
  await mkdir(join(dir, 'tmp'), { recursive: true });
  const t = (name: string) => join(dir, 'tmp', name);
  const conf = `# Written by bench/loadgen.ts for one run.
daemon off;
master_process off;
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events {
  worker_connections 4096;
}
http {
  access_log off;
  client_body_temp_path ${t('body')};
  proxy_temp_path ${t('proxy')};
  fastcgi_temp_path ${t('fastcgi')};
  uwsgi_temp_path ${t('uwsgi')};
  scgi_temp_path ${t('scgi')};
  keepalive_timeout 65s;
  keepalive_requests 1000000000;
  server {
    listen 127.0.0.1:${port} backlog=4096;
    location / {
      default_type application/json;
      return 200 '${NGINX_BODY}';
    }
  }
}
`;
  const confPath = join(dir, 'nginx.conf');
  await writeFile(confPath, conf);
  const command = [...pin, nginx, '-c', confPath, '-p', dir, '-e', join(dir, 'error.log')];
  const daemon = startDaemon(command);
  const url = `http://127.0.0.1:${port}/item.json`;
  try {
    await waitReady(url, daemon, 'nginx');
  } catch (error) {
    await stopChild(daemon.child);
    throw error;
  }
  return {
    name: 'nginx',
    description: `nginx, one process, a ${NGINX_BODY.length}-byte JSON body (\`return 200\`)`,
    url,
    command,
    pid: daemon.child.pid ?? 0,
    stop: () => stopChild(daemon.child),
  };
}

/**
 * The demo service on a free port; /api/items/7 is its cheap journey. `env` adds to its
 * environment (DEMO_DATABASE_URL for its database journeys); no other DEMO_ knob passes.
 */
export async function startDemo(
  root: string,
  pin: string[],
  env: Record<string, string> = {},
): Promise<Target> {
  const port = await freePort();
  const server = join(root, 'examples', 'demo-service', 'server.mjs');
  const command = [...pin, process.execPath, server];
  const daemon = startDemo0(command, port, root, env);
  const url = `http://127.0.0.1:${port}/api/items/7`;
  try {
    await waitReady(`http://127.0.0.1:${port}/health`, daemon, 'demo service');
  } catch (error) {
    await stopChild(daemon.child);
    throw error;
  }
  return {
    name: 'demo',
    description: 'examples/demo-service (node:http), GET /api/items/7',
    url,
    command: [`PORT=${port}`, ...command],
    pid: daemon.child.pid ?? 0,
    stop: () => stopChild(daemon.child),
  };
}

function startDemo0(
  command: string[],
  port: number,
  root: string,
  extra: Record<string, string>,
): Daemon {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port) };
  for (const key of Object.keys(env)) {
    if (key.startsWith('DEMO_')) delete env[key];
  }
  return startDaemon(command, { env: { ...env, ...extra }, cwd: root });
}
