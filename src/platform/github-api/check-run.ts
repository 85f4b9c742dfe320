import {
  isPermissionError,
  permissionReason,
  truncateAtLine,
  type GitHubClient,
  type Skipped,
} from './client.js';

/** GitHub's limit on a check run's `output.summary` and `output.text`, each. */
export const CHECK_OUTPUT_LIMIT = 65_535;
/** GitHub takes at most this many annotations per check-run request. */
export const ANNOTATIONS_PER_REQUEST = 50;
/** GitHub's limits on an annotation's title and message (64 KB; kept in characters here). */
const ANNOTATION_TITLE_LIMIT = 255;
const ANNOTATION_MESSAGE_LIMIT = 64 * 1024 - 1;

export type CheckVerdict = 'PASS' | 'PARTIAL' | 'FAIL' | 'INCONCLUSIVE';
export type CheckConclusion = 'success' | 'neutral' | 'failure';

export type CheckAnnotation = {
  path: string;
  line: number;
  message: string;
  title?: string;
  level: 'notice' | 'warning' | 'failure';
};

export type PublishCheckRunOptions = {
  owner: string;
  repo: string;
  headSha: string;
  name: string;
  verdict: CheckVerdict | null;
  /** The verdict is one of `fail-on`: the job fails, and so does the check. */
  failed: boolean;
  title: string;
  summary: string;
  text?: string;
  /** Where the full report is (the workflow run); linked from the truncation note. */
  detailsUrl?: string;
  annotations: CheckAnnotation[];
};

export type PublishCheckRunResult =
  | { action: 'created'; id: number; url: string; conclusion: CheckConclusion; annotations: number }
  | Skipped;

/**
 * failure when the verdict fails the gate (`failed`, which wins over everything else),
 * success for PASS, neutral for anything else: PARTIAL, an INCONCLUSIVE not in fail-on,
 * no verdict at all.
 */
export function checkConclusion(verdict: CheckVerdict | null, failed: boolean): CheckConclusion {
  if (failed) return 'failure';
  return verdict === 'PASS' ? 'success' : 'neutral';
}

/** Fits a check output field into 65,535 characters, pointing at the full report. */
export function fitCheckOutput(
  markdown: string,
  detailsUrl?: string,
  limit = CHECK_OUTPUT_LIMIT,
): string {
  const where = detailsUrl ? `[the full report](${detailsUrl})` : 'the workflow run’s artifacts';
  const note = `_(truncated: a check run’s output holds at most 65,535 characters; see ${where})_`;
  return truncateAtLine(markdown, limit, note);
}

function toApiAnnotation(annotation: CheckAnnotation) {
  const line = Number.isInteger(annotation.line) && annotation.line > 0 ? annotation.line : 1;
  return {
    path: annotation.path.replace(/^\.\//, ''),
    start_line: line,
    end_line: line,
    annotation_level: annotation.level,
    message: annotation.message.slice(0, ANNOTATION_MESSAGE_LIMIT),
    ...(annotation.title !== undefined
      ? { title: annotation.title.slice(0, ANNOTATION_TITLE_LIMIT) }
      : {}),
  };
}

/**
 * Creates a completed check run on `headSha` carrying the verdict's conclusion, with the
 * first 50 annotations, then adds the rest 50 at a time (checks.update appends them).
 * A 403/404 on creation (a fork's read-only token, no `checks: write`) comes back as
 * skipped with the reason; other errors throw. A 403 on a later batch keeps the check
 * run and reports how many annotations it got.
 */
export async function publishCheckRun(
  octokit: GitHubClient,
  options: PublishCheckRunOptions,
): Promise<PublishCheckRunResult> {
  const { owner, repo, headSha, name } = options;
  const conclusion = checkConclusion(options.verdict, options.failed);
  const output = {
    title: options.title.slice(0, 1000),
    summary: fitCheckOutput(options.summary, options.detailsUrl),
    ...(options.text !== undefined
      ? { text: fitCheckOutput(options.text, options.detailsUrl) }
      : {}),
  };
  const annotations = options.annotations.map(toApiAnnotation);
  const batches: (typeof annotations)[] = [];
  for (let i = 0; i < annotations.length; i += ANNOTATIONS_PER_REQUEST) {
    batches.push(annotations.slice(i, i + ANNOTATIONS_PER_REQUEST));
  }

  let id: number;
  let url: string;
  try {
    const { data } = await octokit.rest.checks.create({
      owner,
      repo,
      name,
      head_sha: headSha,
      status: 'completed',
      conclusion,
      completed_at: new Date().toISOString(),
      ...(options.detailsUrl ? { details_url: options.detailsUrl } : {}),
      output: { ...output, annotations: batches[0] ?? [] },
    });
    id = data.id;
    url = data.html_url ?? data.url;
  } catch (error) {
    if (!isPermissionError(error)) throw error;
    return {
      action: 'skipped',
      reason: permissionReason(
        `create the ${name} check run on ${owner}/${repo}@${headSha.slice(0, 12)}`,
        error,
        '`checks: write`',
      ),
    };
  }

  let sent = batches[0]?.length ?? 0;
  for (const batch of batches.slice(1)) {
    try {
      await octokit.rest.checks.update({
        owner,
        repo,
        check_run_id: id,
        output: { ...output, annotations: batch },
      });
      sent += batch.length;
    } catch (error) {
      if (!isPermissionError(error)) throw error;
      break;
    }
  }
  return { action: 'created', id, url, conclusion, annotations: sent };
}
