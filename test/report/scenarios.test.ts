import { describe, expect, it } from 'vitest';
import { LoadTestData } from '../../src/data/stages.js';
import { renderLoadTest, renderSummary } from '../../src/report/index.js';
import { capacitySection, generatorWarning } from '../../src/report/scenarios.js';
import { allStages, expectWellFormedTables, tableWithHeader } from './fixtures.js';
import { allScenarios, capacity, generator, spike } from './scenario-fixtures.js';

describe('the scenario sections of the load-test report', () => {
  it('is valid data, and renders every scenario with well-formed tables', () => {
    const data = allScenarios();
    expect(LoadTestData.safeParse(data).success).toBe(true);
    const md = renderLoadTest(data);
    expectWellFormedTables(md);
    expect(md).toContain('**Scenarios:** load, stress, spike, soak.');
    expect(md).toContain('**Breaking point: 200 req/s (served 198 req/s).**');
    expect(md).toContain('**Recovered 4 s after the peak.**');
    expect(md).toContain('**Memory: leak.**');
    const steps = tableWithHeader(md, 'offered', 'served', 'p95', 'p99');
    expect(steps.map((row) => row[0])).toEqual(['offered', '100 req/s', '200 req/s', '300 req/s']);
    expect(steps[3]![7]).toContain('failed');
  });

  it('escapes SLO names that come from the config', () => {
    const md = renderLoadTest(allScenarios());
    expect(md).not.toContain('<b>');
    expect(md).toContain('"API \\| p95 &lt;b&gt;"');
  });

  it('says when a spike never recovered', () => {
    const data = { ...allScenarios(), spike: spike(null) };
    expect(renderLoadTest(data)).toContain('**Did not recover** before the run ended.');
  });

  it('gives each capacity figure, or why it is missing', () => {
    const md = capacitySection(
      capacity({
        instancesNow: { value: null, reason: 'no peak demand given' },
        upperBounds: true,
        instancesAfterGrowth: { value: 3, reason: null },
      }),
    );
    expect(md).toContain('n/a (no peak demand given)');
    expect(md).toContain('3 at most');
    expect(md).toContain('0.1650 EUR');
  });

  it('warns when the generator was saturated, and only then', () => {
    expect(generatorWarning(generator())).toBeNull();
    expect(
      generatorWarning(generator({ saturated: true, reasons: ['event-loop utilisation 97%'] })),
    ).toContain('These figures measure perf-flow, not the service');
  });
});

describe('the summary', () => {
  it('has one line per scenario and the capacity they give', () => {
    const stages = allStages();
    const md = renderSummary({ ...stages, loadTest: allScenarios() });
    expect(md).toContain('## Load scenarios');
    expect(md).toContain('- **Breaking point** (stress): 200 req/s.');
    expect(md).toContain('- **Spike recovery**: 4 s after the peak (peak p95 180 ms).');
    expect(md).toContain('- **Soak**: memory leak, throughput stable, p95 stable.');
    expect(md).toContain(
      '- **Capacity**: 2 instance(s) after growth ×1.5, 0.1650 EUR per million requests.',
    );
  });

  it('has no scenario section for a plain load test', () => {
    expect(renderSummary(allStages())).not.toContain('## Load scenarios');
  });
});
