import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/types.js';
import { previousDataPath, writeStageData } from '../../src/data/store.js';
import { ConfigError } from '../../src/errors.js';
import { localPlatform } from '../../src/platform/local.js';
import type { Platform } from '../../src/platform/types.js';
import {
  findComparison,
  parseCompareWith,
  type CompareWith,
} from '../../src/stages/comparison-source.js';
import type { StageContext } from '../../src/stages/context.js';
import { baseline, loadTest, overall, provenance } from '../report/fixtures.js';

const HASH = provenance().configHash;
const quiet = { info() {}, warn() {}, progress() {} };

function context(workDir: string, platform: Platform = localPlatform({ log: quiet })) {
  return {
    stage: 'summary',
    config: { hash: HASH, path: path.join(workDir, 'perf-flow.yml') } as Config,
    workDir,
    reportDir: path.join(workDir, 'out'),
    workingDir: path.join(workDir, 'out/working'),
    deps: { platform, commandLine: 'test' },
  } as unknown as StageContext;
}

/** A load test measured slower than the fixture, so before and after differ. */
function slowerLoadTest() {
  const data = loadTest();
  return { ...data, overall: overall({ latency: { ...data.overall.latency, p95: 300 } }) };
}

describe('compare-with', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'perf-flow-compare-'));
  });
  const after = () => ({ loadTest: loadTest(), baseline: baseline() });
  const find = (compareWith: CompareWith, platform?: Platform) =>
    findComparison(context(dir, platform), compareWith, after());

  it('reads its values, a path being anything else', () => {
    expect(parseCompareWith(undefined)).toBe('auto');
    expect(parseCompareWith(' ')).toBe('auto');
    expect(parseCompareWith('default-branch')).toBe('default-branch');
    expect(parseCompareWith('../main/perf-flow-report')).toEqual({
      path: '../main/perf-flow-report',
    });
  });

  it('compares with the previous run in the report directory', async () => {
    await writeStageData(
      path.join(dir, 'out'),
      'load-test',
      slowerLoadTest(),
      previousDataPath('load-test'),
    );
    const found = await find('previous');
    expect(found.comparison?.source).toBe('the previous run in this report directory');
    const p95 = found.comparison!.rows.find((r) => r.metric === 'latency.p95' && !r.journey)!;
    expect(p95).toMatchObject({ before: 300, better: true });
    expect(found.note).toBeNull();
  });

  it('says so when there is nothing to compare with, and when comparing is off', async () => {
    expect(await find('previous')).toEqual({
      comparison: null,
      note: 'no earlier result in this report directory',
    });
    expect((await find('none')).note).toBe('not compared (compare-with: none)');
  });

  it('refuses a before measured under another load, naming the difference', async () => {
    const slower = slowerLoadTest();
    const other = { ...slower, load: { ...slower.load, connections: 64 } };
    await writeStageData(path.join(dir, 'out'), 'load-test', other, previousDataPath('load-test'));
    const found = await find('previous');
    expect(found.comparison).toBeNull();
    expect(found.note).toMatch(/ran another load \(connections 64 then \d+\)/);
  });

  it('falls back to the baseline pair when only the baselines match', async () => {
    await writeStageData(
      path.join(dir, 'out'),
      'baseline',
      baseline(),
      previousDataPath('baseline'),
    );
    const found = await find('previous');
    expect(found.comparison?.rows.length).toBeGreaterThan(0);
  });

  it('notes a before written with another config, and still compares under the same load', async () => {
    const data = slowerLoadTest();
    const before = { ...data, provenance: { ...data.provenance, configHash: 'other' } };
    await writeStageData(path.join(dir, 'out'), 'load-test', before, previousDataPath('load-test'));
    const found = await find('previous');
    expect(found.comparison).not.toBeNull();
    expect(found.note).toMatch(/another version of perf-flow.yml/);
  });

  it('takes a report directory or a data file given by path', async () => {
    const main = path.join(dir, 'main-report');
    await writeStageData(main, 'load-test', slowerLoadTest());
    const byDir = await find({ path: 'main-report' });
    expect(byDir.comparison?.source).toBe('the result in main-report');
    const byFile = await find({ path: 'main-report/data/load-test.json' });
    expect(byFile.comparison?.rows).toEqual(byDir.comparison?.rows);
  });

  it('refuses a missing path or a file that is no perf-flow result, naming compare-with', async () => {
    await expect(find({ path: 'nowhere' })).rejects.toThrow(
      /^compare-with: expected auto, previous, default-branch, none, or the path .*nowhere does not exist/,
    );
    await writeFile(
      path.join(dir, 'junk.json'),
      '{"schema": "perf-flow/load-test@2", "overall": 1}',
    );
    const error = await find({ path: 'junk.json' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).field).toBe('compare-with');
    expect((error as Error).message).toMatch(/does not match perf-flow\/load-test@2/);
    await writeFile(path.join(dir, 'other.json'), '{"schema": "perf-flow/summary@1"}');
    await expect(find({ path: 'other.json' })).rejects.toThrow(/load-test or baseline data file/);
  });

  it('locally, default-branch says where such results live; auto uses the previous run', async () => {
    const found = await find('default-branch');
    expect(found.comparison).toBeNull();
    expect(found.note).toMatch(/GitHub Actions artifacts; locally, give a report directory/);
    await writeStageData(
      path.join(dir, 'out'),
      'load-test',
      slowerLoadTest(),
      previousDataPath('load-test'),
    );
    expect((await find('auto')).comparison?.source).toBe(
      'the previous run in this report directory',
    );
  });

  it('auto on GitHub falls back to the previous run, keeping the reason in the note', async () => {
    const platform: Platform = {
      ...localPlatform({ log: quiet }),
      kind: 'github',
      defaultBranchResults: async () => ({ store: null, reason: 'HTTP 403, needs actions: read' }),
    };
    await writeStageData(
      path.join(dir, 'out'),
      'load-test',
      slowerLoadTest(),
      previousDataPath('load-test'),
    );
    const found = await find('auto', platform);
    expect(found.comparison?.source).toBe('the previous run in this report directory');
    expect(found.note).toBe('no default-branch result: HTTP 403, needs actions: read');
  });
});
