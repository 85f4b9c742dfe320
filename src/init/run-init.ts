import { describeSlo, parseGuidance } from '../config/guidance.js';
import { guidedConfig } from '../config/guided-config.js';
import { guidanceText, intakeSettings } from '../config/intake.js';
import { parseConfigText } from '../config/load.js';
import { ConfigError } from '../errors.js';
import type { Asker, Terminal } from './asker.js';
import { defaultsAsker, lineAsker } from './asker.js';
import type { InitAnswers } from './config-document.js';
import { configText } from './config-document.js';
import type { Question } from './questions.js';
import {
  baselineQuestion,
  bottlenecksQuestion,
  investmentQuestion,
  issueQuestion,
  journeyQuestion,
  monitoringQuestion,
  portQuestion,
  readyQuestion,
  startQuestion,
  targetQuestion,
  timelineQuestion,
} from './questions.js';
import { checkWritable, writeConfigFile } from './write-config-file.js';

/** The service's answers given as flags: those questions are not asked. */
export interface InitFlags {
  start?: string;
  port?: string;
  ready?: string;
  journey?: string;
}

export interface InitOptions {
  /** The perf-flow.yml to write, absolute. */
  file: string;
  /** Replace the file if it exists. */
  force: boolean;
  /** Take every default instead of asking. */
  yes: boolean;
  flags: InitFlags;
}

async function answer<T>(
  asker: Asker,
  question: Question<T>,
  flag: keyof InitFlags,
  flags: InitFlags,
): Promise<T> {
  const given = flags[flag];
  if (given === undefined) return asker.ask(question);
  const read = question.read(given.trim());
  if (!read.ok) throw new ConfigError(read.message, `--${flag}`);
  return read.value;
}

/** Says at once what the target and bottleneck answers will do, while they can be changed. */
function echoReading(asker: Asker, answers: Pick<InitAnswers, 'target'>): void {
  if (answers.target === undefined) return;
  const read = parseGuidance(guidanceText({ target: answers.target }), undefined);
  asker.say(
    read.targets.length > 0
      ? `  → key SLO ${read.targets.map(describeSlo).join('; ')}`
      : '  → no target read in that (say e.g. "p95 under 100ms"): it is kept as guidance text',
  );
}

function echoFocus(asker: Asker, suspected: string | undefined): void {
  if (suspected === undefined) return;
  const { focus } = parseGuidance(guidanceText({ suspectedBottlenecks: suspected }), undefined);
  asker.say(
    focus.length > 0
      ? `  → focus: ${focus.join(', ')}`
      : '  → no focus area perf-flow knows (database, api, frontend, cost, latency, throughput)',
  );
}

async function askAll(asker: Asker, flags: InitFlags): Promise<InitAnswers> {
  const trigger = await asker.ask(issueQuestion);
  const currentBaseline = await asker.ask(baselineQuestion);
  const target = await asker.ask(targetQuestion);
  echoReading(asker, { target });
  const suspectedBottlenecks = await asker.ask(bottlenecksQuestion);
  echoFocus(asker, suspectedBottlenecks);
  const monitoring = await asker.ask(monitoringQuestion);
  const investment = await asker.ask(investmentQuestion);
  const timeline = await asker.ask(timelineQuestion);
  const start = await answer(asker, startQuestion, 'start', flags);
  const port = await answer(asker, portQuestion(start !== undefined), 'port', flags);
  const ready = await answer(asker, readyQuestion, 'ready', flags);
  const journey = await answer(asker, journeyQuestion, 'journey', flags);
  return {
    trigger,
    currentBaseline,
    target,
    suspectedBottlenecks,
    monitoring,
    investment,
    timeline,
    start,
    port,
    ready,
    journey,
  };
}

/** init writes only what perf-flow accepts: a refusal here is init's own bug, not the user's. */
function checkAccepted(text: string, file: string): void {
  try {
    guidedConfig(parseConfigText(text, file), {});
  } catch (error) {
    throw new Error(`perf-flow init made a config perf-flow refuses: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/**
 * Asks the intake and service questions (or takes their defaults), writes perf-flow.yml and
 * returns its text. Nothing is written when a question is refused or the file exists
 * (without force).
 */
export async function runInit(options: InitOptions, terminal: Terminal): Promise<string> {
  await checkWritable(options.file, options.force);
  const asker = options.yes ? defaultsAsker(terminal.output) : lineAsker(terminal);
  try {
    asker.say(
      options.yes
        ? `perf-flow init: every answer takes its default (--yes), writing ${options.file}`
        : `perf-flow init writes ${options.file}: seven questions about what this work is for, then four about the service (--start, --port, --ready and --journey answer those). Enter takes the default in [brackets].`,
    );
    const answers = await askAll(asker, options.flags);
    const text = configText(answers);
    checkAccepted(text, options.file);
    await writeConfigFile(options.file, text, options.force);
    const settings = intakeSettings(answers);
    asker.say('');
    asker.say(
      `wrote ${options.file}: plan depth ${settings.depth}, risk tolerance ${settings.riskTolerance}, scenarios ${settings.scenarios.join(', ')}.`,
    );
    asker.say(
      'Next: `perf-flow run` measures the service, plans and gates; reports in perf-flow-report/.',
    );
    return text;
  } finally {
    asker.close();
  }
}
