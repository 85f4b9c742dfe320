import { execFileSync, spawn } from 'node:child_process';
import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseStageData } from '../../src/data/store.js';
import type { Stage } from '../../src/data/stages.js';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const DEMO_DIR = path.join(ROOT, 'examples/demo-service');
export const FAST_CONFIG = path.join(ROOT, 'test/fixtures/configs/demo-fast.yml');

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a built entry as a separate process, as a runner or a user would, with a deadline. */
export function runNode(
  script: string,
  args: string[],
  options: {
    env?: Record<string, string>;
    cwd?: string;
    timeoutMs?: number;
    /** Piped to its stdin, as `printf ... | perf-flow init` does; none: stdin is closed. */
    input?: string;
  } = {},
): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
    // The test's own runner environment must not leak into the child's idea of where it runs.
    if (!options.env?.GITHUB_ACTIONS) delete env.GITHUB_ACTIONS;
    // Nor a developer's Anthropic key: the tests must not call Claude over the network.
    for (const name of ['ANTHROPIC_API_KEY', 'ANTHROPIC_BASE_URL', 'INPUT_ANTHROPIC-API-KEY']) {
      if (options.env?.[name] === undefined) delete env[name];
    }
    const child = spawn(process.execPath, [script, ...args], {
      cwd: options.cwd ?? ROOT,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} ${args.join(' ')} did not finish in time\n${stdout}\n${stderr}`));
    }, options.timeoutMs ?? 120_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    // Without input, stdin ends at once: a child that reads it sees the end, never a wait.
    child.stdin.end(options.input ?? '');
  });
}

/** git in `cwd` with a throwaway identity, for the tests that build a repository. */
export const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-C', cwd, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args], {
    encoding: 'utf8',
  }).trim();

export const cli = (args: string[], options: Parameters<typeof runNode>[2] = {}) =>
  runNode(path.join(ROOT, 'dist/cli/index.js'), args, options);

export const tempDir = (prefix: string) => mkdtemp(path.join(os.tmpdir(), `perf-flow-${prefix}-`));

/** Reads the name<<delimiter ... delimiter blocks @actions/core writes to GITHUB_OUTPUT. */
export async function readGithubOutputs(file: string): Promise<Record<string, string>> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const match = /^([^<=]+)<<(.+)$/.exec(lines[i]!);
    if (!match) continue;
    const [, name, delimiter] = match;
    const value: string[] = [];
    for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i]!);
    outputs[name!] = value.join('\n');
  }
  return outputs;
}

/** A stage's data file in the report directory `out`, validated. */
export async function readStageData<S extends Stage>(out: string, stage: S) {
  const file = path.join(out, `data/${stage}.json`);
  return parseStageData(stage, await readFile(file, 'utf8'), file);
}

/** `perf-flow profile-analysis` with `config`: the run, its data and its report. */
export async function profileAnalysisRun(config: string, env: Record<string, string>) {
  const out = await tempDir('profile');
  const run = await cli(['profile-analysis', '-c', config, '-o', out], { env });
  const data = await readStageData(out, 'profile-analysis');
  const report = await readFile(path.join(out, 'reports/bottleneck-analysis.md'), 'utf8');
  return { out, run, data, report };
}

/**
 * The demo service in a git repository of its own, at its base commit: start.mjs sets the
 * demo's environment knob `knob` from `<knob>.txt`, so that a commit (setKnob, then git
 * commit) changes the service the way a code change would.
 */
export async function demoRepository(
  prefix: string,
  knob: string,
  value: number,
  config: string,
): Promise<string> {
  const root = await tempDir(prefix);
  await copyFile(path.join(DEMO_DIR, 'server.mjs'), path.join(root, 'server.mjs'));
  await writeFile(
    path.join(root, 'start.mjs'),
    `import { readFileSync } from 'node:fs';
process.env.${knob} = readFileSync(new URL('./${knob}.txt', import.meta.url), 'utf8').trim();
await import('./server.mjs');
`,
  );
  await setKnob(root, knob, value);
  await writeFile(path.join(root, 'perf-flow.yml'), config);
  git(root, 'init', '-q', '-b', 'main');
  git(root, 'add', '.');
  git(root, 'commit', '-q', '-m', 'base');
  return root;
}

/** The value demoRepository's start.mjs gives `knob`, from the next start on. */
export const setKnob = (root: string, knob: string, value: number) =>
  writeFile(path.join(root, `${knob}.txt`), `${value}\n`);
