import type { GuidanceData } from '../data/common.js';
import { ConfigError } from '../errors.js';
import type {
  Comparator,
  Config,
  FocusArea,
  Guidance,
  SliName,
  SloConfig,
  Trigger,
} from './types.js';
import { TRIGGERS } from './types.js';
import { describeValue, readThreshold } from './units.js';

/**
 * Free-text guidance ("API latency is critical, p95 must be under 100ms") and a trigger,
 * read into focus areas and key SLOs. Recognition is deliberately narrow and every decision
 * is written to `applied`, so a reader can see what the text changed and what it did not.
 */

const FOCUS_KEYWORDS: Record<FocusArea, RegExp> = {
  database: /\b(?:databases?|db|sql|quer(?:y|ies)|postgres(?:ql)?|mysql)\b/i,
  api: /\b(?:apis?|endpoints?|services?)\b/i,
  frontend: /\b(?:front-?end|pages?|ui|browsers?)\b/i,
  cost: /\b(?:costs?|spend(?:ing)?|cheaper|bills?|billing)\b/i,
  latency:
    /\b(?:latency|latencies|slow(?:er|ness)?|fast(?:er)?|p50|p90|p95|p99|response\s+times?)\b/i,
  throughput: /\b(?:throughput|rps|capacity|scale|scaling|load)\b/i,
};

const TRIGGER_FOCUS: Record<Trigger, FocusArea[]> = {
  'slo-breach': ['latency'],
  'capacity-planning': ['throughput'],
  'cost-reduction': ['cost'],
  'user-complaint': ['latency', 'api'],
  proactive: [],
  'new-feature': ['api'],
};

// Longer phrases first where one contains another ("no more than" before "more than").
const COMPARATORS: [Comparator, string][] = [
  [
    '<=',
    String.raw`<=|≤|at\s+most|no\s+more\s+than|no\s+higher\s+than|not\s+(?:to\s+)?exceed|up\s+to|within`,
  ],
  ['>=', String.raw`>=|≥|at\s+least|no\s+less\s+than|no\s+lower\s+than`],
  ['<', String.raw`<|under|below|less\s+than|lower\s+than`],
  ['>', String.raw`>|above|over|more\s+than|greater\s+than|higher\s+than`],
];
const COMPARATOR = COMPARATORS.map(([, words]) => words).join('|');
// "1,000 rps" is a thousands separator; a decimal comma would be read wrongly, so not accepted.
const NUMBER = String.raw`\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?`;
// A few words may sit between the metric and the comparison: "p95 must stay under 100ms".
// Words may name another metric ("p95 and p99 under 100ms"), so digits are allowed after a letter.
const FILLER = String.raw`(?:\s+[a-z][a-z\d'’]*){0,5}?`;

const LATENCY_UNITS: Record<string, string> = {
  ms: 'ms',
  millisecond: 'ms',
  milliseconds: 'ms',
  us: 'us',
  µs: 'us',
  μs: 'us',
  microsecond: 'us',
  microseconds: 'us',
  s: 's',
  sec: 's',
  secs: 's',
  second: 's',
  seconds: 's',
};
const RATE_UNIT = String.raw`rps|req/s|requests?\s*(?:per|/)\s*(?:second|sec|s)|/s`;

interface TargetKind {
  pattern: RegExp;
  sli(metric: string): SliName;
  /** The unit as the text wrote it → the unit a threshold is written in. */
  unit(written: string): string;
}

/**
 * Matches the metric and only looks ahead for the comparison, so that "p95 and p99 under
 * 100ms" finds both percentiles.
 */
function targetPattern(metric: string, unit: string): RegExp {
  const ahead = String.raw`(?<rest>${FILLER}\s*(?<cmp>${COMPARATOR})\s*(?<num>${NUMBER})\s*(?<unit>${unit})(?![a-z\d]))`;
  return new RegExp(String.raw`(?<![\w-])(?<metric>${metric})(?![\w-])(?=${ahead})`, 'gi');
}

const PERCENTILES: Record<string, SliName> = {
  p50: 'latency.p50',
  median: 'latency.p50',
  p90: 'latency.p90',
  p95: 'latency.p95',
  p99: 'latency.p99',
  max: 'latency.max',
  maximum: 'latency.max',
};

