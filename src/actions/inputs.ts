import type { IntakeInputs } from '../config/intake.js';
import { INVESTMENTS, matchChoice, MONITORING_LEVELS, TIMELINES } from '../config/intake.js';
import type { ScenarioName, Verdict } from '../config/types.js';
import { SCENARIO_NAMES, VERDICTS } from '../config/types.js';
import { parseDuration, parseRate } from '../config/units.js';
import { ConfigError } from '../errors.js';
import { parseCompareWith, type CompareWith } from '../stages/comparison-source.js';
import type { CommonInputs } from '../stages/context.js';

/** Reads one input by name; '' when unset (as @actions/core's getInput answers). */
export type InputReader = (name: string) => string;

export interface InputSpec {
  description: string;
  default?: string;
}

/** The inputs every action takes (ARCHITECTURE.md). action.yml files must agree (tested). */
export const COMMON_INPUTS = {
  config: {
    description: 'Path of perf-flow.yml, relative to working-directory.',
    default: 'perf-flow.yml',
  },
  guidance: {
    description:
      'Free-text guidance, e.g. "API latency is critical, p95 must be under 100ms". Targets it states become key SLOs; focus areas reorder the plan.',
  },
  trigger: {
    description:
      'Why this run happens: slo-breach, capacity-planning, cost-reduction, user-complaint, proactive or new-feature.',
  },
  'current-baseline': {
    description:
      'Intake question 2, the current baseline in your words, e.g. "p95 about 800ms at 150 rps": quoted in every report, it sets nothing. Replaces guidance.current-baseline of perf-flow.yml.',
  },
  target: {
    description:
      'Intake question 3, the target, e.g. "p95 under 100ms": read as guidance, a target it states becomes a key SLO. Replaces guidance.target of perf-flow.yml.',
  },
  'suspected-bottlenecks': {
    description:
      'Intake question 4, where you suspect the bottleneck, e.g. "database queries": read for focus areas, which reorder the plan. Replaces guidance.suspected-bottlenecks of perf-flow.yml.',
  },
  'report-dir': {
    description: 'Where reports and data files go, relative to working-directory.',
    default: 'perf-flow-report',
  },
  'working-directory': { description: 'The directory perf-flow works in.', default: '.' },
  token: {
    description: 'GitHub token for artifacts, PR comments and check runs. Masked, never stored.',
    default: '${{ github.token }}',
  },
} satisfies Record<string, InputSpec>;

export const FAIL_ON_INPUT = {
  'fail-on': {
    description:
      "Verdicts that fail the job, comma-separated, overriding the config (default: the config's fail-on, FAIL, INCONCLUSIVE).",
  },
} satisfies Record<string, InputSpec>;

export const COMPARE_WITH_INPUT = {
  'compare-with': {
    description:
      "What the summary's before/after compares with: auto (on GitHub the default branch's latest run, needing `actions: read`, else the previous run in report-dir), previous, default-branch, none, or the path of a report directory or data file.",
    default: 'auto',
  },
} satisfies Record<string, InputSpec>;

export function readCompareWith(read: InputReader): CompareWith {
  return parseCompareWith(optional(read, 'compare-with'));
}

export const BASE_REF_INPUT = {
  'base-ref': {
    description:
      "Also compare the head with this git ref, built and run on the runner: in alternating blocks of load (load-test; the regression section of perf-flow.yml sets thresholds, confidence and budget) and profile against profile (profile-analysis: which functions grew, and whether this change touches them). Default: a pull request's base commit (fetched if the checkout lacks it); none on other events. `none` turns it off.",
    default: '${{ github.event.pull_request.base.sha }}',
  },
} satisfies Record<string, InputSpec>;

/** The ref to compare with; undefined for none (an empty input outside a pull request). */
export function readBaseRef(read: InputReader): { baseRef?: string } {
  const value = optional(read, 'base-ref');
  return value === undefined || value.toLowerCase() === 'none' ? {} : { baseRef: value };
}

export const SHARD_INPUTS = {
  shard: {
    description: "This job's shard of the load test, from 1 to shards (one matrix leg each).",
  },
  shards: {
    description:
      'How many shards share the load test: each runs its share of the connections and rate; slo-gate merges them exactly.',
  },
} satisfies Record<string, InputSpec>;

export const LOAD_OVERRIDE_INPUTS = {
  duration: { description: 'Overrides load-test.duration, e.g. "30s".' },
  connections: { description: 'Overrides load-test.connections: a whole number of connections.' },
  rate: { description: 'Overrides load-test.rate, e.g. "200rps".' },
} satisfies Record<string, InputSpec>;

export const SCENARIOS_INPUT = {
  scenarios: {
    description:
      "Scenarios the load test runs, comma-separated, in order, overriding the config's scenarios.run: any of load, stress, spike, soak (default: the config's, load).",
  },
} satisfies Record<string, InputSpec>;

/** Names as in scenarios.run, in any case; a repeated name runs once. */
export function readScenarios(read: InputReader): ScenarioName[] | undefined {
  const value = optional(read, 'scenarios');
  if (value === undefined) return undefined;
  const names = value
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((name) => name.toLowerCase());
  const unknown = names.find((name) => !(SCENARIO_NAMES as readonly string[]).includes(name));
  if (unknown !== undefined || names.length === 0) {
    throw new ConfigError(
      `expected scenario names from ${SCENARIO_NAMES.join(', ')}, comma-separated, got "${unknown ?? value}"`,
      'scenarios',
    );
  }
  return [...new Set(names as ScenarioName[])];
}

