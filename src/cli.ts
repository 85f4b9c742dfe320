import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readClaudeInputs } from './actions/claude-inputs.js';
import { describeFailure } from './actions/failure.js';
import {
  readCompareWith,
  readFailOn,
  readLoadOverrides,
  readScenarios,
  readShard,
} from './actions/inputs.js';
import { ConfigError, ExitCode } from './errors.js';
import { checkInitOptions, initCommand, INIT_ONLY_OPTIONS } from './init/command.js';
import { packageRoot } from './package-root.js';
import { detectPlatform } from './platform/index.js';
import { stopAllServices } from './service/runner.js';
import { installStopOnSignals } from './service/signals.js';
import { runBaseline } from './stages/baseline.js';
import type { CommonInputs, StageDeps, StageProblem } from './stages/context.js';
import { runFlow } from './stages/flow.js';
import { runLoadTest } from './stages/load-test.js';
import { runOptimizationPlan } from './stages/optimization-plan.js';
import { runProfileAnalysis } from './stages/profile-analysis.js';
import { runSloGate } from './stages/slo-gate.js';
import { runSummary } from './stages/summary.js';
import { runMergeShards } from './stages/shards.js';
import { STAGES } from './data/stages.js';

const HELP = `perf-flow: measure an HTTP service under load, find its bottlenecks, plan optimizations,
and gate changes on SLOs.

Usage: perf-flow <command> [options]

Commands:
  init                write a commented perf-flow.yml from the seven intake questions
                      (the issue, baseline, target, suspected bottlenecks, monitoring,
                      investment, timeline) and four about the service; answers are
                      typed, or piped one per line (a blank line takes the default)
  run                 the whole flow: baseline, profile-analysis, optimization-plan,
                      load-test, slo-gate, summary
  demo                the whole flow on the bundled demo service (what \`npm start\` runs)
  baseline            SLIs of each journey under load
  profile-analysis    CPU profile under load, top functions
  optimization-plan   optimizations ranked by ROI
  load-test           the scenarios of perf-flow.yml's scenarios.run (by default a steady
                      load over the journey mix), per-second timeline
  slo-gate            PASS / PARTIAL / FAIL / INCONCLUSIVE, error budgets
  summary             one page of everything above
  merge               merge load-test shards (data/shards/, or the run's artifacts)
                      into data/load-test.json; slo-gate also merges them itself

Options:
  -c, --config FILE             perf-flow.yml (default: perf-flow.yml; demo: the demo's own)
  -g, --guidance TEXT           e.g. "API latency is critical, p95 must be under 100ms"
  -t, --trigger NAME            slo-breach, capacity-planning, cost-reduction,
                                user-complaint, proactive, new-feature
  -o, --out DIR                 report directory (default: perf-flow-report)
  -C, --working-directory DIR   resolve --config and --out from here (default: .)
      --artifacts DIR           hand stage results over through DIR, as separate jobs do
      --fail-on LIST            verdicts that fail (run, demo, slo-gate), e.g. FAIL,INCONCLUSIVE
      --scenarios LIST          load-test, run, demo: the scenarios to run instead of
                                scenarios.run, e.g. load,stress (load, stress, spike, soak)
      --duration D              load-test: override load-test.duration, e.g. 30s
      --connections N           load-test: override load-test.connections
      --rate R                  load-test: override load-test.rate, e.g. 200rps
      --shard N --shards M      load-test: run shard N of M (each its share of the load)
      --base-ref REF            load-test, profile-analysis, run: also compare the head
                                (the working tree) with REF, built and run here: block by
                                block under load, and profile against profile, e.g. origin/main
      --compare-with WHAT       summary, run, demo: the before/after's "before": previous
                                (the earlier run in --out, the default), none, or a report
                                directory or data file (e.g. the main branch's report)
      --model ID                optimization-plan, run, demo: the Claude model that refines
                                the plan when ANTHROPIC_API_KEY is set (ANTHROPIC_BASE_URL
                                overrides the API's address)
      --anthropic-timeout D     how long the call to Claude may take, retries included, e.g. 3m
  -y, --yes                     init: take every default, ask nothing
      --force                   init: replace an existing perf-flow.yml
      --start CMD               init: the command that starts the service ("none": it runs)
      --port N                  init: the port it listens on (default: perf-flow picks one)
      --ready PATH              init: the path that answers 2xx once it is ready
      --journey "METHOD PATH"   init: the request to measure, e.g. "GET /api/items"
  -h, --help                    this help
  -v, --version                 perf-flow's version

Exit codes: 0 the verdict passes, 1 the gate failed, 2 a usage or configuration error,
3 the service failed to start or crashed, or another runtime failure.
Docs: docs/config.md`;

