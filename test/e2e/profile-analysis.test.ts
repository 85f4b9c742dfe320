import { execFileSync } from 'node:child_process';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseStageData } from '../../src/data/store.js';
import { goCpuProfile, type GoFrame } from '../helpers/pprof.js';
import { cli, DEMO_DIR, FAST_CONFIG, profileAnalysisRun, tempDir } from './helpers.js';

/** The 1-based line where `function name(` starts in the demo service. */
async function demoLine(name: string): Promise<number> {
  const lines = (await readFile(path.join(DEMO_DIR, 'server.mjs'), 'utf8')).split('\n');
  const line = lines.findIndex((l) => l.startsWith(`function ${name}(`));
  expect(line, name).toBeGreaterThanOrEqual(0);
  return line + 1;
}

async function profileDemo(knobs: Record<string, string>, config = FAST_CONFIG) {
  const { run, ...rest } = await profileAnalysisRun(config, knobs);
  expect(run.code, run.stdout + run.stderr).toBe(0);
  return rest;
}

describe('profile-analysis on the demo service', () => {
  it('finds the planted hotspot at its line, diagnoses it, and draws the flame graph', async () => {
    const { out, data, report } = await profileDemo({});
    const line = await demoLine('scoreRecommendations');
    expect(data.cpu!.topSelf[0]).toMatchObject({
      functionName: 'scoreRecommendations',
      file: 'examples/demo-service/server.mjs',
      line,
      category: 'service',
    });
    expect(data.cpu!.topSelf[0]!.excerpt!.lines.join('\n')).toContain(
      'function scoreRecommendations(',
    );
    // Only the recommendations journey runs it: each journey ran alone after the mixed load.
    expect(data.cpu!.topSelf[0]!.journeys!.map((j) => j.journey)).toEqual(['recommendations']);
    expect(data.cpu!.topSelf[0]!.journeys![0]!.share).toBeGreaterThan(0.5);
    expect(report).toMatch(/## Top bottlenecks\n\n### 1\. scoreRecommendations/);
    expect(report).toContain('- **Journeys:** recommendations (');
    const named = data.diagnosis.flatMap((f) => f.functions.map((fn) => fn.functionName));
    expect(named).toContain('scoreRecommendations');
    expect(data.runtime?.seconds).toBeGreaterThan(0);
    const svg = await readFile(path.join(out, data.views!.flameGraph), 'utf8');
    expect(svg).toContain('scoreRecommendations (');
    const folded = await readFile(path.join(out, data.views!.folded), 'utf8');
    expect(folded).toMatch(/scoreRecommendations \([^)]*server\.mjs:\d+:\d+\) \d+\n/);
    expect(report).toContain('## Diagnosis');
    expect(report).toContain(`> ${String(line).padStart(3)} | function scoreRecommendations(`);
  }, 90_000);

  it('diagnoses a blocked event loop and names the blocking function', async () => {
    const { data } = await profileDemo({ DEMO_BLOCK_MS: '120', DEMO_BLOCK_EVERY: '25' });
    const [first] = data.diagnosis;
    expect(first).toMatchObject({ kind: 'event-loop-blocking', confidence: 'high' });
    expect(first!.functions[0]).toMatchObject({
      functionName: 'rebuildSearchIndex',
      file: 'examples/demo-service/server.mjs',
      line: await demoLine('rebuildSearchIndex'),
    });
    expect(data.runtime!.eventLoopDelayMs.max).toBeGreaterThanOrEqual(100);
  }, 90_000);

  it('diagnoses garbage-collection pressure in a service that allocates heavily', async () => {
    const { data } = await profileDemo({ DEMO_ALLOC_KB: '512' });
    const gc = data.diagnosis.find((f) => f.kind === 'gc-pressure');
    expect(gc, JSON.stringify(data.diagnosis)).toBeDefined();
    expect(data.runtime!.gc.pauseMs).not.toBeNull();
    // The heap profile names who allocates. V8 counts what a function inlined into its caller
    // allocates as the caller's: recordAudit shares the top with handle, which calls it.
    const allocators = data.allocations!.top.slice(0, 2);
    expect(allocators.map((f) => f.functionName)).toContain('recordAudit');
    expect(allocators.every((f) => f.file === 'examples/demo-service/server.mjs')).toBe(true);
    expect(gc!.functions.map((f) => f.functionName)).toContain('recordAudit');
  }, 90_000);
});

