import { SLI_NAMES, type SliName } from '../config/types.js';
import { readThreshold } from '../config/units.js';
import type { SloEvaluation } from '../data/stages.js';
import { formatSliValue } from '../measure/format.js';
import { round1 } from './text.js';

/** What a missed SLO asks of the service, which decides the kind of item that answers it. */
export type SloConcern = 'latency' | 'throughput' | 'errors';

export function concernOf(sli: string): SloConcern | null {
  if (sli.startsWith('latency.')) return 'latency';
  if (sli === 'throughput') return 'throughput';
  if (sli === 'error_rate' || sli === 'availability') return 'errors';
  return null;
}

export function isMissed(slo: SloEvaluation): boolean {
  return slo.status === 'fail' || slo.status === 'warning';
}

/** "SLO checkout-p95 fails: latency.p95 of checkout is 180 ms, target < 100ms". */
export function describeMiss(slo: SloEvaluation): string {
  const scope = slo.journey === undefined ? '' : ` of ${slo.journey}`;
  const observed = slo.observed === null ? 'unmeasured' : formatObserved(slo.sli, slo.observed);
  const verdict = slo.status === 'fail' ? 'fails' : 'is in warning';
  return `SLO ${slo.name} ${verdict}: ${slo.sli}${scope} is ${observed}, target ${slo.target}`;
}

/** "SLO checkout-p95 passes (latency.p95 of checkout < 100ms; now 180 ms)". */
export function passCriterion(slo: SloEvaluation): string {
  const scope = slo.journey === undefined ? '' : ` of ${slo.journey}`;
  const now = slo.observed === null ? '' : `; now ${formatObserved(slo.sli, slo.observed)}`;
  return `SLO ${slo.name} passes (${slo.sli}${scope} ${slo.target}${now})`;
}

export function formatObserved(sli: string, value: number): string {
  return isSliName(sli) ? formatSliValue(sli, value) : String(value);
}

/**
 * How much the SLI must improve to meet its target, percent of the observed value: the cut
 * in latency or in errors, or for throughput the latency cut that raises it enough (a closed
 * loop's throughput is connections / latency). Null when target or observation is unknown.
 */
export function neededCutPct(slo: SloEvaluation): number | null {
  const target = targetValue(slo);
  const observed = slo.observed;
  if (target === null || observed === null) return null;
  const cut = (from: number, to: number) =>
    from > to && from > 0 ? round1(((from - to) / from) * 100) : 0;
  switch (concernOf(slo.sli)) {
    case 'latency':
      return cut(observed, target);
    case 'throughput':
      return observed < target && target > 0 ? round1((1 - observed / target) * 100) : 0;
    case 'errors':
      // Availability counts the requests that succeed: what must fall is the rest.
      return slo.sli === 'availability' ? cut(1 - observed, 1 - target) : cut(observed, target);
    default:
      return null;
  }
}

function targetValue(slo: SloEvaluation): number | null {
  if (!isSliName(slo.sli)) return null;
  const parsed = readThreshold(slo.target, slo.sli);
  return parsed.ok ? parsed.value.value : null;
}

function isSliName(sli: string): sli is SliName {
  return (SLI_NAMES as readonly string[]).includes(sli);
}
