import { Document, isMap, isScalar, isSeq } from 'yaml';
import { describeSlo, parseGuidance } from '../config/guidance.js';
import type { IntakeSettings, Investment, Monitoring, Timeline } from '../config/intake.js';
import { guidanceText, intakeSettings } from '../config/intake.js';
import type { ScenarioName, Trigger } from '../config/types.js';
import { PORT_PLACEHOLDER } from '../config/types.js';
import type { JourneyAnswer } from './questions.js';

/**
 * The perf-flow.yml `perf-flow init` writes: the answers as settings, each with a comment that
 * says which answer set it and what it does, so the file explains itself when edited later.
 */

export interface InitAnswers {
  trigger: Trigger;
  currentBaseline?: string | undefined;
  target?: string | undefined;
  suspectedBottlenecks?: string | undefined;
  monitoring: Monitoring;
  investment: Investment;
  timeline: Timeline;
  /** Absent: the service is already running, at `port`. */
  start?: string | undefined;
  /** Absent: perf-flow picks a port and passes it as PORT. */
  port?: number | undefined;
  ready: string;
  journey: JourneyAnswer;
}

const WIDTH = 88;
const DOCS = 'docs/config.md';

/**
 * Words onto lines of at most `width`: the first keeps the text's own indent, the others are
 * indented by `hang`.
 */
function wrap(text: string, width = WIDTH, hang = ''): string[] {
  const lines: string[] = [];
  let line = /^\s*/.exec(text)?.[0] ?? '';
  let empty = true;
  for (const word of text.trim().split(/\s+/)) {
    if (!empty && line.length + 1 + word.length > width) {
      lines.push(line);
      line = `${hang}${word}`;
    } else line = empty ? `${line}${word}` : `${line} ${word}`;
    empty = false;
  }
  if (!empty) lines.push(line);
  return lines;
}

/** yaml writes each line of a comment after "#": a leading space keeps "# text" readable. */
function comment(...paragraphs: string[][]): string {
  return paragraphs
    .map((lines) => lines.map((line) => (line === '' ? '' : ` ${line}`)).join('\n'))
    .join('\n\n');
}

function annotate(doc: Document, path: string[], text: string, space = false): void {
  const parent = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true);
  if (!isMap(parent)) throw new Error(`no mapping at ${path.slice(0, -1).join('.')}`);
  const pair = parent.items.find((item) => isScalar(item.key) && item.key.value === path.at(-1));
  if (pair === undefined || !isScalar(pair.key)) throw new Error(`no key ${path.join('.')}`);
  pair.key.commentBefore = comment(wrap(text));
  if (space) pair.key.spaceBefore = true;
}

function quoted(text: string): string {
  return `"${text}"`;
}

function list(values: readonly string[]): string {
  return values.length === 1
    ? values[0]!
    : `${values.slice(0, -1).join(', ')} and ${values.at(-1)}`;
}

/** How long the scenarios beyond the steady load take with their defaults (docs/config.md). */
const DEFAULT_DURATIONS: Partial<Record<ScenarioName, string>> = {
  stress: 'stress up to 6 min 40 s',
  spike: 'spike 50 s',
  soak: 'soak 10 min',
};

interface Readings {
  targets: string[];
  /** Why no target was taken, in the guidance parser's words. */
  targetNotes: string[];
  bottleneckFocus: string[];
  triggerFocus: string[];
}

/** What the guidance parser makes of the answers: the comments say it before any run does. */
function readAnswers(answers: InitAnswers): Readings {
  const target = parseGuidance(guidanceText({ target: answers.target }), undefined);
  const bottlenecks = parseGuidance(
    guidanceText({ suspectedBottlenecks: answers.suspectedBottlenecks }),
    undefined,
  );
  return {
    targets: target.targets.map(describeSlo),
    targetNotes: target.applied.filter((line) => !line.startsWith('focus:')),
    bottleneckFocus: bottlenecks.focus,
    triggerFocus: parseGuidance(undefined, answers.trigger).focus,
  };
}

function header(answers: InitAnswers): string {
  const given = (value: string | undefined) => value ?? 'not given';
  const rows: [string, string][] = [
    ['1. issue addressed', answers.trigger],
    ['2. current baseline', given(answers.currentBaseline)],
    ['3. target', given(answers.target)],
    ['4. suspected bottlenecks', given(answers.suspectedBottlenecks)],
    ['5. monitoring maturity', answers.monitoring],
    ['6. acceptable investment', answers.investment],
    ['7. timeline pressure', answers.timeline],
  ];
  return comment(
    wrap(
      `perf-flow.yml, written by \`perf-flow init\` from your answers. Each setting says which answer set it and what it does; ${DOCS} explains every key. \`perf-flow run\` runs the whole flow on this file.`,
    ),
    [
      'Your answers:',
      ...rows.flatMap(([question, answer]) => wrap(`  ${question}: ${answer}`, WIDTH, '     ')),
    ],
  );
}

function serviceNotes(doc: Document, answers: InitAnswers): void {
  annotate(
    doc,
    ['service'],
    answers.start === undefined
      ? `How perf-flow reaches the service. You answered "none" to the start command: perf-flow measures the service already listening at url (${DOCS}#service).`
      : `How perf-flow starts the service and knows it is ready (${DOCS}#service).`,
  );
  if (answers.start !== undefined) {
    annotate(
      doc,
      ['service', 'start'],
      'Your start command. perf-flow runs it from the directory of this file, in its own process group, and stops it at the end.',
    );
  }
  annotate(
    doc,
    ['service', 'url'],
    answers.port === undefined
      ? `No port given: perf-flow picks a free loopback port, passes it to the service as PORT, and puts it in place of ${PORT_PLACEHOLDER}.`
      : `The port you gave (${answers.port}): the service must listen on it.`,
  );
  annotate(
    doc,
    ['service', 'ready'],
    'Your health path: polled after the start until it answers 2xx.',
  );
}

