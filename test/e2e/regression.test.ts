import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseStageData } from '../../src/data/store.js';
import { cli, demoRepository, git, setKnob, tempDir } from './helpers.js';

// The gate is judged on the median: on this VM, pauses of 10-400 ms come and go for minutes
// at a time, and a one-second block's p95 then swings several-fold with the service unchanged
// (the comparison says INCONCLUSIVE then, as it should); the median holds still.
// The demo service in a repository of its own (demoRepository): a commit that changes
// DEMO_LATENCY_MS makes the service slower the way a code change would.
const CONFIG = `service:
  start: node start.mjs
  url: http://127.0.0.1:\${PORT}
  ready: /health
journeys:
  - name: get-item
    path: /api/items/7
load-test:
  rate: 300rps
  duration: 2s
  warm-up: 1s
  timeout: 2s
regression:
  latency.p50: +50%
  error_rate: +1%
  budget: 36s
  block: 1s
`;

/** A repository at its base commit: the demo adding `latencyMs` to every API response. */
const repository = (latencyMs: number) =>
  demoRepository('regression-repo', 'DEMO_LATENCY_MS', latencyMs, CONFIG);

async function commit(root: string, latencyMs: number, message: string) {
  await setKnob(root, 'DEMO_LATENCY_MS', latencyMs);
  git(root, 'commit', '-q', '--allow-empty', '-am', message);
}

async function loadTest(root: string, out: string, baseRef: string) {
  const run = await cli(['load-test', '-o', out, '--base-ref', baseRef], {
    cwd: root,
    timeoutMs: 200_000,
  });
  const file = path.join(out, 'data/load-test.json');
  const data = await readFile(file, 'utf8')
    .then((text) => parseStageData('load-test', text, file))
    .catch(() => undefined);
  const report = await readFile(path.join(out, 'testing/load-test-results.md'), 'utf8').catch(
    () => '',
  );
  return { run, data, report };
}

