import type { ScoringConfig, Verdict } from '../config/types.js';
import type { SloEvaluation } from '../data/stages.js';
import { formatPct as pct } from '../measure/format.js';

export interface GateOutcome {
  verdict: Verdict;
  /** Weighted score (0..1) over the SLOs that could be judged; null when there is none. */
  score: number | null;
  /** Whether the verdict is one of `failOn`: the job fails. */
  failed: boolean;
  /** Sentences for the report, the deciding ones first. */
  reasons: string[];
}

// Thresholds parsed from percentages (99.9 / 100 is 0.9990000000000001) sit a hair off.
const EPSILON = 1e-9;

/**
 * The gate's verdict from the SLO evaluations. A failed key SLO fails the gate; otherwise the
 * weighted score (pass 1, warning 0.5, fail 0) over the judged SLOs meets `scoring.pass` for
 * PASS or `scoring.partial` for PARTIAL, else FAIL. Missing data never passes silently: no
 * SLOs, a key SLO not judged, nothing judged, or any SLO not judged where the verdict would
 * otherwise not fail, all give INCONCLUSIVE.
 */
export function scoreGate(
  evaluations: SloEvaluation[],
  scoring: ScoringConfig,
  failOn: Verdict[],
): GateOutcome {
  const judged = evaluations.filter((e) => e.status !== 'inconclusive');
  const unjudged = evaluations.filter((e) => e.status === 'inconclusive');
  const totalWeight = judged.reduce((sum, e) => sum + e.weight, 0);
  const weighted = judged.reduce((sum, e) => sum + e.weight * e.score, 0);
  // Rounded to nine decimals so a stored score reads 0.75, not 0.7499999999999999.
  const score = totalWeight > 0 ? Math.round((weighted / totalWeight) * 1e9) / 1e9 : null;
  const over = `over ${judged.length} of ${evaluations.length} ${plural(evaluations.length, 'SLOs')}`;

  const reasons: string[] = [];
  const mentioned = new Set<SloEvaluation>();
  const say = (e: SloEvaluation, sentence: string) => {
    reasons.push(sentence);
    mentioned.add(e);
  };

  const keyFailed = evaluations.filter((e) => e.key && e.status === 'fail');
  const keyUnjudged = unjudged.filter((e) => e.key);
  let verdict: Verdict;

  if (evaluations.length === 0) {
    verdict = 'INCONCLUSIVE';
    reasons.push('No SLOs are defined: there is nothing to judge.');
  } else if (keyFailed.length > 0) {
    verdict = 'FAIL';
    for (const e of keyFailed) say(e, `Key SLO "${e.name}" failed: ${e.reason}.`);
    if (score !== null) {
      reasons.push(`Weighted score ${pct(score)} ${over}, but a failed key SLO fails the gate.`);
    }
  } else if (keyUnjudged.length > 0) {
    verdict = 'INCONCLUSIVE';
    for (const e of keyUnjudged) say(e, `Key SLO "${e.name}" could not be judged: ${e.reason}.`);
  } else if (judged.length === 0) {
    verdict = 'INCONCLUSIVE';
    reasons.push(
      evaluations.length === 1
        ? 'The only SLO could not be judged.'
        : `None of the ${evaluations.length} SLOs could be judged.`,
    );
  } else if (score === null) {
    verdict = 'INCONCLUSIVE';
    reasons.push(
      `The ${judged.length} judged ${plural(judged.length, 'SLOs')} all have weight 0: ` +
        'there is no score to compare with the thresholds.',
    );
  } else {
    const byScore: Verdict =
      score >= scoring.pass - EPSILON
        ? 'PASS'
        : score >= scoring.partial - EPSILON
          ? 'PARTIAL'
          : 'FAIL';
    const head = `Weighted score ${pct(score)} ${over}`;
    reasons.push(
      byScore === 'PASS'
        ? `${head} is at or above pass ${pct(scoring.pass)}.`
        : byScore === 'PARTIAL'
          ? `${head} is below pass ${pct(scoring.pass)} but at or above partial ${pct(scoring.partial)}.`
          : `${head} is below partial ${pct(scoring.partial)}.`,
    );
    // PARTIAL counts here too: with the default fail-on it lets the job pass.
    if (byScore !== 'FAIL' && unjudged.length > 0) {
      verdict = 'INCONCLUSIVE';
      reasons.push(
        `The score alone gives ${byScore}, but ${unjudged.length} ${plural(unjudged.length, 'SLOs')} ` +
          'could not be judged, and a gate never passes on missing data.',
      );
    } else {
      verdict = byScore;
    }
  }

  for (const e of evaluations) {
    if (mentioned.has(e)) continue;
    if (e.status === 'fail') say(e, `SLO "${e.name}" failed: ${e.reason}.`);
    else if (e.status === 'warning') say(e, `SLO "${e.name}" is at warning: ${e.reason}.`);
    else if (e.status === 'inconclusive')
      say(e, `SLO "${e.name}" could not be judged: ${e.reason}.`);
  }

  const failed = failOn.includes(verdict);
  reasons.push(
    failOn.length === 0
      ? 'fail-on is empty: the gate passes whatever the verdict.'
      : failed
        ? `${verdict} is listed in fail-on (${failOn.join(', ')}): the gate fails.`
        : `${verdict} is not listed in fail-on (${failOn.join(', ')}): the gate passes.`,
  );

  return { verdict, score, failed, reasons };
}

function plural(n: number, noun: string): string {
  return n === 1 ? noun.replace(/s$/, '') : noun;
}
