import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { describeValue } from './units.js';

/**
 * Turns zod issues into the messages a user reads: `slos[1].target: ...`, in the words of
 * the YAML file (a "mapping", a "list") rather than of JavaScript.
 */

const NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  object: 'a mapping',
  record: 'a mapping',
  array: 'a list',
};

const PLAIN_KEY = /^[A-Za-z_][\w-]*$/;

/** `["slos", 1, "target"]` → `slos[1].target`; the empty path is the file itself. */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (typeof segment === 'string' && PLAIN_KEY.test(segment)) {
      text += text === '' ? segment : `.${segment}`;
    } else text += `[${JSON.stringify(String(segment))}]`;
  }
  return text === '' ? 'config' : text;
}

function tooSmall(issue: z.core.$ZodRawIssue<z.core.$ZodIssueTooSmall>): string | undefined {
  const min = String(issue.minimum);
  switch (issue.origin) {
    case 'number':
    case 'int':
      return issue.inclusive ? `must be at least ${min}` : `must be greater than ${min}`;
    case 'array':
      return `needs at least ${min} ${issue.minimum === 1 ? 'entry' : 'entries'}`;
    case 'string':
      return issue.minimum === 1 ? 'must not be empty' : `needs at least ${min} characters`;
    default:
      return undefined;
  }
}

function tooBig(issue: z.core.$ZodRawIssue<z.core.$ZodIssueTooBig>): string | undefined {
  const max = String(issue.maximum);
  if (issue.origin !== 'number' && issue.origin !== 'int') return undefined;
  return issue.inclusive ? `must be at most ${max}` : `must be less than ${max}`;
}

/** The error map every config parse uses; undefined falls back to zod's own message. */
export const configErrorMap: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type': {
      if (issue.input === undefined) return 'required';
      const name = NAMES[issue.expected] ?? issue.expected;
      const got = issue.input === null ? 'nothing (an empty value)' : describeValue(issue.input);
      return `expected ${name}, got ${got}`;
    }
    case 'invalid_value':
      return `expected one of ${issue.values.map(String).join(', ')}, got ${describeValue(issue.input)}`;
    case 'too_small':
      return tooSmall(issue);
    case 'too_big':
      return tooBig(issue);
    default:
      return undefined;
  }
};

/** One line per problem; an unknown key is named in its path rather than only in the text. */
export function issueLines(
  issues: readonly z.core.$ZodIssue[],
): { field: string; message: string }[] {
  return issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({
          field: formatPath([...issue.path, key]),
          message: issue.message,
        }))
      : [{ field: formatPath(issue.path), message: issue.message }],
  );
}

/** All the problems in one error: the first names the field, the others follow a line each. */
export function configErrorFromIssues(issues: readonly z.core.$ZodIssue[]): ConfigError {
  const [first, ...rest] = issueLines(issues);
  if (!first) return new ConfigError('invalid configuration', 'config');
  const more = rest.map((line) => `\n${line.field}: ${line.message}`).join('');
  return new ConfigError(`${first.message}${more}`, first.field);
}
