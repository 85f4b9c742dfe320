import path from 'node:path';
import type { ScenarioName, Verdict } from '../config/types.js';
import type { ClaudeOptions } from '../plan/claude/options.js';
import { runBaseline } from './baseline.js';
import type { CompareWith } from './comparison-source.js';
import type { CommonInputs, StageDeps, StageOutcome, StageProblem } from './context.js';
import { runLoadTest } from './load-test.js';
import { runOptimizationPlan } from './optimization-plan.js';
import { runProfileAnalysis } from './profile-analysis.js';
import { runSloGate } from './slo-gate.js';
import { runSummary } from './summary.js';

export interface FlowInputs extends CommonInputs {
  failOn?: Verdict[];
  compareWith?: CompareWith;
  /** Overrides the config's scenarios.run for the load-test stage. */
  scenarios?: ScenarioName[];
  /** Compare the head with this ref in the load-test stage. */
  baseRef?: string;
  /** Claude refines the optimization plan (an API key was given). */
  claude?: ClaudeOptions;
}

export interface FlowOutcome {
  verdict?: Verdict;
  failed: boolean;
  stages: StageOutcome[];
  outputs: Record<string, string>;
  /** What stages recorded as failed while the flow went on (an unreachable pprof endpoint). */
  problems: StageProblem[];
}

/**
 * The six stages, in one process, the load test before the plan that rests on it. A failing gate still gets its summary written;
 * a stage that cannot run (bad config, service down) stops the flow with its own error.
 */
export async function runFlow(inputs: FlowInputs, deps: StageDeps): Promise<FlowOutcome> {
  const started = Date.now();
  const log = deps.platform.log;
  const steps: [string, () => Promise<StageOutcome>][] = [
    ['baseline', () => runBaseline(inputs, deps)],
    ['profile-analysis', () => runProfileAnalysis(inputs, deps)],
    // The load test before the plan: its breaking point, spike and soak are evidence too.
    ['load-test', () => runLoadTest(inputs, deps)],
    ['optimization-plan', () => runOptimizationPlan(inputs, deps)],
    ['slo-gate', () => runSloGate(inputs, deps)],
    ['summary', () => runSummary(inputs, deps)],
  ];
  const stages: StageOutcome[] = [];
  for (const [index, [name, step]] of steps.entries()) {
    log.progress(
      `== stage ${index + 1}/${steps.length}: ${name} (${((Date.now() - started) / 1000).toFixed(0)}s elapsed)`,
    );
    stages.push(await step());
  }
  const gate = stages.find((s) => s.stage === 'slo-gate')!;
  const summary = stages.find((s) => s.stage === 'summary')!;
  return {
    ...(gate.verdict ? { verdict: gate.verdict } : {}),
    failed: gate.failed,
    stages,
    problems: stages.flatMap((s) => (s.problem ? [s.problem] : [])),
    outputs: {
      verdict: gate.verdict ?? '',
      score: gate.outputs.score ?? '',
      failed: String(gate.failed),
      'report-dir': path.resolve(inputs.workingDirectory, inputs.reportDir),
      'summary-path': summary.reportPath,
    },
  };
}