export const INTAKE_CHOICE_INPUTS = {
  monitoring: {
    description:
      'Intake question 5, monitoring maturity: none, basic or mature. With timeline, sets the risk tolerance and the scenarios in place of plan.risk-tolerance and scenarios.run (the one not given counts as basic, or normal).',
  },
  investment: {
    description:
      'Intake question 6, acceptable investment: quick-wins, moderate or comprehensive. Sets the plan depth in place of plan.depth: quick wins only, no major refactoring, or every item.',
  },
  timeline: {
    description:
      'Intake question 7, timeline pressure: urgent, normal or relaxed. With monitoring, sets the scenarios (urgent: load only; relaxed: all four) and the risk tolerance.',
  },
} satisfies Record<string, InputSpec>;

function readChoice<const T extends readonly string[]>(
  read: InputReader,
  name: string,
  values: T,
): T[number] | undefined {
  const value = optional(read, name);
  if (value === undefined) return undefined;
  const found = matchChoice(values, value);
  if (found === undefined) {
    throw new ConfigError(`expected one of ${values.join(', ')}, got "${value}"`, name);
  }
  return found;
}

/** The common inputs with the closed intake answers, for the stages they change. */
export function withIntakeChoices<I extends CommonInputs>(inputs: I, read: InputReader): I {
  const monitoring = readChoice(read, 'monitoring', MONITORING_LEVELS);
  const investment = readChoice(read, 'investment', INVESTMENTS);
  const timeline = readChoice(read, 'timeline', TIMELINES);
  const choices: IntakeInputs = {
    ...(monitoring !== undefined && { monitoring }),
    ...(investment !== undefined && { investment }),
    ...(timeline !== undefined && { timeline }),
  };
  if (Object.keys(choices).length === 0) return inputs;
  return { ...inputs, intake: { ...inputs.intake, ...choices } };
}

function readIntakeText(read: InputReader): { intake?: IntakeInputs } {
  const currentBaseline = optional(read, 'current-baseline');
  const target = optional(read, 'target');
  const suspectedBottlenecks = optional(read, 'suspected-bottlenecks');
  const intake: IntakeInputs = {
    ...(currentBaseline !== undefined && { currentBaseline }),
    ...(target !== undefined && { target }),
    ...(suspectedBottlenecks !== undefined && { suspectedBottlenecks }),
  };
  return Object.keys(intake).length === 0 ? {} : { intake };
}

function optional(read: InputReader, name: string): string | undefined {
  const value = read(name).trim();
  return value === '' ? undefined : value;
}

function withDefault(read: InputReader, name: keyof typeof COMMON_INPUTS): string {
  return optional(read, name) ?? (COMMON_INPUTS[name] as InputSpec).default ?? '';
}

export function readCommonInputs(read: InputReader): CommonInputs {
  const guidance = optional(read, 'guidance');
  const trigger = optional(read, 'trigger');
  return {
    config: withDefault(read, 'config'),
    reportDir: withDefault(read, 'report-dir'),
    workingDirectory: withDefault(read, 'working-directory'),
    ...(guidance ? { guidance } : {}),
    ...(trigger ? { trigger } : {}),
    ...readIntakeText(read),
  };
}

export function readFailOn(read: InputReader): Verdict[] | undefined {
  const value = optional(read, 'fail-on');
  if (value === undefined) return undefined;
  const verdicts = value
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((v) => v.toUpperCase());
  for (const v of verdicts) {
    if (!(VERDICTS as readonly string[]).includes(v)) {
      throw new ConfigError(`expected verdicts from ${VERDICTS.join(', ')}, got "${v}"`, 'fail-on');
    }
  }
  return verdicts as Verdict[];
}

/** The common inputs plus fail-on: the gate's and the whole flow's. */
export function readGateInputs(read: InputReader): CommonInputs & { failOn?: Verdict[] } {
  const failOn = readFailOn(read);
  return { ...readCommonInputs(read), ...(failOn ? { failOn } : {}) };
}

export function readLoadOverrides(read: InputReader) {
  const duration = optional(read, 'duration');
  const connections = optional(read, 'connections');
  const rate = optional(read, 'rate');
  if (connections !== undefined && !/^[1-9]\d{0,4}$/.test(connections)) {
    throw new ConfigError(
      `expected a whole number of connections from 1 to 99999, got "${connections}"`,
      'connections',
    );
  }
  return {
    ...(duration !== undefined ? { durationMs: parseDuration(duration, 'duration') } : {}),
    ...(connections !== undefined ? { connections: Number(connections) } : {}),
    ...(rate !== undefined ? { rateRps: parseRate(rate, 'rate') } : {}),
  };
}

const WHOLE = /^[1-9]\d{0,2}$/;

/** Both or neither; 1 <= shard <= shards <= 256 (GitHub's matrix limit). */
export function readShard(read: InputReader): { index: number; count: number } | undefined {
  const shard = optional(read, 'shard');
  const shards = optional(read, 'shards');
  if (shard === undefined && shards === undefined) return undefined;
  if (shards === undefined || !WHOLE.test(shards) || Number(shards) > 256) {
    throw new ConfigError(
      `expected a whole number of shards from 1 to 256, got "${shards ?? ''}"`,
      'shards',
    );
  }
  if (shard === undefined || !WHOLE.test(shard) || Number(shard) > Number(shards)) {
    throw new ConfigError(
      `expected a shard number from 1 to ${shards}, got "${shard ?? ''}"`,
      'shard',
    );
  }
  return { index: Number(shard), count: Number(shards) };
}
