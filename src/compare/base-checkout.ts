import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { ServiceConfig } from '../config/types.js';
import { ConfigError, RuntimeError, ServiceError } from '../errors.js';

const run = promisify(execFile);
const GIT_TIMEOUT_MS = 60_000;

/** The base ref checked out beside the working tree, to build and run as it was. */
export interface BaseCheckout {
  ref: string;
  sha: string;
  /** The worktree's root. */
  dir: string;
  /** The root of the repository it was checked out of (the head's). */
  repoRoot: string;
  /** The head's commit, when the working tree is a git checkout with one. */
  headSha: string | null;
  /** The service as configured, but working in the base's tree. */
  service: ServiceConfig;
  /** Removes the worktree; safe to call twice. */
  remove(): Promise<void>;
}

async function git(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await run('git', ['-C', cwd, ...args], {
    timeout: GIT_TIMEOUT_MS,
    maxBuffer: 1 << 20,
  });
  return stdout.trim();
}

function stderrOf(error: unknown): string {
  const stderr = (error as { stderr?: unknown }).stderr;
  const text = typeof stderr === 'string' ? stderr.trim() : '';
  return text || (error instanceof Error ? error.message : String(error));
}

/**
 * Checks out `ref` of the repository that holds the service's working directory into a git
 * worktree under `workDir` (detached: no branch is created or moved), and maps the service's
 * working directory into it. The head stays the working tree as it is, uncommitted changes
 * included. Throws ConfigError (exit 2, field `base-ref`) when the service is not in a git
 * repository or the ref names no commit; RuntimeError when git cannot create the worktree.
 */
export async function checkoutBase(
  ref: string,
  service: ServiceConfig,
  workDir: string,
): Promise<BaseCheckout> {
  let root: string;
  try {
    root = await git(service.cwd, ['rev-parse', '--show-toplevel']);
  } catch (error) {
    throw new ConfigError(
      `cannot compare with "${ref}": ${service.cwd} is not in a git repository (${stderrOf(error)})`,
      'base-ref',
    );
  }
  const sha = await resolveCommit(root, ref);
  const headSha = await git(root, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']).catch(
    () => null,
  );
  const relative = path.relative(root, service.cwd);
  const dir = path.join(workDir, `base-${sha.slice(0, 12)}`);
  // A worktree left by an interrupted run: git refuses to add one where one is registered.
  await removeWorktree(root, dir);
  try {
    await git(root, ['worktree', 'add', '--detach', '--force', dir, sha]);
  } catch (error) {
    throw new RuntimeError(`could not check out ${ref} (${sha}) into ${dir}: ${stderrOf(error)}`);
  }
  let removed = false;
  return {
    ref,
    sha,
    dir,
    repoRoot: root,
    headSha,
    service: { ...service, cwd: path.join(dir, relative) },
    remove: async () => {
      if (removed) return;
      removed = true;
      await removeWorktree(root, dir);
    },
  };
}

const FULL_SHA = /^[0-9a-f]{40}$/i;

/**
 * The commit `ref` names. A full SHA the checkout lacks (a pull request's base in a shallow
 * clone, actions/checkout's default) is fetched from origin first, that commit alone.
 */
async function resolveCommit(root: string, ref: string): Promise<string> {
  const verify = () => git(root, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  try {
    return await verify();
  } catch {
    // not here: fetched below when it can be
  }
  let fetchProblem = '';
  if (FULL_SHA.test(ref)) {
    try {
      await git(root, ['fetch', '--quiet', '--no-tags', '--depth=1', 'origin', ref]);
      return await verify();
    } catch (error) {
      fetchProblem = `; fetching it from origin failed: ${stderrOf(error)}`;
    }
  }
  throw new ConfigError(
    `no commit "${ref}" in ${root}: expected a branch, tag or commit that exists there (a shallow clone may need fetch-depth: 0)${fetchProblem}`,
    'base-ref',
  );
}

async function removeWorktree(root: string, dir: string): Promise<void> {
  await git(root, ['worktree', 'remove', '--force', dir]).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
  await git(root, ['worktree', 'prune']).catch(() => undefined);
}

/** The base's own build or start failure, said to be the base's. */
export async function asBase<T>(
  base: BaseCheckout,
  what: string,
  step: () => Promise<T>,
): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof ServiceError) {
      throw new ServiceError(
        `the base ${base.ref} (${base.sha.slice(0, 12)}) ${what}: ${error.message.split('\n')[0]}`,
        error.logTail,
      );
    }
    throw error;
  }
}
