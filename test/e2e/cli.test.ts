import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { steadyLoad, type SteadyLoadTest } from '../../src/data/stages.js';
import { parseStageData } from '../../src/data/store.js';
import { decodeHistogram, latencyStats, mergeHistograms } from '../../src/measure/histogram.js';
import { cli, FAST_CONFIG, ROOT, tempDir } from './helpers.js';

const good = (await readFile(FAST_CONFIG, 'utf8')).replace(
  'working-directory: ../../../examples/demo-service',
  `working-directory: ${path.resolve(path.dirname(FAST_CONFIG), '../../../examples/demo-service')}`,
);

const slurp = (r: { stdout: string; stderr: string }) => r.stdout + r.stderr;

describe('perf-flow CLI: verdicts', () => {
  it('passes on the demo as it is, and fails when the latency knob breaks an SLO', async () => {
    const dir = await tempDir('verdict');
    const pass = await cli(['run', '--config', FAST_CONFIG, '--out', path.join(dir, 'pass')]);
    expect(pass.code, slurp(pass)).toBe(0);
    expect(pass.stdout).toContain('verdict PASS');
    expect(pass.stderr).toMatch(
      /\[baseline\] journey 1\/4 list-items: GET \/api\/items, 8 connections/,
    );

    // A second load test of the same config: the summary compares it with the first.
    const again = await cli([
      'load-test',
      '--config',
      FAST_CONFIG,
      '--out',
      path.join(dir, 'pass'),
    ]);
    expect(again.code, slurp(again)).toBe(0);
    const summary = await cli([
      'summary',
      '--config',
      FAST_CONFIG,
      '--out',
      path.join(dir, 'pass'),
    ]);
    expect(summary.code, slurp(summary)).toBe(0);
    const compared = parseStageData(
      'summary',
      await readFile(path.join(dir, 'pass/data/summary.json'), 'utf8'),
      'summary',
    );
    expect(
      compared.comparison?.rows.find((r) => r.metric === 'latency.p95' && !r.journey),
    ).toBeDefined();
    expect(await readFile(path.join(dir, 'pass/reports/optimization-summary.md'), 'utf8')).toMatch(
      /before/i,
    );

    const fail = await cli(['run', '--config', FAST_CONFIG, '--out', path.join(dir, 'fail')], {
      env: { DEMO_LATENCY_MS: '120' },
    });
    expect(fail.code, slurp(fail)).toBe(1);
    expect(fail.stdout).toContain('verdict FAIL (the gate fails)');
    const gate = parseStageData(
      'slo-gate',
      await readFile(path.join(dir, 'fail/data/slo-gate.json'), 'utf8'),
      'gate',
    );
    const p50 = gate.slos.find((s) => s.sli === 'latency.p50')!;
    expect(p50).toMatchObject({ status: 'fail', key: true });
    expect(p50.observed).toBeGreaterThan(120);
    const report = await readFile(path.join(dir, 'fail/reports/slo-compliance.md'), 'utf8');
    expect(report).toContain('FAIL');
  }, 180_000);

  it('hands results between separate report directories through an artifact directory', async () => {
    const dir = await tempDir('artifacts');
    const artifacts = path.join(dir, 'artifacts');
    const baseline = await cli([
      'baseline',
      '-c',
      FAST_CONFIG,
      '-o',
      path.join(dir, 'job1'),
      '--artifacts',
      artifacts,
    ]);
    expect(baseline.code, slurp(baseline)).toBe(0);
    const gate = await cli([
      'slo-gate',
      '-c',
      FAST_CONFIG,
      '-o',
      path.join(dir, 'job2'),
      '--artifacts',
      artifacts,
    ]);
    expect(gate.code, slurp(gate)).toBe(0);
    const data = parseStageData(
      'slo-gate',
      await readFile(path.join(dir, 'job2/data/slo-gate.json'), 'utf8'),
      'gate',
    );
    expect(data.source).toBe('baseline');
    expect(data.verdict).toBe('PASS');

    // The same measurements judged under another config cannot answer its SLOs.
    const changed = path.join(dir, 'changed.yml');
    await writeFile(changed, good.replace("target: '< 50ms'", "target: '< 40ms'"));
    const stale = await cli([
      'slo-gate',
      '-c',
      changed,
      '-o',
      path.join(dir, 'job3'),
      '--artifacts',
      artifacts,
    ]);
    expect(stale.code, slurp(stale)).toBe(1);
    expect(stale.stdout).toContain('verdict INCONCLUSIVE');
    expect(stale.stderr).toMatch(/measured under another config/);
  }, 60_000);
});