describe('profile-analysis on profiles the user brings (profile.files)', () => {
  async function configWith(files: string[]): Promise<{ dir: string; config: string }> {
    const dir = await tempDir('brought');
    const config = path.join(dir, 'perf-flow.yml');
    await writeFile(
      config,
      [
        'service:',
        '  url: http://127.0.0.1:8080',
        'journeys: [{name: home, path: /}]',
        'profile:',
        `  files: [${files.map((f) => JSON.stringify(f)).join(', ')}]`,
        '',
      ].join('\n'),
    );
    return { dir, config };
  }

  it('analyses folded stacks without starting the service', async () => {
    const { dir, config } = await configWith(['py-spy.folded']);
    await writeFile(
      path.join(dir, 'py-spy.folded'),
      'main (app.py:1);handle (app.py:10);loads (/usr/lib/python3.12/json/decoder.py:332) 70\nmain (app.py:1);handle (app.py:10);render (app.py:30) 30\n',
    );
    const out = path.join(dir, 'out');
    const run = await cli(['profile-analysis', '-c', config, '-o', out]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const data = parseStageData(
      'profile-analysis',
      await readFile(path.join(out, 'data/profile-analysis.json'), 'utf8'),
      'brought',
    );
    expect(data).toMatchObject({ status: 'analyzed', source: 'files' });
    expect(data.cpu!.topSelf[0]).toMatchObject({
      functionName: 'loads',
      category: 'json',
      selfShare: 0.7,
    });
    expect(data.load).toBeUndefined();
  }, 60_000);

  it.each([
    [
      'a truncated .cpuprofile',
      'broken.cpuprofile',
      '{"nodes": [{"id": 1, "callFrame"',
      /broken\.cpuprofile is not a valid V8 \.cpuprofile/,
    ],
    [
      'an unknown format',
      'notes.txt',
      'these are my notes\nnot a profile\n',
      /notes\.txt is not a profile perf-flow reads: expected a pprof/,
    ],
    ['a missing file', 'missing.pprof', undefined, /cannot read profile .*missing\.pprof/],
  ])(
    'exits 2 naming profile.files for %s, the analysis written as incomplete',
    async (_what, name, content, message) => {
      const { dir, config } = await configWith([name]);
      if (content !== undefined) await writeFile(path.join(dir, name), content);
      const out = path.join(dir, 'out');
      const run = await cli(['profile-analysis', '-c', config, '-o', out]);
      expect(run.code, run.stdout + run.stderr).toBe(2);
      expect(run.stderr).toMatch(/perf-flow: profile\.files: /);
      expect(run.stderr).toMatch(message);
      const data = parseStageData(
        'profile-analysis',
        await readFile(path.join(out, 'data/profile-analysis.json'), 'utf8'),
        'incomplete',
      );
      expect(data).toMatchObject({ status: 'incomplete', cpu: null, source: 'files' });
      expect(data.reason).toMatch(message);
    },
    60_000,
  );
});

/** A local pprof endpoint: answers /debug/pprof/profile?seconds=N with a Go-like CPU profile. */
async function startPprofServer(): Promise<{
  url: string;
  asked: string[];
  close: () => Promise<void>;
}> {
  const { gzipSync } = await import('node:zlib');
  const http = await import('node:http');
  const file = '/src/main.go';
  const [main, handler, slow] = ['main.main', 'main.handler', 'main.slowQueryBuilder'].map(
    (name, i) => ({ name, file, line: 10 * (i + 1) }),
  ) as [GoFrame, GoFrame, GoFrame];
  const profile = goCpuProfile([
    { stack: [main, handler, slow], ms: 800 },
    { stack: [main, handler], ms: 200 },
  ]);
  const body = gzipSync(profile);
  const asked: string[] = [];
  const server = http.createServer((req, res) => {
    asked.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/debug/pprof/profile`,
    asked,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The fast demo config with extra `profile:` keys, in a directory of its own. */
async function demoConfigWith(profileLines: string[]): Promise<{ dir: string; config: string }> {
  const dir = await tempDir('pprof');
  const config = path.join(dir, 'perf-flow.yml');
  const fast = (await readFile(FAST_CONFIG, 'utf8')).replace(
    'working-directory: ../../../examples/demo-service',
    `working-directory: ${JSON.stringify(DEMO_DIR)}`,
  );
  await writeFile(config, `${fast.trimEnd()}\n${profileLines.map((l) => `  ${l}`).join('\n')}\n`);
  return { dir, config };
}

/**
 * A whole run whose profile analysis cannot be had: it exits `code`, the analysis written as
 * incomplete, and the rest of the flow still runs to the gate and the summary.
 */
async function incompleteRun(config: string, out: string, code: number) {
  const run = await cli(['run', '-c', config, '-o', out]);
  expect(run.code, run.stdout + run.stderr).toBe(code);
  const profile = parseStageData(
    'profile-analysis',
    await readFile(path.join(out, 'data/profile-analysis.json'), 'utf8'),
    'profile',
  );
  expect(profile).toMatchObject({ status: 'incomplete', cpu: null });
  const gate = parseStageData(
    'slo-gate',
    await readFile(path.join(out, 'data/slo-gate.json'), 'utf8'),
    'gate',
  );
  expect(gate.verdict).toBe('PASS');
  const summary = await readFile(path.join(out, 'reports/optimization-summary.md'), 'utf8');
  return { stderr: run.stderr, profile, summary };
}

describe('profile-analysis from a pprof endpoint (profile.pprof-url)', () => {
  it('fetches the profile for the length of the load and analyses it', async () => {
    const pprof = await startPprofServer();
    try {
      const { dir, config } = await demoConfigWith([`pprof-url: ${pprof.url}`]);
      const out = path.join(dir, 'out');
      const run = await cli(['profile-analysis', '-c', config, '-o', out]);
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(pprof.asked).toEqual(['/debug/pprof/profile?seconds=2']);
      const data = parseStageData(
        'profile-analysis',
        await readFile(path.join(out, 'data/profile-analysis.json'), 'utf8'),
        'pprof',
      );
      expect(data).toMatchObject({ status: 'analyzed', source: 'pprof-url' });
      expect(data.cpu!.profileFiles).toEqual([`${pprof.url}?seconds=2`]);
      expect(data.cpu!.topSelf[0]).toMatchObject({
        functionName: 'main.slowQueryBuilder',
        selfMs: 800,
        line: 30,
      });
      expect(data.underProfiling!.requests).toBeGreaterThan(0);
    } finally {
      await pprof.close();
    }
  }, 60_000);

  it('exits 3 when the endpoint does not answer, and the whole flow still runs to its summary', async () => {
    const pprof = await startPprofServer();
    const deadUrl = pprof.url;
    await pprof.close();
    const { dir, config } = await demoConfigWith([`pprof-url: ${deadUrl}`]);
    const { stderr, summary } = await incompleteRun(config, path.join(dir, 'out'), 3);
    expect(stderr).toMatch(
      /profile\.pprof-url: http:\/\/127\.0\.0\.1:\d+\/debug\/pprof\/profile\?seconds=2 did not answer \(ECONNREFUSED\)/,
    );
    expect(summary).toContain('did not answer');
  }, 120_000);
});

describe('an analysis that cannot be had, in a whole run', () => {
  it('exits 2 for a brought profile that is cut short, and the flow still runs to its summary', async () => {
    const { dir, config } = await demoConfigWith(['files: [cut.cpuprofile]']);
    await writeFile(path.join(dir, 'cut.cpuprofile'), '{"nodes": [{"id": 1, "callFrame"');
    const { stderr, summary } = await incompleteRun(config, path.join(dir, 'out'), 2);
    expect(stderr).toMatch(/profile\.files: .*cut\.cpuprofile is not a valid V8 \.cpuprofile/);
    expect(summary).toMatch(/cut\.cpuprofile/);
  }, 120_000);

  it('exits 3 when the only CPU profile the probe left is unreadable, the analysis incomplete', async () => {
    // A service that leaves a half-written profile where the probe writes (as one killed
    // mid-write on a full disk would) and is killed before the probe can write its own.
    const dir = await tempDir('unreadable-probe');
    await writeFile(
      path.join(dir, 'service.mjs'),
      [
        "import { createServer } from 'node:http';",
        "import { mkdirSync, writeFileSync } from 'node:fs';",
        "import { dirname, join } from 'node:path';",
        "import { fileURLToPath } from 'node:url';",
        "const probe = /--import=(\\S+)/.exec(process.env.NODE_OPTIONS ?? '')?.[1];",
        '// Only where perf-flow profiles it (the other stages start it without the probe).',
        'if (probe !== undefined) {',
        "  const cpuDir = join(dirname(fileURLToPath(probe.replace(/^[\"']|[\"']$/g, ''))), 'cpu');",
        '  mkdirSync(cpuDir, { recursive: true });',
        '  writeFileSync(join(cpuDir, \'CPU.1.cpuprofile\'), \'{"nodes": [{"id": 1\');',
        "  process.on('SIGTERM', () => process.kill(process.pid, 'SIGKILL'));",
        '}',
        "createServer((req, res) => res.end('ok')).listen(Number(process.env.PORT), '127.0.0.1');",
        '',
      ].join('\n'),
    );
    const config = path.join(dir, 'perf-flow.yml');
    await writeFile(
      config,
      [
        'service:',
        '  start: node service.mjs',
        '  url: http://127.0.0.1:${PORT}',
        '  ready: /',
        'journeys: [{name: home, path: /}]',
        'slos: [{sli: error_rate, target: "<= 1%"}]',
        'load: {duration: 1s, warm-up: 200ms, connections: 2}',
        'load-test: {duration: 1s, warm-up: 200ms, connections: 2}',
        'profile: {duration: 1s, connections: 2}',
        '',
      ].join('\n'),
    );
    const { stderr, profile, summary } = await incompleteRun(config, path.join(dir, 'out'), 3);
    expect(stderr).toMatch(
      /the CPU profile the probe wrote is unusable: .*not a valid V8 \.cpuprofile/,
    );
    expect(profile.reason).toMatch(/CPU\.1\.cpuprofile/);
    expect(summary).toMatch(/unusable/);
  }, 120_000);
});

describe('profile-analysis against a base (--base-ref)', () => {
  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', ['-C', cwd, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args], {
      encoding: 'utf8',
    }).trim();

  it('flags the function the head made slower, on the lines the head changed', async () => {
    const root = await tempDir('differential-repo');
    await copyFile(path.join(DEMO_DIR, 'server.mjs'), path.join(root, 'server.mjs'));
    await writeFile(
      path.join(root, 'perf-flow.yml'),
      [
        'service:',
        '  start: node server.mjs',
        '  url: http://127.0.0.1:${PORT}',
        '  ready: /health',
        'journeys:',
        '  - {name: items, path: /api/items, weight: 3}',
        '  - {name: recommendations, path: /api/recommendations?user=42, weight: 1}',
        'load: {warm-up: 500ms}',
        'profile: {duration: 2s, connections: 4}',
        '',
      ].join('\n'),
    );
    git(root, 'init', '-q', '-b', 'main');
    git(root, 'add', '.');
    git(root, 'commit', '-q', '-m', 'base');
    // The head compares every product with ten times as many neighbours: a change that a
    // loaded CI machine cannot hide (with three times, the share grew 3.9 points there).
    const source = await readFile(path.join(root, 'server.mjs'), 'utf8');
    const slower = source.replace(
      'const neighbours = Math.round(n * factor);',
      'const neighbours = Math.round(n * factor * 10);',
    );
    expect(slower).not.toBe(source);
    await writeFile(path.join(root, 'server.mjs'), slower);
    git(root, 'commit', '-q', '-am', 'more neighbours');
    const changedLine = slower.split('\n').findIndex((l) => l.includes('n * factor * 10')) + 1;

    const out = path.join(await tempDir('differential-out'), 'out');
    const run = await cli(['profile-analysis', '-o', out, '--base-ref', 'HEAD~1'], { cwd: root });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const data = parseStageData(
      'profile-analysis',
      await readFile(path.join(out, 'data/profile-analysis.json'), 'utf8'),
      'differential',
    );
    const differential = data.differential!;
    expect(differential.baseRef).toBe('HEAD~1');
    const grew = differential.grew.find((c) => c.functionName === 'scoreRecommendations');
    expect(grew, JSON.stringify(differential)).toMatchObject({ file: 'server.mjs' });
    expect(grew!.change).toBeGreaterThan(0.05);
    expect(grew!.changedLines).toContain(changedLine);
    const report = await readFile(path.join(out, 'reports/bottleneck-analysis.md'), 'utf8');
    expect(report).toContain('## Compared with the base (HEAD\\~1');
    expect(report).toContain(`changed here: ${changedLine}`);
  }, 120_000);
});
