import { getOctokit } from '@actions/github';
import type { Logger, PublishedResult } from './types.js';
import { publishCheckRun } from './github-api/check-run.js';
import { httpStatus } from './github-api/client.js';
import { readPullRequestContext } from './github-api/context.js';
import { upsertPrComment } from './github-api/pr-comment.js';

export const COMMENT_MARKER = 'perf-flow:summary';

/**
 * The sticky PR comment and the `perf-flow` check run. A refusal (a fork's read-only token)
 * or any other API failure becomes a line saying what was not posted and why: the verdict
 * and the job's outcome stand on their own.
 */
export async function publishOnGitHub(
  result: PublishedResult,
  token: string | undefined,
  log: Logger,
): Promise<string[]> {
  if (!token) return ['nothing posted to GitHub: no token (the `token` input, or GITHUB_TOKEN)'];
  const octokit = getOctokit(
    token,
    process.env.GITHUB_API_URL ? { baseUrl: process.env.GITHUB_API_URL } : {},
  );
  const notes: string[] = [];
  const attempt = async (what: string, post: () => Promise<string>) => {
    try {
      notes.push(await post());
    } catch (error) {
      const status = httpStatus(error);
      notes.push(
        `${what} not posted: ${status ? `HTTP ${status}: ` : ''}${(error as Error).message}`,
      );
    }
  };
  let context: Awaited<ReturnType<typeof readPullRequestContext>> | undefined;
  await attempt('PR context', async () => {
    context = await readPullRequestContext(process.env, octokit);
    return `pull request: ${context.prNumber === null ? 'none for this event' : `#${context.prNumber}`}, head ${context.headSha.slice(0, 12)}`;
  });
  if (context) {
    const { owner, repo, prNumber, headSha, runUrl } = context;
    await attempt('PR comment', async () => {
      const posted = await upsertPrComment(octokit, {
        owner,
        repo,
        issueNumber: prNumber,
        marker: COMMENT_MARKER,
        body: result.markdown,
      });
      return posted.action === 'skipped'
        ? `PR comment not posted: ${posted.reason}`
        : `PR comment ${posted.action}: ${posted.url}`;
    });
    await attempt('check run', async () => {
      const posted = await publishCheckRun(octokit, {
        owner,
        repo,
        headSha,
        name: 'perf-flow',
        verdict: result.verdict,
        failed: result.failed,
        title: result.title,
        summary: result.markdown,
        detailsUrl: runUrl,
        annotations: result.annotations.map((a) => ({ ...a, level: 'notice' as const })),
      });
      return posted.action === 'skipped'
        ? `check run not posted: ${posted.reason}`
        : `check run perf-flow: ${posted.conclusion} (${posted.annotations} annotations): ${posted.url}`;
    });
  }
  for (const note of notes) (note.includes('not posted') ? log.warn : log.info)(note);
  return notes;
}