describe('perf-flow CLI: usage and configuration errors exit 2 naming the field', () => {
  const badConfig = async (text: string) => {
    const dir = await tempDir('bad');
    const file = path.join(dir, 'perf-flow.yml');
    await writeFile(file, text);
    return { dir, file };
  };

  it.each([
    ['malformed YAML', 'service: [unclosed', /perf-flow\.yml|YAML/i],
    [
      'an unknown key',
      good.replace('  connections: 8\nload-test', '  conections: 8\nload-test'),
      /load\.conections/,
    ],
    [
      'a bad duration',
      good.replace('duration: 1500ms', 'duration: soon'),
      /load\.duration: expected a duration/,
    ],
    [
      'a bad SLO target',
      good.replace("target: '< 50ms'", 'target: fast'),
      /slos\[0\]\.target: expected a comparison like "< 100ms", got "fast"/,
    ],
  ])('%s', async (_name, text, message) => {
    const { dir, file } = await badConfig(text);
    const result = await cli(['baseline', '--config', file, '--out', path.join(dir, 'out')]);
    expect(result.code, slurp(result)).toBe(2);
    expect(result.stderr).toMatch(message);
    // Nothing half-written: the report directory was never created.
    await expect(readFile(path.join(dir, 'out/data/baseline.json'))).rejects.toThrow();
  });

  it('a missing config file', async () => {
    const result = await cli(['baseline', '--config', '/nonexistent/perf-flow.yml']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/config: .*not found.*\/nonexistent\/perf-flow\.yml/);
  });

  it('a bad guidance trigger', async () => {
    const result = await cli(['slo-gate', '--config', FAST_CONFIG, '--trigger', 'panic']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/trigger: .*slo-breach/);
  });

  it.each([
    [['frobnicate'], /unknown command "frobnicate"/],
    [['run', '--no-such-flag'], /no-such-flag/],
    [['baseline', '--rate', '10rps'], /--rate applies to load-test/],
    [
      ['load-test', '--config', FAST_CONFIG, '--connections', 'many'],
      /connections: expected a whole number/,
    ],
  ])('arguments %j', async (args, message) => {
    const result = await cli(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it('--help exits 0 and lists the commands', async () => {
    const result = await cli(['--help']);
    expect(result.code).toBe(0);
    for (const command of [
      'run',
      'demo',
      'baseline',
      'profile-analysis',
      'optimization-plan',
      'load-test',
      'slo-gate',
      'summary',
    ]) {
      expect(result.stdout).toContain(command);
    }
  });
});

describe('perf-flow CLI: service failures exit 3 with the log tail', () => {
  it('a start command that fails', async () => {
    const dir = await tempDir('nostart');
    const file = path.join(dir, 'perf-flow.yml');
    await writeFile(
      path.join(dir, 'fail.mjs'),
      "console.error('cannot open database: connection refused'); process.exit(4);\n",
    );
    await writeFile(
      file,
      [
        'service:',
        '  start: node fail.mjs',
        '  url: http://127.0.0.1:${PORT}',
        '  start-timeout: 5s',
        'journeys: [{name: home, path: /}]',
      ].join('\n'),
    );
    const result = await cli(['baseline', '-c', file, '-o', path.join(dir, 'out')]);
    expect(result.code, slurp(result)).toBe(3);
    expect(result.stderr).toContain('exited with code 4');
    expect(result.stderr).toContain('cannot open database: connection refused');
  });

  it('a service that dies under load, ending the load at once', async () => {
    const dir = await tempDir('crash');
    const file = path.join(dir, 'perf-flow.yml');
    await writeFile(file, good.replace('duration: 1500ms', 'duration: 60s'));
    const started = Date.now();
    const result = await cli(['baseline', '-c', file, '-o', path.join(dir, 'out')], {
      env: { DEMO_CRASH_AFTER_MS: '700' },
    });
    expect(result.code, slurp(result)).toBe(3);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(result.stderr).toMatch(/exited with code 1 while it was under load/);
    expect(result.stderr).toMatch(/demo-service/);
  });
});

describe('perf-flow CLI: Ctrl-C', () => {
  it('stops the service under test and exits 130', async () => {
    const dir = await tempDir('sigint');
    const child = spawn(
      process.execPath,
      [
        path.join(ROOT, 'dist/cli/index.js'),
        'load-test',
        '-c',
        FAST_CONFIG,
        '-o',
        dir,
        '--duration',
        '60s',
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    const ready = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the service never became ready:\n${stderr}`)),
        30_000,
      );
      child.stderr.on('data', (d) => {
        stderr += d;
        const match = /service ready at (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
        if (match && /measuring/.test(stderr)) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
    });
    const url = await ready;
    expect((await fetch(`${url}/health`)).status).toBe(200);
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    );
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toContain('SIGINT: stopping the service under test');
    await expect(fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) })).rejects.toThrow();
  }, 60_000);
});

describe('perf-flow CLI: sharded load', () => {
  /**
   * Runs shard `index` of `shards` as its own job, into `dir`/leg<index>, handing its result
   * on through `artifacts`; returns the steady load the shard wrote.
   */
  async function runShard(dir: string, artifacts: string, index: number, shards: number) {
    const shard = await cli([
      'load-test',
      '-c',
      FAST_CONFIG,
      '-o',
      path.join(dir, `leg${index}`),
      '--artifacts',
      artifacts,
      '--shard',
      String(index),
      '--shards',
      String(shards),
    ]);
    expect(shard.code, slurp(shard)).toBe(0);
    return steadyLoad(
      parseStageData(
        'load-test',
        await readFile(path.join(dir, `leg${index}/data/shards/load-test-${index}.json`), 'utf8'),
        'shard',
      ),
    )!;
  }

  /** The merged load test in `reportDir` holds every leg's requests, percentiles exact. */
  async function expectMergedExactly(reportDir: string, legs: SteadyLoadTest[]) {
    const merged = steadyLoad(
      parseStageData(
        'load-test',
        await readFile(path.join(reportDir, 'data/load-test.json'), 'utf8'),
        'merged',
      ),
    )!;
    expect(merged.mergedShards).toBe(legs.length);
    expect(merged.overall.requests).toBe(legs.reduce((n, l) => n + l.overall.requests, 0));
    const all = mergeHistograms(legs.map((l) => decodeHistogram(l.overall.histogram)));
    expect(merged.overall.latency).toEqual(latencyStats(all));
  }

  it('runs two shards in separate jobs and the gate merges them exactly', async () => {
    const dir = await tempDir('shards');
    const artifacts = path.join(dir, 'artifacts');
    const legs = [await runShard(dir, artifacts, 1, 2), await runShard(dir, artifacts, 2, 2)];
    expect(legs.map((l) => l.load.connections)).toEqual([4, 4]);
    const gate = await cli([
      'slo-gate',
      '-c',
      FAST_CONFIG,
      '-o',
      path.join(dir, 'gate'),
      '--artifacts',
      artifacts,
    ]);
    expect(gate.code, slurp(gate)).toBe(0);
    expect(gate.stderr).toContain('merged 2 load-test shards');
    await expectMergedExactly(path.join(dir, 'gate'), legs);
    const data = parseStageData(
      'slo-gate',
      await readFile(path.join(dir, 'gate/data/slo-gate.json'), 'utf8'),
      'gate',
    );
    expect(data.source).toBe('load-test');
  }, 60_000);

  it('merges the shards on the command line (perf-flow merge), and refuses an empty set', async () => {
    const dir = await tempDir('merge');
    const artifacts = path.join(dir, 'artifacts');
    const legs = [await runShard(dir, artifacts, 1, 2), await runShard(dir, artifacts, 2, 2)];
    const out = path.join(dir, 'merged');
    const merge = await cli(['merge', '-c', FAST_CONFIG, '-o', out, '--artifacts', artifacts]);
    expect(merge.code, slurp(merge)).toBe(0);
    await expectMergedExactly(out, legs);
    await expect(
      readFile(path.join(out, 'testing/load-test-results.md'), 'utf8'),
    ).resolves.toContain('Merged from 2 shards');

    const none = await cli([
      'merge',
      '-c',
      FAST_CONFIG,
      '-o',
      path.join(dir, 'empty'),
      '--artifacts',
      path.join(dir, 'nothing'),
    ]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/shards: no load-test shards found/);
  }, 60_000);
});
