import { describe, expect, it } from 'vitest';
import type { Verdict } from '../../src/config/types.js';
import type { SloEvaluation } from '../../src/data/stages.js';
import { scoreGate } from '../../src/slo/score.js';

type Status = SloEvaluation['status'];
const SCORES: Record<Status, number> = { pass: 1, warning: 0.5, fail: 0, inconclusive: 0 };

/** An evaluation as evaluateSlos would give it; only what scoring reads varies. */
function ev(name: string, status: Status, weight = 1, key = false): SloEvaluation {
  return {
    name,
    sli: 'latency.p95',
    target: '< 50ms',
    observed: status === 'inconclusive' ? null : 42,
    status,
    score: SCORES[status],
    weight,
    key,
    samples: 1000,
    reason: `${name} is ${status}`,
    budget: null,
  };
}

const scoring = { pass: 0.9, partial: 0.75 };
const defaultFailOn: Verdict[] = ['FAIL', 'INCONCLUSIVE'];

interface Case {
  name: string;
  slos: SloEvaluation[];
  scoring?: { pass: number; partial: number };
  verdict: Verdict;
  score: number | null;
  /** Each must appear in some reason. */
  reasons?: RegExp[];
}

const cases: Case[] = [
  {
    name: 'all pass',
    slos: [ev('a', 'pass'), ev('b', 'pass', 2, true)],
    verdict: 'PASS',
    score: 1,
    reasons: [/^Weighted score 100% over 2 of 2 SLOs is at or above pass 90%\.$/],
  },
  {
    name: 'a failed key SLO fails the gate whatever the score',
    slos: [ev('k', 'fail', 1, true), ev('a', 'pass', 99), ev('b', 'pass', 99)],
    verdict: 'FAIL',
    score: 0.99497487,
    reasons: [/^Key SLO "k" failed: k is fail\.$/, /but a failed key SLO fails the gate/],
  },
  {
    name: 'a key SLO at warning only scores',
    slos: [ev('k', 'warning', 1, true), ev('a', 'pass', 9)],
    verdict: 'PASS',
    score: 0.95,
    reasons: [/^SLO "k" is at warning: k is warning\.$/],
  },
  {
    name: 'a failed non-key SLO only lowers the score',
    slos: [ev('a', 'fail'), ev('b', 'pass'), ev('c', 'pass'), ev('d', 'pass')],
    verdict: 'PARTIAL',
    score: 0.75,
    reasons: [/below pass 90% but at or above partial 75%/, /^SLO "a" failed: a is fail\.$/],
  },
  {
    name: 'score exactly at pass is PASS',
    slos: [ev('a', 'fail'), ...Array.from({ length: 9 }, (_, i) => ev(`p${i}`, 'pass'))],
    verdict: 'PASS',
    score: 0.9,
  },
  {
    name: 'a score a hair below its threshold in floating point still meets it',
    // (0.3 + 0.3) / (0.3 + 0.3 + 0.2) is 0.7499999999999999 in binary.
    slos: [ev('a', 'pass', 0.3), ev('b', 'pass', 0.3), ev('c', 'fail', 0.2)],
    verdict: 'PARTIAL',
    score: 0.75,
  },
  {
    name: 'a threshold a hair off in floating point is still met (99.9 / 100 > 0.999)',
    slos: [ev('a', 'fail', 1), ev('b', 'pass', 999)],
    scoring: { pass: 99.9 / 100, partial: 0.5 },
    verdict: 'PASS',
    score: 0.999,
  },
  {
    name: 'weights decide: a heavy failure sinks the score below partial',
    slos: [ev('heavy', 'fail', 3), ev('a', 'pass'), ev('b', 'pass')],
    verdict: 'FAIL',
    score: 0.4,
    reasons: [/^Weighted score 40% over 3 of 3 SLOs is below partial 75%\.$/],
  },
  {
    name: 'warnings count half',
    slos: [ev('a', 'warning'), ev('b', 'warning'), ev('c', 'pass'), ev('d', 'pass')],
    verdict: 'PARTIAL',
    score: 0.75,
  },
  {
    name: 'a weight-0 failure does not move the score',
    slos: [ev('zero', 'fail', 0), ev('a', 'pass')],
    verdict: 'PASS',
    score: 1,
    reasons: [/^SLO "zero" failed/],
  },
  {
    name: 'other scoring thresholds',
    slos: [ev('a', 'fail'), ev('b', 'pass')],
    scoring: { pass: 0.5, partial: 0.25 },
    verdict: 'PASS',
    score: 0.5,
  },
  // Missing data never passes silently.
  {
    name: 'no SLOs is inconclusive',
    slos: [],
    verdict: 'INCONCLUSIVE',
    score: null,
    reasons: [/^No SLOs are defined/],
  },
  {
    name: 'a key SLO not judged makes the gate inconclusive',
    slos: [ev('k', 'inconclusive', 1, true), ev('a', 'pass', 10)],
    verdict: 'INCONCLUSIVE',
    score: 1,
    reasons: [/^Key SLO "k" could not be judged: k is inconclusive\.$/],
  },
  {
    name: 'a key SLO not judged outweighs a score that fails',
    slos: [ev('k', 'inconclusive', 1, true), ev('a', 'fail')],
    verdict: 'INCONCLUSIVE',
    score: 0,
  },
  {
    name: 'nothing judged is inconclusive',
    slos: [ev('a', 'inconclusive'), ev('b', 'inconclusive')],
    verdict: 'INCONCLUSIVE',
    score: null,
    reasons: [/^None of the 2 SLOs could be judged\.$/, /^SLO "a" could not be judged/],
  },
  {
    name: 'judged SLOs of total weight 0 give no score',
    slos: [ev('a', 'pass', 0), ev('b', 'pass', 0)],
    verdict: 'INCONCLUSIVE',
    score: null,
    reasons: [/all have weight 0/],
  },
  {
    name: 'a non-key SLO not judged turns PASS into INCONCLUSIVE',
    slos: [ev('a', 'pass', 5), ev('b', 'pass', 5), ev('c', 'inconclusive')],
    verdict: 'INCONCLUSIVE',
    score: 1,
    reasons: [
      /^Weighted score 100% over 2 of 3 SLOs is at or above pass 90%\.$/,
      /^The score alone gives PASS, but 1 SLO could not be judged, and a gate never passes on missing data\.$/,
      /^SLO "c" could not be judged: c is inconclusive\.$/,
    ],
  },
  {
    name: 'a non-key SLO not judged turns PARTIAL into INCONCLUSIVE',
    slos: [ev('a', 'warning'), ev('b', 'pass'), ev('c', 'inconclusive')],
    verdict: 'INCONCLUSIVE',
    score: 0.75,
    reasons: [/The score alone gives PARTIAL/],
  },
  {
    name: 'a non-key SLO not judged leaves FAIL a FAIL',
    slos: [ev('a', 'fail'), ev('b', 'pass'), ev('c', 'inconclusive')],
    verdict: 'FAIL',
    score: 0.5,
    reasons: [/^SLO "c" could not be judged/],
  },
  {
    name: 'a failed key SLO decides even with others not judged',
    slos: [ev('k', 'fail', 1, true), ev('j', 'inconclusive', 1, true)],
    verdict: 'FAIL',
    score: 0,
    reasons: [/^Key SLO "k" failed/, /^SLO "j" could not be judged/],
  },
];

