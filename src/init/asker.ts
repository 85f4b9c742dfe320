import { createInterface } from 'node:readline/promises';
import { ConfigError } from '../errors.js';
import type { Question } from './questions.js';

/**
 * Asks the questions one line at a time. A person at a terminal who gives an answer that
 * cannot be read is asked again; piped answers cannot be asked again, so the first bad one
 * stops init with an error naming the question and what it accepts (exit 2).
 */
export interface Asker {
  ask<T>(question: Question<T>): Promise<T>;
  say(text: string): void;
  close(): void;
}

export interface Terminal {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** A person is typing (stdin is a TTY), rather than answers arriving through a pipe. */
  interactive: boolean;
}

export function fieldOf(question: Question<unknown>): string {
  return `question ${question.number} (${question.name})`;
}

function introduce(question: Question<unknown>, say: (text: string) => void): void {
  say('');
  say(`${question.number}  ${question.title}`);
  for (const line of question.details) say(`      ${line}`);
}

export function lineAsker({ input, output, interactive }: Terminal): Asker {
  const rl = createInterface({ input, output, terminal: interactive });
  // The iterator queues lines that arrive before they are asked for: piped answers come all
  // at once, and rl.question() would drop the ones read while no question was pending.
  const lines = rl[Symbol.asyncIterator]();
  let interrupted = false;
  let ended = false;
  rl.on('SIGINT', () => {
    interrupted = true;
    rl.close();
  });
  const say = (text: string) => output.write(`${text}\n`);

  async function next(prompt: string): Promise<string | undefined> {
    if (ended) return undefined;
    rl.setPrompt(prompt);
    rl.prompt();
    const line = await lines.next();
    if (interrupted) throw new ConfigError('interrupted: nothing written', 'init');
    if (line.done === true) {
      ended = true;
      say('');
      say('(the input ended: the remaining questions take their defaults)');
      return undefined;
    }
    // A terminal echoes what is typed; piped answers are echoed so the transcript reads whole.
    if (!interactive) say(String(line.value));
    return String(line.value);
  }

  return {
    say,
    close: () => rl.close(),
    async ask<T>(question: Question<T>): Promise<T> {
      introduce(question, say);
      const shown = question.shown === undefined ? '' : ` [${question.shown}]`;
      for (;;) {
        const line = await next(`  ${question.name}${shown}: `);
        const answer = question.read((line ?? '').trim());
        if (answer.ok) return answer.value;
        if (!interactive || line === undefined) {
          throw new ConfigError(answer.message, fieldOf(question));
        }
        say(`  ${answer.message}; try again`);
      }
    },
  };
}

/** `perf-flow init --yes`: every question takes its default, and nothing is read. */
export function defaultsAsker(output: NodeJS.WritableStream): Asker {
  return {
    say: (text) => output.write(`${text}\n`),
    close: () => {},
    ask<T>(question: Question<T>): Promise<T> {
      const answer = question.read('');
      if (answer.ok) return Promise.resolve(answer.value);
      return Promise.reject(
        new ConfigError(`${answer.message} (--yes answers nothing itself)`, fieldOf(question)),
      );
    },
  };
}