const COMMANDS = ['run', 'demo', ...STAGES, 'merge'] as const;
type Command = (typeof COMMANDS)[number];

const OPTIONS = {
  config: { type: 'string', short: 'c' },
  guidance: { type: 'string', short: 'g' },
  trigger: { type: 'string', short: 't' },
  out: { type: 'string', short: 'o' },
  'working-directory': { type: 'string', short: 'C' },
  artifacts: { type: 'string' },
  'fail-on': { type: 'string' },
  scenarios: { type: 'string' },
  duration: { type: 'string' },
  connections: { type: 'string' },
  rate: { type: 'string' },
  shard: { type: 'string' },
  shards: { type: 'string' },
  'compare-with': { type: 'string' },
  'base-ref': { type: 'string' },
  model: { type: 'string' },
  'anthropic-timeout': { type: 'string' },
  yes: { type: 'boolean', short: 'y' },
  force: { type: 'boolean' },
  start: { type: 'string' },
  port: { type: 'string' },
  ready: { type: 'string' },
  journey: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

type Values = ReturnType<typeof parse>['values'];

function parse(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new ConfigError(`${(error as Error).message}. See perf-flow --help.`, 'arguments');
  }
}

/** Options that only some commands take are refused elsewhere, so a typo is never ignored. */
function checkOptionsFit(command: Command, values: Values) {
  const only: Record<string, Command[]> = {
    'fail-on': ['run', 'demo', 'slo-gate'],
    scenarios: ['load-test', 'run', 'demo'],
    duration: ['load-test'],
    connections: ['load-test'],
    rate: ['load-test'],
    shard: ['load-test'],
    shards: ['load-test'],
    'compare-with': ['run', 'demo', 'summary'],
    'base-ref': ['load-test', 'profile-analysis', 'run'],
    model: ['optimization-plan', 'run', 'demo'],
    'anthropic-timeout': ['optimization-plan', 'run', 'demo'],
  };
  for (const option of INIT_ONLY_OPTIONS) {
    if (values[option] !== undefined) {
      throw new ConfigError(`--${option} applies to init, not ${command}`, `--${option}`);
    }
  }
  for (const [option, commands] of Object.entries(only)) {
    if (values[option as keyof Values] !== undefined && !commands.includes(command)) {
      throw new ConfigError(
        `--${option} applies to ${commands.join(', ')}, not ${command}`,
        `--${option}`,
      );
    }
  }
}

function commonInputs(command: Command, values: Values): CommonInputs {
  const config =
    values.config ??
    (command === 'demo'
      ? path.join(packageRoot(), 'examples/demo-service/perf-flow.yml')
      : 'perf-flow.yml');
  return {
    config,
    reportDir: values.out ?? 'perf-flow-report',
    workingDirectory: values['working-directory'] ?? '.',
    ...(values.guidance !== undefined ? { guidance: values.guidance } : {}),
    ...(values.trigger !== undefined ? { trigger: values.trigger } : {}),
  };
}

function readBaseRef(values: Values): { baseRef?: string } {
  const ref = values['base-ref'];
  if (ref === undefined) return {};
  if (ref.trim() === '') throw new ConfigError('expected a git ref, got ""', '--base-ref');
  return { baseRef: ref.trim() };
}