const TARGET_KINDS: TargetKind[] = [
  {
    pattern: targetPattern(
      'p50|p90|p95|p99|median|max(?:imum)?',
      Object.keys(LATENCY_UNITS)
        .sort((a, b) => b.length - a.length)
        .join('|'),
    ),
    sli: (metric) => PERCENTILES[metric.toLowerCase()] ?? 'latency.max',
    unit: (written) => LATENCY_UNITS[written.toLowerCase()] ?? written,
  },
  {
    pattern: targetPattern(String.raw`error[\s-]?rates?|errors`, '%'),
    sli: () => 'error_rate',
    unit: () => '%',
  },
  {
    pattern: targetPattern('availability', '%'),
    sli: () => 'availability',
    unit: () => '%',
  },
  {
    pattern: targetPattern('throughput|capacity', RATE_UNIT),
    sli: () => 'throughput',
    unit: () => 'rps',
  },
];

// "handle 500 rps" states a capacity to reach, so it reads as ">= 500rps".
const CAPACITY_VERB = new RegExp(
  String.raw`(?<![\w-])(?:handle|sustain|serve|support|reach)(?:s|es|d|ed|ing)?(?:\s+at\s+least)?\s+(?<num>${NUMBER})\s*(?:${RATE_UNIT})(?![a-z\d])`,
  'gi',
);

interface FoundTarget {
  index: number;
  phrase: string;
  slo: SloConfig;
}

function comparatorOf(words: string): Comparator {
  const normalised = words.toLowerCase().replace(/\s+/g, ' ');
  for (const [op, alternatives] of COMPARATORS) {
    if (new RegExp(`^(?:${alternatives})$`, 'i').test(normalised)) return op;
  }
  throw new Error(`unreachable: comparator "${words}" is in the pattern but not the table`);
}

function guidanceSlo(sli: SliName, op: Comparator, number: string, unit: string): SloConfig {
  const text = `${op} ${number.replaceAll(',', '')}${unit}`;
  const threshold = readThreshold(text, sli);
  if (!threshold.ok) throw new Error(`unreachable: guidance built an invalid threshold "${text}"`);
  return {
    name: `guidance: ${sli} ${text}`,
    sli,
    target: threshold.value,
    weight: 1,
    key: true,
    source: 'guidance',
  };
}

function findTargets(text: string): FoundTarget[] {
  const found: FoundTarget[] = [];
  for (const kind of TARGET_KINDS) {
    for (const match of text.matchAll(kind.pattern)) {
      const { metric = '', rest = '', cmp = '', num = '', unit = '' } = match.groups ?? {};
      found.push({
        index: match.index,
        phrase: `${metric}${rest}`,
        slo: guidanceSlo(kind.sli(metric), comparatorOf(cmp), num, kind.unit(unit)),
      });
    }
  }
  for (const match of text.matchAll(CAPACITY_VERB)) {
    found.push({
      index: match.index,
      phrase: match[0],
      slo: guidanceSlo('throughput', '>=', match.groups?.num ?? '', 'rps'),
    });
  }
  return found.sort((a, b) => a.index - b.index);
}

/** "latency.p95 < 100ms": how targets are named in lines and data. */
export function describeSlo(slo: SloConfig): string {
  const scope = slo.journey === undefined ? '' : ` of ${slo.journey}`;
  return `${slo.sli}${scope} ${slo.target.text}`;
}

function targetLine(phrase: string, slo: SloConfig): string {
  return `"${phrase}" → key SLO ${describeSlo(slo)}`;
}

function parseTrigger(trigger: string | undefined): Trigger | undefined {
  const value = trigger?.trim().toLowerCase();
  if (value === undefined || value === '') return undefined;
  const known = TRIGGERS.find((name) => name === value);
  if (known === undefined) {
    throw new ConfigError(
      `expected one of ${TRIGGERS.join(', ')}, got ${describeValue(trigger)}`,
      'trigger',
    );
  }
  return known;
}

/** Focus areas in the order the text mentions them, then those the trigger implies. */
function focusAreas(text: string | undefined, trigger: Trigger | undefined) {
  const fromText = Object.entries(FOCUS_KEYWORDS)
    .map(([area, pattern]) => ({ area: area as FocusArea, at: text?.search(pattern) ?? -1 }))
    .filter(({ at }) => at >= 0)
    .sort((a, b) => a.at - b.at)
    .map(({ area }) => area);
  const fromTrigger = trigger === undefined ? [] : TRIGGER_FOCUS[trigger];
  return { focus: [...new Set([...fromText, ...fromTrigger])], fromText, fromTrigger };
}

