import { describe, expect, it } from 'vitest';
import { scoreGate } from '../../src/slo/score.js';
import { withSaturatedGenerator } from '../../src/stages/slo-gate.js';
import { sloEvaluation } from '../report/fixtures.js';

const scoring = { pass: 0.9, partial: 0.75 };
const failOn = ['FAIL' as const, 'INCONCLUSIVE' as const];

describe('a saturated load generator at the gate', () => {
  it('keeps what passed and makes what missed inconclusive', () => {
    const slos = withSaturatedGenerator([
      sloEvaluation({ name: 'p95', status: 'pass', score: 1 }),
      sloEvaluation({ name: 'p99', status: 'fail', score: 0, reason: 'p99 1.2 s over 1 s' }),
      sloEvaluation({ name: 'errors', status: 'warning', score: 0.5 }),
    ]);
    expect(slos.map((s) => s.status)).toEqual(['pass', 'inconclusive', 'inconclusive']);
    expect(slos[1]!.reason).toBe(
      'p99 1.2 s over 1 s; but the load generator was saturated, so the miss may be its own',
    );
  });

  it('turns a FAIL it may have caused into INCONCLUSIVE, and leaves a PASS standing', () => {
    const failing = [
      sloEvaluation({ name: 'p95', key: true, status: 'fail', score: 0 }),
      sloEvaluation({ name: 'errors', status: 'pass', score: 1 }),
    ];
    expect(scoreGate(failing, scoring, failOn).verdict).toBe('FAIL');
    expect(scoreGate(withSaturatedGenerator(failing), scoring, failOn).verdict).toBe(
      'INCONCLUSIVE',
    );
    const passing = [sloEvaluation({ name: 'p95', key: true, status: 'pass', score: 1 })];
    expect(scoreGate(withSaturatedGenerator(passing), scoring, failOn).verdict).toBe('PASS');
  });
});
