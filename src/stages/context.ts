import path from 'node:path';
import { guidedConfig } from '../config/guided-config.js';
import type { IntakeInputs } from '../config/intake.js';
import { loadConfig } from '../config/load.js';
import type { Config, SloConfig, Verdict } from '../config/types.js';
import type { GuidanceData, Provenance } from '../data/common.js';
import type { Stage, StageData } from '../data/stages.js';
import {
  dataPath,
  readStageData,
  REPORT_PATHS,
  retireStageData,
  writeReport,
  writeStageData,
} from '../data/store.js';
import { fingerprint } from '../measure/environment.js';
import type { Platform } from '../platform/types.js';

/** What every stage takes from its caller, whether an action, the CLI or a test. */
export interface CommonInputs {
  /** perf-flow.yml, relative to workingDirectory. */
  config: string;
  guidance?: string;
  trigger?: string;
  /** Intake answers replacing perf-flow.yml's guidance, plan and scenarios settings. */
  intake?: IntakeInputs;
  /** Relative to workingDirectory. */
  reportDir: string;
  workingDirectory: string;
}

export interface StageDeps {
  platform: Platform;
  /** The command line that ran perf-flow, recorded in each result's provenance. */
  commandLine: string;
}

export interface StageOutcome {
  stage: Stage;
  verdict?: Verdict;
  /** True when the verdict is one the config's fail-on lists: the job must fail. */
  failed: boolean;
  reportPath: string;
  dataPath: string;
  outputs: Record<string, string>;
  markdown: string;
  /**
   * A failure the stage recorded instead of throwing, so that the stages after it still run:
   * its results are written, marked incomplete, and the run exits with this code in the end.
   */
  problem?: StageProblem;
}

export interface StageProblem {
  exitCode: number;
  message: string;
}

export interface StageContext {
  stage: Stage;
  config: Config;
  guidance: GuidanceData;
  workDir: string;
  reportDir: string;
  /** Service logs and other working files, inside the report directory. */
  workingDir: string;
  deps: StageDeps;
  progress(message: string): void;
  provenance(serviceCommands?: string[]): Provenance;
}

/**
 * Everything a stage checks before it does anything: the config, the guidance and the paths.
 * Errors here are the user's (exit 2) and leave nothing written.
 */
export async function prepareStage(
  stage: Stage,
  inputs: CommonInputs,
  deps: StageDeps,
): Promise<StageContext> {
  const workDir = path.resolve(inputs.workingDirectory);
  const loaded = await loadConfig(path.resolve(workDir, inputs.config));
  const { config, guidance } = guidedConfig(loaded, inputs);
  const reportDir = path.resolve(workDir, inputs.reportDir);
  await retireStageData(reportDir, stage, config.hash);
  return {
    stage,
    config,
    guidance,
    workDir,
    reportDir,
    workingDir: path.join(reportDir, 'working'),
    deps,
    progress: (message) => deps.platform.log.progress(`[${stage}] ${message}`),
    provenance: (serviceCommands = []) =>
      fingerprint({
        configPath: path.relative(workDir, config.path) || config.path,
        configHash: config.hash,
        commands: [deps.commandLine, ...serviceCommands],
        cwd: workDir,
      }),
  };
}

/**
 * Reads an earlier stage's result: from the report directory, or else from the artifact an
 * earlier job uploaded.
 */
export async function readEarlier<S extends Stage>(
  ctx: StageContext,
  stage: S,
): Promise<StageData[S] | undefined> {
  const local = await readStageData(ctx.reportDir, stage);
  if (local) return local;
  if (await ctx.deps.platform.artifacts.download(`perf-flow-${stage}`, ctx.reportDir)) {
    return readStageData(ctx.reportDir, stage);
  }
  return undefined;
}

/**
 * Writes the data and report, publishes them and adds the job summary. The outputs go back to
 * the caller, which sets them once: the whole flow reports its own, not its last stage's.
 */
export async function finishStage<S extends Stage>(
  ctx: StageContext,
  data: StageData[S],
  markdown: string,
  outcome: {
    verdict?: Verdict;
    failed?: boolean;
    outputs?: Record<string, string>;
    extraFiles?: string[];
    problem?: StageProblem;
    /** Where a shard's result goes instead of the stage's own paths, and under which name. */
    paths?: { data: string; report: string; artifact: string };
  },
): Promise<StageOutcome> {
  const stage = ctx.stage as S;
  const paths = outcome.paths ?? {
    data: dataPath(stage),
    report: REPORT_PATHS[stage],
    artifact: `perf-flow-${stage}`,
  };
  const dataFile = await writeStageData(ctx.reportDir, stage, data, paths.data);
  const reportFile = await writeReport(ctx.reportDir, stage, markdown, paths.report);
  await uploadResults(ctx, paths.artifact, [
    paths.data,
    paths.report,
    ...(outcome.extraFiles ?? []),
  ]);
  const outputs: Record<string, string> = {
    'report-path': reportFile,
    'data-path': dataFile,
    ...(outcome.verdict ? { verdict: outcome.verdict } : {}),
    ...outcome.outputs,
  };
  await ctx.deps.platform.appendSummary(markdown);
  const shown = path.relative(ctx.workDir, reportFile);
  ctx.deps.platform.log.info(`[${stage}] wrote ${shown.startsWith('..') ? reportFile : shown}`);
  return {
    stage,
    ...(outcome.verdict ? { verdict: outcome.verdict } : {}),
    failed: outcome.failed ?? false,
    reportPath: reportFile,
    dataPath: dataFile,
    outputs,
    markdown,
    ...(outcome.problem ? { problem: outcome.problem } : {}),
  };
}

/**
 * Hands the stage's files to later jobs. A refused upload (a token without the scope, the
 * artifact quota spent) loses the hand-over, not the stage's own result: it is a warning
 * naming what is lost, and a later job that needs the files says they are missing.
 */
async function uploadResults(ctx: StageContext, name: string, files: string[]): Promise<void> {
  try {
    await ctx.deps.platform.artifacts.upload(name, files, ctx.reportDir);
  } catch (error) {
    ctx.deps.platform.log.warn(
      `could not upload the artifact ${name} (${(error as Error).message}): this stage's ` +
        `results are in ${ctx.reportDir}, but later jobs will not find them`,
    );
  }
}

export function sloDefinitions(slos: SloConfig[]) {
  return slos.map((s) => ({
    name: s.name,
    sli: s.sli,
    ...(s.journey ? { journey: s.journey } : {}),
    target: s.target.text,
    ...(s.warning ? { warning: s.warning.text } : {}),
    weight: s.weight,
    key: s.key,
    source: s.source,
  }));
}
