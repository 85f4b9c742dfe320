import { githubPlatform } from './github.js';
import { localPlatform } from './local.js';
import type { Logger, Platform } from './types.js';

export type { ArtifactStore, Logger, Platform } from './types.js';

/** GitHub's runner sets GITHUB_ACTIONS=true; anywhere else perf-flow runs as a local tool. */
export function detectPlatform(
  options: { artifactsDir?: string; log?: Logger; token?: string } = {},
): Platform {
  return process.env.GITHUB_ACTIONS === 'true' ? githubPlatform(options) : localPlatform(options);
}
