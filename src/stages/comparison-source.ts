import { readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { LoadParams } from '../data/common.js';
import type { BaselineData, LoadTestData, SteadyLoadTest, SummaryData } from '../data/stages.js';
import { steadyLoad } from '../data/stages.js';
import { parseStageData, previousDataPath, readStageData } from '../data/store.js';
import { ConfigError } from '../errors.js';
import { formatMs, formatRate } from '../measure/format.js';
import { compareResults } from './compare.js';
import type { StageContext } from './context.js';

/**
 * What the summary's before/after compares with:
 * - `auto`: on GitHub the default branch's latest run, else (and locally) `previous`;
 * - `previous`: the earlier result kept in the report directory;
 * - `default-branch`: the default branch's latest run (GitHub artifacts, `actions: read`);
 * - `none`: no comparison;
 * - anything else: a report directory or a data file (load-test or baseline).
 */
export type CompareWith = 'auto' | 'previous' | 'default-branch' | 'none' | { path: string };

export const COMPARE_WITH_HELP =
  'auto, previous, default-branch, none, or the path of a report directory or data file';

export function parseCompareWith(value: string | undefined): CompareWith {
  const text = value?.trim() ?? '';
  if (text === '') return 'auto';
  if (text === 'auto' || text === 'previous' || text === 'default-branch' || text === 'none') {
    return text;
  }
  return { path: text };
}

/** An earlier result: where it came from and what it measured. */
interface Before {
  source: string;
  loadTest?: SteadyLoadTest;
  baseline?: BaselineData;
}

export interface ComparisonFound {
  comparison: SummaryData['comparison'];
  /** Why there is no before/after, or what to bear in mind about it. */
  note: string | null;
}

interface After {
  loadTest: SteadyLoadTest | undefined;
  baseline: BaselineData | undefined;
}

export async function findComparison(
  ctx: StageContext,
  compareWith: CompareWith,
  after: After,
): Promise<ComparisonFound> {
  if (compareWith === 'none')
    return { comparison: null, note: 'not compared (compare-with: none)' };
  if (typeof compareWith === 'object') {
    return compare(ctx, await readGiven(ctx.workDir, compareWith.path), after);
  }
  const notes: string[] = [];
  if (
    compareWith === 'default-branch' ||
    (compareWith === 'auto' && ctx.deps.platform.kind === 'github')
  ) {
    const found = await readDefaultBranch(ctx);
    if ('reason' in found) notes.push(`no default-branch result: ${found.reason}`);
    else {
      const result = await compare(ctx, found, after);
      if (result.comparison || compareWith === 'default-branch') return withNotes(result, notes);
      if (result.note) notes.push(result.note);
    }
    if (compareWith === 'default-branch') return { comparison: null, note: notes.join(' ') };
  }
  const previous: Before = {
    source: 'the previous run in this report directory',
    ...(await readPrevious(ctx.reportDir)),
  };
  if (!previous.loadTest && !previous.baseline) {
    notes.push('no earlier result in this report directory');
    return { comparison: null, note: notes.join('; ') };
  }
  return withNotes(await compare(ctx, previous, after), notes);
}

/**
 * The stored run a head is compared with across runs (regression baseline: artifact): the
 * steady load test of `given` (a report directory or data file) when set; else, on GitHub,
 * the default branch's latest run; else the previous run in this report directory. Only
 * one under the same load is of use: another load would show the load, not the service.
 */
export async function findBaseRun(
  ctx: StageContext,
  headLoad: LoadParams,
  given?: string,
): Promise<{ source: string; loadTest: SteadyLoadTest } | { reason: string }> {
  let before: Before | { reason: string };
  if (given !== undefined) before = await readGiven(ctx.workDir, given);
  else if (ctx.deps.platform.kind === 'github') before = await readDefaultBranch(ctx);
  else {
    before = {
      source: 'the previous run in this report directory',
      ...(await readPrevious(ctx.reportDir)),
    };
  }
  if ('reason' in before) return before;
  if (!before.loadTest) return { reason: `${before.source} has no steady load test` };
  const difference = loadDifference(before.loadTest.load, headLoad);
  if (difference) return { reason: `${before.source} ran another load (${difference})` };
  return { source: before.source, loadTest: before.loadTest };
}

function withNotes(found: ComparisonFound, notes: string[]): ComparisonFound {
  const all = [...notes, ...(found.note ? [found.note] : [])];
  return { comparison: found.comparison, note: all.length > 0 ? all.join('; ') : null };
}

async function readPrevious(reportDir: string): Promise<Omit<Before, 'source'>> {
  // A previous file that no longer parses (another perf-flow version) is no comparison, not an error.
  const loadTest = steadyLoad(
    await readStageData(reportDir, 'load-test', previousDataPath('load-test')).catch(
      () => undefined,
    ),
  );
  const baseline = await readStageData(reportDir, 'baseline', previousDataPath('baseline')).catch(
    () => undefined,
  );
  return { ...(loadTest ? { loadTest } : {}), ...(baseline ? { baseline } : {}) };
}

/**
 * Downloads the default branch's results into working/compare/. They come from another run,
 * maybe another branch's code: they are data, validated like any file, never executed.
 */
async function readDefaultBranch(ctx: StageContext): Promise<Before | { reason: string }> {
  const results = await ctx.deps.platform.defaultBranchResults();
  if (!results.store) return { reason: results.reason };
  const dir = path.join(ctx.workingDir, 'compare', 'default-branch');
  await rm(dir, { recursive: true, force: true });
  const before: Before = { source: results.description };
  try {
    if (await results.store.download('perf-flow-load-test', dir)) {
      const loadTest = steadyLoad(await readStageData(dir, 'load-test'));
      if (loadTest) before.loadTest = loadTest;
    }
    if (await results.store.download('perf-flow-baseline', dir)) {
      const baseline = await readStageData(dir, 'baseline');
      if (baseline) before.baseline = baseline;
    }
  } catch (error) {
    return { reason: `could not read ${results.description}: ${(error as Error).message}` };
  }
  if (!before.loadTest && !before.baseline) {
    return { reason: `${results.description} has no load-test or baseline data` };
  }
  return before;
}

/** A report directory (its data/ files) or one load-test or baseline data file. */
async function readGiven(workDir: string, given: string): Promise<Before> {
  const target = path.resolve(workDir, given);
  const field = 'compare-with';
  const info = await stat(target).catch(() => null);
  if (!info) {
    throw new ConfigError(`expected ${COMPARE_WITH_HELP}; ${given} does not exist`, field);
  }
  const source = `the result in ${given}`;
  const parse = (stage: 'load-test' | 'baseline', text: string, file: string) => {
    try {
      return parseStageData(stage, text, file);
    } catch (error) {
      throw new ConfigError((error as Error).message, field);
    }
  };
  if (info.isDirectory()) {
    const read = async (stage: 'load-test' | 'baseline') => {
      const file = path.join(target, 'data', `${stage}.json`);
      const text = await readFile(file, 'utf8').catch(() => null);
      return text === null ? undefined : parse(stage, text, file);
    };
    const loadTest = steadyLoad((await read('load-test')) as LoadTestData | undefined);
    const baseline = (await read('baseline')) as BaselineData | undefined;
    if (!loadTest && !baseline) {
      throw new ConfigError(
        `expected a report directory with data/load-test.json or data/baseline.json; ${given} has neither`,
        field,
      );
    }
    return { source, ...(loadTest ? { loadTest } : {}), ...(baseline ? { baseline } : {}) };
  }
  const text = await readFile(target, 'utf8');
  const schema = /"schema"\s*:\s*"perf-flow\/(load-test|baseline)@/.exec(text)?.[1];
  if (schema === 'load-test') {
    const loadTest = steadyLoad(parse('load-test', text, target) as LoadTestData);
    if (loadTest) return { source, loadTest };
    throw new ConfigError(`expected a load test with a steady load; ${given} ran none`, field);
  }
  if (schema === 'baseline')
    return { source, baseline: parse('baseline', text, target) as BaselineData };
  throw new ConfigError(
    `expected a perf-flow load-test or baseline data file; ${given} is neither`,
    field,
  );
}

/** The load test against the load test, else the baseline against the baseline, under one load. */
function compare(ctx: StageContext, before: Before, after: After): ComparisonFound {
  const pairs = [
    { stage: 'load test', after: after.loadTest, before: before.loadTest },
    { stage: 'baseline', after: after.baseline, before: before.baseline },
  ];
  const refused: string[] = [];
  for (const pair of pairs) {
    if (!pair.after || !pair.before) continue;
    const difference = loadDifference(pair.before.load, pair.after.load);
    if (difference) {
      // Another load would show a different load, not a different service, as a change.
      refused.push(`${before.source}'s ${pair.stage} ran another load (${difference})`);
      continue;
    }
    const config = pair.before.provenance.configHash === ctx.config.hash;
    return {
      comparison: {
        source: before.source,
        beforeCreatedAt: pair.before.provenance.createdAt,
        beforeCommit: pair.before.provenance.commit,
        rows: compareResults(pair.before, pair.after),
      },
      note: config
        ? null
        : `${before.source} used another version of ${path.basename(ctx.config.path)} (same load; SLOs or journeys may differ)`,
    };
  }
  return {
    comparison: null,
    note:
      refused.length > 0
        ? `not compared: ${refused.join('; ')}`
        : `not compared: ${before.source} measured no stage this run measured`,
  };
}

const LOAD_FIELDS: { label: string; show: (load: LoadParams) => string }[] = [
  { label: 'model', show: (l) => l.model },
  { label: 'connections', show: (l) => String(l.connections) },
  { label: 'rate', show: (l) => (l.rateRps === undefined ? 'unlimited' : formatRate(l.rateRps)) },
  { label: 'duration', show: (l) => formatMs(l.durationMs) },
  { label: 'warm-up', show: (l) => formatMs(l.warmupMs) },
];

/** "connections 64 then 50, rate unlimited then 500 req/s", or null for the same load. */
function loadDifference(before: LoadParams, after: LoadParams): string | null {
  const differ = LOAD_FIELDS.filter((f) => f.show(before) !== f.show(after));
  return differ.length === 0
    ? null
    : differ.map((f) => `${f.label} ${f.show(before)} then ${f.show(after)}`).join(', ');
}
