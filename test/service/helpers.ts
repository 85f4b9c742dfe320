import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { ServiceConfig } from '../../src/config/types.js';

export const FIXTURES = fileURLToPath(new URL('../fixtures/services/', import.meta.url));

/** The command line that runs a fixture with the Node running the tests. */
export function nodeFixture(script: string): string {
  return `"${process.execPath}" ${script}`;
}

export function serviceConfig(overrides: Partial<ServiceConfig> = {}): ServiceConfig {
  return {
    url: 'http://127.0.0.1:${PORT}',
    ready: '/health',
    env: {},
    cwd: FIXTURES,
    startTimeoutMs: 5000,
    buildTimeoutMs: 5000,
    stopTimeoutMs: 1000,
    ...overrides,
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
