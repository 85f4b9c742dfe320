import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { analyzeCpuProfiles } from '../../src/profile/hotspots.js';
import {
  CPU_PROBE_FILE,
  listProfiles,
  prepareCpuProfiling,
  quoteNodeOption,
} from '../../src/profile/probe.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const server = fileURLToPath(new URL('../fixtures/profiles/busy-server.mjs', import.meta.url));
const tempDir = () => mkdtemp(path.join(tmpdir(), 'perf-flow-probe-'));

describe('quoteNodeOption', () => {
  it.each([
    ['file:///tmp/a/probe.mjs', 'file:///tmp/a/probe.mjs'],
    ['/tmp/with space/x', '"/tmp/with space/x"'],
    ['C:\\Users\\me', '"C:\\\\Users\\\\me"'],
    ['say "hi"', '"say \\"hi\\""'],
  ])('%s -> %s', (value, quoted) => {
    expect(quoteNodeOption(value)).toBe(quoted);
  });
});

describe('prepareCpuProfiling', () => {
  it('writes the probe and keeps the NODE_OPTIONS already set', async () => {
    const dir = await tempDir();
    const { env, profileDir } = await prepareCpuProfiling(dir, '--max-old-space-size=512');
    const probe = path.join(dir, CPU_PROBE_FILE);
    expect(profileDir).toBe(path.join(dir, 'cpu'));
    expect(env.NODE_OPTIONS).toMatch(/^--max-old-space-size=512 --import=/);
    expect(env.NODE_OPTIONS).toContain(pathToFileURL(probe).href);
    expect(await readFile(probe, 'utf8')).toContain('session.post(method, params');
    expect((await prepareCpuProfiling(dir, undefined)).env.NODE_OPTIONS).toMatch(/^--import=/);
  });
});

describe('listProfiles', () => {
  it('lists only .cpuprofile files, and nothing for a missing directory', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'CPU.2.cpuprofile'), '{}');
    await writeFile(path.join(dir, 'CPU.1.cpuprofile'), '{}');
    await writeFile(path.join(dir, 'notes.txt'), '');
    expect(await listProfiles(dir)).toEqual([
      path.join(dir, 'CPU.1.cpuprofile'),
      path.join(dir, 'CPU.2.cpuprofile'),
    ]);
    expect(await listProfiles(path.join(dir, 'absent'))).toEqual([]);
  });
});

describe('profiling a real service under load', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    if (child?.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  async function startService(env: Record<string, string>) {
    child = spawn(process.execPath, [server], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const service = child;
    let stdout = '';
    let stderr = '';
    service.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    service.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = once(service, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    const deadline = Date.now() + 10_000;
    while (!stdout.includes('\n')) {
      if (Date.now() > deadline || service.exitCode !== null) {
        throw new Error(`service did not start: ${stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const { port } = JSON.parse(stdout.split('\n')[0]!) as { port: number };
    return { service, port, exited, output: () => ({ stdout, stderr }) };
  }

  async function load(port: number, ms: number, connections = 2): Promise<number> {
    const until = Date.now() + ms;
    let done = 0;
    const loop = async () => {
      while (Date.now() < until) {
        const response = await fetch(`http://127.0.0.1:${port}/`);
        await response.text();
        done++;
      }
    };
    await Promise.all(Array.from({ length: connections }, loop));
    return done;
  }

  it('writes a profile on SIGTERM that puts the hot function first', async () => {
    const dir = await tempDir();
    const { env, profileDir } = await prepareCpuProfiling(dir);
    const { service, port, exited, output } = await startService(env);
    expect(await load(port, 1500)).toBeGreaterThan(10);
    service.kill('SIGTERM');
    const [code, signal] = await exited;
    // The probe turned the signal into a normal exit with the status a shell would show.
    expect({ code, signal, stderr: output().stderr }).toEqual({
      code: 143,
      signal: null,
      stderr: '',
    });

    const files = await listProfiles(profileDir);
    expect(files).toHaveLength(1);
    const cpu = await analyzeCpuProfiles(files, { repoRoot });
    const source = await readFile(server, 'utf8');
    const line = source.split('\n').findIndex((text) => text.includes('function burnCpu(')) + 1;
    expect(cpu.topSelf[0]).toMatchObject({
      functionName: 'burnCpu',
      file: 'test/fixtures/profiles/busy-server.mjs',
      line,
      category: 'service',
    });
    expect(cpu.topSelf[0]!.selfShare).toBeGreaterThan(0.3);
    expect(cpu.sampleCount).toBeGreaterThan(20);
    expect(cpu.durationMs).toBeGreaterThan(1000);
  });

  it('leaves shutdown to a service that handles SIGTERM itself, and still profiles it', async () => {
    const dir = await tempDir();
    const { env, profileDir } = await prepareCpuProfiling(dir);
    const { service, port, exited, output } = await startService({
      ...env,
      OWN_SIGTERM_HANDLER: '1',
    });
    await load(port, 200, 1);
    service.kill('SIGTERM');
    const [code, signal] = await exited;
    // Its handler closed the server and the process ran out of work: status 0, not 143.
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(output().stdout).toContain('own handler');
    expect(await listProfiles(profileDir)).toHaveLength(1);
  });
});
