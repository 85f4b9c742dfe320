import type { LoadSettings, ScenarioName } from '../config/types.js';
import type { LoadTestData, ShardInfo } from '../data/stages.js';
import { shardDataPath, shardReportPath } from '../data/store.js';
import { splitByWeight } from '../load/weights.js';
import { runLoad } from '../load/run-load.js';
import { SCENARIOS } from '../data/stages.js';
import { ConfigError } from '../errors.js';
import { capacityOf } from './scenarios/capacity.js';
import { runSoak } from './scenarios/soak.js';
import { runSpike } from './scenarios/spike.js';
import { runStress } from './scenarios/stress.js';
import { compareWithStoredRun, runRegression } from './scenarios/regression.js';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { RegressionResult } from '../data/regression.js';
import { renderLoadTest } from '../report/index.js';
import {
  finishStage,
  prepareStage,
  sloDefinitions,
  type CommonInputs,
  type StageContext,
  type StageDeps,
} from './context.js';
import { loadProgressPrinter } from './progress.js';
import { describeSlis, sliOutputs } from './sli-outputs.js';
import { withServiceUnderLoad } from './service-session.js';

export interface LoadTestInputs extends CommonInputs {
  /** Overrides of the config's load-test settings, from the action's inputs or CLI flags. */
  overrides?: Partial<Pick<LoadSettings, 'durationMs' | 'connections' | 'rateRps'>>;
  /** Run only this shard's share of the load (one matrix leg of several). */
  shard?: ShardInfo;
  /** Overrides the config's scenarios.run, from the scenarios input or --scenarios. */
  scenarios?: ScenarioName[];
  /** Compare with this ref, built and run here (--base-ref); else regression.base-ref. */
  baseRef?: string;
}

/**
 * One shard's share: the connections split as evenly as whole numbers allow, the rate
 * split evenly, the same duration. Side by side the shards offer the configured load.
 */
export function shardSettings(settings: LoadSettings, shard: ShardInfo): LoadSettings {
  const connections = splitByWeight(settings.connections, Array(shard.count).fill(1))[
    shard.index - 1
  ]!;
  return {
    ...settings,
    connections,
    ...(settings.rateRps !== undefined ? { rateRps: settings.rateRps / shard.count } : {}),
  };
}

/**
 * The load-test stage: the scenarios selected (the `scenarios` input, else the config's
 * scenarios.run) in the order load, stress, spike, soak, each on a freshly started service
 * so that one scenario's aftermath is not the next one's starting point; then capacity.
 */
export async function runLoadTest(inputs: LoadTestInputs, deps: StageDeps) {
  const ctx = await prepareStage('load-test', inputs, deps);
  const { config } = ctx;
  const { shard } = inputs;
  const wanted = new Set(inputs.scenarios ?? config.scenarios.run);
  const scenarios = SCENARIOS.filter((s) => wanted.has(s));
  if (shard && scenarios.some((s) => s !== 'load')) {
    throw new ConfigError(
      `only the load scenario can be sharded (got ${scenarios.join(', ')}): a breaking point, a ` +
        'recovery time or a leak is a property of one generator against one service',
      inputs.scenarios ? 'scenarios' : 'scenarios.run',
    );
  }
  const acrossRuns = config.regression.baseline === 'artifact';
  const baseRef = inputs.baseRef ?? config.regression.baseRef;
  if (shard && baseRef !== undefined && !acrossRuns) {
    throw new ConfigError(
      'base against head runs on one machine, not in shards: run it in an unsharded load-test',
      inputs.baseRef !== undefined ? 'base-ref' : 'regression.base-ref',
    );
  }
  const commands: string[] = [];
  const steady = scenarios.includes('load') ? await runSteady(ctx, inputs, commands) : undefined;
  const stress = scenarios.includes('stress') ? await runStress(ctx) : undefined;
  const spike = scenarios.includes('spike') ? await runSpike(ctx) : undefined;
  const soak = scenarios.includes('soak') ? await runSoak(ctx) : undefined;
  const capacity = shard ? undefined : capacityOf(config, steady, stress);
  // After the head's own scenarios, so that a base that cannot be built or started still
  // leaves the head's results written; its error is thrown once they are.
  let regression: RegressionResult | undefined;
  let regressionError: unknown;
  let regressionNote: string | undefined;
  if (acrossRuns && steady && !shard) {
    const found = await compareWithStoredRun(
      ctx,
      { ...steady, provenance: ctx.provenance(commands) },
      await storedRunPath(ctx.workDir, baseRef),
    );
    if ('result' in found) regression = found.result;
    else {
      regressionNote = found.note;
      ctx.progress(found.note);
    }
  } else if (baseRef !== undefined && !acrossRuns) {
    try {
      regression = await runRegression(ctx, baseRef);
    } catch (error) {
      regressionError = error;
      ctx.deps.platform.log.warn(`base against head: ${(error as Error).message}`);
    }
  }
  const data: LoadTestData = {
    schema: 'perf-flow/load-test@2',
    provenance: ctx.provenance(commands),
    guidance: ctx.guidance,
    scenarios,
    ...(shard ? { shard } : {}),
    ...(steady ?? {}),
    ...(stress ? { stress } : {}),
    ...(spike ? { spike } : {}),
    ...(soak ? { soak } : {}),
    ...(capacity ? { capacity } : {}),
    ...(regression ? { regression } : {}),
    ...(regressionNote !== undefined ? { regressionNote } : {}),
    ...(regressionError !== undefined
      ? { regressionProblem: firstLine((regressionError as Error).message) }
      : {}),
    slos: sloDefinitions(config.slos),
  };
  const outcome = await finishStage(ctx, data, renderLoadTest(data), {
    outputs: {
      ...(steady ? sliOutputs(steady.overall) : {}),
      ...scenarioOutputs(data),
    },
    ...(shard
      ? {
          paths: {
            data: shardDataPath(shard.index),
            report: shardReportPath(shard.index),
            artifact: `perf-flow-load-test-${shard.index}`,
          },
        }
      : {}),
  });
  if (regressionError !== undefined) throw regressionError;
  return outcome;
}

