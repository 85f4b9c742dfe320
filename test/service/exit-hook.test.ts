import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
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

const dir = tempDir('exit-hook');
const script = join(dir.path, 'forgetful.mjs');

beforeAll(async () => {
  const bundle = await bundleServiceModules(dir.path);
  // Starts a service, reports, and leaves without stopping it (argv[4] "exit": by
  // process.exit; "hang": not at all, for the test to kill).
  writeFileSync(
    script,
    [
      `import { startService } from ${JSON.stringify(bundle)};`,
      'const [cfg, logDir, how] = [JSON.parse(process.argv[2]), process.argv[3], process.argv[4]];',
      'const service = await startService(cfg, { logDir });',
      'console.log(JSON.stringify({ pid: service.pid, log: service.logTail() }));',
      "if (how === 'exit') process.exit(0);",
      'setInterval(() => {}, 60_000);',
    ].join('\n'),
  );
});
// Unconditional: a test that failed before it learnt the pids (the script timed out, printed
// nothing useful) must not leave the service behind.
afterEach(() => {
  killMarkedProcesses();
});
afterAll(() => dir.remove());

const stubborn = serviceConfig({ start: nodeFixture('stubborn.mjs'), stopTimeoutMs: 10_000 });

describe('when perf-flow exits without stopping its service', () => {
  it('the exit hook kills the whole process group', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [script, JSON.stringify(stubborn), dir.path, 'exit'],
      { timeout: 15_000, env: { ...process.env, ...OWNER_ENV } },
    );
    const { pid, log } = JSON.parse(stdout) as { pid: number; log: string[] };
    const service = pidFromLine(log, /stubborn pid (\d+)/);
    const grandchild = pidFromLine(log, /grandchild pid (\d+)/);
    // No grace period on exit: everything goes at once, long before stopTimeoutMs.
    expect(await waitUntilDead(pid, 2000)).toBe(true);
    expect(await waitUntilDead(service, 2000)).toBe(true);
    expect(await waitUntilDead(grandchild, 2000)).toBe(true);
  });
});

describe('when perf-flow is killed outright', () => {
  it('its service outlives it, and the tests’ cleanup still finds and kills it', async () => {
    const child = spawn(process.execPath, [script, JSON.stringify(stubborn), dir.path, 'hang'], {
      env: { ...process.env, ...OWNER_ENV },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
      const { pid, log } = JSON.parse(line) as { pid: number; log: string[] };
      const service = pidFromLine(log, /stubborn pid (\d+)/);
      const grandchild = pidFromLine(log, /grandchild pid (\d+)/);
      // SIGKILL: no 'exit' event, no exit hook. This is how a test worker killed by a signal
      // left a stubborn fixture running.
      child.kill('SIGKILL');
      await once(child, 'exit');
      await sleep(200);
      expect(groupAlive(pid)).toBe(true);
      expect(isAlive(service)).toBe(true);

      const killed = killMarkedProcesses();
      expect(killed).toEqual(expect.arrayContaining([service, grandchild]));
      expect(await waitUntilDead(service, 2000)).toBe(true);
      expect(await waitUntilDead(grandchild, 2000)).toBe(true);
      // A killed member stays in the group until it is reaped, which a loaded machine does late.
      const deadline = Date.now() + 2000;
      while (groupAlive(pid) && Date.now() < deadline) await sleep(50);
      expect(groupAlive(pid)).toBe(false);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
