import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { DATA_SCHEMAS, SCHEMA_MAJOR, type Stage, type StageData } from './stages.js';

/** Where each stage's files live inside the report directory (ARCHITECTURE.md). */
export const REPORT_PATHS: Record<Stage, string> = {
  baseline: 'reports/performance-baseline.md',
  'profile-analysis': 'reports/bottleneck-analysis.md',
  'optimization-plan': 'planning/optimization-plan.md',
  'load-test': 'testing/load-test-results.md',
  'slo-gate': 'reports/slo-compliance.md',
  summary: 'reports/optimization-summary.md',
};

export const dataPath = (stage: Stage) => `data/${stage}.json`;
/** One shard's share of the load test, kept apart until the shards are merged. */
export const shardDataPath = (index: number) => `data/shards/load-test-${index}.json`;
export const shardReportPath = (index: number) => `testing/shards/load-test-results-${index}.md`;
export const previousDataPath = (stage: Stage) => `data/previous/${stage}.json`;

/** Write to a temporary name, then rename: a reader never sees half a file. */
export async function writeFileAtomic(file: string, content: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.tmp-${process.pid}`;
  try {
    await writeFile(temporary, content);
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

function describeIssues(issues: { path: PropertyKey[]; message: string }[]): string {
  return issues
    .slice(0, 5)
    .map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}

/**
 * Parses and validates a stage's data. A file of another major, or one edited by hand into
 * a broken shape, is refused whole: half-using it would give figures nobody measured.
 */
export function parseStageData<S extends Stage>(
  stage: S,
  text: string,
  source: string,
): StageData[S] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(
      `${source} is not valid JSON (${(error as Error).message})`,
      dataPath(stage),
    );
  }
  const expected = `perf-flow/${stage}@${SCHEMA_MAJOR[stage]}`;
  const found = (json as { schema?: unknown } | null)?.schema;
  if (found !== expected) {
    throw new ConfigError(
      typeof found === 'string' && found.startsWith(`perf-flow/${stage}@`)
        ? `${source} was written as ${found}; this perf-flow reads ${expected}. Re-run the ${stage} stage with this version.`
        : `${source} is not a perf-flow ${stage} result (expected "schema": "${expected}", got ${JSON.stringify(found)})`,
      dataPath(stage),
    );
  }
  const parsed = DATA_SCHEMAS[stage].safeParse(json);
  if (!parsed.success) {
    throw new ConfigError(
      `${source} does not match ${expected}: ${describeIssues(parsed.error.issues)}`,
      dataPath(stage),
    );
  }
  return parsed.data as StageData[S];
}

export async function readStageData<S extends Stage>(
  reportDir: string,
  stage: S,
  relative = dataPath(stage),
): Promise<StageData[S] | undefined> {
  const file = path.join(reportDir, relative);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return parseStageData(stage, text, file);
}

/**
 * Called when a stage starts: its earlier result must not outlive a run that fails, or a
 * later stage would judge figures this run did not measure. An earlier result of the same
 * config is kept as data/previous/<stage>.json (the summary's "before"); one of another
 * config is dropped, since nothing compares with it.
 */
export async function retireStageData(
  reportDir: string,
  stage: Stage,
  configHash: string,
): Promise<void> {
  const file = path.join(reportDir, dataPath(stage));
  const earlier = await readStageData(reportDir, stage).catch(() => undefined);
  if (earlier && earlier.provenance.configHash === configHash) {
    await writeFileAtomic(
      path.join(reportDir, previousDataPath(stage)),
      JSON.stringify(earlier, null, 2) + '\n',
    );
  }
  await rm(file, { force: true });
}

/** Writes a stage's data, validated first so a bug cannot publish a malformed file. */
export async function writeStageData<S extends Stage>(
  reportDir: string,
  stage: S,
  data: StageData[S],
  relative = dataPath(stage),
): Promise<string> {
  const checked = DATA_SCHEMAS[stage].parse(data);
  const file = path.join(reportDir, relative);
  await writeFileAtomic(file, JSON.stringify(checked, null, 2) + '\n');
  return file;
}

export async function writeReport(
  reportDir: string,
  stage: Stage,
  markdown: string,
  relative = REPORT_PATHS[stage],
): Promise<string> {
  const file = path.join(reportDir, relative);
  await writeFileAtomic(file, markdown);
  return file;
}
