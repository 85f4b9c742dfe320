import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseStageData } from '../../src/data/store.js';
import { FakeArtifactService } from '../helpers/fake-artifact-service.js';
import { FAST_CONFIG, readGithubOutputs, ROOT, runNode, tempDir } from './helpers.js';

/**
 * Jobs of one workflow run, each its own bundle in its own directory, handing results over
 * through a local server speaking the runner's artifact service, with the real client.
 */
describe('stage bundles in separate jobs, through the artifact service', () => {
  let service: FakeArtifactService;
  let root: string;
  beforeAll(async () => {
    service = await FakeArtifactService.start();
    root = await tempDir('jobs');
  });
  afterAll(() => service?.close());

  async function job(stage: string, jobId: string, inputs: Record<string, string> = {}) {
    const workspace = path.join(root, jobId);
    const outputFile = path.join(root, `${jobId}.output`);
    await writeFile(outputFile, '');
    const run = await runNode(path.join(ROOT, `dist/${stage}/index.js`), [], {
      cwd: root,
      env: {
        ...service.env({ runId: '4242', jobId, workspace }),
        GITHUB_ACTIONS: 'true',
        GITHUB_OUTPUT: outputFile,
        INPUT_CONFIG: FAST_CONFIG,
        'INPUT_REPORT-DIR': path.join(workspace, 'perf-flow-report'),
        ...Object.fromEntries(
          Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v]),
        ),
      },
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    return { workspace, outputs: await readGithubOutputs(outputFile) };
  }

  it('the gate job judges the baseline another job uploaded', async () => {
    await job('baseline', 'job-baseline');
    expect(service.artifacts.map((a) => a.name)).toContain('perf-flow-baseline');
    const gate = await job('slo-gate', 'job-gate');
    expect(gate.outputs.verdict).toBe('PASS');
    const data = parseStageData(
      'slo-gate',
      await readFile(path.join(gate.workspace, 'perf-flow-report/data/slo-gate.json'), 'utf8'),
      'gate',
    );
    expect(data.source).toBe('baseline');
  }, 60_000);

  it('keeps a stage whose upload is refused (403), and says what later jobs will miss', async () => {
    service.refuseUploads = true;
    try {
      const workspace = path.join(root, 'job-refused');
      const outputFile = path.join(root, 'job-refused.output');
      await writeFile(outputFile, '');
      const run = await runNode(path.join(ROOT, 'dist/baseline/index.js'), [], {
        cwd: root,
        env: {
          ...service.env({ runId: '4243', jobId: 'job-refused', workspace }),
          GITHUB_ACTIONS: 'true',
          GITHUB_OUTPUT: outputFile,
          INPUT_CONFIG: FAST_CONFIG,
          'INPUT_REPORT-DIR': path.join(workspace, 'perf-flow-report'),
        },
      });
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(run.stdout + run.stderr).toMatch(
        /::warning::could not upload the artifact perf-flow-baseline \(.*403.*\)[^\n]*later jobs will not find them/,
      );
      expect((await readGithubOutputs(outputFile))['p95-ms']).toMatch(/^\d/);
      expect(service.artifacts.some((a) => a.runId === '4243')).toBe(false);
    } finally {
      service.refuseUploads = false;
    }
  }, 60_000);

  it('merges the shards two matrix legs uploaded', async () => {
    for (const shard of ['1', '2'])
      await job('load-test', `job-shard-${shard}`, { shard, shards: '2' });
    expect(service.artifacts.map((a) => a.name)).toEqual(
      expect.arrayContaining(['perf-flow-load-test-1', 'perf-flow-load-test-2']),
    );
    const gate = await job('slo-gate', 'job-gate-sharded');
    expect(gate.outputs.verdict).toBe('PASS');
    const merged = parseStageData(
      'load-test',
      await readFile(path.join(gate.workspace, 'perf-flow-report/data/load-test.json'), 'utf8'),
      'merged',
    );
    expect(merged.mergedShards).toBe(2);
    // The merged result goes on under the stage's own name, for the summary job.
    expect(service.artifacts.map((a) => a.name)).toContain('perf-flow-load-test');
    const summary = await job('summary', 'job-summary-sharded');
    const page = await readFile(
      path.join(summary.workspace, 'perf-flow-report/reports/optimization-summary.md'),
      'utf8',
    );
    expect(page).toMatch(/load test: p50 /);
  }, 90_000);
});
