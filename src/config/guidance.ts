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
import { exceedsRate } from './schema.js';
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
// A negated bound reads as its opposite: "must not go above 2s" is "<= 2s".
const COMPARATORS: [Comparator, string][] = [
  [
    '<=',
    String.raw`<=|≤|at\s+most|no\s+more\s+than|no\s+higher\s+than|(?:not|never)\s+(?:to\s+)?(?:(?:go|get|be|rise)\s+)?(?:exceed|above|over|more\s+than|higher\s+than|greater\s+than)|up\s+to|within`,
  ],
  [
    '>=',
    String.raw`>=|≥|at\s+least|no\s+less\s+than|no\s+lower\s+than|(?:not|never)\s+(?:to\s+)?(?:(?:go|get|be|fall|drop)\s+)?(?:below|under|less\s+than|lower\s+than)`,
  ],
  ['<', String.raw`<|under|below|less\s+than|lower\s+than`],
  ['>', String.raw`>|above|over|more\s+than|greater\s+than|higher\s+than`],
];
const COMPARATOR = COMPARATORS.map(([, words]) => words).join('|');
// "up to" also describes ("p95 spikes up to 3s"): alone, it does not make a phrase a target.
const WEAK_COMPARATOR = /^up\s+to$/i;
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

/*
 * A number next to a metric is not yet a target: "p95 is above 2s" is the problem, "p95 must
 * be under 100ms" the goal. A phrase becomes a target only when it points the way a target
 * for its SLI points (latency and errors down, availability and throughput up) and is worded
 * as one: no word describing how things are, and either a word of intent or a comparison that
 * states a limit. Words are looked for between the metric and the comparison and in the
 * clause before the metric ("keep p99 below 250 ms", "we need p95 under 100ms").
 */
const WORD = String.raw`[\w'’]`;
function words(alternatives: string): RegExp {
  return new RegExp(String.raw`(?<!${WORD})(?:${alternatives})(?!${WORD})`, 'i');
}
const INTENT = words(
  String.raw`must|should|shall|needs?|needed|(?:has|have|got)\s+to|keep|stay|remain|targets?|targeted|goals?|aim|want(?:s|ed)?|requires?|required|requirements?|ensure|make\s+sure|guarantee|ideally|expected\s+to|supposed\s+to|ought\s+to|slos?|slas?`,
);
const DESCRIPTION = words(
  String.raw`is|are|was|were|been|being|isn['’]t|aren['’]t|currently|today|now|already|still|usually|often|sometimes|went|goes|spike[sd]?|hits?|reach(?:es|ed)|peak(?:s|ed)?|climb(?:s|ed)|jump(?:s|ed)|rose|rises|sits|averages?|averaged|measured|observed|saw|see|seen|got|gets|can|could|cannot|can['’]t|only|barely|complain(?:s|ed)?`,
);
/** Words that may sit between a metric and its comparison without a word of intent. */
const NEUTRAL = new Set(
  (
    'latency latencies response responses time times request requests rate rates error errors ' +
    'overall total api endpoint endpoints the of for all every and or p50 p90 p95 p99 median ' +
    'max maximum percentile availability throughput capacity be kept always consistently ' +
    'reliably comfortably well safely strictly to'
  ).split(' '),
);
// A clause ends at punctuation or at a word that starts another statement.
const CLAUSE_BREAK = new RegExp(
  String.raw`[,;:.!?()\n]|(?<!${WORD})(?:but|because|since|when|whenever|while|although|though|whereas|however)(?!${WORD})`,
  'gi',
);

function clauseBefore(text: string, index: number): string {
  const before = text.slice(0, index);
  let start = 0;
  for (const match of before.matchAll(CLAUSE_BREAK)) start = match.index + match[0].length;
  return before.slice(start);
}

type Bound = 'upper' | 'lower';

/** Which way a target for the SLI points: latency and errors are kept low, the rest high. */
function boundOf(sli: SliName): Bound {
  return sli.startsWith('latency.') || sli === 'error_rate' ? 'upper' : 'lower';
}

function boundOfComparator(op: Comparator): Bound {
  return op === '<' || op === '<=' ? 'upper' : 'lower';
}

const BOUND_WORDS: Record<Bound, string> = {
  upper: 'an upper limit (under, below, at most)',
  lower: 'a lower limit (above, at least)',
};

