import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ConfigError, ServiceError } from '../../src/errors.js';
import { findFreePort } from '../../src/service/free-port.js';
import type { RunningService } from '../../src/service/runner.js';
import { buildService, startService, stopAllServices } from '../../src/service/runner.js';
import {
  groupAlive,
  isAlive,
  killMarkedProcesses,
  killQuietly,
  nodeFixture,
  pidFromLine,
  serviceConfig,
  tempDir,
  waitUntilDead,
} from './helpers.js';

const dir = tempDir('runner');
const started: RunningService[] = [];
const strays: number[] = [];

async function start(...args: Parameters<typeof startService>): Promise<RunningService> {
  const service = await startService(...args);
  started.push(service);
  return service;
}

async function failure(promise: Promise<unknown>): Promise<ServiceError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ServiceError);
  return error as ServiceError;
}

afterEach(async () => {
  try {
    await Promise.all(started.splice(0).map((s) => s.stop()));
  } finally {
    for (const pid of strays.splice(0)) killQuietly(pid);
    // Whatever a failed test left, found by the mark in its environment rather than by the
    // pids the test got as far as learning.
    killMarkedProcesses();
  }
});
afterAll(() => dir.remove());

describe('starting a service', () => {
  it('picks a free port for ${PORT}, passes the environment, and logs the output', async () => {
    const service = await start(
      serviceConfig({
        start: nodeFixture('good.mjs'),
        build: 'true',
        env: { GREETING: 'from config', OTHER: 'kept' },
      }),
      { logDir: dir.path, name: 'good', extraEnv: { GREETING: 'from extraEnv' } },
    );
    const port = Number(new URL(service.url).port);
    expect(service.url).toBe(`http://127.0.0.1:${port}`);
    expect(port).toBeGreaterThan(0);
    expect(service.pid).toBeGreaterThan(0);
    expect(service.commands).toEqual(['true', nodeFixture('good.mjs')]);

    const body = (await (await fetch(`${service.url}/`)).json()) as { env: string };
    expect(body.env).toBe('from extraEnv');
    expect(service.logTail()).toContain(`listening on port ${port}`);
    expect(readFileSync(join(dir.path, 'good.log'), 'utf8')).toContain(`listening on port ${port}`);

    const exit = await service.stop();
    expect(exit.code === 0 || exit.signal === 'SIGTERM').toBe(true);
    expect(groupAlive(service.pid!)).toBe(false);
    expect(service.logTail()).toContain('stopping on SIGTERM');
    expect(await waitUntilDead(service.pid!)).toBe(true);
    await expect(service.stop()).resolves.toBe(exit);
  });

  it('uses a fixed URL as it is, without PORT', async () => {
    const port = await findFreePort();
    const service = await start(
      serviceConfig({
        start: `PORT=${port} ${nodeFixture('good.mjs')}`,
        url: `http://127.0.0.1:${port}/`,
      }),
      { logDir: dir.path },
    );
    expect(service.url).toBe(`http://127.0.0.1:${port}/`);
    expect(existsSync(join(dir.path, 'service.log'))).toBe(true);
    expect(service.commands).toEqual([`PORT=${port} ${nodeFixture('good.mjs')}`]);
    expect((await fetch(`${service.url}health`)).status).toBe(200);
  });

  it('reports a service that exits before it is ready, quoting its log', async () => {
    const error = await failure(
      startService(serviceConfig({ start: nodeFixture('crash-at-start.mjs') }), {
        logDir: dir.path,
        name: 'crash',
      }),
    );
    expect(error.message).toMatch(/^the service exited with code 1 before it was ready\n/);
    expect(error.logTail).toEqual([
      'starting up',
      'fatal: could not connect to the database at db:5432',
    ]);
    expect(error.exitCode).toBe(3);
    expect(readFileSync(join(dir.path, 'crash.log'), 'utf8')).toContain('fatal: could not');
  });

  it('gives up on a service that never becomes ready, and stops it', async () => {
    const begun = Date.now();
    const error = await failure(
      // Long enough for Node to start listening on a crowded machine, so 503 is the last answer.
      startService(serviceConfig({ start: nodeFixture('never-ready.mjs'), startTimeoutMs: 2500 }), {
        logDir: dir.path,
        name: 'never-ready',
      }),
    );
    expect(Date.now() - begun).toBeLessThan(5000);
    expect(error.message).toMatch(
      /^the service did not answer http:\/\/127\.0\.0\.1:\d+\/health with 2xx within 2.5s \(last attempt: HTTP 503\)/,
    );
    const pid = pidFromLine(error.logTail, /still warming up caches \(pid (\d+)\)/);
    strays.push(pid);
    expect(isAlive(pid)).toBe(false);
  });

  it('reports a start command that cannot be run at all', async () => {
    const error = await failure(
      startService(
        serviceConfig({ start: nodeFixture('good.mjs'), cwd: join(dir.path, 'missing') }),
        { logDir: dir.path },
      ),
    );
    expect(error.message).toMatch(/^the start command could not be started \(.*ENOENT/);
  });
});

describe('an external service', () => {
  it('is waited for, never stopped or sampled', async () => {
    let healthy = false;
    const server = createServer((req, res) => {
      res.statusCode = req.url === '/ready' && healthy ? 200 : 503;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    setTimeout(() => (healthy = true), 200);
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const service = await startService(serviceConfig({ url, ready: '/ready' }), {
        logDir: dir.path,
      });
      expect(service).toMatchObject({ url, pid: null, commands: [] });
      expect(service.logTail()).toEqual([]);
      expect(service.startSampling()).toBeNull();
      await expect(service.watch(Promise.resolve(42))).resolves.toBe(42);
      await service.stop();
      expect((await fetch(`${url}/ready`)).status).toBe(200);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('fails when nothing answers in time, without a log', async () => {
    const port = await findFreePort();
    const error = await failure(
      startService(serviceConfig({ url: `http://127.0.0.1:${port}`, startTimeoutMs: 500 }), {
        logDir: dir.path,
      }),
    );
    expect(error.message).toBe(
      `no service answered at http://127.0.0.1:${port}/health with 2xx within 0.5s (last attempt: ECONNREFUSED)`,
    );
    expect(error.logTail).toEqual([]);
  });

  it('refuses ${PORT} when perf-flow does not start the service', async () => {
    await expect(startService(serviceConfig(), { logDir: dir.path })).rejects.toBeInstanceOf(
      ConfigError,
    );
  });
});

describe('watching a service under load', () => {
  it('rejects when the service dies before the work is done', async () => {
    const service = await start(serviceConfig({ start: nodeFixture('dies-after-ready.mjs') }), {
      logDir: dir.path,
      name: 'dies',
    });
    const work = sleep(5000, 'finished', { ref: false });
    const error = await failure(service.watch(work));
    expect(error.message).toMatch(/^the service exited with code 7 while it was under load\n/);
    expect(error.logTail).toContain('panic: heap exhausted while handling /orders');
    // Stopping a service that already died is safe and says how it died.
    await expect(service.stop()).resolves.toEqual({ code: 7, signal: null });
  });

  it('settles as the work does while the service stays up, and ignores a requested stop', async () => {
    const service = await start(serviceConfig({ start: nodeFixture('good.mjs') }), {
      logDir: dir.path,
    });
    await expect(service.watch(sleep(50, 'done'))).resolves.toBe('done');
    await expect(service.watch(Promise.reject(new Error('load failed')))).rejects.toThrow(
      'load failed',
    );
    const work = service.watch(sleep(300, 'after stop'));
    await service.stop();
    await expect(work).resolves.toBe('after stop');
  });
});

describe('stopping', () => {
  it('kills a group that ignores SIGTERM, grandchildren included, after the grace period', async () => {
    const service = await start(
      serviceConfig({ start: nodeFixture('stubborn.mjs'), stopTimeoutMs: 500 }),
      { logDir: dir.path, name: 'stubborn' },
    );
    const own = pidFromLine(service.logTail(), /stubborn pid (\d+)/);
    const grandchild = pidFromLine(service.logTail(), /grandchild pid (\d+)/);
    strays.push(own, grandchild);
    expect(isAlive(own)).toBe(true);
    expect(isAlive(grandchild)).toBe(true);
    const begun = Date.now();
    await service.stop();
    const took = Date.now() - begun;
    expect(took).toBeGreaterThanOrEqual(450);
    expect(took).toBeLessThan(3000);
    expect(service.logTail()).toContain('ignoring SIGTERM');
    expect(isAlive(service.pid!)).toBe(false);
    expect(isAlive(own)).toBe(false);
    expect(isAlive(grandchild)).toBe(false);
  });

  it('reports SIGKILL when the service itself had to be killed', async () => {
    const service = await start(
      serviceConfig({ start: `exec ${nodeFixture('stubborn.mjs')}`, stopTimeoutMs: 300 }),
      { logDir: dir.path, name: 'stubborn-exec' },
    );
    strays.push(pidFromLine(service.logTail(), /grandchild pid (\d+)/));
    await expect(service.stop()).resolves.toEqual({ code: null, signal: 'SIGKILL' });
  });

  it('stopAllServices stops everything still running', async () => {
    const cfg = serviceConfig({ start: nodeFixture('good.mjs') });
    const a = await start(cfg, { logDir: dir.path, name: 'a' });
    const b = await start(cfg, { logDir: dir.path, name: 'b' });
    await stopAllServices();
    expect(groupAlive(a.pid!)).toBe(false);
    expect(groupAlive(b.pid!)).toBe(false);
  });
});

describe('sampling', () => {
  it('sees the CPU and memory of a busy service, as much as the service itself counts', async () => {
    const service = await start(serviceConfig({ start: nodeFixture('busy.mjs') }), {
      logDir: dir.path,
      name: 'busy',
    });
    const ownCpuSeconds = async (): Promise<number> => {
      const usage = (await (await fetch(`${service.url}/cpu`)).json()) as NodeJS.CpuUsage;
      return (usage.user + usage.system) / 1e6;
    };
    const before = await ownCpuSeconds();
    const sampler = service.startSampling(250);
    expect(sampler).not.toBeNull();
    await sleep(1600);
    const stats = sampler!.stop();
    const used = (await ownCpuSeconds()) - before;

    expect(stats.samples.length).toBeGreaterThanOrEqual(5);
    expect(Math.abs(stats.cpuSeconds - used)).toBeLessThan(0.1 + 0.15 * used);
    // Two spinning threads: well over half a core on an idle machine. Others share this one,
    // so the floor is what the spinners get even on a crowded pair of cores.
    expect(stats.cpuPercentMax).toBeGreaterThan(25);
    expect(Math.abs(stats.cpuPercentMean - (stats.cpuSeconds / 1.6) * 100)).toBeLessThan(15);
    expect(stats.rssMaxBytes).toBeGreaterThan(10 * 1024 * 1024);
    // sh and node, or node alone where sh execs its last command.
    expect(stats.samples.at(-1)?.processes).toBeOneOf([1, 2]);
    await service.stop();
    expect(service.startSampling()).toBeNull();
  });
});

describe('building', () => {
  it('runs the build in cwd with the config env and logs it', async () => {
    const lines: string[] = [];
    const logDir = join(dir.path, 'build-ok');
    await buildService(
      serviceConfig({ build: 'echo "building in $(pwd) for $TARGET"', env: { TARGET: 'prod' } }),
      { logDir, onLine: (line) => lines.push(line) },
    );
    const expected = `building in ${serviceConfig().cwd.replace(/\/$/, '')} for prod`;
    expect(lines).toEqual([expected]);
    expect(readFileSync(join(logDir, 'build.log'), 'utf8')).toContain(expected);
  });

  it('does nothing without a build command', async () => {
    const logDir = join(dir.path, 'no-build');
    await buildService(serviceConfig(), { logDir });
    expect(existsSync(join(logDir, 'build.log'))).toBe(false);
  });

  it('fails with the exit code and the last lines of the build', async () => {
    const build = 'echo "src/app.ts(3,1): error TS2304: Cannot find name x" >&2; exit 2';
    const error = await failure(buildService(serviceConfig({ build }), { logDir: dir.path }));
    expect(error.message).toMatch(
      /^the build command failed with exit code 2: echo .* exit 2\n--- last 1 lines/,
    );
    expect(error.logTail).toEqual(['src/app.ts(3,1): error TS2304: Cannot find name x']);
  });

  it('kills a build that takes too long', async () => {
    const begun = Date.now();
    const error = await failure(
      buildService(serviceConfig({ build: 'echo compiling; sleep 30', buildTimeoutMs: 300 }), {
        logDir: dir.path,
      }),
    );
    expect(Date.now() - begun).toBeLessThan(3000);
    expect(error.message).toMatch(/^the build command did not finish within 0\.3s: echo compiling/);
    expect(error.logTail).toEqual(['compiling']);
  });

  it('leaves no process of the build behind', async () => {
    const lines: string[] = [];
    await buildService(serviceConfig({ build: 'sleep 30 & echo "watcher $!"' }), {
      logDir: dir.path,
      onLine: (line) => lines.push(line),
    });
    const watcher = pidFromLine(lines, /watcher (\d+)/);
    strays.push(watcher);
    expect(await waitUntilDead(watcher, 1000)).toBe(true);
  });
});
