import * as core from '@actions/core';
import { DirectoryArtifactStore, SharedReportDirStore } from './artifacts-local.js';
import { GitHubArtifactStore } from './artifacts-github.js';
import { defaultBranchResultsOnGitHub } from './github-default-branch.js';
import { publishOnGitHub } from './github-publish.js';
import type { DefaultBranchResults, Logger, Platform } from './types.js';

/** GitHub caps a step's job summary at 1 MiB; past it the whole summary is dropped. */
export const JOB_SUMMARY_LIMIT_BYTES = 1024 * 1024;

export function actionsLogger(): Logger {
  return {
    info: (m) => core.info(m),
    warn: (m) => core.warning(m),
    progress: (m) => core.info(m),
  };
}

/** Truncates at a line boundary so the summary stays valid markdown, with a note saying so. */
export function fitJobSummary(markdown: string, limitBytes = JOB_SUMMARY_LIMIT_BYTES): string {
  if (Buffer.byteLength(markdown) <= limitBytes) return markdown;
  const note =
    '\n\n_(truncated: the job summary is limited to 1 MiB; the full report is in the report artifact)_\n';
  const budget = limitBytes - Buffer.byteLength(note);
  if (budget <= 0) return '';
  let cut = Buffer.from(markdown).subarray(0, budget).toString('utf8');
  cut = cut.slice(0, Math.max(0, cut.lastIndexOf('\n')));
  return cut + note;
}

/**
 * On a GitHub runner: step outputs and the job summary through @actions/core, artifacts
 * between jobs through the runner's artifact service, the PR comment and the check run.
 */
export function githubPlatform(options: { artifactsDir?: string; token?: string } = {}): Platform {
  const log = actionsLogger();
  let summaryBytes = 0;
  let defaultBranch: Promise<DefaultBranchResults> | undefined;
  return {
    kind: 'github',
    log,
    artifacts: options.artifactsDir
      ? new DirectoryArtifactStore(options.artifactsDir)
      : // The runner hands JavaScript actions the artifact service's URL and token.
        process.env.ACTIONS_RUNTIME_TOKEN && process.env.ACTIONS_RESULTS_URL
        ? new GitHubArtifactStore()
        : new SharedReportDirStore(),
    publishResult: (result) =>
      publishOnGitHub(result, options.token ?? process.env.GITHUB_TOKEN, log),
    // Looked up once per process: the summary's before/after and its plan check both ask.
    defaultBranchResults: () =>
      (defaultBranch ??= defaultBranchResultsOnGitHub(options.token ?? process.env.GITHUB_TOKEN)),
    setOutput: (name, value) => core.setOutput(name, value),
    appendSummary: async (markdown) => {
      if (!process.env.GITHUB_STEP_SUMMARY) return;
      const fitted = fitJobSummary(markdown, JOB_SUMMARY_LIMIT_BYTES - summaryBytes);
      try {
        await core.summary.addRaw(fitted, true).write();
        summaryBytes += Buffer.byteLength(fitted);
      } catch (error) {
        // The report files hold everything the summary would: losing it must not fail the job.
        core.warning(`could not write the job summary: ${(error as Error).message}`);
      } finally {
        core.summary.emptyBuffer();
      }
    },
  };
}
