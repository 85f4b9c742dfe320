import type { Config, GuidanceConfig, PlanDepth, RiskTolerance, ScenarioName } from './types.js';
import { PLAN_DEPTHS } from './types.js';

/**
 * The seven intake questions' closed answers (monitoring maturity, acceptable investment,
 * timeline pressure) and what they change: the plan's depth and risk tolerance, and which
 * load-test scenarios run. `perf-flow init` writes the settings into perf-flow.yml; the inputs
 * of the same names replace them for one run. The open answers (current baseline, target,
 * suspected bottlenecks) are guidance text: see guidanceText.
 */

export const MONITORING_LEVELS = ['none', 'basic', 'mature'] as const;
export type Monitoring = (typeof MONITORING_LEVELS)[number];

/** The answers are the depths: "quick wins only" is what the plan then keeps. */
export const INVESTMENTS = PLAN_DEPTHS;
export type Investment = PlanDepth;

export const TIMELINES = ['urgent', 'normal', 'relaxed'] as const;
export type Timeline = (typeof TIMELINES)[number];

export interface IntakeChoices {
  monitoring: Monitoring;
  investment: Investment;
  timeline: Timeline;
}

/** The middle answer of each: what a blank answer (or `perf-flow init --yes`) takes. */
export const INTAKE_DEFAULTS: IntakeChoices = {
  monitoring: 'basic',
  investment: 'moderate',
  timeline: 'normal',
};

export interface IntakeSettings {
  depth: PlanDepth;
  riskTolerance: RiskTolerance;
  scenarios: ScenarioName[];
  /** Why each setting follows from the answers: config comments and reports quote these. */
  why: { depth: string; riskTolerance: string; scenarios: string };
}

const ALL: ScenarioName[] = ['load', 'stress', 'spike', 'soak'];
const STANDARD: ScenarioName[] = ['load', 'stress', 'spike'];

/**
 * Testing rigour: the time there is, and how much monitoring would catch in production what
 * the tests skip. Without monitoring a slow leak goes unseen, so the soak runs before.
 */
const RIGOUR: Record<Timeline, Record<Monitoring, ScenarioName[]>> = {
  urgent: { none: ['load'], basic: ['load'], mature: ['load'] },
  normal: { none: ALL, basic: STANDARD, mature: STANDARD },
  relaxed: { none: ALL, basic: ALL, mature: ALL },
};

/**
 * Risk tolerance: a risky change is safe to try when a regression shows quickly (monitoring)
 * and there is time to roll it back (timeline).
 */
const RISK: Record<Monitoring, Record<Timeline, RiskTolerance>> = {
  none: { urgent: 'low', normal: 'low', relaxed: 'low' },
  basic: { urgent: 'low', normal: 'medium', relaxed: 'medium' },
  mature: { urgent: 'medium', normal: 'high', relaxed: 'high' },
};

const DEPTH_WHY: Record<PlanDepth, string> = {
  'quick-wins': 'the plan keeps only quick wins (under a day of work each)',
  moderate: 'the plan keeps quick wins and strategic items (up to 5 days), no major refactoring',
  comprehensive: 'the plan keeps every item, major refactoring included',
};

const RISK_WHY: Record<RiskTolerance, string> = {
  low: 'high-risk items are left out of the plan',
  medium: 'high-risk items rank lower (their ROI is halved)',
  high: 'items rank by ROI alone (which already discounts risk)',
};

function riskReason(monitoring: Monitoring, timeline: Timeline): string {
  if (monitoring === 'none') return 'with no monitoring, a change that goes wrong goes unseen';
  if (timeline === 'urgent') return 'with no time to spare, a change that goes wrong cannot wait';
  if (monitoring === 'basic') return 'basic monitoring may be slow to show a regression';
  return 'mature monitoring shows a regression quickly, and there is time to roll it back';
}

function scenariosReason(monitoring: Monitoring, timeline: Timeline): string {
  if (timeline === 'urgent') return 'the steady load only, the quickest check';
  if (timeline === 'relaxed') {
    return 'all four scenarios: the breaking point, recovery from a spike, and a soak for leaks';
  }
  return monitoring === 'none'
    ? 'all four scenarios: with no monitoring a slow leak would go unseen, so the soak runs first'
    : 'the steady load, stress (the breaking point) and spike (recovery); the soak is left for a relaxed timeline';
}

export function intakeSettings(choices: IntakeChoices): IntakeSettings {
  const { monitoring, investment, timeline } = choices;
  const riskTolerance = RISK[monitoring][timeline];
  return {
    depth: investment,
    riskTolerance,
    scenarios: [...RIGOUR[timeline][monitoring]],
    why: {
      depth: DEPTH_WHY[investment],
      riskTolerance: `${RISK_WHY[riskTolerance]}: ${riskReason(monitoring, timeline)}`,
      scenarios: scenariosReason(monitoring, timeline),
    },
  };
}

/**
 * A closed answer: the value itself in any case, with spaces for hyphens ("Quick wins"), or,
 * when numbers are offered, its position from 1. Undefined when it is none of them.
 */
