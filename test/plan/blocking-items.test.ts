import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/data/stages.js';
import { buildPlan } from '../../src/plan/build-plan.js';
import { cpuWith, hotspot, noGuidance } from './plan-fixtures.js';

const rebuild = hotspot({
  functionName: 'rebuildSearchIndex',
  file: 'src/search.js',
  line: 40,
  selfShare: 0.3,
  totalShare: 0.35,
});

function blocking(functionName: string, file: string, line: number): Finding {
  return {
    kind: 'event-loop-blocking',
    confidence: 'high',
    summary: `Synchronous work blocks the event loop: ${functionName} runs for up to 120 ms without yielding.`,
    evidence: ['event-loop delay p99 118 ms'],
    functions: [{ functionName, file, line, figure: 'up to 120 ms at a stretch' }],
  };
}

const plan = (diagnosis: Finding[]) =>
  buildPlan({
    cpu: cpuWith([rebuild]),
    baseline: null,
    sloEvaluations: [],
    guidance: noGuidance,
    diagnosis,
  });

describe('event-loop blocking items', () => {
  it('plans to take the blocking function off the loop, bounded by its share with callees', () => {
    const { items, findings } = plan([
      { ...blocking('x', 'a.js', 1), kind: 'nothing-found', functions: [] },
      blocking('rebuildSearchIndex', 'src/search.js', 40),
    ]);
    const item = items.find((i) => i.title === 'Take rebuildSearchIndex off the event loop')!;
    expect(item).toBeDefined();
    expect(item.kind).toBe('cpu');
    // The second diagnosis finding, and the function's own hotspot finding.
    expect(item.findings).toEqual([
      'diagnosis:2:event-loop-blocking',
      'cpu:rebuildsearchindex@src-search-js-40',
    ]);
    for (const id of item.findings!) expect(findings.map((f) => f.id)).toContain(id);
    expect(item.expectedGain.latencyPctHigh).toBeLessThanOrEqual(35);
    expect(item.expectedGain.latencyPctLow).toBeCloseTo(17.5, 1);
    expect(item.successCriteria[0]).toBe(
      'no stretch of rebuildSearchIndex of 50 ms or more in the next profile (now up to 120 ms at a stretch)',
    );
    // The hotspot item for the same function stays: shortening it and moving it are two fixes.
    expect(
      items.some((i) => i.id.startsWith('hotspot-') && i.title.includes('rebuildSearchIndex')),
    ).toBe(true);
  });

  it('plans nothing for a blocking function the profile gives no share to', () => {
    const { items } = plan([blocking('parseHuge', 'src/other.js', 7)]);
    expect(items.some((i) => i.title.includes('off the event loop'))).toBe(false);
  });
});
