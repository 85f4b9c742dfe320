import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';
import { runInit, type InitOptions } from '../../src/init/run-init.js';

const tempDir = () => mkdtemp(path.join(os.tmpdir(), 'perf-flow-init-'));

/** init reading `lines` from a pipe, as `printf ... | perf-flow init` gives them. */
async function initPiped(lines: string[], options: Partial<InitOptions> & { file: string }) {
  const input = new PassThrough();
  const output = new PassThrough();
  let transcript = '';
  output.on('data', (chunk) => (transcript += chunk));
  input.end(lines.map((line) => `${line}\n`).join(''));
  try {
    const text = await runInit(
      { force: false, yes: false, flags: {}, ...options },
      { input, output, interactive: false },
    );
    return { text, transcript };
  } catch (error) {
    return { error: error as Error, transcript };
  }
}

const ANSWERS = [
  'slo-breach', // 1. issue
  'p95 about 800ms, 150 rps at peak', // 2. current baseline
  'p95 under 100ms', // 3. target
  'slow SQL queries', // 4. suspected bottlenecks
  'none', // 5. monitoring
  'Quick wins', // 6. investment
  '1', // 7. timeline: urgent
  'node server.js', // start
  '', // port: perf-flow picks one
  '/health', // ready
  'POST /api/orders', // journey
];

describe('perf-flow init with piped answers', () => {
  it('writes a commented config the loader accepts, with every answer applied', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'perf-flow.yml');
    const { text, transcript } = await initPiped(ANSWERS, { file });
    expect(text).toBeDefined();
    expect(await readFile(file, 'utf8')).toBe(text);

    const config = await loadConfig(file);
    expect(config.service).toMatchObject({
      start: 'node server.js',
      url: 'http://127.0.0.1:${PORT}',
      ready: '/health',
      cwd: dir,
    });
    expect(config.journeys).toEqual([
      expect.objectContaining({ name: 'api-orders', method: 'POST', path: '/api/orders' }),
    ]);
    expect(config.guidance).toEqual({
      trigger: 'slo-breach',
      currentBaseline: 'p95 about 800ms, 150 rps at peak',
      target: 'p95 under 100ms',
      suspectedBottlenecks: 'slow SQL queries',
    });
    expect(config.plan).toEqual({ depth: 'quick-wins', riskTolerance: 'low' });
    expect(config.scenarios.run).toEqual(['load']);

    // The comments cite the answers that set each setting.
    expect(text).toMatch(/^# perf-flow\.yml, written by `perf-flow init`/);
    expect(text).toContain('#   6. acceptable investment: quick-wins');
    expect(text).toMatch(/# 6\. Investment "quick-wins": the plan keeps only quick wins/);
    expect(text).toMatch(
      /# 5\. Monitoring "none" and 7\. timeline "urgent": high-risk items are left out/,
    );
    expect(text).toMatch(/# 3\. The target: read as the key SLO latency\.p95 < 100ms/);
    expect(text).toMatch(/# 4\. Suspected bottlenecks: focus on latency and database/);
    expect(text).toContain('run: [ load ]');
    // What the answers will do is said while they can still be changed.
    expect(transcript).toContain('→ key SLO latency.p95 < 100ms');
    expect(transcript).toContain('→ focus: latency, database');
  });

  it('takes the default for blank answers and for answers the input ended before', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'perf-flow.yml');
    const { transcript } = await initPiped(['', '', '', ''], { file });
    const config = await loadConfig(file);
    expect(config.guidance).toEqual({ trigger: 'proactive' });
    expect(config.plan).toEqual({ depth: 'moderate', riskTolerance: 'medium' });
    expect(config.scenarios.run).toEqual(['load', 'stress', 'spike']);
    expect(config.service).toMatchObject({ start: 'npm start', ready: '/' });
    expect(config.journeys[0]).toMatchObject({ name: 'home', method: 'GET', path: '/' });
    expect(transcript).toContain('the input ended: the remaining questions take their defaults');
  });

  it.each([
    [
      ['slo-breach', '', '', '', 'basic', 'lots'],
      'question 6/7 (investment): expected one of quick-wins, moderate, comprehensive (or 1 to 3), got "lots"',
    ],
    [['urgent'], 'question 1/7 (issue): expected one of slo-breach, capacity-planning'],
    [
      ['', '', '', '', '', '', '', 'none', ''],
      'question service 2/4 (port): a port is needed when perf-flow does not start the service',
    ],
    [
      ['', '', '', '', '', '', '', '', '', 'health'],
      'question service 3/4 (health path): must start with "/", got "health"',
    ],
  ])(
    'refuses the invalid piped answer in %j, naming the question, and writes nothing',
    async (lines, message) => {
      const dir = await tempDir();
      const file = path.join(dir, 'perf-flow.yml');
      const { error } = await initPiped(lines, { file });
      expect(error).toBeInstanceOf(ConfigError);
      expect(error!.message).toContain(message);
      expect(await readdir(dir)).toEqual([]);
    },
  );

  it('refuses to replace an existing file without --force, before asking anything', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'perf-flow.yml');
    await writeFile(file, '# mine\n');
    const { error, transcript } = await initPiped(ANSWERS, { file });
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.message).toBe(
      `--config: ${file} already exists: nothing written (pass --force to replace it)`,
    );
    expect(transcript).toBe('');
    expect(await readFile(file, 'utf8')).toBe('# mine\n');

    await initPiped(ANSWERS, { file, force: true });
    expect((await loadConfig(file)).plan.depth).toBe('quick-wins');
    // Written through a temporary file renamed over it: none is left behind.
    expect(await readdir(dir)).toEqual(['perf-flow.yml']);
  });

  it('with --yes asks nothing, and takes flags for the service', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'perf-flow.yml');
    const { transcript } = await initPiped([], {
      file,
      yes: true,
      flags: { start: 'none', port: '8080', journey: 'get /api/items?limit=5' },
    });
    const config = await loadConfig(file);
    expect(config.service.start).toBeUndefined();
    expect(config.service.url).toBe('http://127.0.0.1:8080');
    expect(config.journeys[0]).toMatchObject({
      name: 'api-items',
      method: 'GET',
      path: '/api/items?limit=5',
    });
    expect(transcript).not.toContain('1/7');
  });

  it('names the flag when a flag cannot be read', async () => {
    const dir = await tempDir();
    const { error } = await initPiped([], {
      file: path.join(dir, 'perf-flow.yml'),
      yes: true,
      flags: { port: 'eighty' },
    });
    expect(error!.message).toBe('--port: expected a port number from 1 to 65535, got "eighty"');
  });
});
