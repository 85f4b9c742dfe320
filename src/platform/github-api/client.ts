import type { getOctokit } from '@actions/github';

/** The client `@actions/github`'s `getOctokit(token, { baseUrl })` returns. */
export type GitHubClient = ReturnType<typeof getOctokit>;

/** What a publisher did, or why it did nothing. */
export type Skipped = { action: 'skipped'; reason: string };

/** The HTTP status an Octokit `RequestError` carries, or undefined for anything else. */
export function httpStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const status = (error as { status?: unknown }).status;
  return typeof status === 'number' ? status : undefined;
}

/** 403 (read-only token, missing permission, rate limit) and 404 (no access to the repo). */
export function isPermissionError(error: unknown): boolean {
  const status = httpStatus(error);
  return status === 403 || status === 404;
}

/** A reason a user can act on: what failed, GitHub's own words, and the permission needed. */
export function permissionReason(what: string, error: unknown, permission: string): string {
  const status = httpStatus(error);
  const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
  return (
    `could not ${what}: HTTP ${status ?? '?'} ${message}. ` +
    `The token needs \`permissions: ${permission}\`; a pull_request run from a fork gets a ` +
    `read-only token, so post from a workflow_run workflow instead.`
  );
}

/**
 * Cuts `text` to at most `limit` characters (UTF-16 code units, never fewer than GitHub
 * counts) at a line boundary, closes a code fence left open, and ends with `note`.
 */
export function truncateAtLine(text: string, limit: number, note: string): string {
  if (text.length <= limit) return text;
  const closeFence = '\n```';
  const budget = limit - note.length - closeFence.length - 2;
  if (budget <= 0) return note.slice(0, limit);
  let cut = text.slice(0, budget);
  const newline = cut.lastIndexOf('\n');
  // A single giant line has no boundary to cut at: cut inside it, off a surrogate pair.
  if (newline > 0) cut = cut.slice(0, newline);
  else if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  const fences = cut.split('\n').filter((line) => /^\s{0,3}(```|~~~)/.test(line)).length;
  if (fences % 2 === 1) cut += closeFence;
  return `${cut}\n\n${note}`;
}