describe('base against head (perf-flow load-test --base-ref)', { timeout: 240_000 }, () => {
  it('says FAIL with the regressed SLI, its estimate and interval, when the head adds latency', async () => {
    const root = await repository(2);
    await commit(root, 12, 'slower');
    const out = path.join(await tempDir('regression-out'), 'out');
    const { run, data, report } = await loadTest(root, out, 'HEAD~1');
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const regression = data?.regression;
    expect(regression?.verdict).toBe('FAIL');
    expect(regression?.baseSha).toBe(git(root, 'rev-parse', 'HEAD~1'));
    const p50 = regression?.judgements.find((j) => j.sli === 'latency.p50');
    expect(p50?.verdict).toBe('regressed');
    // 2 ms → 12 ms added: several times slower, and surely slower (the interval above 0).
    expect(p50?.change).toBeGreaterThan(1);
    expect(p50?.low).toBeGreaterThan(0);
    expect(regression?.decidedAfterPairs).not.toBeNull();
    expect(report).toContain('## Base against head');
    expect(report).toMatch(
      /\| latency\.p50 +\| +[\d.]+ ms \| +[\d.]+ ms \| +\+\d+% \[\+[\d.]+%, \+\d+%\] \| +\+50% \| ❌ regressed/,
    );
    expect(report).toMatch(/Decided after \d+ of at most 12 pairs/);
    // Both worktree and services are gone.
    expect(git(root, 'worktree', 'list').split('\n')).toHaveLength(1);

    // The gate fails on it: a regression past its threshold is a failed key SLO.
    const gate = await cli(['slo-gate', '-o', out], { cwd: root });
    expect(gate.code, gate.stdout + gate.stderr).toBe(1);
    const compliance = await readFile(path.join(out, 'reports/slo-compliance.md'), 'utf8');
    expect(compliance).toMatch(/Key SLO "latency\.p50 against HEAD\\~1 &lt;= \+50%" failed/);

    // The summary (the PR comment's body) leads with it, each change with its interval.
    await cli(['summary', '-o', out], { cwd: root });
    const summary = await readFile(path.join(out, 'reports/optimization-summary.md'), 'utf8');
    expect(summary).toContain('## Base against head');
    expect(summary).toMatch(/\| latency\.p50 +\|.*\[\+[\d.]+%, \+\d+%\].*❌ regressed/);
  });

  it('says PASS when the head changes nothing the service does, its noise measured A/A first', async () => {
    const root = await repository(2);
    await writeFile(
      path.join(root, 'perf-flow.yml'),
      CONFIG.replace('  block: 1s', '  block: 1s\n  calibrate: true'),
    );
    await commit(root, 2, 'a change that does not touch performance');
    const out = path.join(await tempDir('regression-out'), 'out');
    const { run, data } = await loadTest(root, out, 'main~1');
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(data?.regression?.verdict).toBe('PASS');
    for (const j of data?.regression?.judgements ?? []) expect(j.verdict).not.toBe('regressed');
    const gate = await cli(['slo-gate', '-o', out], { cwd: root });
    expect(gate.code, gate.stdout + gate.stderr).toBe(0);
    // The noise the thresholds were judged by came from head against head.
    expect(run.stdout + run.stderr).toMatch(/calibrating: head against head \(A\/A\)/);
    expect(data?.regression?.noise.map((n) => n.source)).toEqual(['calibration', 'calibration']);
  });

  it('refuses a base ref that does not exist with exit 2, the head still reported', async () => {
    const root = await repository(2);
    const out = path.join(await tempDir('regression-out'), 'out');
    const { run, data, report } = await loadTest(root, out, 'no-such-ref');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/base-ref: no commit "no-such-ref"/);
    expect(data?.overall?.requests).toBeGreaterThan(0);
    expect(data?.regressionProblem).toMatch(/no commit "no-such-ref"/);
    expect(report).toMatch(/Not compared: .*no commit/);
  });

  it('says the base did not start, with exit 3 and its log, the head still reported', async () => {
    const root = await repository(2);
    // The base's start script is broken; the head repairs it.
    const start = await readFile(path.join(root, 'start.mjs'), 'utf8');
    await writeFile(path.join(root, 'start.mjs'), 'throw new Error("base cannot start");\n');
    git(root, 'commit', '-q', '-am', 'broken start');
    await writeFile(path.join(root, 'start.mjs'), start);
    git(root, 'commit', '-q', '-am', 'repaired');
    const out = path.join(await tempDir('regression-out'), 'out');
    const { run, data } = await loadTest(root, out, 'HEAD~1');
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/the base HEAD~1 \([0-9a-f]{12}\) did not start/);
    expect(run.stderr).toContain('base cannot start');
    expect(data?.overall?.requests).toBeGreaterThan(0);
  });

  it('says the base failed to build, with exit 3', async () => {
    const root = await repository(2);
    await writeFile(
      path.join(root, 'perf-flow.yml'),
      CONFIG.replace('  start: node start.mjs', '  build: node build.mjs\n  start: node start.mjs'),
    );
    await writeFile(path.join(root, 'build.mjs'), 'process.exit(1);\n');
    git(root, 'add', '.');
    git(root, 'commit', '-q', '-m', 'a build that fails');
    await writeFile(path.join(root, 'build.mjs'), '// builds\n');
    git(root, 'commit', '-q', '-am', 'a build that works');
    const out = path.join(await tempDir('regression-out'), 'out');
    const { run, data } = await loadTest(root, out, 'HEAD~1');
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/the base HEAD~1 \([0-9a-f]{12}\) failed to build/);
    expect(data?.overall?.requests).toBeGreaterThan(0);
  });

  it('with baseline: artifact, compares the head with the stored run second by second', async () => {
    const root = await repository(2);
    await writeFile(
      path.join(root, 'perf-flow.yml'),
      CONFIG.replace('regression:\n', 'regression:\n  baseline: artifact\n').replace(
        '  duration: 2s',
        '  duration: 5s',
      ),
    );
    const out = path.join(await tempDir('regression-out'), 'out');
    const first = await cli(['load-test', '-o', out], { cwd: root });
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const firstReport = await readFile(path.join(out, 'testing/load-test-results.md'), 'utf8');
    expect(firstReport).toMatch(/not compared across runs: .*has no steady load test/);

    // Far past the threshold: two runs' seconds, under a parallel test run's noise, still tell.
    await setKnob(root, 'DEMO_LATENCY_MS', 40);
    const second = await cli(['load-test', '-o', out], { cwd: root });
    expect(second.code, second.stdout + second.stderr).toBe(0);
    const file = path.join(out, 'data/load-test.json');
    const data = parseStageData('load-test', await readFile(file, 'utf8'), file);
    expect(data.regression?.mode).toBe('artifact');
    expect(data.regression?.verdict).toBe('FAIL');
    expect(data.regression?.judgements[0]).toMatchObject({
      sli: 'latency.p50',
      verdict: 'regressed',
    });
    const report = await readFile(path.join(out, 'testing/load-test-results.md'), 'utf8');
    expect(report).toMatch(/second by second of the two steady loads/);
    expect(report).toMatch(/not how two runners differ/);
  });
});