function sloNote(readings: Readings): string {
  return readings.targets.length > 0
    ? `Judged on every run, with the key SLO${readings.targets.length > 1 ? 's' : ''} your target adds at run time (guidance.target: ${readings.targets.join('; ')}). Add more here (${DOCS}#slos).`
    : `Judged on every run. No target was read from your answers, so only the error rate is judged: add latency targets here, e.g. sli: latency.p95 with target: "< 200ms" (${DOCS}#slos).`;
}

function guidanceNotes(doc: Document, answers: InitAnswers, readings: Readings): void {
  annotate(
    doc,
    ['guidance'],
    `Answers 1 to 4, read on every run as guidance: every report says what they changed. Inputs of the same names (trigger, current-baseline, target, suspected-bottlenecks) replace them for one run (${DOCS}#guidance-and-plan-the-intake-answers).`,
    true,
  );
  annotate(
    doc,
    ['guidance', 'trigger'],
    readings.triggerFocus.length > 0
      ? `1. The issue addressed: focus on ${list(readings.triggerFocus)} (plan items that serve it rank higher).`
      : '1. The issue addressed: no focus area, every bottleneck is considered.',
  );
  if (answers.currentBaseline !== undefined) {
    annotate(
      doc,
      ['guidance', 'current-baseline'],
      '2. The current baseline as you described it: the reports quote it; perf-flow measures its own.',
    );
  }
  if (answers.target !== undefined) {
    annotate(
      doc,
      ['guidance', 'target'],
      readings.targets.length > 0
        ? `3. The target: read as the key SLO ${readings.targets.join('; ')}, in place of a config SLO of the same SLI over all journeys.`
        : `3. The target: perf-flow reads no target in it (${readings.targetNotes.join('; ')}). Say e.g. "p95 under 100ms".`,
    );
  }
  if (answers.suspectedBottlenecks !== undefined) {
    annotate(
      doc,
      ['guidance', 'suspected-bottlenecks'],
      readings.bottleneckFocus.length > 0
        ? `4. Suspected bottlenecks: focus on ${list(readings.bottleneckFocus)} (plan items that serve it rank higher).`
        : '4. Suspected bottlenecks: they name no focus area perf-flow knows (database, api, frontend, cost, latency, throughput); the reports quote them.',
    );
  }
}

function planNotes(doc: Document, answers: InitAnswers, settings: IntakeSettings): void {
  const { monitoring, investment, timeline } = answers;
  annotate(
    doc,
    ['plan'],
    `How much of the optimization plan to keep; what is left out is named in the plan (${DOCS}#guidance-and-plan-the-intake-answers).`,
    true,
  );
  annotate(doc, ['plan', 'depth'], `6. Investment ${quoted(investment)}: ${settings.why.depth}.`);
  annotate(
    doc,
    ['plan', 'risk-tolerance'],
    `5. Monitoring ${quoted(monitoring)} and 7. timeline ${quoted(timeline)}: ${settings.why.riskTolerance}.`,
  );
  const longer = settings.scenarios.flatMap((name) => DEFAULT_DURATIONS[name] ?? []);
  annotate(
    doc,
    ['scenarios'],
    `What the load-test stage runs (${DOCS}#scenarios).${longer.length > 0 ? ` With their defaults ${list(longer)} run: size them under scenarios.<name>.` : ''}`,
    true,
  );
  annotate(
    doc,
    ['scenarios', 'run'],
    `7. Timeline ${quoted(timeline)} and 5. monitoring ${quoted(monitoring)}: ${settings.why.scenarios}.`,
  );
}

/** The file's text. Pure: the same answers give the same file. */
export function configText(answers: InitAnswers): string {
  const settings = intakeSettings(answers);
  const readings = readAnswers(answers);
  const { journey } = answers;
  const doc = new Document({
    service: {
      ...(answers.start !== undefined && { start: answers.start }),
      url: `http://127.0.0.1:${answers.port ?? PORT_PLACEHOLDER}`,
      ready: answers.ready,
    },
    journeys: [{ name: journey.name, method: journey.method, path: journey.path }],
    slos: [{ name: 'Error rate', sli: 'error_rate', target: '<= 1%', key: true }],
    guidance: {
      trigger: answers.trigger,
      ...(answers.currentBaseline !== undefined && {
        'current-baseline': answers.currentBaseline,
      }),
      ...(answers.target !== undefined && { target: answers.target }),
      ...(answers.suspectedBottlenecks !== undefined && {
        'suspected-bottlenecks': answers.suspectedBottlenecks,
      }),
    },
    plan: { depth: settings.depth, 'risk-tolerance': settings.riskTolerance },
    scenarios: { run: settings.scenarios },
  });
  doc.commentBefore = header(answers);
  serviceNotes(doc, answers);
  annotate(
    doc,
    ['journeys'],
    `The request you gave. The baseline measures each journey alone, the load test sends them mixed by weight: add the ones your users take (${DOCS}#journeys).`,
    true,
  );
  annotate(doc, ['slos'], sloNote(readings), true);
  guidanceNotes(doc, answers, readings);
  planNotes(doc, answers, settings);
  const run = doc.getIn(['scenarios', 'run'], true);
  if (isSeq(run)) run.flow = true;
  return doc.toString({ lineWidth: 0 });
}