describe('scoreGate', () => {
  it.each(cases)('$name', (c) => {
    const outcome = scoreGate(c.slos, c.scoring ?? scoring, defaultFailOn);
    expect(outcome.verdict).toBe(c.verdict);
    if (c.score === null) expect(outcome.score).toBeNull();
    else expect(outcome.score).toBeCloseTo(c.score, 6);
    for (const pattern of c.reasons ?? []) {
      expect(
        outcome.reasons.some((r) => pattern.test(r)),
        `${pattern} in\n${outcome.reasons.join('\n')}`,
      ).toBe(true);
    }
    // Every SLO that did not pass is named, so nothing is decided out of sight.
    for (const e of c.slos.filter((s) => s.status !== 'pass')) {
      expect(outcome.reasons.some((r) => r.includes(`"${e.name}"`))).toBe(true);
    }
    expect(outcome.failed).toBe(defaultFailOn.includes(c.verdict));
  });

  it.each([
    [['FAIL', 'INCONCLUSIVE'], 'PARTIAL', false],
    [['FAIL', 'PARTIAL', 'INCONCLUSIVE'], 'PARTIAL', true],
    [['FAIL'], 'INCONCLUSIVE', false],
    [['FAIL', 'INCONCLUSIVE'], 'INCONCLUSIVE', true],
    [[], 'FAIL', false],
    [['PASS'], 'PASS', true],
  ] as const)('fail-on %j with %s fails: %s', (failOn, verdict, expected) => {
    const slos: Record<Verdict, SloEvaluation[]> = {
      PASS: [ev('a', 'pass')],
      PARTIAL: [ev('a', 'warning'), ev('b', 'pass'), ev('c', 'pass'), ev('d', 'pass')],
      FAIL: [ev('a', 'fail')],
      INCONCLUSIVE: [ev('a', 'inconclusive')],
    };
    const outcome = scoreGate(slos[verdict], scoring, [...failOn]);
    expect(outcome.verdict).toBe(verdict);
    expect(outcome.failed).toBe(expected);
    expect(outcome.reasons.at(-1)).toMatch(
      failOn.length === 0
        ? /^fail-on is empty: the gate passes whatever the verdict\.$/
        : expected
          ? new RegExp(`^${verdict} is listed in fail-on \\(.*\\): the gate fails\\.$`)
          : new RegExp(`^${verdict} is not listed in fail-on \\(.*\\): the gate passes\\.$`),
    );
  });

  it('is pure: the same evaluations give the same outcome and are left untouched', () => {
    const slos = [ev('a', 'warning', 2), ev('b', 'pass', 1, true)];
    const copy = structuredClone(slos);
    expect(scoreGate(slos, scoring, defaultFailOn)).toEqual(
      scoreGate(slos, scoring, defaultFailOn),
    );
    expect(slos).toEqual(copy);
  });
});
