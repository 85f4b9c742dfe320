import {
  isPermissionError,
  permissionReason,
  truncateAtLine,
  type GitHubClient,
  type Skipped,
} from './client.js';

/** GitHub refuses an issue or PR comment body longer than this many characters. */
export const COMMENT_BODY_LIMIT = 65_536;

const TRUNCATED_NOTE =
  '_(truncated: a GitHub comment holds at most 65,536 characters; the full report is in the ' +
  'workflow run’s artifacts and job summary)_';

export type UpsertPrCommentOptions = {
  owner: string;
  repo: string;
  /** The PR (or issue) number; null skips, saying there is no pull request to comment on. */
  issueNumber: number | null;
  /** The marker's id, e.g. `perf-flow:summary`; the comment starts with `<!-- perf-flow:summary -->`. */
  marker: string;
  /** The markdown; `commentBody` adds the marker, neutralises comments and fits the limit. */
  body: string;
};

export type UpsertPrCommentResult =
  { action: 'created' | 'updated'; url: string; id: number } | Skipped;

/** The hidden HTML comment that identifies perf-flow's comment among a PR's comments. */
export function markerTag(marker: string): string {
  if (!/^[A-Za-z0-9][\w.:/-]*$/.test(marker) || marker.includes('--')) {
    throw new Error(
      `invalid comment marker ${JSON.stringify(marker)}: letters, digits, and . _ : / - only, ` +
        'no "--" (e.g. perf-flow:summary)',
    );
  }
  return `<!-- ${marker} -->`;
}

/**
 * Neutralises HTML comment delimiters so nothing in the markdown can close the marker,
 * open a comment that hides the rest, or forge another perf-flow marker.
 */
export function neutraliseHtmlComments(markdown: string): string {
  return markdown.replace(/<!--/g, '&lt;!--').replace(/--!?>/g, (m) => m.replace('>', '&gt;'));
}

/** Elements that have no place in a report: active content, forms, frames, head elements. */
const DANGEROUS_TAG =
  /<(\/?)(script|style|iframe|frame|frameset|object|embed|applet|form|input|textarea|button|select|meta|link|base|svg|math|template|noscript)\b/gi;

/**
 * Defence in depth behind the renderers' escaping: comment delimiters and dangerous
 * elements become inert text; a renderer's own `<details>` or `<br>` stay markup.
 */
export function neutraliseMarkup(markdown: string): string {
  return neutraliseHtmlComments(markdown).replace(DANGEROUS_TAG, '&lt;$1$2');
}

/**
 * The comment body: the marker first, then the markdown with comment delimiters and
 * dangerous elements neutralised, cut at a line boundary (with a note) to GitHub's 65,536 characters.
 * A body that already starts with this marker is not marked twice.
 */
export function commentBody(markdown: string, marker: string, limit = COMMENT_BODY_LIMIT): string {
  const tag = markerTag(marker);
  const content = markdown.startsWith(tag)
    ? markdown.slice(tag.length).replace(/^\n/, '')
    : markdown;
  const head = `${tag}\n`;
  return head + truncateAtLine(neutraliseMarkup(content), limit - head.length, TRUNCATED_NOTE);
}

/** Whether a comment is the one marked with `marker` (the marker opens the body). */
export function carriesMarker(body: string | null | undefined, marker: string): boolean {
  return (body ?? '').trimStart().startsWith(markerTag(marker));
}

type ListedComment = { id: number; body?: string | null; created_at: string };

/** Of the marked comments, the newest (by creation time, then id). */
function newestMarked<T extends ListedComment>(comments: T[], marker: string): T | undefined {
  let found: T | undefined;
  for (const comment of comments) {
    if (!carriesMarker(comment.body, marker)) continue;
    if (
      !found ||
      comment.created_at > found.created_at ||
      (comment.created_at === found.created_at && comment.id > found.id)
    ) {
      found = comment;
    }
  }
  return found;
}

/**
 * The sticky comment: finds the PR's comment carrying the marker (any author, the newest
 * if several) and updates it in place, or creates one. A 403/404 (a fork's read-only token,
 * a missing permission) comes back as skipped with the reason; other errors throw.
 */
export async function upsertPrComment(
  octokit: GitHubClient,
  options: UpsertPrCommentOptions,
): Promise<UpsertPrCommentResult> {
  const { owner, repo, issueNumber, marker } = options;
  if (issueNumber === null) {
    return { action: 'skipped', reason: 'no pull request to comment on (not a PR event)' };
  }
  const body = commentBody(options.body, marker);
  const where = `${owner}/${repo}#${issueNumber}`;
  const permission = '`pull-requests: write` (or `issues: write`)';

  let existing: ListedComment | undefined;
  try {
    const comments = await octokit.paginate(octokit.rest.issues.listComments, {
      owner,
      repo,
      issue_number: issueNumber,
      per_page: 100,
    });
    existing = newestMarked(comments, marker);
  } catch (error) {
    if (!isPermissionError(error)) throw error;
    return {
      action: 'skipped',
      reason: permissionReason(`list the comments of ${where}`, error, permission),
    };
  }

  if (existing) {
    try {
      const { data } = await octokit.rest.issues.updateComment({
        owner,
        repo,
        comment_id: existing.id,
        body,
      });
      return { action: 'updated', url: data.html_url, id: data.id };
    } catch (error) {
      if (!isPermissionError(error)) throw error;
      // A 404 here with a listing that worked: the comment was deleted meanwhile; a new one
      // takes its place. A 403 is the token's.
      if ((error as { status?: number }).status === 403) {
        return {
          action: 'skipped',
          reason: permissionReason(`update the perf-flow comment on ${where}`, error, permission),
        };
      }
    }
  }

  try {
    const { data } = await octokit.rest.issues.createComment({
      owner,
      repo,
      issue_number: issueNumber,
      body,
    });
    return { action: 'created', url: data.html_url, id: data.id };
  } catch (error) {
    if (!isPermissionError(error)) throw error;
    return {
      action: 'skipped',
      reason: permissionReason(`comment on ${where}`, error, permission),
    };
  }
}
