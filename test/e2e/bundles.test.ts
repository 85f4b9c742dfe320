import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseStageData } from '../../src/data/store.js';
import { REPORT_PATHS } from '../../src/data/store.js';
import { STAGES, type Stage } from '../../src/data/stages.js';
import { FAST_CONFIG, readGithubOutputs, ROOT, runNode, tempDir } from './helpers.js';

/**
 * Each stage's bundle, run in order the way a runner runs a JavaScript action: INPUT_*
 * variables, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, GITHUB_ACTIONS=true.
 */
describe('the bundled actions, run as a runner runs them', () => {
  let workDir: string;
  const results = new Map<
    Stage,
    { code: number | null; stderr: string; outputs: Record<string, string>; summary: string }
  >();

  beforeAll(async () => {
    workDir = await tempDir('bundles');
    for (const stage of STAGES) {
      const outputFile = path.join(workDir, `${stage}.output`);
      const summaryFile = path.join(workDir, `${stage}.summary.md`);
      await writeFile(outputFile, '');
      await writeFile(summaryFile, '');
      const run = await runNode(path.join(ROOT, `dist/${stage}/index.js`), [], {
        cwd: workDir,
        env: {
          GITHUB_ACTIONS: 'true',
          GITHUB_OUTPUT: outputFile,
          GITHUB_STEP_SUMMARY: summaryFile,
          INPUT_CONFIG: FAST_CONFIG,
          'INPUT_REPORT-DIR': 'out',
          'INPUT_WORKING-DIRECTORY': workDir,
          INPUT_GUIDANCE: 'API latency is critical, p95 must be under 3s',
          INPUT_TRIGGER: 'user-complaint',
          INPUT_TOKEN: 'ghs_not_a_real_token',
        },
      });
      results.set(stage, {
        code: run.code,
        stderr: run.stderr + run.stdout,
        outputs: await readGithubOutputs(outputFile),
        summary: await readFile(summaryFile, 'utf8'),
      });
    }
  }, 240_000);

  it.each(STAGES)(
    '%s exits 0, sets its outputs and writes its report, data and job summary',
    async (stage) => {
      const result = results.get(stage)!;
      expect(result.code, result.stderr).toBe(0);
      expect(result.outputs['report-path']).toBe(path.join(workDir, 'out', REPORT_PATHS[stage]));
      const data = parseStageData(
        stage,
        await readFile(result.outputs['data-path']!, 'utf8'),
        stage,
      );
      expect(data.provenance.configHash).toMatch(/^[0-9a-f]{16}$/);
      expect(data.guidance.applied.join('\n')).toMatch(/p95/);
      const report = await readFile(result.outputs['report-path']!, 'utf8');
      expect(result.summary).toContain(report.split('\n')[0]);
      // The token reaches the runner only in the command that masks it.
      const printed = result.stderr.replace(/^::add-mask::.*$/m, '');
      expect(printed + report + result.summary).not.toContain('ghs_not_a_real_token');
    },
  );

  it('gate and summary agree on a verdict the guidance target shaped', async () => {
    const gate = results.get('slo-gate')!;
    expect(gate.outputs.verdict).toBe('PASS');
    expect(results.get('summary')!.outputs.verdict).toBe('PASS');
    const data = parseStageData(
      'slo-gate',
      await readFile(gate.outputs['data-path']!, 'utf8'),
      'gate',
    );
    const fromGuidance = data.slos.find((s) => s.sli === 'latency.p95' && s.target.includes('3s'));
    expect(fromGuidance).toMatchObject({ key: true, status: 'pass' });
  });

  it('baseline reports real figures per journey', async () => {
    const out = results.get('baseline')!.outputs;
    expect(Number(out['p95-ms'])).toBeGreaterThan(0);
    expect(Number(out['throughput-rps'])).toBeGreaterThan(50);
    const data = parseStageData('baseline', await readFile(out['data-path']!, 'utf8'), 'baseline');
    expect(data.journeys.map((j) => j.name)).toEqual([
      'list-items',
      'get-item',
      'create-order',
      'recommendations',
    ]);
    for (const j of data.journeys) expect(j.result.requests).toBeGreaterThan(20);
    expect(data.service?.cpuSeconds).toBeGreaterThan(0);
  });

  it('profile-analysis finds the demo hotspot', async () => {
    const out = results.get('profile-analysis')!.outputs;
    expect(out.status).toBe('analyzed');
    expect(out['top-function']).toMatch(/scoreRecommendations|similarity/);
  });
});
