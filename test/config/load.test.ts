import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';

const VALID = `service:
  url: http://127.0.0.1:3000
journeys:
  - name: home
    path: /
`;

function withWorkingDirectory(workingDirectory: string): string {
  return VALID.replace(
    'service:\n',
    `service:\n  start: node server.js\n  working-directory: ${workingDirectory}\n`,
  );
}

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'perf-flow-config-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(name: string, text: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, text);
  return file;
}

async function errorOf(file: string): Promise<ConfigError> {
  const error: unknown = await loadConfig(file).then(
    () => undefined,
    (rejection: unknown) => rejection,
  );
  if (error instanceof ConfigError) return error;
  throw new Error(`expected a ConfigError, got ${String(error)}`);
}

describe('loadConfig', () => {
  it('loads a file, anchoring the working directory and hash to it', async () => {
    const file = await write('valid.yml', VALID);
    const config = await loadConfig(path.relative(process.cwd(), file));
    expect(config.path).toBe(file);
    expect(config.service.cwd).toBe(dir);
    expect(config.hash).toBe(createHash('sha256').update(VALID).digest('hex').slice(0, 16));
  });

  it('says a missing file was not found, with its absolute path', async () => {
    const missing = path.join(dir, 'nope', 'perf-flow.yml');
    const error = await errorOf(missing);
    expect(error.field).toBe('config');
    expect(error.message).toBe(
      `config: file not found: ${missing} (perf-flow's docs/config.md describes every key, and its examples/demo-service/perf-flow.yml is a worked example to start from)`,
    );
  });

  it('points a missing file at the docs and the example, which exist, not at a command', async () => {
    const message = (await errorOf(path.join(dir, 'missing.yml'))).message;
    expect(message).not.toMatch(/perf-flow init/);
    const root = new URL('../../', import.meta.url);
    for (const file of ['docs/config.md', 'examples/demo-service/perf-flow.yml']) {
      expect(message).toContain(file);
      expect(existsSync(new URL(file, root)), file).toBe(true);
    }
  });

  it('accepts a working-directory that exists, relative to the file', async () => {
    await mkdir(path.join(dir, 'app'), { recursive: true });
    const file = await write('with-app.yml', withWorkingDirectory('app'));
    expect((await loadConfig(file)).service.cwd).toBe(path.join(dir, 'app'));
  });

  it.each([
    ['that does not exist', 'no-such-dir', 'no such directory'],
    ['below a file', 'valid.yml/app', 'no such directory'],
    ['that is a file', 'valid.yml', 'not a directory'],
  ])('refuses a working-directory %s, with its absolute path', async (_case, written, what) => {
    await write('valid.yml', VALID);
    const file = await write('bad-cwd.yml', withWorkingDirectory(written));
    const error = await errorOf(file);
    expect(error.field).toBe('service.working-directory');
    expect(error.message).toBe(`service.working-directory: ${what}: ${path.join(dir, written)}`);
  });

  it('refuses a directory', async () => {
    const error = await errorOf(dir);
    expect(error.field).toBe('config');
    expect(error.message).toMatch(new RegExp(`^config: cannot read ${dir}: `));
  });

  it('gives the line and column of a YAML syntax error', async () => {
    const file = await write('broken.yml', 'service:\n  url: [http://127.0.0.1\njourneys: []\n');
    const error = await errorOf(file);
    expect(error.field).toBe('config');
    expect(error.message).toMatch(
      new RegExp(`^config: invalid YAML in ${file}: .* at line \\d+, column \\d+`),
    );
  });

  it('rejects duplicate keys, which YAML would otherwise resolve silently', async () => {
    const file = await write('duplicate.yml', `${VALID}journeys: []\n`);
    expect((await errorOf(file)).message).toMatch(/Map keys must be unique at line 6, column 1/);
  });

  it('explains that a threshold starting with ">" must be quoted', async () => {
    const file = await write(
      'unquoted.yml',
      `${VALID}slos:\n  - sli: throughput\n    target: >= 500rps\n`,
    );
    const message = (await errorOf(file)).message;
    expect(message).toMatch(/at line 8, column 14/);
    expect(message).toMatch(/a value starting with ">" must be quoted, e.g. target: ">= 500rps"/);
  });

  it.each([
    ['an empty file', ''],
    ['a file of comments', '# perf-flow\n\n# nothing yet\n'],
  ])('refuses %s', async (_case, text) => {
    const file = await write('empty.yml', text);
    expect((await errorOf(file)).message).toBe(
      `config: ${file} is empty: it needs at least service and journeys`,
    );
  });

  it('validates what it read', async () => {
    const file = await write('invalid.yml', `${VALID}load:\n  duration: 10\n`);
    expect((await errorOf(file)).message).toBe(
      'load.duration: expected a duration like "30s", "500ms" or "5m", got 10 (a bare number is ambiguous: add a unit)',
    );
  });
});