interface Wording {
  /** Words of the phrase between the metric and the comparison. */
  filler: string;
  /** The clause before the phrase. */
  before: string;
}

function intends({ filler, before }: Wording): boolean {
  return INTENT.test(filler) || INTENT.test(before);
}

function describes({ filler, before }: Wording): boolean {
  return DESCRIPTION.test(filler) || DESCRIPTION.test(before);
}

function ignoredLine(phrase: string, why: string): string {
  return `"${phrase}" ${why}: ignored`;
}

/** Why a metric, comparison and number is not a target, or undefined when it is one. */
function notATarget(
  phrase: string,
  sli: SliName,
  op: Comparator,
  comparison: string,
  wording: Wording,
): string | undefined {
  const intent = intends(wording);
  if (boundOfComparator(op) !== boundOf(sli)) {
    return intent
      ? ignoredLine(phrase, `is not a target: a ${sli} target is ${BOUND_WORDS[boundOf(sli)]}`)
      : ignoredLine(phrase, 'describes the problem, not a target');
  }
  if (intent) return undefined;
  if (describes(wording))
    return ignoredLine(phrase, 'describes the service as it is, not a target');
  const fillerWords = wording.filler.toLowerCase().match(/[a-z][a-z\d'’]*/g) ?? [];
  if (WEAK_COMPARATOR.test(comparison.trim()) || fillerWords.some((w) => !NEUTRAL.has(w))) {
    return ignoredLine(
      phrase,
      'is not worded as a target (say "must", "keep", "under", "at most"...)',
    );
  }
  return undefined;
}

interface TargetKind {
  pattern: RegExp;
  /** The metric, words and a number with a unit but no comparison: "p99 is 3s". */
  bare: RegExp;
  sli(metric: string): SliName;
  /** The unit as the text wrote it → the unit a threshold is written in. */
  unit(written: string): string;
}

/**
 * Matches the metric and only looks ahead for the comparison, so that "p95 and p99 under
 * 100ms" finds both percentiles.
 */
function targetPattern(metric: string, unit: string, comparison = true): RegExp {
  const cmp = comparison ? String.raw`\s*(?<cmp>${COMPARATOR})\s*` : String.raw`\s+`;
  const ahead = String.raw`(?<rest>(?<filler>${FILLER})${cmp}(?<num>${NUMBER})\s*(?<unit>${unit})(?![a-z\d]))`;
  return new RegExp(String.raw`(?<![\w-])(?<metric>${metric})(?![\w-])(?=${ahead})`, 'gi');
}

function targetKind(
  metric: string,
  unit: string,
  sli: (metric: string) => SliName,
  canonicalUnit: (written: string) => string,
): TargetKind {
  return {
    pattern: targetPattern(metric, unit),
    bare: targetPattern(metric, unit, false),
    sli,
    unit: canonicalUnit,
  };
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
  targetKind(
    'p50|p90|p95|p99|median|max(?:imum)?',
    Object.keys(LATENCY_UNITS)
      .sort((a, b) => b.length - a.length)
      .join('|'),
    (metric) => PERCENTILES[metric.toLowerCase()] ?? 'latency.max',
    (written) => LATENCY_UNITS[written.toLowerCase()] ?? written,
  ),
  targetKind(
    String.raw`error[\s-]?rates?|errors`,
    '%',
    () => 'error_rate',
    () => '%',
  ),
  targetKind(
    'availability',
    '%',
    () => 'availability',
    () => '%',
  ),
  targetKind(
    'throughput|capacity',
    RATE_UNIT,
    () => 'throughput',
    () => 'rps',
  ),
];

// "handle 500 rps" states a capacity to reach, so it reads as ">= 500rps"; "it handles 300
// rps" or "it can only handle 300 rps" says what it does today.
const CAPACITY_VERB = new RegExp(
  String.raw`(?<![\w-])(?<verb>(?:handle|sustain|serve|support|reach)(?:s|es|d|ed|ing)?)(?:\s+at\s+least)?\s+(?<num>${NUMBER})\s*(?:${RATE_UNIT})(?![a-z\d])`,
  'gi',
);
const CAPACITY_BASE_FORM = /^(?:handle|sustain|serve|support|reach)$/i;

type FoundTarget =
  | { index: number; phrase: string; slo: SloConfig }
  | { index: number; phrase: string; ignored: string };

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

function findComparisons(text: string, kind: TargetKind): FoundTarget[] {
  const found: FoundTarget[] = [];
  for (const match of text.matchAll(kind.pattern)) {
    const {
      metric = '',
      rest = '',
      filler = '',
      cmp = '',
      num = '',
      unit = '',
    } = match.groups ?? {};
    const phrase = `${metric}${rest}`;
    const slo = guidanceSlo(kind.sli(metric), comparatorOf(cmp), num, kind.unit(unit));
    const wording = { filler, before: clauseBefore(text, match.index) };
    const ignored = notATarget(phrase, slo.sli, slo.target.op, cmp, wording);
    found.push(
      ignored === undefined
        ? { index: match.index, phrase, slo }
        : { index: match.index, phrase, ignored },
    );
  }
  // A number with no comparison ("p99 is 3s") is never a target; say so, so it is not a mystery.
  const compared = new Set(found.map(({ index }) => index));
  for (const match of text.matchAll(kind.bare)) {
    if (compared.has(match.index)) continue;
    const { metric = '', rest = '', filler = '' } = match.groups ?? {};
    const phrase = `${metric}${rest}`;
    const intent = intends({ filler, before: clauseBefore(text, match.index) });
    found.push({
      index: match.index,
      phrase,
      ignored: ignoredLine(
        phrase,
        intent
          ? 'states no limit (under, at most, at least...), not a target'
          : 'describes the service as it is, not a target',
      ),
    });
  }
  return found;
}

function findCapacities(text: string): FoundTarget[] {
  return [...text.matchAll(CAPACITY_VERB)].map((match): FoundTarget => {
    const phrase = match[0];
    const { verb = '', num = '' } = match.groups ?? {};
    const wording = { filler: '', before: clauseBefore(text, match.index) };
    const isTarget = intends(wording) || (CAPACITY_BASE_FORM.test(verb) && !describes(wording));
    return isTarget
      ? { index: match.index, phrase, slo: guidanceSlo('throughput', '>=', num, 'rps') }
      : {
          index: match.index,
          phrase,
          ignored: ignoredLine(phrase, 'describes the service as it is, not a target'),
        };
  });
}

function findTargets(text: string): FoundTarget[] {
  return [
    ...TARGET_KINDS.flatMap((kind) => findComparisons(text, kind)),
    ...findCapacities(text),
  ].sort((a, b) => a.index - b.index);
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
  const found = trimmed === undefined ? [] : findTargets(trimmed);
  for (const phrase of found) {
    if ('ignored' in phrase) {
      applied.push(phrase.ignored);
      continue;
    }
    const earlier = targets.find((target) => target.sli === phrase.slo.sli);
    if (earlier === undefined) {
      targets.push(phrase.slo);
      applied.push(targetLine(phrase.phrase, phrase.slo));
    } else {
      applied.push(
        `"${phrase.phrase}" ignored: the text already set ${describeSlo(earlier)}, the first target for ${earlier.sli} wins`,
      );
    }
  }
  const { focus, fromText } = focusAreas(trimmed, parsedTrigger);
  const line = focusLine(focus, fromText, parsedTrigger);
  if (line !== undefined) applied.push(line);
  if (trimmed !== undefined && found.length === 0 && fromText.length === 0) {
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

/** The load test sends no more than its rate, so a throughput target above it can never be met. */
function checkOfferedRate(target: SloConfig, rateRps: number | undefined): void {
  if (target.sli !== 'throughput' || rateRps === undefined) return;
  if (!exceedsRate(target.target, rateRps)) return;
  throw new ConfigError(
    `the target ${describeSlo(target)} cannot be met: the load test offers only ${rateRps} req/s (its rate in perf-flow.yml); ask for at most ${rateRps}rps or raise the rate`,
    'guidance',
  );
}

/** Where a guidance target went: in place of the config's overall SLO for the SLI, or added. */
function mergeTarget(slos: SloConfig[], target: SloConfig): string {
  // parseGuidance keeps only these; an inverted target would replace the config's goal with
  // the problem it describes.
  if (boundOfComparator(target.target.op) !== boundOf(target.sli)) {
    throw new Error(`unreachable: guidance target ${describeSlo(target)} points the wrong way`);
  }
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
    checkOfferedRate(target, config.loadTest.rateRps);
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