async function dispatch(command: Command, values: Values, deps: StageDeps) {
  const inputs = commonInputs(command, values);
  const read = (name: string) => String(values[name as keyof Values] ?? '');
  // The key comes from the environment only: a flag would show in `ps` and in shell history.
  const claude = () =>
    readClaudeInputs((name) =>
      name === 'anthropic-api-key' ? (process.env.ANTHROPIC_API_KEY ?? '') : read(name),
    );
  switch (command) {
    case 'run':
    case 'demo': {
      const failOn = readFailOn(read);
      const scenarios = readScenarios(read);
      return runFlow(
        {
          ...inputs,
          ...(failOn ? { failOn } : {}),
          compareWith: readCompareWith(read),
          ...(scenarios ? { scenarios } : {}),
          ...readBaseRef(values),
          ...claude(),
        },
        deps,
      );
    }
    case 'baseline':
      return runBaseline(inputs, deps);
    case 'profile-analysis':
      return runProfileAnalysis({ ...inputs, ...readBaseRef(values) }, deps);
    case 'optimization-plan':
      return runOptimizationPlan({ ...inputs, ...claude() }, deps);
    case 'load-test': {
      const shard = readShard(read);
      const scenarios = readScenarios(read);
      return runLoadTest(
        {
          ...inputs,
          overrides: readLoadOverrides(read),
          ...(shard ? { shard } : {}),
          ...(scenarios ? { scenarios } : {}),
          ...readBaseRef(values),
        },
        deps,
      );
    }
    case 'merge':
      return runMergeShards(inputs, deps);
    case 'slo-gate': {
      const failOn = readFailOn(read);
      return runSloGate({ ...inputs, ...(failOn ? { failOn } : {}) }, deps);
    }
    case 'summary':
      return runSummary({ ...inputs, compareWith: readCompareWith(read) }, deps);
  }
}

export async function main(argv: string[]): Promise<number> {
  try {
    const { values, positionals } = parse(argv);
    if (values.version) {
      console.log(
        JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')).version,
      );
      return ExitCode.pass;
    }
    if (values.help || positionals.length === 0) {
      console.log(HELP);
      return positionals.length === 0 && !values.help ? ExitCode.usage : ExitCode.pass;
    }
    const [name, ...extra] = positionals;
    if (name !== 'init' && !(COMMANDS as readonly string[]).includes(name!)) {
      throw new ConfigError(
        `unknown command "${name}" (expected one of init, ${COMMANDS.join(', ')})`,
        'command',
      );
    }
    if (extra.length > 0) throw new ConfigError(`unexpected argument "${extra[0]}"`, 'arguments');
    if (name === 'init') {
      checkInitOptions(values);
      await initCommand(values);
      return ExitCode.pass;
    }
    const command = name as Command;
    checkOptionsFit(command, values);
    const platform = detectPlatform(
      values.artifacts ? { artifactsDir: path.resolve(values.artifacts) } : {},
    );
    const outcome = await dispatch(command, values, {
      platform,
      commandLine: ['perf-flow', ...argv]
        .map((a) => (/\s/.test(a) ? JSON.stringify(a) : a))
        .join(' '),
    });
    for (const [key, value] of Object.entries(outcome.outputs)) platform.setOutput(key, value);
    const reportPath =
      'reportPath' in outcome ? outcome.reportPath : outcome.outputs['summary-path'];
    if (outcome.verdict) {
      console.log(
        `perf-flow: verdict ${outcome.verdict}${outcome.failed ? ' (the gate fails)' : ''}; report: ${reportPath}`,
      );
    } else {
      console.log(`perf-flow: ${command} done; report: ${reportPath}`);
    }
    // A stage that recorded a failure and let the flow go on still fails the run, with its code.
    const { problems = [], problem } = outcome as {
      problems?: StageProblem[];
      problem?: StageProblem;
    };
    if (problem) problems.push(problem);
    for (const problem of problems) console.error(`perf-flow: ${problem.message}`);
    if (problems.length > 0) return Math.max(...problems.map((p) => p.exitCode));
    return outcome.failed ? ExitCode.gateFailed : ExitCode.pass;
  } catch (error) {
    const failure = describeFailure(error);
    console.error(`perf-flow: ${failure.message}`);
    return failure.exitCode;
  } finally {
    await stopAllServices();
  }
}

// Ctrl-C must not leave the service under test running.
installStopOnSignals();
void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
