import { getOctokit } from '@actions/github';
import { GitHubArtifactStore } from './artifacts-github.js';
import { findDefaultBranchArtifact } from './github-api/default-branch-run.js';
import { readRunFacts } from './github-api/context.js';
import type { DefaultBranchResults } from './types.js';

/** The artifacts perf-flow compares with, best first: the load test, else the baseline. */
export const COMPARABLE_ARTIFACTS = ['perf-flow-load-test', 'perf-flow-baseline'] as const;

/**
 * Finds the default branch's newest run that uploaded a perf-flow result and hands back a
 * store that downloads from that run (through the REST API, so the token needs `actions: read`).
 */
export async function defaultBranchResultsOnGitHub(
  token: string | undefined,
): Promise<DefaultBranchResults> {
  if (!token) return { store: null, reason: 'no token (the `token` input, or GITHUB_TOKEN)' };
  let facts: Awaited<ReturnType<typeof readRunFacts>>;
  try {
    facts = await readRunFacts(process.env);
  } catch (error) {
    return { store: null, reason: (error as Error).message };
  }
  const octokit = getOctokit(
    token,
    process.env.GITHUB_API_URL ? { baseUrl: process.env.GITHUB_API_URL } : {},
  );
  const lookup = await findDefaultBranchArtifact(
    octokit,
    {
      owner: facts.owner,
      repo: facts.repo,
      ownRunIds: facts.ownRunIds,
      ...(facts.defaultBranch ? { defaultBranch: facts.defaultBranch } : {}),
    },
    COMPARABLE_ARTIFACTS,
  );
  if (!lookup.found) return { store: null, reason: lookup.reason };
  const { runId, headSha } = lookup.found;
  return {
    store: new GitHubArtifactStore({
      findBy: {
        token,
        workflowRunId: runId,
        repositoryOwner: facts.owner,
        repositoryName: facts.repo,
      },
    }),
    description: `the default branch's run ${runId}${headSha ? ` (commit ${headSha.slice(0, 12)})` : ''}`,
    commit: headSha,
    pullRequestBaseSha: facts.pullRequestBaseSha,
  };
}