function focusLine(
  focus: FocusArea[],
  fromText: FocusArea[],
  trigger: Trigger | undefined,
): string | undefined {
  if (focus.length === 0) {
    return trigger === undefined
      ? undefined
      : `trigger ${trigger}: no focus area, every bottleneck is considered`;
  }
  const sources = [
    fromText.length > 0 ? 'the text' : undefined,
    trigger !== undefined && TRIGGER_FOCUS[trigger].length > 0 ? `trigger ${trigger}` : undefined,
  ].filter((source) => source !== undefined);
  return `focus: ${focus.join(', ')} (from ${sources.join(' and ')})`;
}

export function parseGuidance(text: string | undefined, trigger: string | undefined): Guidance {
  const parsedTrigger = parseTrigger(trigger);
  const trimmed = text?.trim() || undefined;
  const targets: SloConfig[] = [];
  const applied: string[] = [];
  for (const found of trimmed === undefined ? [] : findTargets(trimmed)) {
    const earlier = targets.find((target) => target.sli === found.slo.sli);
    if (earlier === undefined) {
      targets.push(found.slo);
      applied.push(targetLine(found.phrase, found.slo));
    } else {
      applied.push(
        `"${found.phrase}" ignored: the text already set ${describeSlo(earlier)}, the first target for ${earlier.sli} wins`,
      );
    }
  }
  const { focus, fromText } = focusAreas(trimmed, parsedTrigger);
  const line = focusLine(focus, fromText, parsedTrigger);
  if (line !== undefined) applied.push(line);
  if (trimmed !== undefined && targets.length === 0 && fromText.length === 0) {
    applied.push('the guidance text names no focus area or target perf-flow recognises');
  }
  return {
    ...(trimmed !== undefined && { text: trimmed }),
    ...(parsedTrigger !== undefined && { trigger: parsedTrigger }),
    focus,
    targets,
    applied,
  };
}

/** Where a guidance target went: in place of the config's overall SLO for the SLI, or added. */
function mergeTarget(slos: SloConfig[], target: SloConfig): string {
  const replaced = slos.filter((slo) => slo.sli === target.sli && slo.journey === undefined);
  const first = replaced[0];
  if (first === undefined) {
    slos.push(target);
    return ` (added: the config has no overall ${target.sli} SLO)`;
  }
  slos.splice(slos.indexOf(first), 1, target);
  for (const slo of replaced.slice(1)) slos.splice(slos.indexOf(slo), 1);
  const texts = replaced.map((slo) => `"${slo.target.text}"`).join(', ');
  return ` (replaces the config's target ${texts})`;
}

/**
 * The config with the guidance's targets in it, and every line saying what the guidance did.
 * A guidance target replaces the config's SLO for the same SLI over all journeys: the
 * guidance is the more recent statement of intent. Per-journey SLOs stay as written.
 */
export function applyGuidance(
  config: Config,
  guidance: Guidance,
): { config: Config; applied: string[] } {
  if (guidance.text === undefined && guidance.trigger === undefined) {
    return { config, applied: ["no guidance given: the config's SLOs apply as written"] };
  }
  const slos = [...config.slos];
  const applied = [...guidance.applied];
  for (const target of guidance.targets) {
    const merge = mergeTarget(slos, target);
    const bare = ` → key SLO ${describeSlo(target)}`;
    const at = applied.findIndex((line) => line.endsWith(bare));
    if (at >= 0) applied[at] += merge;
    else applied.push(`guidance${bare}${merge}`);
  }
  if (guidance.targets.length === 0) {
    applied.push("no targets in the guidance: the config's SLOs apply as written");
  }
  return { config: { ...config, slos }, applied };
}

export function guidanceData(guidance: Guidance, applied: string[]): GuidanceData {
  return {
    ...(guidance.text !== undefined && { text: guidance.text }),
    ...(guidance.trigger !== undefined && { trigger: guidance.trigger }),
    focus: [...guidance.focus],
    targets: guidance.targets.map(describeSlo),
    applied: [...applied],
  };
}
