import { getOctokit } from '@actions/github';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  COMMENT_BODY_LIMIT,
  commentBody,
  markerTag,
  upsertPrComment,
} from '../../../src/platform/github-api/pr-comment.js';
import { escapeMarkdown } from '../../../src/report/format.js';
import { startFakeGitHubApi, type FakeGitHubApi } from '../../helpers/fake-github-api.js';

const owner = 'acme';
const repo = 'shop';
const marker = 'perf-flow:summary';
const tag = '<!-- perf-flow:summary -->';

let fake: FakeGitHubApi;
let octokit: ReturnType<typeof getOctokit>;

beforeEach(async () => {
  fake = await startFakeGitHubApi();
  octokit = getOctokit(fake.token, { baseUrl: fake.url });
});
afterEach(async () => {
  await fake.close();
});

const upsert = (body: string, issueNumber: number | null = 7) =>
  upsertPrComment(octokit, { owner, repo, issueNumber, marker, body });

describe('upsertPrComment against the fake GitHub API', () => {
  it('creates the comment, then updates it in place on the next call', async () => {
    const first = await upsert('## verdict: PASS');
    expect(first).toMatchObject({ action: 'created' });
    expect(fake.commentsOn(owner, repo, 7)).toHaveLength(1);
    expect(fake.comments[0]!.body).toBe(`${tag}\n## verdict: PASS`);

    const second = await upsert('## verdict: FAIL');
    expect(second).toMatchObject({ action: 'updated' });
    if (first.action === 'skipped' || second.action === 'skipped') throw new Error('skipped');
    expect(second.url).toBe(first.url);
    expect(fake.commentsOn(owner, repo, 7)).toHaveLength(1);
    expect(fake.comments[0]!.body).toBe(`${tag}\n## verdict: FAIL`);
    expect(fake.requests.map((r) => r.method)).toEqual(['GET', 'POST', 'GET', 'PATCH']);
    expect(fake.requests[0]!.query.per_page).toBe('100');
  });

  it('finds its comment on page 3 of 250, following the Link header', async () => {
    for (let i = 0; i < 250; i++) {
      fake.seedComment(owner, repo, 7, i === 230 ? `${tag}\nold report` : `comment ${i}`);
    }
    const marked = fake.comments[230]!;
    const result = await upsert('new report');
    expect(result).toMatchObject({ action: 'updated', id: marked.id });
    expect(marked.body).toBe(`${tag}\nnew report`);
    expect(fake.commentsOn(owner, repo, 7)).toHaveLength(250);
    const gets = fake.requests.filter((r) => r.method === 'GET');
    expect(gets.map((r) => r.query.page ?? '1')).toEqual(['1', '2', '3']);
  });

  it('updates the newest of several marked comments, whoever wrote them', async () => {
    fake.seedComment(owner, repo, 7, `${tag}\nolder`, 'alice');
    const newer = fake.seedComment(owner, repo, 7, `${tag}\nnewer`, 'bob');
    fake.seedComment(owner, repo, 7, '<!-- perf-flow:other -->\nanother job');
    const result = await upsert('fresh');
    expect(result).toMatchObject({ action: 'updated', id: newer.id });
    expect(fake.comments.map((c) => c.body)).toEqual([
      `${tag}\nolder`,
      `${tag}\nfresh`,
      '<!-- perf-flow:other -->\nanother job',
    ]);
  });

  it('keeps the marker intact and the comment unique under a markdown-injection attempt', async () => {
    const journey = '<script>alert(1)</script> @octocat --> <!-- perf-flow:summary -->';
    const markdown = [
      `## journey ${escapeMarkdown(journey)}`,
      // Raw, unescaped text too: commentBody must hold even when a renderer forgets.
      `raw: ${journey}`,
      '<details><summary>more</summary>',
      '',
      'x --!> y',
      '</details>',
    ].join('\n');
    const first = await upsert(markdown);
    expect(first.action).toBe('created');
    const second = await upsert(markdown);
    expect(second.action).toBe('updated');

    const comments = fake.commentsOn(owner, repo, 7);
    expect(comments).toHaveLength(1);
    const body = comments[0]!.body;
    expect(body.startsWith(`${tag}\n`)).toBe(true);
    // The only comment delimiters left are the marker's own.
    expect(body.split('<!--')).toHaveLength(2);
    expect(body.match(/--!?>/g)).toEqual(['-->']);
    expect(body).not.toContain('<script>');
    const [, escaped, raw] = body.split('\n');
    expect(escaped).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(escaped).not.toMatch(/@octocat/);
    expect(raw).toContain('&lt;script>alert(1)&lt;/script>');
    // Legitimate HTML from the renderer (collapsible details) survives.
    expect(body).toContain('<details><summary>more</summary>');
  });

  it('skips with the permission named when the token is read-only (403)', async () => {
    fake.readOnly = true;
    const created = await upsert('report');
    expect(created.action).toBe('skipped');
    if (created.action !== 'skipped') throw new Error('not skipped');
    expect(created.reason).toContain('Resource not accessible by integration');
    expect(created.reason).toContain('pull-requests: write');
    expect(created.reason).toContain('issues: write');

    fake.readOnly = false;
    fake.seedComment(owner, repo, 7, `${tag}\nold`);
    fake.readOnly = true;
    const updated = await upsert('report');
    expect(updated).toMatchObject({ action: 'skipped' });
    expect(fake.commentsOn(owner, repo, 7).map((c) => c.body)).toEqual([`${tag}\nold`]);

    fake.forbidden.add('issues');
    const listed = await upsert('report');
    expect(listed).toMatchObject({ action: 'skipped' });
    if (listed.action !== 'skipped') throw new Error('not skipped');
    expect(listed.reason).toMatch(/could not list the comments of acme\/shop#7: HTTP 403/);
  });

  it('creates a new comment when the marked one was deleted between listing and updating', async () => {
    const stale = fake.seedComment(owner, repo, 7, `${tag}\nold`);
    const realList = octokit.paginate.bind(octokit);
    octokit.paginate = (async (...args: Parameters<typeof realList>) => {
      const listed = await realList(...args);
      fake.comments = fake.comments.filter((c) => c.id !== stale.id);
      return listed;
    }) as typeof octokit.paginate;
    expect(await upsert('fresh')).toMatchObject({ action: 'created' });
    expect(fake.commentsOn(owner, repo, 7).map((c) => c.body)).toEqual([`${tag}\nfresh`]);
  });

  it('skips without a request when there is no pull request', async () => {
    expect(await upsert('report', null)).toMatchObject({ action: 'skipped' });
    expect(fake.requests).toEqual([]);
  });

  it('caps a huge body at 65,536 characters at a line boundary, and GitHub accepts it', async () => {
    const line = 'x'.repeat(99);
    const markdown = Array.from({ length: 1000 }, (_, i) => `${i} ${line}`).join('\n');
    const result = await upsert(markdown);
    expect(result.action).toBe('created');
    const body = fake.comments[0]!.body;
    expect(body.length).toBeLessThanOrEqual(COMMENT_BODY_LIMIT);
    expect(body.startsWith(`${tag}\n0 x`)).toBe(true);
    expect(body).toMatch(/\n\d+ x{99}\n\n_\(truncated: a GitHub comment holds at most 65,536/);
  });
});

describe('commentBody', () => {
  it('puts the marker first, once', () => {
    expect(commentBody('hello', marker)).toBe(`${tag}\nhello`);
    expect(commentBody(`${tag}\nhello`, marker)).toBe(`${tag}\nhello`);
  });

  it('neutralises comment delimiters anywhere in the markdown', () => {
    expect(commentBody('a <!-- b --> c --!> d', marker)).toBe(
      `${tag}\na &lt;!-- b --&gt; c --!&gt; d`,
    );
  });

  it("makes dangerous elements inert and keeps the renderers' own HTML", () => {
    expect(
      commentBody('<SCRIPT src=x></script><iframe/><details><summary>s</summary>', marker),
    ).toBe(`${tag}\n&lt;SCRIPT src=x>&lt;/script>&lt;iframe/><details><summary>s</summary>`);
  });

  it('closes a code fence the cut left open', () => {
    const markdown = ['```', ...Array.from({ length: 100 }, () => 'y'.repeat(50)), '```'].join(
      '\n',
    );
    const body = commentBody(markdown, marker, 1000);
    expect(body.length).toBeLessThanOrEqual(1000);
    expect(body.match(/^```/gm)).toHaveLength(2);
  });

  it('refuses a marker that could break out of the HTML comment', () => {
    expect(() => markerTag('perf-flow:x -->')).toThrow(/invalid comment marker/);
    expect(() => markerTag('a--b')).toThrow(/invalid comment marker/);
    expect(markerTag('perf-flow:load-test')).toBe('<!-- perf-flow:load-test -->');
  });
});
