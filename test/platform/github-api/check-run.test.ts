import { getOctokit } from '@actions/github';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CHECK_OUTPUT_LIMIT,
  checkConclusion,
  publishCheckRun,
  type CheckAnnotation,
  type CheckVerdict,
  type PublishCheckRunOptions,
} from '../../../src/platform/github-api/check-run.js';
import { startFakeGitHubApi, type FakeGitHubApi } from '../../helpers/fake-github-api.js';

const headSha = 'a'.repeat(40);
let fake: FakeGitHubApi;
let octokit: ReturnType<typeof getOctokit>;

beforeEach(async () => {
  fake = await startFakeGitHubApi();
  octokit = getOctokit(fake.token, { baseUrl: fake.url });
});
afterEach(async () => {
  await fake.close();
});

const options = (over: Partial<PublishCheckRunOptions> = {}): PublishCheckRunOptions => ({
  owner: 'acme',
  repo: 'shop',
  headSha,
  name: 'perf-flow',
  verdict: 'PASS',
  failed: false,
  title: 'PASS: 4/4 SLOs met',
  summary: '## perf-flow\nall good',
  annotations: [],
  ...over,
});

describe('publishCheckRun against the fake GitHub API', () => {
  const verdicts: (CheckVerdict | null)[] = ['PASS', 'PARTIAL', 'FAIL', 'INCONCLUSIVE', null];
  const cases = verdicts.flatMap((verdict) =>
    [false, true].map((failed) => ({
      verdict,
      failed,
      expected: failed ? 'failure' : verdict === 'PASS' ? 'success' : 'neutral',
    })),
  );

  it.each(cases)(
    'verdict $verdict, failed $failed → $expected',
    async ({ verdict, failed, expected }) => {
      const result = await publishCheckRun(octokit, options({ verdict, failed }));
      expect(result).toMatchObject({ action: 'created', conclusion: expected });
      expect(checkConclusion(verdict, failed)).toBe(expected);
      expect(fake.checkRuns).toHaveLength(1);
      const run = fake.checkRuns[0]!;
      if (result.action !== 'created') throw new Error('skipped');
      expect(result.id).toBe(run.id);
      expect(result.url).toBe(run.html_url);
      expect(run).toMatchObject({
        name: 'perf-flow',
        head_sha: headSha,
        status: 'completed',
        conclusion: expected,
      });
    },
  );

  it('sends 120 annotations as one create with 50, then updates with 50 and 20', async () => {
    const annotations: CheckAnnotation[] = Array.from({ length: 120 }, (_, i) => ({
      path: `./src/hot-${i}.ts`,
      line: i + 1,
      message: `hotspot ${i}: 12% self time`,
      title: `hotspot ${i}`,
      level: i % 3 === 0 ? 'warning' : 'notice',
    }));
    const result = await publishCheckRun(
      octokit,
      options({ annotations, verdict: 'FAIL', failed: true }),
    );
    expect(result).toMatchObject({ action: 'created', annotations: 120, conclusion: 'failure' });

    const calls = fake.requests.map((r) => ({
      method: r.method,
      path: r.path,
      count: ((r.body as { output: { annotations: unknown[] } }).output.annotations ?? []).length,
    }));
    const id = fake.checkRuns[0]!.id;
    expect(calls).toEqual([
      { method: 'POST', path: '/repos/acme/shop/check-runs', count: 50 },
      { method: 'PATCH', path: `/repos/acme/shop/check-runs/${id}`, count: 50 },
      { method: 'PATCH', path: `/repos/acme/shop/check-runs/${id}`, count: 20 },
    ]);
    const stored = fake.checkRuns[0]!.annotations;
    expect(stored).toHaveLength(120);
    expect(stored[119]).toEqual({
      path: 'src/hot-119.ts',
      start_line: 120,
      end_line: 120,
      annotation_level: 'notice',
      message: 'hotspot 119: 12% self time',
      title: 'hotspot 119',
    });
    // The conclusion set at creation is kept through the updates.
    expect(fake.checkRuns[0]!.conclusion).toBe('failure');
  });

  it('truncates a summary and text over 65,535 characters with a link to the full report', async () => {
    const detailsUrl = 'https://github.com/acme/shop/actions/runs/42';
    const summary = Array.from({ length: 2000 }, (_, i) => `| row ${i} | ${'9'.repeat(40)} |`).join(
      '\n',
    );
    expect(summary.length).toBeGreaterThan(CHECK_OUTPUT_LIMIT);
    const result = await publishCheckRun(octokit, options({ summary, text: summary, detailsUrl }));
    expect(result.action).toBe('created');
    const run = fake.checkRuns[0]!;
    for (const field of [run.output.summary!, run.output.text!]) {
      expect(field.length).toBeLessThanOrEqual(CHECK_OUTPUT_LIMIT);
      expect(field).toMatch(/\| row \d+ \| 9{40} \|\n\n_\(truncated: /);
      expect(field).toContain(`[the full report](${detailsUrl})`);
    }
    expect(run.details_url).toBe(detailsUrl);
  });

  it('keeps the check run when a later annotation batch is refused', async () => {
    const annotations: CheckAnnotation[] = Array.from({ length: 60 }, (_, i) => ({
      path: 'src/a.ts',
      line: i + 1,
      message: 'm',
      level: 'notice',
    }));
    const realUpdate = octokit.rest.checks.update;
    octokit.rest.checks.update = (async (...args: Parameters<typeof realUpdate>) => {
      fake.readOnly = true;
      return realUpdate(...args);
    }) as typeof realUpdate;
    const result = await publishCheckRun(octokit, options({ annotations }));
    expect(result).toMatchObject({ action: 'created', annotations: 50 });
    expect(fake.checkRuns[0]!.annotations).toHaveLength(50);
  });

  it('leaves a short summary untouched', async () => {
    await publishCheckRun(octokit, options({ summary: 'short' }));
    expect(fake.checkRuns[0]!.output.summary).toBe('short');
    expect(fake.checkRuns[0]!.output.text).toBeNull();
  });

  it('skips with `checks: write` named when the token is read-only (403)', async () => {
    fake.readOnly = true;
    const result = await publishCheckRun(octokit, options());
    expect(result.action).toBe('skipped');
    if (result.action !== 'skipped') throw new Error('not skipped');
    expect(result.reason).toContain('checks: write');
    expect(result.reason).toContain('HTTP 403 Resource not accessible by integration');
    expect(fake.checkRuns).toEqual([]);
  });
});
