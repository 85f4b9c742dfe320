import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import {
  isAlive,
  killQuietly,
  nodeFixture,
  serviceConfig,
  tempDir,
  waitUntilDead,
} from './helpers.js';

const dir = tempDir('exit-hook');
afterAll(() => dir.remove());

describe('when perf-flow exits without stopping its service', () => {
  it('the exit hook kills the whole process group', async () => {
    // The runner bundled as the CLI bundles it, so a plain `node` can run it.
    await build({
      entryPoints: [join(import.meta.dirname, '../../src/service/runner.ts')],
      outfile: join(dir.path, 'runner.mjs'),
      bundle: true,
      platform: 'node',
      format: 'esm',
      logLevel: 'silent',
    });
    const script = join(dir.path, 'forgetful.mjs');
    writeFileSync(
      script,
      [
        "import { startService } from './runner.mjs';",
        'const [cfg, logDir] = [JSON.parse(process.argv[2]), process.argv[3]];',
        'const service = await startService(cfg, { logDir });',
        'console.log(JSON.stringify({ pid: service.pid, log: service.logTail() }));',
        'process.exit(0);',
      ].join('\n'),
    );
    const cfg = serviceConfig({ start: nodeFixture('stubborn.mjs'), stopTimeoutMs: 10_000 });
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [script, JSON.stringify(cfg), dir.path],
      { timeout: 15_000 },
    );
    const { pid, log } = JSON.parse(stdout) as { pid: number; log: string[] };
    const grandchild = Number(/grandchild pid (\d+)/.exec(log.join('\n'))?.[1]);
    try {
      expect(grandchild).toBeGreaterThan(0);
      // No grace period on exit: everything goes at once, long before stopTimeoutMs.
      expect(await waitUntilDead(pid, 2000)).toBe(true);
      expect(await waitUntilDead(grandchild, 2000)).toBe(true);
      expect(isAlive(pid) || isAlive(grandchild)).toBe(false);
    } finally {
      killQuietly(pid);
      killQuietly(grandchild);
    }
  });
});
