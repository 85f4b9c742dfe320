import * as core from '@actions/core';
import { detectPlatform } from '../platform/index.js';
import { stopAllServices } from '../service/runner.js';
import { installStopOnSignals } from '../service/signals.js';
import type { StageDeps } from '../stages/context.js';
import { describeFailure } from './failure.js';

interface ActionOutcome {
  verdict?: string;
  failed: boolean;
  outputs: Record<string, string>;
  problem?: { exitCode: number; message: string };
  problems?: { exitCode: number; message: string }[];
}

/**
 * The one wrapper around every action entry, and the only caller of core.setFailed. Outputs
 * are set by the stage; this adds the job's failure when the verdict is in fail-on.
 */
export async function runAction(
  name: string,
  run: (deps: StageDeps) => Promise<ActionOutcome>,
): Promise<void> {
  const token = core.getInput('token');
  if (token) core.setSecret(token);
  // Masked before anything reads it: the runner then blanks it in every log line.
  const anthropicKey = core.getInput('anthropic-api-key');
  if (anthropicKey) core.setSecret(anthropicKey);
  // A cancelled job sends SIGINT, then SIGTERM: the service under test must not outlive it.
  installStopOnSignals((message) => core.warning(message));
  const platform = detectPlatform(token ? { token } : {});
  try {
    const outcome = await run({ platform, commandLine: `perf-flow action ${name}` });
    for (const [key, value] of Object.entries(outcome.outputs)) core.setOutput(key, value);
    const problems = outcome.problems ?? (outcome.problem ? [outcome.problem] : []);
    if (problems.length > 0) {
      // Recorded by a stage that let the rest run: the results are written, the job fails.
      core.setFailed(problems.map((p) => `perf-flow ${name}: ${p.message}`).join('\n'));
      process.exitCode = Math.max(...problems.map((p) => p.exitCode));
    } else if (outcome.failed) {
      core.setFailed(
        `perf-flow ${name}: verdict ${outcome.verdict ?? 'none'}, which fails the gate (fail-on).`,
      );
      process.exitCode = 1;
    }
  } catch (error) {
    const failure = describeFailure(error);
    core.setFailed(failure.message);
    process.exitCode = failure.exitCode;
  } finally {
    await stopAllServices();
  }
}
