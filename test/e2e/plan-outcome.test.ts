import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, demoRepository, git, readStageData, setKnob, tempDir } from './helpers.js';

// The demo service in a repository of its own (demoRepository): a commit that changes
// DEMO_HOTSPOT_FACTOR optimizes the hotspot the way a code change would.
const CONFIG = `service:
  start: node start.mjs
  url: http://127.0.0.1:\${PORT}
  ready: /health
journeys:
  - name: recommendations
    path: /api/recommendations?user=42
  - name: get-item
    path: /api/items/7
load:
  duration: 2s
  warm-up: 500ms
  connections: 4
profile:
  duration: 2s
  connections: 4
`;

/** baseline, profile-analysis, optimization-plan and summary into `out`, from `root`. */
async function cycle(root: string, out: string) {
  for (const stage of ['baseline', 'profile-analysis', 'optimization-plan', 'summary']) {
    const run = await cli([stage, '-o', out], { cwd: root, timeoutMs: 90_000 });
    expect(run.code, `${stage}: ${run.stdout}${run.stderr}`).toBe(0);
  }
}

describe('predicted against actual (the summary of the next run)', { timeout: 300_000 }, () => {
  it('checks the plan of the previous run against a run on the optimized code', async () => {
    const root = await demoRepository('plan-outcome-repo', 'DEMO_HOTSPOT_FACTOR', 4, CONFIG);
    const out = path.join(await tempDir('plan-outcome-out'), 'out');

    await cycle(root, out);
    const plan = await readStageData(out, 'optimization-plan');
    const profile = await readStageData(out, 'profile-analysis');
    const hot = profile.cpu!.topSelf[0]!;
    expect(hot.functionName).toBe('scoreRecommendations');
    const hotspotFinding = plan.findings!.find((f) => f.kind === 'hotspot')!;
    expect(hotspotFinding.summary).toMatch(/^scoreRecommendations /);
    // The planted hotspot is the target of the first quick win (the plan's first item), on
    // its evidence, its gain bounded by its share.
    const hotspotItem = plan.items.find((i) => i.bucket === 'quick-win');
    expect(hotspotItem, plan.items.map((i) => `${i.bucket}: ${i.title}`).join('\n')).toBeDefined();
    expect(plan.items[0]!.id).toBe(hotspotItem!.id);
    expect(hotspotItem!.title).toContain('scoreRecommendations');
    expect(hotspotItem!.findings).toContain(hotspotFinding.id);
    expect(hotspotItem!.evidence[0]).toMatch(
      /^scoreRecommendations \(server\.mjs:\d+\) holds \d+(\.\d)?% /,
    );
    expect(hotspotItem!.expectedGain.latencyPctHigh).toBeLessThanOrEqual(hot.selfShare * 100);
    expect(hotspotItem!.testing.join('\n')).toMatch(/^Behaviour: .*\nPerformance: /);
    // The plan's own commit: nothing to check it against on the same code.
    expect((await readStageData(out, 'summary')).planOutcome).toBeUndefined();

    // The change the plan asked for: the hotspot does a twentieth of its work.
    await setKnob(root, 'DEMO_HOTSPOT_FACTOR', 0.2);
    git(root, 'commit', '-q', '-am', 'optimize scoreRecommendations');
    await cycle(root, out);

    const summary = await readStageData(out, 'summary');
    const outcome = summary.planOutcome!;
    expect(outcome, JSON.stringify(summary, null, 2)).toBeDefined();
    expect(outcome.planCommit).toBe(plan.provenance.commit);
    expect(outcome.source).toBe('the previous run in this report directory');
    const item = outcome.items.find((i) => i.id === hotspotItem!.id)!;
    expect(item.status, JSON.stringify(outcome, null, 2)).toBe('implemented');
    expect(item.predictedPct).toEqual({
      low: hotspotItem!.expectedGain.latencyPctLow,
      high: hotspotItem!.expectedGain.latencyPctHigh,
    });
    expect(item.evidence.join()).toMatch(
      /scoreRecommendations: [\d.]+ ms → [\d.]+ ms of CPU time per request/,
    );
    // The optimization cut the recommendations journey's work: the overall p95 fell.
    expect(outcome.measuredCutPct).toBeGreaterThan(0);
    expect(outcome.verdict).not.toBeNull();
    const report = await readFile(path.join(out, 'reports/optimization-summary.md'), 'utf8');
    expect(report).toContain('## Predicted against actual');
    expect(report).toContain('✅ implemented');
    expect(summary.nextSteps.join('\n')).toMatch(/Last cycle's \d+ implemented item\(s\) gave/);
  });
});
