import hdrPackage from 'hdr-histogram-js/package.json' with { type: 'json' };
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import ownPackage from '../../package.json' with { type: 'json' };
import type { Provenance } from '../data/common.js';

export const PERF_FLOW_TOOL = `perf-flow@${ownPackage.version}`;

const GIT_TIMEOUT_MS = 5000;

export interface FingerprintArgs {
  configPath: string;
  configHash: string;
  commands: string[];
  /** Where to ask git for the commit when GITHUB_SHA is not set. */
  cwd: string;
  /** Versions of further tools that took part; they win over the built-in ones. */
  versions?: Record<string, string>;
  /** Defaults to process.env; tests pass their own. */
  env?: NodeJS.ProcessEnv;
}

/** How and where a result was obtained, so that a report can say it and be reproduced. */
export function fingerprint(args: FingerprintArgs): Provenance {
  const cpus = os.cpus();
  return {
    tool: PERF_FLOW_TOOL,
    createdAt: new Date().toISOString(),
    commit: commitOf(args.cwd, args.env ?? process.env),
    configPath: args.configPath,
    configHash: args.configHash,
    commands: [...args.commands],
    node: process.version,
    platform: `${os.platform()}-${os.arch()} ${os.release()}`,
    cpuModel: cpus[0]?.model.trim() || 'unknown',
    // os.cpus() is empty on some platforms and in some containers.
    cpuCount: Math.max(1, cpus.length || os.availableParallelism()),
    totalMemoryBytes: os.totalmem(),
    versions: {
      'hdr-histogram-js': hdrPackage.version,
      ...args.versions,
    },
  };
}

/**
 * In Actions GITHUB_SHA names the commit the workflow runs on, even where the checkout is
 * shallow or absent; elsewhere git is asked. Null when neither knows: not a repository, git
 * missing, or git hanging on a lock.
 */
function commitOf(cwd: string, env: NodeJS.ProcessEnv): string | null {
  const fromActions = env.GITHUB_SHA?.trim();
  if (fromActions) return fromActions;
  try {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], {
      cwd,
      encoding: 'utf8',
      timeout: GIT_TIMEOUT_MS,
      stdio: ['ignore', 'pipe', 'ignore'],
      env,
    }).trim();
    return /^[0-9a-f]{40,64}$/.test(head) ? head : null;
  } catch {
    return null;
  }
}
