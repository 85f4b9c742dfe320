import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { analyzeProbeProfiles } from '../../src/profile/hotspots.js';
import {
  CPU_PROBE_FILE,
  listProfiles,
  prepareCpuProfiling,
  quoteNodeOption,
} from '../../src/profile/probe.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const fixture = (name: string) =>
  fileURLToPath(new URL(`../fixtures/profiles/${name}`, import.meta.url));
const server = fixture('busy-server.mjs');
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

  it('deletes the profiles of an earlier run, temporaries included', async () => {
    const dir = await tempDir();
    const cpuDir = path.join(dir, 'cpu');
    await mkdir(path.join(cpuDir, 'nested'), { recursive: true });
    await writeFile(path.join(cpuDir, 'CPU.1.1.cpuprofile'), '{}');
    await writeFile(path.join(cpuDir, '.CPU.2.2.cpuprofile.tmp'), '{"nod');
    const { profileDir } = await prepareCpuProfiling(dir, undefined);
    expect(profileDir).toBe(cpuDir);
    expect(await readdir(profileDir)).toEqual([]);
  });
});

/** Runs a short Node script with the environment; resolves with its exit and stdout. */
async function runNode(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  return { code, signal, stdout, stderr };
}

describe('the probe in a real process', () => {
  it('keeps the NODE_OPTIONS it is given next to its own --import', async () => {
    const dir = await tempDir();
    const { env, profileDir } = await prepareCpuProfiling(dir, '--max-old-space-size=333');
    const run = await runNode(
      ['-e', "process.stdout.write(String(require('v8').getHeapStatistics().heap_size_limit))"],
      env,
    );
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    // 333 MiB of old space plus the young generation; the default is far larger.
    const limitMiB = Number(run.stdout) / 2 ** 20;
    expect(limitMiB).toBeGreaterThanOrEqual(333);
    expect(limitMiB).toBeLessThan(500);
    expect(await listProfiles(profileDir)).toHaveLength(1);
  });

  it('leaves no .cpuprofile when killed while writing it, and the next run is analysed', async () => {
    const dir = await tempDir();
    const dieWhileWriting = pathToFileURL(fixture('die-while-writing.mjs')).href;
    const killed = await prepareCpuProfiling(dir, `--import=${quoteNodeOption(dieWhileWriting)}`);
    const run = await runNode(
      ['-e', 'let x = 0; for (let i = 0; i < 1e6; i++) x += i;'],
      killed.env,
    );
    expect(run.signal).toBe('SIGKILL');
    // Half a profile was written, under the temporary name only.
    const left = await readdir(killed.profileDir);
    expect(left).toEqual([expect.stringMatching(/^\.CPU\.\d+\.\d+\.cpuprofile\.tmp$/)]);
    expect(await readFile(path.join(killed.profileDir, left[0]!), 'utf8')).toMatch(/^\{"nodes"/);
    expect(await listProfiles(killed.profileDir)).toEqual([]);

    const next = await prepareCpuProfiling(dir, undefined);
    expect((await runNode(['-e', '1'], next.env)).code).toBe(0);
    const files = await listProfiles(next.profileDir);
    expect(files).toHaveLength(1);
    const cpu = await analyzeProbeProfiles(files, { repoRoot });
    expect(cpu.profileFiles).toEqual(files);
  });
});

describe('listProfiles', () => {
  it('lists only .cpuprofile files, and nothing for a missing directory', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'CPU.2.cpuprofile'), '{}');
    await writeFile(path.join(dir, 'CPU.1.cpuprofile'), '{}');
    await writeFile(path.join(dir, 'notes.txt'), '');
    // The probe's temporaries, whatever their ending.
    await writeFile(path.join(dir, '.CPU.3.cpuprofile.tmp'), '{"no');
    await writeFile(path.join(dir, '.CPU.4.cpuprofile'), '{"no');
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

  async function startService(env: Record<string, string>, script = server) {
    child = spawn(process.execPath, [script], {
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
    const cpu = await analyzeProbeProfiles(files, { repoRoot });
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

  it('analyses only the latest run when profiling twice into one directory', async () => {
    const dir = await tempDir();
    const profileOnce = async () => {
      const { env, profileDir } = await prepareCpuProfiling(dir);
      const { service, port, exited } = await startService(env);
      await load(port, 300, 1);
      service.kill('SIGTERM');
      await exited;
      return listProfiles(profileDir);
    };
    const [first] = await profileOnce();
    const second = await profileOnce();
    expect(second).toHaveLength(1);
    expect(second[0]).not.toBe(first);
    const cpu = await analyzeProbeProfiles(second, { repoRoot });
    expect(cpu.profileFiles).toEqual(second);
  });

  it('leaves out a wrapper that starts the service the way npm start does', async () => {
    const dir = await tempDir();
    const { env, profileDir } = await prepareCpuProfiling(dir);
    const { service, port, exited, output } = await startService(env, fixture('wrapper.mjs'));
    const loadWindow = { startMs: Date.now(), endMs: 0 };
    expect(await load(port, 1000)).toBeGreaterThan(5);
    loadWindow.endMs = Date.now();
    service.kill('SIGTERM');
    const [code] = await exited;
    expect({ code, stderr: output().stderr }).toEqual({ code: 143, stderr: '' });

    const files = await listProfiles(profileDir);
    expect(files).toHaveLength(2);
    const wrapperFile = files.find((file) => file.endsWith(`.${service.pid}.cpuprofile`))!;
    const serverFile = files.find((file) => file !== wrapperFile)!;
    const cpu = await analyzeProbeProfiles(files, { repoRoot, loadWindow });
    expect(cpu.profileFiles).toEqual([serverFile]);
    expect(cpu.excludedProfiles).toEqual([
      { file: wrapperFile, reason: expect.stringContaining('while the load ran') as string },
    ]);
    expect(cpu.topSelf[0]).toMatchObject({ functionName: 'burnCpu' });
    const hotspotFiles = [...cpu.topSelf, ...cpu.topTotal].map((hotspot) => hotspot.file);
    expect(hotspotFiles).not.toContain('test/fixtures/profiles/wrapper.mjs');
  });
});
