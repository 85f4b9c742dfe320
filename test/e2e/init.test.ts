import { spawn, spawnSync } from 'node:child_process';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { cli, DEMO_DIR, type Finished, readStageData, ROOT, tempDir } from './helpers.js';

const CLI = path.join(ROOT, 'dist/cli/index.js');
const slurp = (r: Finished) => r.stdout + r.stderr;

/** The built CLI with `input` piped to its stdin, as `printf ... | perf-flow init` runs it. */
const cliPiped = (args: string[], input: string, cwd: string) =>
  cli(args, { cwd, input, timeoutMs: 30_000 });

const lines = (...answers: string[]) => answers.map((answer) => `${answer}\n`).join('');

/** Answers for the demo service: urgent, quick wins only, a generous target it meets. */
const DEMO_ANSWERS = lines(
  'user-complaint',
  'p95 around 40ms',
  'p95 under 2s',
  'JSON serialisation in the API',
  'mature',
  'quick-wins',
  'urgent',
  `node ${JSON.stringify(path.join(DEMO_DIR, 'server.mjs'))}`,
  '',
  '/health',
  'GET /api/items',
);

describe('perf-flow init, then perf-flow run on what it wrote', () => {
  it('writes a config from piped answers that validates and that run accepts', async () => {
    const dir = await tempDir('init');
    const written = await cliPiped(['init'], DEMO_ANSWERS, dir);
    expect(written.code, slurp(written)).toBe(0);
    const file = path.join(dir, 'perf-flow.yml');
    const config = await loadConfig(file);
    expect(config.plan).toEqual({ depth: 'quick-wins', riskTolerance: 'medium' });
    expect(config.scenarios.run).toEqual(['load']);

    // Only the load phases shortened, so the test stays quick; the rest runs as written.
    const doc = parseDocument(await readFile(file, 'utf8'));
    doc.set('load', { duration: '1500ms', 'warm-up': '500ms', connections: 8 });
    doc.set('load-test', { duration: '2s', 'warm-up': '500ms', connections: 8 });
    doc.set('profile', { duration: '2s', connections: 4 });
    await writeFile(file, doc.toString());

    const out = path.join(dir, 'report');
    const run = await cli(['run', '-o', out], { cwd: dir });
    expect(run.code, slurp(run)).toBe(0);
    expect(run.stdout).toContain('verdict PASS');

    const loadTest = await readStageData(out, 'load-test');
    expect(loadTest.scenarios).toEqual(['load']);
    expect(loadTest.guidance.targets).toEqual(['latency.p95 < 2s']);
    expect(loadTest.guidance.trigger).toBe('user-complaint');
    expect(loadTest.guidance.applied).toContainEqual(expect.stringContaining('"p95 around 40ms"'));
    const plan = await readStageData(out, 'optimization-plan');
    expect(plan.inputs).toContainEqual(expect.stringMatching(/^plan depth quick-wins: /));
    expect(plan.inputs).toContainEqual(expect.stringMatching(/^risk tolerance medium: /));
    // Quick wins only: those kept, or the plan says what the depth left out.
    expect(plan.items.length > 0 || plan.inputs.some((line) => /left out/.test(line))).toBe(true);
    for (const item of plan.items) expect(item.bucket).toBe('quick-win');
    const gate = await readStageData(out, 'slo-gate');
    expect(gate.slos.map((slo) => slo.name)).toContain('guidance: latency.p95 < 2s');
  }, 120_000);

  it('refuses to overwrite perf-flow.yml without --force, and an invalid piped answer', async () => {
    const dir = await tempDir('init-refused');
    const file = path.join(dir, 'perf-flow.yml');
    await writeFile(file, '# mine\n');
    const refused = await cliPiped(['init'], DEMO_ANSWERS, dir);
    expect(refused.code, slurp(refused)).toBe(2);
    expect(refused.stderr).toContain(
      'already exists: nothing written (pass --force to replace it)',
    );
    expect(await readFile(file, 'utf8')).toBe('# mine\n');

    const invalid = await cliPiped(['init', '--force'], lines('', '', '', '', 'sometimes'), dir);
    expect(invalid.code, slurp(invalid)).toBe(2);
    expect(invalid.stderr).toContain(
      'question 5/7 (monitoring): expected one of none, basic, mature (or 1 to 3), got "sometimes"',
    );
    expect(await readFile(file, 'utf8')).toBe('# mine\n');
    expect(await readdir(dir)).toEqual(['perf-flow.yml']);

    const wrongCommand = await cli(['run', '--yes'], { cwd: dir });
    expect(wrongCommand.code).toBe(2);
    expect(wrongCommand.stderr).toContain('--yes applies to init, not run');
  });
});

// util-linux `script` gives the CLI a pseudo-terminal, as a person at a terminal would.
const hasScript = process.platform === 'linux' && spawnSync('script', ['--version']).status === 0;

describe.runIf(hasScript)('perf-flow init at a terminal', () => {
  it('asks again after an invalid answer, and writes the config', async () => {
    const dir = await tempDir('init-tty');
    const command = [process.execPath, CLI, 'init', '--start', 'npm start', '--journey', 'GET /']
      .map((arg) => `'${arg}'`)
      .join(' ');
    const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], {
      cwd: dir,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, TERM: 'xterm' },
    });
    let screen = '';
    child.stdout.on('data', (d) => (screen += d));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));

    // Each answer is typed once its prompt shows, as a person would.
    let seen = 0;
    const answerAt = async (prompt: string, answer: string) => {
      const deadline = Date.now() + 15_000;
      while (screen.indexOf(prompt, seen) < 0) {
        if (Date.now() > deadline) throw new Error(`no prompt "${prompt}" in:\n${screen}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      seen = screen.indexOf(prompt, seen) + prompt.length;
      child.stdin.write(`${answer}\r`);
    };
    await answerAt('issue [proactive]: ', '3');
    await answerAt('current baseline [unknown]: ', '');
    await answerAt('target [none]: ', 'error rate below 0.5%');
    await answerAt('suspected bottlenecks [unknown]: ', '');
    await answerAt('monitoring [basic]: ', 'mature');
    await answerAt('investment [moderate]: ', 'everything');
    // The same question again, after the reason: the answer above was not taken.
    await answerAt('investment [moderate]: ', 'comprehensive');
    await answerAt('timeline [normal]: ', 'relaxed');
    await answerAt('port [PORT]: ', '3000');
    await answerAt('health path [/]: ', '/health');
    expect(await closed, screen).toBe(0);
    child.stdin.end();

    expect(screen).toContain(
      'expected one of quick-wins, moderate, comprehensive (or 1 to 3), got "everything"; try again',
    );
    const config = await loadConfig(path.join(dir, 'perf-flow.yml'));
    expect(config.guidance).toEqual({ trigger: 'cost-reduction', target: 'error rate below 0.5%' });
    expect(config.plan).toEqual({ depth: 'comprehensive', riskTolerance: 'high' });
    expect(config.scenarios.run).toEqual(['load', 'stress', 'spike', 'soak']);
    expect(config.service.url).toBe('http://127.0.0.1:3000');
  }, 60_000);
});
