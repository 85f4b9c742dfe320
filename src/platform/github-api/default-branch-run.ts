import { httpStatus, isPermissionError, type GitHubClient } from './client.js';

/** The newest artifact of the default branch, from a run other than this one. */
export interface DefaultBranchArtifact {
  artifactName: string;
  runId: number;
  headSha: string | null;
  createdAt: string | null;
}

export type DefaultBranchLookup =
  { found: DefaultBranchArtifact } | { found: null; reason: string };

interface Where {
  owner: string;
  repo: string;
  /** The event's repository.default_branch; looked up when absent. */
  defaultBranch?: string;
  /** This run (and the run it reports on): never their own "before". */
  ownRunIds?: readonly number[];
}

type ListedArtifact = {
  name: string;
  expired: boolean;
  created_at?: string | null;
  workflow_run?: {
    id?: number;
    head_branch?: string | null;
    head_sha?: string;
    repository_id?: number;
    head_repository_id?: number;
  } | null;
};

async function defaultBranchOf(octokit: GitHubClient, where: Where): Promise<string> {
  if (where.defaultBranch) return where.defaultBranch;
  const { data } = await octokit.rest.repos.get({ owner: where.owner, repo: where.repo });
  return data.default_branch;
}

/**
 * Finds, for each name in order of preference, the newest unexpired artifact that a run on
 * the repository's default branch uploaded. A run from a fork whose branch has the same
 * name does not count: its head repository must be the repository itself, or a fork's PR
 * could plant the "before" that its own change is judged against.
 */
export async function findDefaultBranchArtifact(
  octokit: GitHubClient,
  where: Where,
  names: readonly string[],
): Promise<DefaultBranchLookup> {
  let branch: string;
  try {
    branch = await defaultBranchOf(octokit, where);
  } catch (error) {
    return { found: null, reason: lookupFailure('read the default branch', error) };
  }
  for (const name of names) {
    let artifacts: ListedArtifact[];
    try {
      // Newest first; one page is plenty: the default branch's latest run is near the top.
      const { data } = await octokit.rest.actions.listArtifactsForRepo({
        owner: where.owner,
        repo: where.repo,
        name,
        per_page: 100,
      });
      artifacts = data.artifacts as ListedArtifact[];
    } catch (error) {
      return { found: null, reason: lookupFailure(`list the ${name} artifacts`, error) };
    }
    const candidates = artifacts
      .filter((a) => {
        const run = a.workflow_run;
        return (
          a.name === name &&
          !a.expired &&
          run?.id !== undefined &&
          !(where.ownRunIds ?? []).includes(run.id) &&
          run.head_branch === branch &&
          run.repository_id !== undefined &&
          run.head_repository_id === run.repository_id
        );
      })
      .sort((a, b) => Date.parse(b.created_at ?? '') - Date.parse(a.created_at ?? ''));
    const newest = candidates[0];
    if (newest?.workflow_run?.id !== undefined) {
      return {
        found: {
          artifactName: name,
          runId: newest.workflow_run.id,
          headSha: newest.workflow_run.head_sha ?? null,
          createdAt: newest.created_at ?? null,
        },
      };
    }
  }
  return {
    found: null,
    reason: `no unexpired ${names.join(' or ')} artifact from a run on the default branch (${branch}): run perf-flow on pushes to ${branch} so that pull requests have a result to compare with`,
  };
}

function lookupFailure(what: string, error: unknown): string {
  const status = httpStatus(error);
  const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
  const hint = isPermissionError(error)
    ? ' The token needs `permissions: actions: read` to read other runs\u2019 artifacts.'
    : '';
  return `could not ${what}: ${status ? `HTTP ${status} ` : ''}${message}.${hint}`;
}
