import { describe, expect, it } from 'vitest';
import { renderSloCompliance } from '../../src/report/slo-compliance.js';
import { scoreGate } from '../../src/slo/score.js';
import {
  expectWellFormedTables,
  gate,
  inconclusiveGate,
  rowStartingWith,
  sloEvaluation,
  tableWithHeader,
} from './fixtures.js';

describe('renderSloCompliance', () => {
  it('puts the verdict first, with the score against the thresholds and what it does to the job', () => {
    const md = renderSloCompliance(gate());
    const firstParagraph = md.split('\n\n')[1];
    expect(firstParagraph).toBe(
      '**Verdict: PARTIAL ⚠️** · score 83.3% (PASS at ≥ 90%, PARTIAL at ≥ 70%). ' +
        'The job does not fail (fail-on: FAIL, INCONCLUSIVE).',
    );
    expect(md).toContain('- p95 under 100ms missed its target but met its warning threshold.');
  });

  it('says when the job fails', () => {
    const d = gate();
    d.verdict = 'FAIL';
    d.score = 0.25;
    d.failed = true;
    expect(renderSloCompliance(d).split('\n\n')[1]).toBe(
      '**Verdict: FAIL ❌** · score 25% (PASS at ≥ 90%, PARTIAL at ≥ 70%). ' +
        '**This job fails**: fail-on lists FAIL, INCONCLUSIVE.',
    );
  });

  it('shows each SLO with its observed value in the SLI’s unit', () => {
    const md = renderSloCompliance(gate());
    expectWellFormedTables(md);
    const t = tableWithHeader(md, 'SLO', 'SLI', 'journey', 'target', 'warning', 'observed');
    expect(t[0]).toEqual([
      'SLO',
      'SLI',
      'journey',
      'target',
      'warning',
      'observed',
      'status',
      'score',
      'weight',
      'key',
      'samples',
      'why',
    ]);
    expect(rowStartingWith(t, 'p95 under 100ms').slice(0, 11)).toEqual([
      'p95 under 100ms',
      'latency.p95',
      'all',
      '&lt; 100ms',
      '&lt; 150ms',
      '102.5 ms',
      '⚠️ warning',
      '0.5',
      '2',
      '★',
      '16,358',
    ]);
    expect(rowStartingWith(t, 'orders error rate').slice(2, 7)).toEqual([
      'create order',
      '&lt; 0.5%',
      '',
      '0.24%',
      '✅ pass',
    ]);
    expect(rowStartingWith(t, 'throughput floor')[5]).toBe('498.7 req/s');
  });

  it('tabulates error budgets and flags an exhausted one', () => {
    const md = renderSloCompliance(gate());
    const t = tableWithHeader(md, 'SLO', 'allowed', 'consumed', 'burned', 'exhausted');
    expect(rowStartingWith(t, 'p95 under 100ms')).toEqual([
      'p95 under 100ms',
      '818',
      '1,024',
      '125.2%',
      '⛔ yes',
    ]);
    expect(rowStartingWith(t, 'orders error rate')).toEqual([
      'orders error rate',
      '20',
      '12',
      '60%',
      'no',
    ]);
    // An SLO without a budget (throughput) has no row.
    expect(t).toHaveLength(3);
  });

  it('shows a small allowance with its decimals, never as 0 beside what it burned', () => {
    const d = gate();
    d.slos = [
      sloEvaluation({ name: 'tiny', budget: { allowed: 0.3, consumed: 1, burned: 1 / 0.3 } }),
      sloEvaluation({ name: 'some', budget: { allowed: 2.5, consumed: 0, burned: 0 } }),
      sloEvaluation({ name: 'many', budget: { allowed: 817.9, consumed: 3, burned: 3 / 817.9 } }),
    ];
    const t = tableWithHeader(renderSloCompliance(d), 'SLO', 'allowed');
    expect(rowStartingWith(t, 'tiny').slice(1, 4)).toEqual(['0.3', '1', '333.3%']);
    expect(rowStartingWith(t, 'some')[1]).toBe('2.5');
    expect(rowStartingWith(t, 'many')[1]).toBe('818');
  });

  it('prints the score as the gate’s reasons do', () => {
    const d = gate();
    const outcome = scoreGate(
      [
        sloEvaluation({ name: 'a', status: 'pass', score: 1, weight: 19_999, key: false }),
        sloEvaluation({ name: 'b', status: 'fail', score: 0, weight: 1, key: false }),
      ],
      d.scoring,
      d.failOn,
    );
    d.score = outcome.score;
    d.reasons = outcome.reasons;
    const md = renderSloCompliance(d);
    expect(outcome.reasons[0]).toMatch(/^Weighted score 99\.995% /);
    expect(md).toContain('· score 99.995% (PASS at ≥ 90%, PARTIAL at ≥ 70%)');
    expect(md).toContain('- Weighted score 99.995% ');
  });

  it('treats any bad event as exhausting a budget that allows none', () => {
    const d = gate();
    d.slos = [
      sloEvaluation({ name: 'zero', budget: { allowed: 0, consumed: 3, burned: null } }),
      sloEvaluation({ name: 'clean', budget: { allowed: 0, consumed: 0, burned: null } }),
    ];
    const t = tableWithHeader(renderSloCompliance(d), 'SLO', 'allowed');
    expect(rowStartingWith(t, 'zero').slice(3)).toEqual(['n/a (none allowed)', '⛔ yes']);
    expect(rowStartingWith(t, 'clean').slice(3)).toEqual(['n/a (none allowed)', 'no']);
  });

  it('names the source of the measurements', () => {
    expect(renderSloCompliance(gate())).toContain('measurements of the load-test stage');
    const d = gate();
    d.source = 'baseline';
    expect(renderSloCompliance(d)).toContain('measurements of the baseline stage');
  });

  it('makes INCONCLUSIVE unmistakably not a pass', () => {
    const md = renderSloCompliance(inconclusiveGate());
    expect(md.split('\n\n')[1]).toBe(
      '**Verdict: INCONCLUSIVE ❔** · no score (not enough data to compute one). ' +
        '**This job fails**: fail-on lists FAIL, INCONCLUSIVE.',
    );
    expect(md).toContain('not enough data to decide. This is not a pass.');
    expect(md).toContain('- Too few samples: 12 requests, at least 100 needed to judge p95.');
    const t = tableWithHeader(md, 'SLO', 'SLI');
    expect(rowStartingWith(t, 'p95 under 100ms').slice(5, 8)).toEqual([
      'not measured',
      '❔ inconclusive',
      '0',
    ]);
    expect(md).not.toContain('## Error budgets');
  });
});
