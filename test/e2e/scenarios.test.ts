import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseStageData } from '../../src/data/store.js';
import { cli, ROOT, tempDir } from './helpers.js';

const CONFIG = path.join(ROOT, 'test/fixtures/configs/demo-scenarios.yml');

async function loadTestData(out: string) {
  const file = path.join(out, 'data/load-test.json');
  return parseStageData('load-test', await readFile(file, 'utf8'), file);
}

describe('the load-test scenarios on the demo service', () => {
  it('runs load, stress, spike and soak, each with its figures in the report', async () => {
    const out = path.join(await tempDir('scenarios'), 'out');
    const run = await cli([
      'load-test',
      '-c',
      CONFIG,
      '-o',
      out,
      '--scenarios',
      'soak,spike,stress,load',
    ]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const data = await loadTestData(out);
    // Run in the flow's order, whatever order they were asked in.
    expect(data.scenarios).toEqual(['load', 'stress', 'spike', 'soak']);
    expect(data.load?.model).toBe('open');
    // Whether this shared runner let the generator keep its schedule is its own business
    // (test/load covers the rule); a flag must come with its reasons.
    expect(data.generator?.eventLoopUtilization).toBeLessThanOrEqual(1);
    expect(data.generator?.reasons.length === 0).toBe(data.generator?.saturated === false);

    const stress = data.stress!;
    expect(stress.steps.map((s) => s.rateRps)).toEqual(
      [200, 600, 1000, 1400].slice(0, stress.steps.length),
    );
    // Either a step broke (and the breaking point is below it) or none did (a lower bound).
    if (stress.brokenAtRps === null) expect(stress.lowerBound).toBe(true);
    else expect(stress.breakingPointRps ?? 0).toBeLessThan(stress.brokenAtRps);

    const spike = data.spike!;
    expect(spike.peakStartSecond).toBe(3);
    expect(spike.peakEndSecond).toBe(5);
    expect(spike.timeline.length).toBe(11);
    expect(spike.peak.p95Ms).not.toBeNull();

    const soak = data.soak!;
    expect(soak.memory.source).not.toBe('rss-lows');
    expect(soak.memory.verdict).toBe('no-leak');

    expect(data.capacity?.rpsPerVcpu.value).toBeGreaterThan(0);
    expect(data.capacity?.peakRps).toBe(150);

    const report = await readFile(path.join(out, 'testing/load-test-results.md'), 'utf8');
    for (const heading of [
      '## Steady load',
      '## Stress: the breaking point',
      '## Spike: recovery',
      '## Soak: drift and memory',
      '## Capacity',
    ]) {
      expect(report).toContain(heading);
    }
  }, 120_000);

  it("says leak when the demo's leak knob retains memory per request", async () => {
    const out = path.join(await tempDir('soak-leak'), 'out');
    const run = await cli(['load-test', '-c', CONFIG, '-o', out, '--scenarios', 'soak'], {
      env: { DEMO_LEAK_BYTES_PER_REQUEST: '20000' },
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const data = await loadTestData(out);
    expect(data.scenarios).toEqual(['soak']);
    expect(data.overall).toBeUndefined();
    expect(data.soak?.memory.verdict).toBe('leak');
    expect(data.soak?.memory.bytesPerMinuteLow).toBeGreaterThan(0);
    expect(run.stderr).toContain('warning: soak: memory leak');
  }, 60_000);

  it('refuses a scenario that does not exist, and sharding anything but the load', async () => {
    const dir = await tempDir('scenarios-bad');
    const bad = await cli(['load-test', '-c', CONFIG, '-o', dir, '--scenarios', 'load,burst']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/scenarios/);
    const sharded = await cli([
      'load-test',
      '-c',
      CONFIG,
      '-o',
      dir,
      '--scenarios',
      'stress',
      '--shard',
      '1',
      '--shards',
      '2',
    ]);
    expect(sharded.code).toBe(2);
    expect(sharded.stderr).toMatch(/only the load scenario can be sharded/);
  }, 30_000);
});
