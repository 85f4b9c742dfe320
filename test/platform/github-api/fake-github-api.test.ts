import { getOctokit } from '@actions/github';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeGitHubApi, type FakeGitHubApi } from '../../helpers/fake-github-api.js';

let fake: FakeGitHubApi;
beforeEach(async () => {
  fake = await startFakeGitHubApi({ token: 'ghs_right' });
});
afterEach(async () => {
  await fake.close();
});

describe('the fake GitHub API itself', () => {
  it('refuses a request without the token, as GitHub does (401 Bad credentials)', async () => {
    const wrong = getOctokit('ghs_wrong', { baseUrl: fake.url });
    await expect(
      wrong.rest.issues.listComments({ owner: 'acme', repo: 'shop', issue_number: 1 }),
    ).rejects.toMatchObject({ status: 401 });
    const anonymous = await fetch(`${fake.url}/repos/acme/shop/issues/1/comments`);
    expect(anonymous.status).toBe(401);
    expect(fake.requests).toHaveLength(2);
  });

  it('pages comments with a correct Link header', async () => {
    for (let i = 0; i < 250; i++) fake.seedComment('acme', 'shop', 1, `c${i}`);
    const page = (n: number) =>
      fetch(`${fake.url}/repos/acme/shop/issues/1/comments?per_page=100&page=${n}`, {
        headers: { authorization: 'token ghs_right' },
      });
    const first = await page(1);
    const url = (p: number) =>
      `${fake.url}/repos/acme/shop/issues/1/comments?per_page=100&page=${p}`;
    expect(first.headers.get('link')).toBe(`<${url(2)}>; rel="next", <${url(3)}>; rel="last"`);
    expect(((await first.json()) as unknown[]).length).toBe(100);
    const last = await page(3);
    expect(last.headers.get('link')).toBe(`<${url(2)}>; rel="prev", <${url(1)}>; rel="first"`);
    expect(((await last.json()) as { body: string }[]).map((c) => c.body).at(-1)).toBe('c249');
  });

  it('answers 403 like a read-only token, and 404 for an unknown endpoint', async () => {
    const octokit = getOctokit('ghs_right', { baseUrl: fake.url });
    fake.readOnly = true;
    await expect(
      octokit.rest.issues.createComment({
        owner: 'acme',
        repo: 'shop',
        issue_number: 1,
        body: 'x',
      }),
    ).rejects.toMatchObject({
      status: 403,
      response: { data: { message: 'Resource not accessible by integration' } },
    });
    await expect(
      octokit.rest.repos.getBranch({ owner: 'acme', repo: 'shop', branch: 'main' }),
    ).rejects.toMatchObject({ status: 404 });
    const { data } = await octokit.rest.repos.get({ owner: 'acme', repo: 'shop' });
    expect(data.default_branch).toBe('main');
  });
});
