import { readFile } from 'node:fs/promises';
import { isPermissionError, type GitHubClient } from './client.js';

export type PullRequestContext = {
  owner: string;
  repo: string;
  /** The PR to comment on, or null (a push, a schedule, a workflow_run with no PR found). */
  prNumber: number | null;
  /** The commit the check run belongs on: the PR's head, not the merge commit. */
  headSha: string;
  /** This workflow run's page. */
  runUrl: string;
};

type Env = Record<string, string | undefined>;

type EventPayload = {
  repository?: { default_branch?: unknown };
  pull_request?: { number?: unknown; head?: { sha?: unknown }; base?: { sha?: unknown } };
  workflow_run?: {
    id?: unknown;
    head_sha?: unknown;
    pull_requests?: { number?: unknown; base?: { repo?: { full_name?: unknown } } }[];
  };
};

function requireEnv(env: Env, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is not set: is this running on a GitHub Actions runner?`);
  return value;
}

function ownerRepo(env: Env): { owner: string; repo: string } {
  const full = requireEnv(env, 'GITHUB_REPOSITORY');
  const match = /^([^/\s]+)\/([^/\s]+)$/.exec(full);
  if (!match) throw new Error(`GITHUB_REPOSITORY must be owner/repo, got ${JSON.stringify(full)}`);
  return { owner: match[1]!, repo: match[2]! };
}

async function readEvent(env: Env): Promise<EventPayload> {
  const path = env.GITHUB_EVENT_PATH;
  if (!path) return {};
  let raw: string;
  try {
    raw = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
  try {
    const parsed: unknown = JSON.parse(raw);
    return typeof parsed === 'object' && parsed !== null ? (parsed as EventPayload) : {};
  } catch (error) {
    throw new Error(`GITHUB_EVENT_PATH ${path} is not valid JSON: ${(error as Error).message}`);
  }
}

const positiveInt = (value: unknown): number | null =>
  typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : null;
const sha = (value: unknown): string | null =>
  typeof value === 'string' && /^[0-9a-f]{7,64}$/i.test(value) ? value : null;

/**
 * The open PR of `owner/repo` whose head is `headSha` (a fork's PR included, which a
 * workflow_run event lists no PR for), or null. A 403/404 is "not found", not a failure.
 */
export async function findPullRequestByHeadSha(
  octokit: GitHubClient,
  owner: string,
  repo: string,
  headSha: string,
): Promise<number | null> {
  let pulls: {
    number: number;
    state: string;
    head: { sha: string };
    base: { repo: { full_name: string } };
  }[];
  try {
    ({ data: pulls } = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({
      owner,
      repo,
      commit_sha: headSha,
      per_page: 100,
    }));
  } catch (error) {
    if (isPermissionError(error)) return null;
    throw error;
  }
  const ours = pulls.filter(
    (pr) => pr.base?.repo?.full_name?.toLowerCase() === `${owner}/${repo}`.toLowerCase(),
  );
  // Best: an open PR whose head is exactly this commit; then any open one; then any.
  const best =
    ours.find((pr) => pr.state === 'open' && pr.head?.sha === headSha) ??
    ours.find((pr) => pr.state === 'open') ??
    ours[0];
  return best?.number ?? null;
}

/**
 * Where to post, from what a runner sets: GITHUB_REPOSITORY, GITHUB_EVENT_PATH (a
 * pull_request[_target] event's PR and head; a workflow_run event's head_sha and first PR,
 * else the PR found by that SHA), GITHUB_SHA otherwise, GITHUB_SERVER_URL + GITHUB_RUN_ID.
 */
export async function readPullRequestContext(
  env: Env,
  octokit: GitHubClient,
): Promise<PullRequestContext> {
  const { owner, repo } = ownerRepo(env);
  const server = (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, '');
  const runUrl = env.GITHUB_RUN_ID
    ? `${server}/${owner}/${repo}/actions/runs/${env.GITHUB_RUN_ID}`
    : `${server}/${owner}/${repo}/actions`;
  const event = await readEvent(env);

  let prNumber: number | null = null;
  let headSha: string | null = null;
  if (event.pull_request) {
    prNumber = positiveInt(event.pull_request.number);
    headSha = sha(event.pull_request.head?.sha);
  } else if (event.workflow_run) {
    headSha = sha(event.workflow_run.head_sha);
    const listed = (event.workflow_run.pull_requests ?? []).find(
      (pr) =>
        positiveInt(pr.number) !== null &&
        (typeof pr.base?.repo?.full_name !== 'string' ||
          pr.base.repo.full_name.toLowerCase() === `${owner}/${repo}`.toLowerCase()),
    );
    prNumber = positiveInt(listed?.number);
    if (prNumber === null && headSha) {
      prNumber = await findPullRequestByHeadSha(octokit, owner, repo, headSha);
    }
  }
  headSha ??= requireEnv(env, 'GITHUB_SHA');
  return { owner, repo, prNumber, headSha, runUrl };
}

/** What the default-branch lookup needs from the runner: the repository and runs to skip. */
export async function readRunFacts(env: Env): Promise<{
  owner: string;
  repo: string;
  defaultBranch: string | undefined;
  /** This run, and on a workflow_run event the run that measured: neither is a "before". */
  ownRunIds: number[];
  /** A pull request's base commit; null on other events. */
  pullRequestBaseSha: string | null;
}> {
  const { owner, repo } = ownerRepo(env);
  const event = await readEvent(env);
  const branch = event.repository?.default_branch;
  const ownRunIds = [Number(env.GITHUB_RUN_ID), event.workflow_run?.id]
    .map(positiveInt)
    .filter((id): id is number => id !== null);
  return {
    owner,
    repo,
    defaultBranch: typeof branch === 'string' && branch !== '' ? branch : undefined,
    ownRunIds,
    pullRequestBaseSha: sha(event.pull_request?.base?.sha),
  };
}
