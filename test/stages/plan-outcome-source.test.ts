import { cp, mkdir, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/types.js';
import { previousDataPath, writeStageData } from '../../src/data/store.js';
import { localPlatform } from '../../src/platform/local.js';
import type { ArtifactStore, Platform } from '../../src/platform/types.js';
import type { StageContext } from '../../src/stages/context.js';
import { findPlanOutcome } from '../../src/stages/plan-outcome-source.js';
import { baseline, plan, profile, provenance } from '../report/fixtures.js';

const quiet = { info() {}, warn() {}, progress() {} };
const PLAN_COMMIT = 'a'.repeat(40);
const HEAD_COMMIT = 'b'.repeat(40);

function context(workDir: string, platform: Platform, commit: string | null = HEAD_COMMIT) {
  return {
    stage: 'summary',
    config: { hash: provenance().configHash, path: path.join(workDir, 'perf-flow.yml') } as Config,
    workDir,
    reportDir: path.join(workDir, 'out'),
    workingDir: path.join(workDir, 'out/working'),
    provenance: () => ({ ...provenance(), commit }),
    deps: { platform, commandLine: 'test' },
  } as unknown as StageContext;
}

const earlierPlan = () => ({ ...plan(), provenance: { ...provenance(), commit: PLAN_COMMIT } });

/** A store holding another run's data files: each artifact is the data file of its stage. */
function storeOf(dir: string): ArtifactStore {
  return {
    description: 'test store',
    async upload() {},
    async download(name, dest) {
      const stage = name.replace(/^perf-flow-/, '');
      await mkdir(path.join(dest, 'data'), { recursive: true });
      return cp(path.join(dir, 'data', `${stage}.json`), path.join(dest, 'data', `${stage}.json`))
        .then(() => true)
        .catch(() => false);
    },
  } as ArtifactStore;
}

describe('findPlanOutcome', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'perf-flow-plan-outcome-'));
  });
  const after = () => ({ baseline: baseline(), profile: profile() });

  it("checks the previous run's plan, and not a plan made on this very commit", async () => {
    const out = path.join(dir, 'out');
    await writeStageData(
      out,
      'optimization-plan',
      earlierPlan(),
      previousDataPath('optimization-plan'),
    );
    await writeStageData(out, 'baseline', baseline(), previousDataPath('baseline'));
    const local = localPlatform({ log: quiet });
    const found = await findPlanOutcome(context(dir, local), 'auto', after());
    expect(found.outcome?.source).toBe('the previous run in this report directory');
    expect(found.outcome?.planCommit).toBe(PLAN_COMMIT);
    expect(found.outcome?.items).toHaveLength(plan().items.length);
    const same = await findPlanOutcome(context(dir, local, PLAN_COMMIT), 'auto', after());
    expect(same.outcome).toBeNull();
    expect(same.note).toMatch(/was made on this commit/);
    expect((await findPlanOutcome(context(dir, local), 'none', after())).outcome).toBeNull();
  });

  it("on a pull request, checks the default branch's plan only when made on the PR's base", async () => {
    const other = path.join(dir, 'default-branch');
    await writeStageData(other, 'optimization-plan', earlierPlan());
    await writeStageData(other, 'baseline', baseline());
    const github = (baseSha: string | null): Platform => ({
      ...localPlatform({ log: quiet }),
      kind: 'github',
      defaultBranchResults: async () => ({
        store: storeOf(other),
        description: "the default branch's run 42",
        commit: PLAN_COMMIT,
        pullRequestBaseSha: baseSha,
      }),
    });
    const onBase = await findPlanOutcome(context(dir, github(PLAN_COMMIT)), 'auto', after());
    expect(onBase.outcome?.source).toBe("the default branch's run 42");
    const newer = await findPlanOutcome(
      context(dir, github('c'.repeat(40))),
      'default-branch',
      after(),
    );
    expect(newer.outcome).toBeNull();
    expect(newer.note).toMatch(/not on this pull request's base cccccccccccc: not checked/);
    // A push to a branch (no pull request): the latest plan is the one to check.
    const push = await findPlanOutcome(context(dir, github(null)), 'auto', after());
    expect(push.outcome?.planCommit).toBe(PLAN_COMMIT);
  });
});
