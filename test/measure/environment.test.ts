import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Provenance } from '../../src/data/common.js';
import { fingerprint } from '../../src/measure/environment.js';

const base = {
  configPath: 'perf-flow.yml',
  configHash: '0123456789abcdef',
  commands: ['perf-flow run'],
};
const packageVersion = async (file: string) =>
  (JSON.parse(await readFile(file, 'utf8')) as { version: string }).version;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'perf-flow-env-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('fingerprint', () => {
  it('describes the tool, the machine and the measuring tools', async () => {
    const before = Date.now();
    const p = fingerprint({ ...base, cwd: dir, env: {}, versions: { postgres: '16.4' } });
    expect(() => Provenance.parse(p)).not.toThrow();
    expect(p.tool).toBe(`perf-flow@${await packageVersion('package.json')}`);
    expect(Date.parse(p.createdAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(p.createdAt).toBe(new Date(p.createdAt).toISOString());
    expect(p).toMatchObject({ ...base, node: process.version });
    expect(p.platform).toBe(`${os.platform()}-${os.arch()} ${os.release()}`);
    expect(p.cpuCount).toBeGreaterThanOrEqual(1);
    expect(p.cpuModel).not.toBe('');
    expect(p.totalMemoryBytes).toBe(os.totalmem());
    expect(p.versions).toEqual({
      'hdr-histogram-js': await packageVersion('node_modules/hdr-histogram-js/package.json'),
      postgres: '16.4',
    });
  });

  it('takes the commit from GITHUB_SHA in Actions', () => {
    const sha = 'a'.repeat(40);
    expect(fingerprint({ ...base, cwd: dir, env: { GITHUB_SHA: sha } }).commit).toBe(sha);
  });

  it('asks git for the commit elsewhere', async () => {
    const repo = await mkdtemp(path.join(dir, 'repo-'));
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
        cwd: repo,
        encoding: 'utf8',
        timeout: 5000,
      }).trim();
    git('init', '-q');
    git('commit', '-q', '--allow-empty', '-m', 'first');
    const head = git('rev-parse', 'HEAD');
    expect(head).toMatch(/^[0-9a-f]{40}$/);
    expect(fingerprint({ ...base, cwd: repo, env: process.env }).commit).toBe(head);
  });

  it('gives no commit outside a repository', () => {
    expect(fingerprint({ ...base, cwd: dir, env: process.env }).commit).toBeNull();
  });

  it('gives no commit, and does not throw, when git is missing', () => {
    // An empty PATH: no git to run.
    const p = fingerprint({ ...base, cwd: process.cwd(), env: { PATH: dir } });
    expect(p.commit).toBeNull();
  });

  it('copies the commands instead of sharing the array', () => {
    const commands = ['perf-flow run'];
    const p = fingerprint({ ...base, commands, cwd: dir, env: {} });
    commands.push('later');
    expect(p.commands).toEqual(['perf-flow run']);
  });
});