/**
 * With baseline: artifact, base-ref names the stored run when it is a report directory or a
 * data file; anything else (a pull request's default base-ref is a commit) leaves the lookup
 * to the default branch's run or the previous one.
 */
async function storedRunPath(workDir: string, baseRef: string | undefined) {
  if (baseRef === undefined) return undefined;
  return (await stat(path.resolve(workDir, baseRef)).catch(() => undefined)) ? baseRef : undefined;
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

/** The steady load over the weighted journey mix, with a per-second timeline: what the gate judges. */
async function runSteady(ctx: StageContext, inputs: LoadTestInputs, commands: string[]) {
  const { config } = ctx;
  const { shard } = inputs;
  const full: LoadSettings = { ...config.loadTest, ...inputs.overrides };
  const settings = shard ? shardSettings(full, shard) : full;
  if (shard) ctx.progress(`shard ${shard.index} of ${shard.count}`);
  const mix = config.journeys.map((j) => `${j.name}×${j.weight}`).join(', ');
  ctx.progress(
    (settings.model === 'open'
      ? `steady load: ${settings.arrival ?? 'poisson'} arrivals at ${settings.rateRps} req/s over at most ${settings.connections} connections`
      : `steady load: ${settings.connections} connections` +
        (settings.rateRps ? ` at ${settings.rateRps} req/s` : '')) +
      ` for ${settings.durationMs / 1000}s after ${settings.warmupMs / 1000}s warm-up, mix ${mix}`,
  );
  const {
    result: run,
    processStats,
    commands: used,
  } = await withServiceUnderLoad(ctx, { name: 'load-test' }, (service, signal) =>
    runLoad(service.url, config.journeys, settings, {
      allowedHosts: config.allowedHosts,
      signal,
      onProgress: loadProgressPrinter(ctx.progress, 'steady load'),
    }),
  );
  commands.push(...used.filter((c) => !commands.includes(c)));
  ctx.progress(describeSlis(run.overall));
  if (run.generator.saturated) {
    ctx.deps.platform.log.warn(
      `the load generator was saturated: ${run.generator.reasons.join('; ')}`,
    );
  }
  return {
    load: run.load,
    overall: run.overall,
    journeys: run.journeys,
    timeline: run.timeline,
    service: processStats,
    generator: run.generator,
  };
}

/** Step outputs a workflow can branch on: the breaking point, the recovery time, the leak. */
function scenarioOutputs(data: LoadTestData): Record<string, string> {
  const outputs: Record<string, string> = { scenarios: data.scenarios.join(',') };
  if (data.generator) outputs['generator-saturated'] = String(data.generator.saturated);
  if (data.stress) outputs['breaking-point-rps'] = String(data.stress.breakingPointRps ?? '');
  if (data.spike) outputs['recovery-seconds'] = String(data.spike.recoverySeconds ?? '');
  if (data.soak) outputs['memory-leak'] = data.soak.memory.verdict;
  return outputs;
}