export function matchChoice<const T extends readonly string[]>(
  values: T,
  answer: string,
  numbered = false,
): T[number] | undefined {
  const text = answer
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, '-');
  if (numbered && /^\d+$/.test(text)) return values[Number(text) - 1];
  return values.find((value) => value === text);
}

/** The answers as the actions and the reusable workflow take them, each one optional. */
export interface IntakeInputs {
  currentBaseline?: string;
  target?: string;
  suspectedBottlenecks?: string;
  monitoring?: Monitoring;
  investment?: Investment;
  timeline?: Timeline;
}

function listed(values: readonly string[]): string {
  return `[${values.join(', ')}]`;
}

/** The closed answers given as inputs, into plan depth, risk tolerance and scenarios. */
function choiceOverrides(config: Config, given: IntakeInputs): { config: Config; lines: string[] } {
  const lines: string[] = [];
  let { plan, scenarios } = config;
  if (given.investment !== undefined) {
    const { depth, why } = intakeSettings({ ...INTAKE_DEFAULTS, investment: given.investment });
    lines.push(
      `intake input investment ${given.investment}: plan depth ${depth} (perf-flow.yml: ${plan.depth}): ${why.depth}`,
    );
    plan = { ...plan, depth };
  }
  if (given.monitoring !== undefined || given.timeline !== undefined) {
    // Rigour and risk each rest on both answers: the one not given is taken at its middle.
    const monitoring = given.monitoring ?? INTAKE_DEFAULTS.monitoring;
    const timeline = given.timeline ?? INTAKE_DEFAULTS.timeline;
    const assumed =
      given.monitoring === undefined
        ? ` (monitoring not given: taken as ${monitoring})`
        : given.timeline === undefined
          ? ` (timeline not given: taken as ${timeline})`
          : '';
    const settings = intakeSettings({ ...INTAKE_DEFAULTS, monitoring, timeline });
    const answers = `intake inputs monitoring ${monitoring}, timeline ${timeline}${assumed}`;
    lines.push(
      `${answers}: risk tolerance ${settings.riskTolerance} (perf-flow.yml: ${plan.riskTolerance}): ${settings.why.riskTolerance}`,
      `${answers}: scenarios ${listed(settings.scenarios)} (perf-flow.yml: ${listed(scenarios.run)}): ${settings.why.scenarios}`,
    );
    plan = { ...plan, riskTolerance: settings.riskTolerance };
    scenarios = { ...scenarios, run: settings.scenarios };
  }
  return { config: { ...config, plan, scenarios }, lines };
}

const TEXT_FIELDS = [
  ['currentBaseline', 'current-baseline'],
  ['target', 'target'],
  ['suspectedBottlenecks', 'suspected-bottlenecks'],
] as const;

/**
 * perf-flow.yml with the intake answers given as inputs in place of its own settings, and a
 * line for each replacement: an input is the more recent answer.
 */
export function applyIntakeInputs(
  config: Config,
  given: IntakeInputs,
): { config: Config; applied: string[] } {
  const applied: string[] = [];
  let guidance: GuidanceConfig | undefined = config.guidance;
  for (const [field, key] of TEXT_FIELDS) {
    const value = given[field];
    if (value === undefined) continue;
    const written = config.guidance?.[field];
    if (written !== undefined && written !== value) {
      applied.push(`intake input ${key} replaces perf-flow.yml's guidance.${key} "${written}"`);
    }
    guidance = { ...guidance, [field]: value };
  }
  const choices = choiceOverrides(config, given);
  applied.push(...choices.lines);
  return {
    config: { ...choices.config, ...(guidance !== undefined && { guidance }) },
    applied,
  };
}

/** "p95 under 100ms." → "p95 under 100ms": a sentence is joined to the next with ". ". */
function joinSentences(parts: string[]): string {
  return parts.reduce(
    (text, part) =>
      text === '' ? part : /[.!?]$/.test(text) ? `${text} ${part}` : `${text}. ${part}`,
    '',
  );
}

/**
 * The text the guidance parser reads: the free text, then the target and the suspected
 * bottlenecks. The target is prefixed with "Target", a word of intent, since the user gave it
 * as one: "p99 up to 250ms" alone would read as a description. The current baseline is left
 * out: it describes the service, and its numbers and words ("150 rps") are not the focus.
 */
export function guidanceText(guidance: GuidanceConfig | undefined): string | undefined {
  if (guidance === undefined) return undefined;
  const parts = [
    guidance.text,
    guidance.target === undefined ? undefined : `Target ${guidance.target}`,
    guidance.suspectedBottlenecks === undefined
      ? undefined
      : `Suspected bottlenecks: ${guidance.suspectedBottlenecks}`,
  ].filter((part): part is string => part !== undefined && part.trim() !== '');
  return parts.length === 0 ? undefined : joinSentences(parts.map((part) => part.trim()));
}

/** Every report quotes the user's own description of the service today, setting nothing. */
export function baselineLine(guidance: GuidanceConfig | undefined): string[] {
  const told = guidance?.currentBaseline;
  return told === undefined
    ? []
    : [
        `current baseline, as told: "${told}" (quoted only: the measurements here are perf-flow's own)`,
      ];
}
