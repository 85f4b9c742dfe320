import { describe, expect, it } from 'vitest';
import { renderGuidance, renderHowMeasured } from '../../src/report/sections.js';
import {
  expectWellFormedTables,
  guidance,
  load,
  noGuidance,
  provenance,
  rowStartingWith,
  tableWithHeader,
} from './fixtures.js';

describe('renderGuidance', () => {
  it('quotes the text and lists trigger, focus, targets and every applied line', () => {
    const md = renderGuidance(guidance());
    expect(md).toMatch(/^## Guidance\n/);
    expect(md).toContain('> API latency is critical, p95 must be under 100ms');
    expect(md).toContain('- **Trigger:** slo-breach');
    expect(md).toContain('- **Focus areas:** api, latency');
    expect(md).toContain('- **Targets:** latency.p95 &lt; 100ms');
    expect(md).toContain('**How it was applied:**');
    expect(md).toContain(
      '- Added key SLO "guidance: latency.p95 &lt; 100ms" from the guidance text.',
    );
    expect(md).toContain('- Focus api, latency: latency items ranked first.');
  });

  it('says so when no guidance was given', () => {
    const md = renderGuidance(noGuidance());
    expect(md).toContain('## Guidance');
    expect(md).toContain('No guidance was given');
    expect(md).not.toContain('How it was applied');
  });

  it('says so when guidance was given but changed nothing', () => {
    const md = renderGuidance({ ...guidance(), applied: [] });
    expect(md).toContain('it changed nothing in this stage');
  });

  it('keeps multi-line guidance inside the quote, each line escaped', () => {
    const md = renderGuidance({
      ...noGuidance(),
      text: 'first line\n\n# not a heading\n<img src=x onerror=alert(1)>',
    });
    expect(md).toContain(
      '> first line\n>\n> \\# not a heading\n> &lt;img src=x onerror=alert(1)&gt;',
    );
    expect(md).not.toContain('<img');
  });
});

describe('renderHowMeasured', () => {
  it('records everything needed to reproduce the run', () => {
    const md = renderHowMeasured(provenance(), load({ rateRps: 500 }));
    expectWellFormedTables(md);
    const t = tableWithHeader(md, 'Item', 'Value');
    expect(rowStartingWith(t, 'Commit')[1]).toBe('9f2c4e1a7b3d5f60812a4c6e8b0d2f4a6c8e0b1d');
    expect(rowStartingWith(t, 'Config')[1]).toBe('perf-flow.yml (sha256 3a7bd3e2360a3d29)');
    expect(rowStartingWith(t, 'Node')[1]).toBe('v24.11.0');
    expect(rowStartingWith(t, 'Platform')[1]).toBe('linux x64');
    expect(rowStartingWith(t, 'CPU')[1]).toBe('AMD EPYC 7763 64-Core Processor × 4');
    expect(rowStartingWith(t, 'Memory')[1]).toBe('16 GiB');
    expect(rowStartingWith(t, 'Tool versions')[1]).toBe('autocannon 9.0.0, hdr-histogram-js 3.0.1');
    expect(rowStartingWith(t, 'Created at')[1]).toBe('2026-11-03T10:15:00.000Z');
    expect(rowStartingWith(t, 'Connections')[1]).toBe('10');
    expect(rowStartingWith(t, 'Rate limit')[1]).toBe('500 req/s');
    expect(rowStartingWith(t, 'Measured duration')[1]).toBe('30 s');
    expect(rowStartingWith(t, 'Warm-up (not measured)')[1]).toBe('5 s');
    expect(rowStartingWith(t, 'Request timeout')[1]).toBe(
      '10 s (a request that times out counts in the latency figures at this value: it took ' +
        'at least that long)',
    );
    expect(md).toContain(
      '```sh\nperf-flow baseline --config perf-flow.yml\nnpm run build\nnode dist/server.js\n```',
    );
  });

  it('leaves the load rows out when no load was given, and says an unknown commit', () => {
    const md = renderHowMeasured({ ...provenance(), commit: null, commands: [] });
    const t = tableWithHeader(md, 'Item', 'Value');
    expect(rowStartingWith(t, 'Commit')[1]).toBe('unknown');
    expect(t.some((row) => row[0] === 'Connections')).toBe(false);
    expect(md).toContain('Commands: none recorded.');
  });
});
