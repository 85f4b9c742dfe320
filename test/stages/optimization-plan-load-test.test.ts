import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LoadTestData, type OptimizationPlanData } from '../../src/data/stages.js';
import { readStageData, writeStageData } from '../../src/data/store.js';
import { findingId } from '../../src/plan/finding-ids.js';
import { localPlatform } from '../../src/platform/local.js';
import { runOptimizationPlan } from '../../src/stages/optimization-plan.js';
import { baseline, profile } from '../report/fixtures.js';
import { allScenarios } from '../report/scenario-fixtures.js';
import { PLAN_STAGE_CONFIG } from './plan-stage-config.js';

const CONFIG = PLAN_STAGE_CONFIG;

const dirs: string[] = [];
const quiet = { info: () => {}, warn: () => {}, progress: () => {} };
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

/** The plan stage in a directory holding a baseline, a profile and, when given, a load test. */
async function plan(
  loadTest?: (made: OptimizationPlanData['provenance']) => LoadTestData,
): Promise<OptimizationPlanData> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'perf-flow-plan-load-'));
  dirs.push(dir);
  await writeFile(path.join(dir, 'perf-flow.yml'), CONFIG);
  const reportDir = path.join(dir, 'report');
  await writeStageData(reportDir, 'baseline', baseline());
  await writeStageData(reportDir, 'profile-analysis', profile());
  const run = () =>
    runOptimizationPlan(
      { config: 'perf-flow.yml', reportDir: 'report', workingDirectory: dir },
      { platform: localPlatform({ log: quiet }), commandLine: 'perf-flow optimization-plan' },
    );
  if (loadTest !== undefined) {
    // What this directory's runs record (commit, config hash), for the load test to match.
    await run();
    const first = (await readStageData(reportDir, 'optimization-plan'))!;
    await writeStageData(reportDir, 'load-test', loadTest(first.provenance));
  }
  await run();
  return (await readStageData(reportDir, 'optimization-plan'))!;
}

/** The fixture's load test, its spike failing 7.3% of the requests at the peak. */
function burstingSpike(provenance: OptimizationPlanData['provenance']): LoadTestData {
  const data = allScenarios();
  data.provenance = { ...data.provenance, ...provenance };
  data.spike!.peak.errorRate = 0.073;
  data.spike!.pre.errorRate = 0;
  return LoadTestData.parse(data);
}

describe('optimization-plan with a load test', () => {
  it('plans on the load test of the same commit and config, and says which it used', async () => {
    const data = await plan(burstingSpike);
    const item = data.items.find((i) => i.id === 'load-test-spike-errors');
    expect(item, data.items.map((i) => i.id).join()).toBeDefined();
    expect(item!.findings).toEqual([findingId.loadTest('spike-errors')]);
    expect(data.findings!.map((f) => f.id)).toContain(findingId.loadTest('spike-errors'));
    expect(data.inputs.join('\n')).toMatch(/^load test of \S+ \(load, stress, spike, soak\)$/m);
  });

  it('leaves out a load test of another commit, saying so', async () => {
    const other = 'f'.repeat(40);
    const data = await plan((made) => burstingSpike({ ...made, commit: other }));
    expect(data.items.map((i) => i.id)).not.toContain('load-test-spike-errors');
    expect(data.findings!.some((f) => f.kind === 'load-test')).toBe(false);
    expect(data.inputs.join('\n')).toContain(`left out: made on ${other.slice(0, 12)}`);
  });

  it('says when there is no load test to plan on', async () => {
    const data = await plan();
    expect(data.inputs).toContain(
      'no load-test result: spike, stress, soak and capacity rules not applied',
    );
  });
});
