import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { afterEach, describe, expect, it } from 'vitest';
import {
  heapSamples,
  readRuntimeSamples,
  writeRuntimeProbe,
} from '../../src/profile/runtime-probe.js';
import { analyzeMemoryLeak } from '../../src/scenarios/memory-leak.js';

const DEMO_DIR = fileURLToPath(new URL('../../examples/demo-service/', import.meta.url));
const running = new Set<ChildProcess>();

afterEach(() => {
  for (const child of running) child.kill('SIGKILL');
});

/** The demo with the runtime probe in its NODE_OPTIONS, as perf-flow would start it. */
async function startProbedDemo(env: Record<string, string>) {
  const { nodeOptions, outputDir } = await writeRuntimeProbe(
    await mkdtemp(path.join(tmpdir(), 'perf-flow-demo-leak-')),
  );
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('DEMO_') && k !== 'PORT'),
  );
  const child = spawn(process.execPath, ['server.mjs'], {
    cwd: DEMO_DIR,
    env: { ...base, PORT: '0', NODE_OPTIONS: nodeOptions, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no address in 10 s:\n${output}`)), 10_000);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /demo-service listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`exited with ${code}:\n${output}`)));
  });
  return { child, url, outputDir, output: () => output };
}

/** A load phase's warm-up, as perf-flow's: the service has just started, and is still
 * compiling and filling its caches. */
const WARMUP_MS = 1500;

/**
 * 300 req/s for 8 s, then a clean stop; the leak verdict from the probe's heap samples taken
 * after the warm-up.
 */
async function leakVerdict(env: Record<string, string>) {
  const demo = await startProbedDemo(env);
  const loadStart = Date.now();
  const result = await autocannon({
    url: `${demo.url}/api/items/7`,
    connections: 4,
    overallRate: 300,
    duration: 8,
  });
  demo.child.kill('SIGTERM');
  await once(demo.child, 'exit');
  running.delete(demo.child);
  const [processRuntime] = await readRuntimeSamples(demo.outputDir);
  const measured = (processRuntime?.samples ?? []).filter((s) => s.t >= loadStart + WARMUP_MS);
  // A bar of 4 MiB, not the default 1: six seconds of a healthy demo's heap lows still drift
  // by up to half a MiB on this noisy VM (seen: 0.1 to 0.5), while the leak adds ~30 MiB.
  const analysis = analyzeMemoryLeak(heapSamples(measured), { minGrowthBytes: 4 * 1024 * 1024 });
  return {
    analysis,
    requests: result.requests.total,
    errors: result.errors,
    output: demo.output(),
  };
}

describe('the demo service with DEMO_LEAK_BYTES_PER_REQUEST', () => {
  it('leaks, and the leak analysis of the runtime probe finds it; without it, it does not', async () => {
    // Both at once: two cores hold two light demos and the generator, and it halves the time.
    const [leaking, healthy] = await Promise.all([
      leakVerdict({ DEMO_LEAK_BYTES_PER_REQUEST: '20000' }),
      leakVerdict({}),
    ]);
    expect(leaking.output).toContain('DEMO_LEAK_BYTES_PER_REQUEST=20000');
    expect(healthy.output).not.toContain('DEMO_LEAK_BYTES_PER_REQUEST');
    for (const run of [leaking, healthy]) {
      expect(run.errors).toBe(0);
      expect(run.requests).toBeGreaterThan(1000);
    }
    // ~300 × 20 KB a second: about 6 MB a second, 360 MB a minute.
    expect(leaking.analysis.verdict, leaking.analysis.reason).toBe('leak');
    expect(leaking.analysis.bytesPerMinute).toBeGreaterThan(100 * 1024 * 1024);
    expect(healthy.analysis.verdict, healthy.analysis.reason).toBe('no-leak');
  });

  it('refuses a leak it cannot honour', async () => {
    const child = spawn(process.execPath, ['server.mjs'], {
      cwd: DEMO_DIR,
      env: { ...process.env, PORT: '0', DEMO_LEAK_BYTES_PER_REQUEST: '600000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(child);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /DEMO_LEAK_BYTES_PER_REQUEST="600000" is not valid: a whole number of bytes from 0 to 524288/,
    );
  });
});
