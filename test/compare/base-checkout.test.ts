import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkoutBase } from '../../src/compare/base-checkout.js';
import type { ServiceConfig } from '../../src/config/types.js';
import { ConfigError } from '../../src/errors.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'perf-flow-base-'));
  dirs.push(dir);
  return dir;
}

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-C', cwd, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args], {
    encoding: 'utf8',
  }).trim();

/** A repository whose service lives in svc/: version 1 committed, then version 2. */
function repository(): { root: string; first: string } {
  const root = tempDir();
  git(root, 'init', '-q', '-b', 'main');
  mkdirSync(path.join(root, 'svc'));
  writeFileSync(path.join(root, 'svc', 'version.txt'), '1\n');
  git(root, 'add', '.');
  git(root, 'commit', '-q', '-m', 'one');
  const first = git(root, 'rev-parse', 'HEAD');
  writeFileSync(path.join(root, 'svc', 'version.txt'), '2\n');
  git(root, 'commit', '-q', '-am', 'two');
  return { root, first };
}

function service(cwd: string): ServiceConfig {
  return {
    start: 'node server.js',
    url: 'http://127.0.0.1:${PORT}',
    ready: '/',
    env: {},
    cwd,
    startTimeoutMs: 1000,
    buildTimeoutMs: 1000,
    stopTimeoutMs: 1000,
  };
}

describe('checkoutBase', () => {
  it('checks the base out beside the working tree, the service mapped into it', async () => {
    const { root, first } = repository();
    // An uncommitted change in the head stays where it is.
    writeFileSync(path.join(root, 'svc', 'version.txt'), '3\n');
    const base = await checkoutBase('HEAD~1', service(path.join(root, 'svc')), tempDir());
    expect(base.sha).toBe(first);
    expect(base.headSha).toBe(git(root, 'rev-parse', 'HEAD'));
    expect(base.service.cwd).toBe(path.join(base.dir, 'svc'));
    expect(readFileSync(path.join(base.service.cwd, 'version.txt'), 'utf8')).toBe('1\n');
    expect(readFileSync(path.join(root, 'svc', 'version.txt'), 'utf8')).toBe('3\n');
    // Detached: no branch was made for it.
    expect(git(root, 'branch', '--list')).toBe('* main');
    await base.remove();
    await base.remove();
    expect(existsSync(base.dir)).toBe(false);
    expect(git(root, 'worktree', 'list')).not.toContain(base.dir);
  });

  it('replaces a worktree an interrupted run left behind', async () => {
    const { root } = repository();
    const work = tempDir();
    const left = await checkoutBase('main~1', service(path.join(root, 'svc')), work);
    const again = await checkoutBase('main~1', service(path.join(root, 'svc')), work);
    expect(again.dir).toBe(left.dir);
    expect(readFileSync(path.join(again.service.cwd, 'version.txt'), 'utf8')).toBe('1\n');
    await again.remove();
  });

  it('fetches a base commit a shallow clone lacks, from origin', async () => {
    const { root: origin, first } = repository();
    const clone = path.join(tempDir(), 'clone');
    execFileSync('git', ['clone', '-q', '--depth=1', `file://${origin}`, clone]);
    expect(() => git(clone, 'cat-file', '-e', first)).toThrow();
    const base = await checkoutBase(first, service(path.join(clone, 'svc')), tempDir());
    expect(base.sha).toBe(first);
    expect(readFileSync(path.join(base.service.cwd, 'version.txt'), 'utf8')).toBe('1\n');
    await base.remove();
  });

  it('says so when a missing commit cannot be fetched either', async () => {
    const { root } = repository();
    const missing = 'f'.repeat(40);
    const error = await checkoutBase(missing, service(root), tempDir()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/fetching it from origin failed/);
  });

  it('refuses a ref that names no commit, naming base-ref', async () => {
    const { root } = repository();
    const error = await checkoutBase('no-such-branch', service(root), tempDir()).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).field).toBe('base-ref');
    expect((error as Error).message).toMatch(/no commit "no-such-branch" in /);
  });

  it('refuses a service outside any git repository', async () => {
    const error = await checkoutBase('main', service(tempDir()), tempDir()).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/is not in a git repository/);
  });
});
