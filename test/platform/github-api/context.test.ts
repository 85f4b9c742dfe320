import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getOctokit } from '@actions/github';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readPullRequestContext } from '../../../src/platform/github-api/context.js';
import { startFakeGitHubApi, type FakeGitHubApi } from '../../helpers/fake-github-api.js';

const head = 'b'.repeat(40);
const merge = 'c'.repeat(40);
let fake: FakeGitHubApi;
let octokit: ReturnType<typeof getOctokit>;
let dir: string;

beforeEach(async () => {
  fake = await startFakeGitHubApi();
  octokit = getOctokit(fake.token, { baseUrl: fake.url });
  dir = await mkdtemp(join(tmpdir(), 'perf-flow-context-'));
});
afterEach(async () => {
  await fake.close();
  await rm(dir, { recursive: true, force: true });
});

async function env(event: unknown, extra: Record<string, string> = {}) {
  const path = join(dir, 'event.json');
  await writeFile(path, JSON.stringify(event));
  return {
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_EVENT_PATH: path,
    GITHUB_SHA: merge,
    GITHUB_SERVER_URL: 'https://github.example.com',
    GITHUB_RUN_ID: '4242',
    ...extra,
  };
}

describe('readPullRequestContext', () => {
  it('reads the PR number and head SHA from a pull_request event', async () => {
    const context = await readPullRequestContext(
      await env({
        action: 'synchronize',
        number: 7,
        pull_request: { number: 7, head: { sha: head } },
      }),
      octokit,
    );
    expect(context).toEqual({
      owner: 'acme',
      repo: 'shop',
      prNumber: 7,
      headSha: head,
      runUrl: 'https://github.example.com/acme/shop/actions/runs/4242',
    });
    expect(fake.requests).toEqual([]);
  });

  it('reads a workflow_run event that lists its PR', async () => {
    const context = await readPullRequestContext(
      await env({
        workflow_run: {
          head_sha: head,
          pull_requests: [{ number: 9, head: { sha: head }, base: { repo: { name: 'shop' } } }],
        },
      }),
      octokit,
    );
    expect(context).toMatchObject({ prNumber: 9, headSha: head });
    expect(fake.requests).toEqual([]);
  });

  it('looks the PR up by head SHA when workflow_run.pull_requests is empty (a fork)', async () => {
    fake.pullsByCommit.set(head, [
      {
        number: 3,
        state: 'closed',
        head: { sha: 'd'.repeat(40) },
        base: { repo: { full_name: 'acme/shop' } },
      },
      {
        number: 11,
        state: 'open',
        head: { sha: head },
        base: { repo: { full_name: 'fork/shop' } },
      },
      {
        number: 12,
        state: 'open',
        head: { sha: head },
        base: { repo: { full_name: 'acme/shop' } },
      },
    ]);
    const context = await readPullRequestContext(
      await env({ workflow_run: { head_sha: head, pull_requests: [] } }),
      octokit,
    );
    expect(context).toMatchObject({ prNumber: 12, headSha: head });
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET /repos/acme/shop/commits/${head}/pulls`,
    ]);
  });

  it('gives no PR when the lookup finds none, or is forbidden, and keeps the head SHA', async () => {
    const e = await env({ workflow_run: { head_sha: head, pull_requests: [] } });
    expect(await readPullRequestContext(e, octokit)).toMatchObject({
      prNumber: null,
      headSha: head,
    });
    fake.forbidden.add('pulls');
    expect(await readPullRequestContext(e, octokit)).toMatchObject({
      prNumber: null,
      headSha: head,
    });
  });

  it('falls back to GITHUB_SHA for other events, and without an event file', async () => {
    expect(
      await readPullRequestContext(await env({ ref: 'refs/heads/main' }), octokit),
    ).toMatchObject({
      prNumber: null,
      headSha: merge,
    });
    const { GITHUB_EVENT_PATH: _omit, ...noEvent } = await env({});
    expect(
      await readPullRequestContext({ ...noEvent, GITHUB_SERVER_URL: undefined }, octokit),
    ).toEqual({
      owner: 'acme',
      repo: 'shop',
      prNumber: null,
      headSha: merge,
      runUrl: 'https://github.com/acme/shop/actions/runs/4242',
    });
  });

  it('names what is missing or malformed', async () => {
    await expect(readPullRequestContext({ GITHUB_SHA: merge }, octokit)).rejects.toThrow(
      /GITHUB_REPOSITORY/,
    );
    await expect(
      readPullRequestContext({ GITHUB_REPOSITORY: 'acme', GITHUB_SHA: merge }, octokit),
    ).rejects.toThrow(/owner\/repo/);
    await expect(
      readPullRequestContext({ GITHUB_REPOSITORY: 'acme/shop' }, octokit),
    ).rejects.toThrow(/GITHUB_SHA/);
    const path = join(dir, 'broken.json');
    await writeFile(path, '{not json');
    await expect(
      readPullRequestContext(
        { GITHUB_REPOSITORY: 'acme/shop', GITHUB_SHA: merge, GITHUB_EVENT_PATH: path },
        octokit,
      ),
    ).rejects.toThrow(/not valid JSON/);
  });
});
