import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { LoadTestData } from '../data/stages.js';
import {
  dataPath,
  readStageData,
  REPORT_PATHS,
  shardDataPath,
  writeReport,
  writeStageData,
} from '../data/store.js';
import { mergeShards } from '../load/merge-shards.js';
import { renderLoadTest } from '../report/index.js';
import type { Verdict } from '../config/types.js';
import { ConfigError } from '../errors.js';
import { prepareStage, type CommonInputs, type StageContext, type StageDeps } from './context.js';

const SHARD_FILE = /^load-test-(\d+)\.json$/;

/**
 * The load-test shards of this run: those already in the report directory, else those the
 * matrix legs uploaded (perf-flow-load-test-<i>; the first tells how many there are).
 */
async function collectShards(ctx: StageContext): Promise<LoadTestData[]> {
  const local = await readShardFiles(ctx.reportDir);
  if (local.length > 0) return local;
  const { artifacts } = ctx.deps.platform;
  if (!(await artifacts.download('perf-flow-load-test-1', ctx.reportDir))) return [];
  const first = await readStageData(ctx.reportDir, 'load-test', shardDataPath(1));
  for (let index = 2; index <= (first?.shard?.count ?? 1); index++) {
    await artifacts.download(`perf-flow-load-test-${index}`, ctx.reportDir);
  }
  return readShardFiles(ctx.reportDir);
}

async function readShardFiles(reportDir: string): Promise<LoadTestData[]> {
  const names = await readdir(path.join(reportDir, 'data/shards')).catch(() => [] as string[]);
  const shards: LoadTestData[] = [];
  for (const name of names.sort()) {
    const match = SHARD_FILE.exec(name);
    if (!match) continue;
    const data = await readStageData(reportDir, 'load-test', shardDataPath(Number(match[1])));
    if (data) shards.push(data);
  }
  return shards;
}

/**
 * Merges the shards, when there are any, into data/load-test.json and its report (again on
 * every call: the merge is exact and cheap). Returns the number merged, 0 when none.
 */
export async function mergeLoadTestShards(ctx: StageContext): Promise<number> {
  const shards = await collectShards(ctx);
  if (shards.length === 0) return 0;
  const merged = mergeShards(shards);
  await writeStageData(ctx.reportDir, 'load-test', merged);
  await writeReport(ctx.reportDir, 'load-test', renderLoadTest(merged));
  // Later jobs (the summary) and later runs (a PR comparing with the default branch) look
  // for the load test under the stage's own artifact name, not the shards'.
  await ctx.deps.platform.artifacts.upload(
    'perf-flow-load-test',
    [dataPath('load-test'), REPORT_PATHS['load-test']],
    ctx.reportDir,
  );
  ctx.progress(`merged ${shards.length} load-test shards into data/load-test.json`);
  return shards.length;
}

/** `perf-flow merge`: the shards in the report directory (or the run's artifacts), merged. */
export async function runMergeShards(
  inputs: CommonInputs,
  deps: StageDeps,
): Promise<{
  verdict?: Verdict;
  failed: boolean;
  reportPath: string;
  outputs: Record<string, string>;
}> {
  const ctx = await prepareStage('load-test', inputs, deps);
  const merged = await mergeLoadTestShards(ctx);
  if (merged === 0) {
    throw new ConfigError(
      `no load-test shards found in ${path.join(ctx.reportDir, 'data/shards')} nor as artifacts perf-flow-load-test-<n>`,
      'shards',
    );
  }
  const dataFile = path.join(ctx.reportDir, dataPath('load-test'));
  const reportPath = path.join(ctx.reportDir, REPORT_PATHS['load-test']);
  return {
    failed: false,
    reportPath,
    outputs: { 'data-path': dataFile, 'report-path': reportPath, shards: String(merged) },
  };
}
