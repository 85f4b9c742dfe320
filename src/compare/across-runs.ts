import type { RegressionCriterion, SliName } from '../config/types.js';
import type { Provenance, TimelinePoint } from '../data/common.js';
import { twoSampleShift } from '../measure/two-sample-shift.js';
import type { RegressionJudgement } from '../slo/regression.js';
import { criterionScale, judgeShift } from '../slo/regression.js';

/** An SLI's value in one second of a steady load's timeline; undefined when it has none. */
function perSecond(sli: SliName, point: TimelinePoint): number | undefined {
  if (point.requests === 0) return undefined;
  switch (sli) {
    case 'latency.p50':
      return point.p50;
    case 'latency.p95':
      return point.p95;
    case 'latency.p99':
      return point.p99;
    case 'throughput':
      return point.requests - point.errors;
    case 'error_rate':
      return point.errors / point.requests;
    default:
      // p90, max and availability are not kept per second.
      return undefined;
  }
}

/** A steady load's timeline, and where it ran. */
export interface StoredRun {
  timeline: readonly TimelinePoint[];
  provenance: Pick<Provenance, 'cpuModel' | 'cpuCount'>;
}

/** The SLI's value in each second of the run that has one. */
export function perSecondValues(sli: SliName, load: StoredRun): number[] {
  return load.timeline.map((p) => perSecond(sli, p)).filter((v): v is number => v !== undefined);
}

/** The hardware each run reports, to say whether the two ran on alike machines. */
export function machinesNote(base: StoredRun, head: StoredRun): string {
  const describe = (d: StoredRun) => `${d.provenance.cpuModel} × ${d.provenance.cpuCount}`;
  const [b, h] = [describe(base), describe(head)];
  const machines =
    b === h
      ? `both on ${b}, though not necessarily the same machine`
      : `the base on ${b}, the head on ${h}`;
  return (
    `Two runs at different times (${machines}): the interval covers how the seconds of each ` +
    'run vary, not how two runners differ, which on shared CI runners is often 5-20% by ' +
    'itself; only a change past the threshold with its whole interval counts as a regression. ' +
    'Compare base against head on one machine (base-ref) for a verdict that holds.'
  );
}

/**
 * Head against a stored base run (the default branch's latest, or a file): each criterion's
 * per-second values of the two steady loads as two samples (Mann-Whitney, Hodges-Lehmann),
 * judged strictly (judgeShift): the seconds of one run are not independent and the machines
 * differ, so only an interval wholly past the threshold is called a regression.
 */
export function compareAcrossRuns(
  criteria: readonly RegressionCriterion[],
  base: StoredRun,
  head: StoredRun,
  confidence: number,
): RegressionJudgement[] {
  const alpha = 1 - confidence;
  return criteria.map((criterion) => {
    const [b, h] = [perSecondValues(criterion.sli, base), perSecondValues(criterion.sli, head)];
    if (b.length < 2 || h.length < 2) {
      return {
        sli: criterion.sli,
        verdict: 'inconclusive',
        change: 0,
        low: -Infinity,
        high: Infinity,
        level: 0,
        pairs: Math.min(b.length, h.length),
        threshold: criterion.worse === 'higher' ? criterion.threshold : -criterion.threshold,
        reason: `${criterion.sli} is not kept per second of the timeline (or too few seconds): it cannot be compared across runs`,
      };
    }
    const scale = (v: number) => criterionScale(criterion, v);
    const shift = twoSampleShift(b.map(scale), h.map(scale), alpha);
    return judgeShift(criterion, shift, { alpha, final: true, strict: true })!;
  });
}
