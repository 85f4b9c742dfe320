import { randomBytes } from 'node:crypto';
import { rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../errors.js';

/**
 * perf-flow.yml is written whole or not at all: to a temporary file beside it, then renamed
 * over it, so an interrupted init never leaves half a config for the next run to trip on.
 */

async function kindOf(file: string): Promise<'file' | 'directory' | 'other' | undefined> {
  try {
    const found = await stat(file);
    return found.isFile() ? 'file' : found.isDirectory() ? 'directory' : 'other';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Checked before any question, so that nobody answers them all to be refused at the end. */
export async function checkWritable(file: string, force: boolean): Promise<void> {
  const dir = path.dirname(file);
  if ((await kindOf(dir)) !== 'directory') {
    throw new ConfigError(`no such directory: ${dir}`, '--config');
  }
  const kind = await kindOf(file);
  if (kind === undefined) return;
  if (kind !== 'file') throw new ConfigError(`${file} exists and is not a file`, '--config');
  if (!force) {
    throw new ConfigError(
      `${file} already exists: nothing written (pass --force to replace it)`,
      '--config',
    );
  }
}

export async function writeConfigFile(file: string, text: string, force: boolean): Promise<void> {
  // Again: the file may have appeared while the questions were being answered.
  await checkWritable(file, force);
  const temp = path.join(
    path.dirname(file),
    `.${path.basename(file)}.${randomBytes(4).toString('hex')}.tmp`,
  );
  await writeFile(temp, text, { flag: 'wx' });
  try {
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
