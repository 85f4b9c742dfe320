import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGitHubApi, type FakeGitHubApi } from '../helpers/fake-github-api.js';
import {
  cli,
  DEMO_DIR,
  FAST_CONFIG,
  readGithubOutputs,
  ROOT,
  runNode,
  tempDir,
} from './helpers.js';

/**
 * The summary bundle on a pull_request run, against a local server speaking GitHub's REST
 * endpoints: one sticky comment however often it runs, one check run per run.
 */
describe('the summary action on a pull request', () => {
  let github: FakeGitHubApi;
  let dir: string;
  let config: string;
  const headSha = 'a'.repeat(40);
  // A journey name is the config author's, and reaches the comment through the SLO table.
  const hostileJourney = 'list <script>steal()</script> @hubot -->';

  beforeAll(async () => {
    github = await startFakeGitHubApi({ token: 'ghs_fake_token' });
    dir = await tempDir('github');
    await writeFile(
      path.join(dir, 'event.json'),
      JSON.stringify({ pull_request: { number: 7, head: { sha: headSha } } }),
    );
    config = path.join(dir, 'perf-flow.yml');
    const fast = await readFile(FAST_CONFIG, 'utf8');
    await writeFile(
      config,
      fast
        .replace(
          'working-directory: ../../../examples/demo-service',
          `working-directory: ${JSON.stringify(DEMO_DIR)}`,
        )
        .replace('- name: list-items', `- name: ${JSON.stringify(hostileJourney)}`)
        .replace(
          'slos:\n',
          `slos:\n  - sli: latency.p95\n    journey: ${JSON.stringify(hostileJourney)}\n    target: '< 3s'\n`,
        ),
    );
    const hostile = '<script>alert(1)</script> @octocat --> p95 must be under 3s';
    for (const stage of ['baseline', 'profile-analysis', 'slo-gate']) {
      const run = await cli([stage, '-c', config, '-o', path.join(dir, 'out'), '-g', hostile]);
      expect(run.code, run.stdout + run.stderr).toBe(0);
    }
  }, 120_000);
  afterAll(() => github?.close());

  async function summary(extraEnv: Record<string, string> = {}) {
    const outputFile = path.join(dir, 'output');
    await writeFile(outputFile, '');
    await writeFile(path.join(dir, 'summary.md'), '');
    const run = await runNode(path.join(ROOT, 'dist/summary/index.js'), [], {
      cwd: dir,
      env: {
        GITHUB_ACTIONS: 'true',
        GITHUB_API_URL: github.url,
        GITHUB_REPOSITORY: 'acme/shop',
        GITHUB_SHA: headSha,
        GITHUB_EVENT_NAME: 'pull_request',
        GITHUB_EVENT_PATH: path.join(dir, 'event.json'),
        GITHUB_SERVER_URL: 'https://github.com',
        GITHUB_RUN_ID: '99',
        GITHUB_OUTPUT: outputFile,
        GITHUB_STEP_SUMMARY: path.join(dir, 'summary.md'),
        INPUT_CONFIG: config,
        'INPUT_REPORT-DIR': 'out',
        INPUT_GUIDANCE: '<script>alert(1)</script> @octocat --> p95 must be under 3s',
        INPUT_TOKEN: github.token,
        ...extraEnv,
      },
    });
    return { ...run, outputs: await readGithubOutputs(outputFile) };
  }

  it('creates one comment, then updates it, and sets a check run each time', async () => {
    const first = await summary();
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(first.outputs.verdict).toBe('PASS');
    const second = await summary();
    expect(second.code, second.stdout + second.stderr).toBe(0);

    const comments = github.commentsOn('acme', 'shop', 7);
    expect(comments).toHaveLength(1);
    const body = comments[0]!.body;
    expect(body.startsWith('<!-- perf-flow:summary -->')).toBe(true);
    expect(body).toContain('PASS');
    expect(comments[0]!.updated_at > comments[0]!.created_at).toBe(true);

    expect(github.checkRuns).toHaveLength(2);
    for (const run of github.checkRuns) {
      expect(run).toMatchObject({ name: 'perf-flow', head_sha: headSha, conclusion: 'success' });
    }
    const annotations = github.checkRuns[0]!.annotations;
    expect(annotations.some((a) => a.path === 'examples/demo-service/server.mjs')).toBe(true);
  }, 60_000);

  it('escapes markup and mentions from the guidance and a journey name in the comment', async () => {
    const body = github.commentsOn('acme', 'shop', 7)[0]!.body;
    // Both reach the comment, neutralised.
    expect(body).toContain('alert(1)');
    expect(body).toContain('steal()');
    expect(body).not.toContain('<script>');
    expect(body).not.toMatch(/(^|[^\w&;])@octocat/);
    expect(body).not.toMatch(/(^|[^\w&;])@hubot/);
    // The marker is the only HTML comment: the guidance cannot close or open another.
    expect(body.match(/<!--/g)).toHaveLength(1);
    expect(body.match(/-->/g)).toHaveLength(1);
  });

  it('fails the check run when the gate fails, and updates the same comment', async () => {
    const failing = path.join(dir, 'failing');
    for (const stage of ['baseline', 'slo-gate']) {
      await cli([stage, '-c', FAST_CONFIG, '-o', failing], { env: { DEMO_LATENCY_MS: '120' } });
    }
    const run = await summary({ 'INPUT_REPORT-DIR': 'failing' });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.outputs.verdict).toBe('FAIL');
    expect(github.checkRuns.at(-1)).toMatchObject({ head_sha: headSha, conclusion: 'failure' });
    const comments = github.commentsOn('acme', 'shop', 7);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain('FAIL');
  }, 60_000);

  /** The fast config with other SLOs (and fail-on), measured by the baseline and judged. */
  async function judgedWith(name: string, slos: string, failOn?: string) {
    const text = (await readFile(FAST_CONFIG, 'utf8'))
      .replace('../../../examples/demo-service', DEMO_DIR)
      .replace(/^slos:\n(?: {2}.*\n)+/m, slos);
    const config = path.join(dir, `${name}.yml`);
    await writeFile(config, failOn ? `${text}fail-on: [${failOn}]\n` : text);
    for (const stage of ['baseline', 'slo-gate']) {
      const run = await cli([stage, '-c', config, '-o', path.join(dir, name)]);
      expect(run.code, run.stdout + run.stderr).toBeLessThanOrEqual(1);
    }
    return summary({ INPUT_CONFIG: config, 'INPUT_REPORT-DIR': name });
  }

  it.each([
    {
      verdict: 'PARTIAL',
      conclusion: 'neutral',
      // Three SLOs met and one of weight 0.5 missed: 86% is between partial and pass.
      slos: `slos:\n  - sli: latency.p50\n    target: '< 50ms'\n    key: true\n  - sli: error_rate\n    target: '<= 1%'\n  - sli: availability\n    target: '>= 99%'\n  - sli: throughput\n    target: '>= 1000000rps'\n    weight: 0.5\n`,
    },
    { verdict: 'INCONCLUSIVE', conclusion: 'failure', slos: 'slos: []\n' },
    { verdict: 'INCONCLUSIVE', conclusion: 'neutral', slos: 'slos: []\n', failOn: 'FAIL' },
  ])(
    '$verdict with fail-on $failOn gives a $conclusion check run',
    async ({ verdict, conclusion, slos, failOn }) => {
      const run = await judgedWith(`${verdict}-${failOn ?? 'default'}`, slos, failOn);
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(run.outputs.verdict).toBe(verdict);
      expect(github.checkRuns.at(-1)).toMatchObject({ head_sha: headSha, conclusion });
      const comments = github.commentsOn('acme', 'shop', 7);
      expect(comments).toHaveLength(1);
      expect(comments[0]!.body).toContain(verdict);
    },
    60_000,
  );

  it('keeps the verdict and says what it could not post with a read-only token', async () => {
    github.readOnly = true;
    try {
      const run = await summary();
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(run.outputs.verdict).toBe('PASS');
      expect(run.stdout).toMatch(/::warning::PR comment not posted: .*pull-requests: write/);
      expect(run.stdout).toMatch(/::warning::check run not posted: .*checks: write/);
    } finally {
      github.readOnly = false;
    }
    expect(await readFile(path.join(dir, 'out/reports/optimization-summary.md'), 'utf8')).toContain(
      'PASS',
    );
  }, 60_000);
});
