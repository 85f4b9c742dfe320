import { describe, expect, it } from 'vitest';
import {
  breakingPoint,
  shouldStop,
  stepOutcome,
  type SloStatus,
  type StressStep,
} from '../../src/scenarios/breaking-point.js';

function step(
  rateRps: number,
  statuses: Record<string, SloStatus> = { latency: 'pass', errors: 'pass' },
  extra: Partial<StressStep> = {},
): StressStep {
  return {
    rateRps,
    achievedRps: rateRps,
    p95Ms: 20,
    p99Ms: 40,
    errorRate: 0,
    sloVerdicts: Object.entries(statuses).map(([name, status]) => ({ name, status })),
    generatorSaturated: false,
    ...extra,
  };
}

const options = { errorThreshold: 0.05 };

describe('stepOutcome and shouldStop', () => {
  it('goes on while every SLO passes', () => {
    expect(stepOutcome(step(100), options)).toEqual({ kind: 'ok' });
    expect(shouldStop(step(100), options)).toEqual({
      stop: false,
      reason: '100 req/s met every SLO',
    });
  });

  it('stops at a failed SLO, and at a warning: its target is missed', () => {
    expect(shouldStop(step(200, { latency: 'fail' }), options)).toEqual({
      stop: true,
      reason: 'at 200 req/s SLO "latency" failed',
    });
    expect(shouldStop(step(200, { latency: 'warning' }), options).reason).toBe(
      'at 200 req/s SLO "latency" missed its target (warning)',
    );
  });

  it('does not stop for an inconclusive SLO', () => {
    expect(shouldStop(step(200, { latency: 'inconclusive' }), options).stop).toBe(false);
  });

  it('stops when errors pass the threshold, even with the SLOs met', () => {
    expect(stepOutcome(step(300, {}, { errorRate: 0.06 }), options)).toEqual({
      kind: 'errors',
      errorRate: 0.06,
    });
    expect(stepOutcome(step(300, {}, { errorRate: 0.05 }), options).kind).toBe('ok');
  });

  it('stops when the service serves well below the rate', () => {
    const behind = step(400, {}, { achievedRps: 300 });
    expect(stepOutcome(behind, options)).toEqual({ kind: 'throughput', achievedFraction: 0.75 });
    expect(shouldStop(behind, options).reason).toMatch(/only 300 req\/s \(75% of the rate\)/);
    expect(stepOutcome(behind, { ...options, minAchievedFraction: 0.7 }).kind).toBe('ok');
  });

  it('puts a saturated generator before everything the step seems to show', () => {
    const saturated = step(500, { latency: 'fail' }, { generatorSaturated: true, errorRate: 0.5 });
    expect(stepOutcome(saturated, options)).toEqual({ kind: 'generator-saturated' });
    expect(shouldStop(saturated, options)).toMatchObject({ stop: true });
  });
});

describe('breakingPoint', () => {
  it('is the last rate before the first SLO to break, naming it', () => {
    const result = breakingPoint(
      [step(100), step(200), step(300, { latency: 'warning', errors: 'fail', throughput: 'pass' })],
      options,
    );
    expect(result).toMatchObject({
      sustainableRps: 200,
      sustainableAchievedRps: 200,
      lowerBound: false,
      brokenAtRps: 300,
      cause: 'slo',
      brokenSlos: [
        { name: 'errors', status: 'fail' },
        { name: 'latency', status: 'warning' },
      ],
    });
    expect(result.reason).toMatch(/^breaking point 200 req\/s: at 300 req\/s SLO "latency"/);
  });

  it('ignores steps after the first break', () => {
    const result = breakingPoint([step(100), step(200, { l: 'fail' }), step(300)], options);
    expect(result).toMatchObject({ sustainableRps: 100, brokenAtRps: 200 });
  });

  it('names errors past the threshold as the cause', () => {
    const result = breakingPoint([step(100), step(200, {}, { errorRate: 0.2 })], options);
    expect(result).toMatchObject({ sustainableRps: 100, cause: 'errors', brokenSlos: [] });
    expect(result.reason).toMatch(/error rate 20% passed the threshold 5%/);
  });

  it('is only a lower bound when the generator saturated first', () => {
    const result = breakingPoint(
      [step(100), step(200), step(400, {}, { generatorSaturated: true })],
      options,
    );
    expect(result).toMatchObject({
      sustainableRps: 200,
      lowerBound: true,
      brokenAtRps: 400,
      cause: 'generator-saturated',
    });
    expect(result.reason).toMatch(
      /^breaking point at least 200 req\/s: .*load generator saturated/,
    );
  });

  it('is a lower bound too when nothing broke', () => {
    const result = breakingPoint([step(100), step(200)], options);
    expect(result).toMatchObject({
      sustainableRps: 200,
      lowerBound: true,
      brokenAtRps: null,
      cause: 'not-reached',
    });
    expect(result.reason).toMatch(/at least 200 req\/s: every step met every SLO/);
  });

  it('has no sustainable rate when the first step breaks', () => {
    const result = breakingPoint([step(100, { latency: 'fail' })], options);
    expect(result).toMatchObject({ sustainableRps: null, lowerBound: false, brokenAtRps: 100 });
    expect(result.reason).toMatch(/^breaking point no rate met every SLO/);
    const saturated = breakingPoint([step(100, {}, { generatorSaturated: true })], options);
    expect(saturated).toMatchObject({ sustainableRps: null, lowerBound: false });
    expect(saturated.reason).toMatch(/no step gave a figure of the service/);
    expect(breakingPoint([], options)).toMatchObject({
      sustainableRps: null,
      reason: 'no steps were run',
    });
  });

  it('notes inconclusive SLOs without counting them as broken', () => {
    const result = breakingPoint(
      [step(100, { latency: 'inconclusive', errors: 'pass' }), step(200, { errors: 'fail' })],
      options,
    );
    expect(result.sustainableRps).toBe(100);
    expect(result.inconclusive).toEqual([{ rateRps: 100, names: ['latency'] }]);
    expect(result.reason).toMatch(/inconclusive, not counted as broken: "latency"/);
  });
});
