import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  FIXTURES,
  OWNER_ENV,
  bundleServiceModules,
  groupAlive,
  isAlive,
  killMarkedProcesses,
  nodeFixture,
  pidFromLine,
  serviceConfig,
  tempDir,
  waitUntilDead,
} from './helpers.js';

const dir = tempDir('signals');
let bundle = '';
const children: ChildProcess[] = [];

beforeAll(async () => {
  bundle = await bundleServiceModules(dir.path);
});
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  killMarkedProcesses();
});
afterAll(() => dir.remove());

interface StandIn {
  child: ChildProcess;
  /** The service's group (its shell), the stubborn service itself, and its grandchild. */
  group: number;
  service: number;
  grandchild: number;
  listeners: { SIGINT: number; SIGTERM: number };
  lines: string[];
  waitForLine(text: string, timeoutMs?: number): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

/** Runs the stand-in for the CLI with the stubborn service, until it has reported. */
async function startStandIn(stopTimeoutMs: number): Promise<StandIn> {
  const cfg = serviceConfig({ start: nodeFixture('stubborn.mjs'), stopTimeoutMs });
  const child = spawn(
    process.execPath,
    [join(FIXTURES, 'stop-on-signals.mjs'), bundle, JSON.stringify(cfg), dir.path],
    { env: { ...process.env, ...OWNER_ENV }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.push(child);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>(
    (resolve) => child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line);
    for (const wake of waiters) wake();
  });
  const waitForLine = (text: string, timeoutMs = 10_000): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (!lines.some((line) => line.includes(text))) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no line with "${text}" in: ${lines.join(' | ')}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  await waitForLine('"listeners"');
  const report = JSON.parse(lines.find((line) => line.includes('"listeners"'))!) as {
    pid: number;
    log: string[];
    listeners: { SIGINT: number; SIGTERM: number };
  };
  return {
    child,
    group: report.pid,
    service: pidFromLine(report.log, /stubborn pid (\d+)/),
    grandchild: pidFromLine(report.log, /grandchild pid (\d+)/),
    listeners: report.listeners,
    lines,
    waitForLine,
    exited,
  };
}

describe('installStopOnSignals', () => {
  it('on a second SIGINT during a long stop, kills the services at once and exits 130', async () => {
    const run = await startStandIn(30_000);
    expect(run.listeners).toEqual({ SIGINT: 1, SIGTERM: 1 });
    expect(isAlive(run.grandchild)).toBe(true);

    run.child.kill('SIGINT');
    await run.waitForLine('perf-flow: SIGINT: stopping the service under test');
    // The group has had its SIGTERM: the shell went, the service and its grandchild ignore it
    // and have 30 s before SIGKILL.
    expect(await waitUntilDead(run.group, 5000)).toBe(true);
    expect(isAlive(run.service)).toBe(true);
    expect(isAlive(run.grandchild)).toBe(true);

    const secondAt = Date.now();
    run.child.kill('SIGINT');
    const exit = await run.exited;
    expect(exit).toMatchObject({ code: 130, signal: null });
    expect(exit.at - secondAt).toBeLessThan(1000);
    expect(await waitUntilDead(run.service, 1000)).toBe(true);
    expect(await waitUntilDead(run.grandchild, 1000)).toBe(true);
    expect(groupAlive(run.group)).toBe(false);
    expect(run.lines).toContain('perf-flow: SIGINT again: killing the service under test');
    expect(run.lines.some((line) => line.startsWith('second handler'))).toBe(false);
  });

  it('on one SIGTERM, stops the services gracefully and exits 143', async () => {
    const run = await startStandIn(500);
    const sentAt = Date.now();
    run.child.kill('SIGTERM');
    const exit = await run.exited;
    expect(exit).toMatchObject({ code: 143, signal: null });
    // The stop timeout passed before SIGKILL: the graceful path, not the hurried one.
    expect(exit.at - sentAt).toBeGreaterThanOrEqual(450);
    expect(run.lines).toContain('perf-flow: SIGTERM: stopping the service under test');
    expect(isAlive(run.service)).toBe(false);
    expect(isAlive(run.grandchild)).toBe(false);
    expect(groupAlive(run.group)).toBe(false);
  });
});
