import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { ConfigError } from '../errors.js';
import { configErrorFromIssues, configErrorMap } from './issues.js';
import { configSchema } from './schema.js';
import type { Config } from './types.js';

const FIELD = 'config';
const MISSING_FILE_HINT =
  "perf-flow's docs/config.md describes every key, and its examples/demo-service/perf-flow.yml is a worked example to start from";

function hashOf(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 16);
}

/** A plain `>` starts a folded block in YAML, so an unquoted `>= 500rps` is a syntax error. */
function yamlHint(message: string): string {
  return message.includes('Block scalar header')
    ? '\n(a value starting with ">" must be quoted, e.g. target: ">= 500rps")'
    : '';
}

function parseSource(text: string, file: string, hash: string): Config {
  // prettyErrors puts "at line L, column C" and the offending line into the message.
  const document = parseDocument(text, { prettyErrors: true });
  const [syntaxError] = document.errors;
  if (syntaxError) {
    throw new ConfigError(
      `invalid YAML in ${file}: ${syntaxError.message.trimEnd()}${yamlHint(syntaxError.message)}`,
      FIELD,
    );
  }
  const raw: unknown = document.toJS();
  if (raw === null || raw === undefined) {
    throw new ConfigError(`${file} is empty: it needs at least service and journeys`, FIELD);
  }
  const result = configSchema({ path: file, hash }).safeParse(raw, { error: configErrorMap });
  if (!result.success) throw configErrorFromIssues(result.error.issues);
  return result.data;
}

/** Parses perf-flow.yml text as if read from `file` (which anchors the working directory). */
export function parseConfigText(text: string, file: string): Config {
  return parseSource(text, path.resolve(file), hashOf(Buffer.from(text, 'utf8')));
}

export async function loadConfig(file: string): Promise<Config> {
  const absolute = path.resolve(file);
  let bytes: Buffer;
  try {
    bytes = await readFile(absolute);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new ConfigError(`file not found: ${absolute} (${MISSING_FILE_HINT})`, FIELD);
    }
    throw new ConfigError(`cannot read ${absolute}: ${(error as Error).message}`, FIELD);
  }
  // The hash covers the bytes on disk, so an invisible re-encoding shows up as a new config.
  const config = parseSource(bytes.toString('utf8'), absolute, hashOf(bytes));
  await checkWorkingDirectory(config.service.cwd);
  return config;
}

/**
 * Build and start run in the working directory; a missing one would only show up later as
 * "spawn sh ENOENT". It defaults to the file's own directory, which exists: a failure here
 * is always a working-directory the user wrote.
 */
async function checkWorkingDirectory(cwd: string): Promise<void> {
  const field = 'service.working-directory';
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(cwd)).isDirectory();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new ConfigError(`no such directory: ${cwd}`, field);
    }
    throw new ConfigError(`cannot read ${cwd}: ${(error as Error).message}`, field);
  }
  if (!isDirectory) throw new ConfigError(`not a directory: ${cwd}`, field);
}
