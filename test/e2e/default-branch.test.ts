import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseStageData } from '../../src/data/store.js';
import { FakeArtifactService } from '../helpers/fake-artifact-service.js';
import { startFakeGitHubApi, type FakeGitHubApi } from '../helpers/fake-github-api.js';
import { FAST_CONFIG, readGithubOutputs, ROOT, runNode, tempDir } from './helpers.js';

/**
 * A pull request's summary compares with the default branch's latest run: found through the
 * repository's artifact list, downloaded from that other run with the real artifact client.
 */
describe('before/after against the default branch', () => {
  let service: FakeArtifactService;
  let github: FakeGitHubApi;
  let root: string;
  const mainSha = 'b'.repeat(40);
  const prSha = 'c'.repeat(40);

  beforeAll(async () => {
    service = await FakeArtifactService.start();
    github = await startFakeGitHubApi();
    github.actionsUpstream = service.url;
    service.restToken = github.token;
    root = await tempDir('default-branch');
    await writeFile(
      path.join(root, 'pr-event.json'),
      JSON.stringify({
        pull_request: { number: 12, head: { sha: prSha } },
        repository: { default_branch: 'main' },
      }),
    );
    await writeFile(path.join(root, 'push-event.json'), JSON.stringify({}));

    // The default branch's run 100, then a fork's run 150 on a branch also called main,
    // newer and far slower: only the first may serve as "before".
    service.runs.set('100', {
      headBranch: 'main',
      headSha: mainSha,
      repositoryId: 1,
      headRepositoryId: 1,
    });
    service.runs.set('150', {
      headBranch: 'main',
      headSha: 'd'.repeat(40),
      repositoryId: 1,
      headRepositoryId: 2,
    });
    service.runs.set('200', {
      headBranch: 'feature',
      headSha: prSha,
      repositoryId: 1,
      headRepositoryId: 1,
    });
    await job('baseline', { runId: '100', jobId: 'main-baseline', event: 'push-event.json' });
    await job('baseline', {
      runId: '150',
      jobId: 'fork-baseline',
      event: 'push-event.json',
      env: { DEMO_LATENCY_MS: '40' },
    });
    await job('baseline', { runId: '200', jobId: 'pr-baseline', event: 'pr-event.json' });
  }, 120_000);
  afterAll(async () => {
    await github?.close();
    await service?.close();
  });

  async function job(
    stage: string,
    options: { runId: string; jobId: string; event: string; env?: Record<string, string> },
  ) {
    const workspace = path.join(root, options.jobId);
    const outputFile = path.join(root, `${options.jobId}.output`);
    await writeFile(outputFile, '');
    const run = await runNode(path.join(ROOT, `dist/${stage}/index.js`), [], {
      cwd: root,
      env: {
        ...service.env({ runId: options.runId, jobId: options.jobId, workspace }),
        // One API host serves the comments and, relayed, the artifact listing.
        GITHUB_API_URL: github.url,
        GITHUB_ACTIONS: 'true',
        GITHUB_REPOSITORY: 'acme/shop',
        GITHUB_SHA: options.runId === '200' ? prSha : mainSha,
        GITHUB_EVENT_PATH: path.join(root, options.event),
        GITHUB_OUTPUT: outputFile,
        INPUT_CONFIG: FAST_CONFIG,
        'INPUT_REPORT-DIR': path.join(workspace, 'perf-flow-report'),
        INPUT_TOKEN: github.token,
        ...options.env,
      },
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    return { ...run, workspace, outputs: await readGithubOutputs(outputFile) };
  }

  /** The summary job's data file, after running it. */
  async function summaryOf(options: Parameters<typeof job>[1]) {
    const { workspace } = await job('summary', options);
    const file = path.join(workspace, 'perf-flow-report/data/summary.json');
    return parseStageData('summary', await readFile(file, 'utf8'), file);
  }

  it("puts the default branch's run, not a fork's, in the PR comment's before/after", async () => {
    const data = await summaryOf({
      runId: '200',
      jobId: 'pr-summary',
      event: 'pr-event.json',
    });
    expect(data.comparison?.source).toBe(
      `the default branch's run 100 (commit ${mainSha.slice(0, 12)})`,
    );
    expect(data.comparison?.beforeCommit).toBe(mainSha);
    expect(data.comparison?.rows.map((r) => r.metric)).toContain('latency.p95');
    // The fork's run, 40 ms slower, would read as a large improvement.
    const p50 = data.comparison!.rows.find((r) => r.metric === 'latency.p50' && !r.journey)!;
    expect(p50.before).toBeLessThan(30);

    const comment = github.commentsOn('acme', 'shop', 12)[0]!.body;
    expect(comment).toContain("Compared with the default branch's run 100");
    expect(service.kinds()).toContain('rest:ListArtifactsForRepo');
    expect(service.kinds()).toContain('rest:DownloadArtifact');
  }, 60_000);

  it('says why there is no before/after when the token cannot read other runs', async () => {
    github.forbidden.add('actions');
    try {
      const summary = await job('summary', {
        runId: '200',
        jobId: 'pr-summary-no-actions',
        event: 'pr-event.json',
      });
      expect(summary.outputs.verdict).toBe('');
      expect(summary.stdout).toMatch(/HTTP 403.*actions: read/);
      const comment = github.commentsOn('acme', 'shop', 12)[0]!.body;
      expect(comment).toMatch(
        /no default-branch result: could not list the perf-flow-load-test artifacts: HTTP 403/,
      );
      expect(comment).toContain('actions: read');
    } finally {
      github.forbidden.delete('actions');
    }
  }, 60_000);

  it('on the default branch itself compares with its previous run, not with itself', async () => {
    const data = await summaryOf({
      runId: '100',
      jobId: 'main-summary',
      event: 'push-event.json',
    });
    // Run 100 is the only run of the default branch: nothing else to compare with.
    expect(data.comparison).toBeNull();
    expect(data.comparisonNote).toMatch(
      /no unexpired perf-flow-load-test or perf-flow-baseline artifact from a run on the default branch \(main\)/,
    );
  }, 60_000);
});
