import type { RegressionResult } from '../data/regression.js';
import type { SloEvaluation } from '../data/stages.js';
import { RELATIVE_SUFFIX, formatSignedChange } from '../measure/format.js';

const STATUS = {
  regressed: 'fail',
  unchanged: 'pass',
  improved: 'pass',
  inconclusive: 'inconclusive',
} as const;

/**
 * The base-against-head verdicts as SLOs the gate scores: one per criterion, relative to the
 * base ("latency.p95 vs base <= +10%"), each a key SLO, since a regression past its threshold
 * fails the merge whatever the other SLOs score, and an undecided one leaves the gate
 * inconclusive rather than passing it silently.
 */
export function relativeSlos(result: RegressionResult): SloEvaluation[] {
  const base = result.baseRef;
  return result.judgements.map((j) => {
    const criterion = result.criteria.find((c) => c.sli === j.sli);
    const scale = criterion?.scale ?? 'ratio';
    const op = j.threshold >= 0 ? '<=' : '>=';
    const target = `${op} ${formatSignedChange(j.threshold, scale)}`;
    return {
      name: `${j.sli} against ${base} ${target}`,
      sli: `${j.sli}${RELATIVE_SUFFIX}`,
      target,
      observed: j.change,
      status: STATUS[j.verdict],
      score: STATUS[j.verdict] === 'pass' ? 1 : 0,
      weight: 1,
      key: true,
      samples: j.pairs,
      reason: j.reason,
      budget: null,
    };
  });
}

/** The base was asked for and could not be compared: one key SLO that cannot be judged. */
export function uncomparedSlo(problem: string): SloEvaluation {
  return {
    name: 'regression against the base',
    sli: `regression${RELATIVE_SUFFIX}`,
    target: 'compared',
    observed: null,
    status: 'inconclusive',
    score: 0,
    weight: 1,
    key: true,
    samples: 0,
    reason: `not compared: ${problem}`,
    budget: null,
  };
}
