import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { ServiceConfig } from '../../src/config/types.js';

export const FIXTURES = fileURLToPath(new URL('../fixtures/services/', import.meta.url));

/**
 * Every process a test here starts carries this variable in its environment (serviceConfig
 * puts it in service.env, grandchildren inherit it), so that killMarkedProcesses finds them
 * all, whatever state a failed test left behind, and nothing of another test run.
 */
export const OWNER_VARIABLE = 'PERF_FLOW_TEST_OWNER';
export const OWNER = `${process.pid}`;
export const OWNER_ENV: Record<string, string> = { [OWNER_VARIABLE]: OWNER };

/** SIGKILLs every process carrying this test process's mark (Linux: /proc/<pid>/environ). */
export function killMarkedProcesses(): number[] {
  if (process.platform !== 'linux') return [];
  const mark = `\0${OWNER_VARIABLE}=${OWNER}\0`;
  const killed: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let environ: string;
    try {
      environ = `\0${readFileSync(`/proc/${entry}/environ`, 'latin1')}`;
    } catch {
      continue; // gone, or not ours to read
    }
    if (!environ.includes(mark)) continue;
    try {
      process.kill(Number(entry), 'SIGKILL');
      killed.push(Number(entry));
    } catch {
      // already gone
    }
  }
  return killed;
}

// A test run stopped by a signal (Ctrl-C, vitest cancelling, `timeout` around the run) kills
// this worker without an 'exit' event, so neither afterEach nor the runner's exit hook runs:
// the services live on in their own sessions. Kill them, then die of the signal as before.
const safetyNet = Symbol.for('perf-flow.test.kill-marked-on-signal');
const registry = globalThis as { [safetyNet]?: boolean };
if (!registry[safetyNet]) {
  registry[safetyNet] = true;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      killMarkedProcesses();
      process.off(signal, onSignal);
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

/**
 * src/service bundled into one module, as the CLI bundles it, for a plain `node` to import:
 * one copy of the runner's state (the registered process groups) for all its exports.
 */
export async function bundleServiceModules(dir: string): Promise<string> {
  const outfile = join(dir, 'service.mjs');
  await build({
    stdin: {
      contents: [
        "export * from './runner.ts';",
        "export { installStopOnSignals } from './signals.ts';",
      ].join('\n'),
      resolveDir: fileURLToPath(new URL('../../src/service/', import.meta.url)),
      loader: 'ts',
    },
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    logLevel: 'silent',
  });
  return outfile;
}

/** The command line that runs a fixture with the Node running the tests. */
export function nodeFixture(script: string): string {
  return `"${process.execPath}" ${script}`;
}

export function serviceConfig(overrides: Partial<ServiceConfig> = {}): ServiceConfig {
  return {
    url: 'http://127.0.0.1:${PORT}',
    ready: '/health',
    cwd: FIXTURES,
    startTimeoutMs: 5000,
    buildTimeoutMs: 5000,
    stopTimeoutMs: 1000,
    ...overrides,
    env: { ...OWNER_ENV, ...overrides.env },
  };
}

export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `perf-flow-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** A zombie has exited; only its parent (or init) has not collected it yet. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  if (process.platform !== 'linux') return true;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** True while a live (not zombie) process belongs to the group. */
export function groupAlive(pgid: number): boolean {
  if (process.platform !== 'linux') return isAlive(pgid);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X') return true;
    } catch {
      // gone
    }
  }
  return false;
}

export async function waitUntilDead(pid: number, timeoutMs = 2000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await sleep(25);
  }
  return true;
}

/** Safety net for a failing test: leaves no fixture running. */
export function killQuietly(pid: number | null | undefined): void {
  if (!pid) return;
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

export function pidFromLine(lines: string[], pattern: RegExp): number {
  for (const line of lines) {
    const match = pattern.exec(line);
    if (match?.[1]) return Number(match[1]);
  }
  throw new Error(`no line matches ${pattern}: ${lines.join(' | ')}`);
}
