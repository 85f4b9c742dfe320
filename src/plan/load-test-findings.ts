import type { LoadTestData } from '../data/stages.js';
import { formatBytes } from '../measure/format.js';
import { findingId } from './finding-ids.js';
import { ms, pct, round1 } from './text.js';

export type LoadTestFindingKind =
  | 'spike-errors'
  | 'slow-recovery'
  | 'low-breaking-point'
  | 'poor-rps-per-vcpu'
  | 'soak-leak'
  | 'soak-degrading';

/** What the load test's scenarios showed that a plan item can act on. */
export interface LoadTestFinding {
  id: string;
  kind: LoadTestFindingKind;
  summary: string;
  evidence: string[];
}

/** A spike whose peak fails this share of its requests or more, above the rate before it, is an error burst. */
export const SPIKE_ERROR_RATE = 0.01;
/** Recovering takes longer than this after a spike: the service stays degraded. */
export const SLOW_RECOVERY_S = 10;
/** Less headroom than this between the peak and the breaking point is too little. */
export const MIN_HEADROOM = 2;
/** Fewer requests per vCPU than this is over 10 ms of CPU time a request: heavy for an API. */
export const POOR_RPS_PER_VCPU = 100;

/**
 * The load test's findings: error bursts and slow recovery under the spike, a breaking point
 * too near the peak, heavy CPU per request, and a leak or a degradation over the soak.
 */
export function loadTestFindings(loadTest: LoadTestData): LoadTestFinding[] {
  const found: LoadTestFinding[] = [];
  const add = (kind: LoadTestFindingKind, summary: string, evidence: string[]) =>
    found.push({ id: findingId.loadTest(kind), kind, summary, evidence });

  const { spike, capacity, soak } = loadTest;
  if (spike !== undefined) {
    const peakErrors = spike.peak.errorRate;
    // Errors the service has anyway are the error items' (SLO misses), not the spike's.
    const added = peakErrors === null ? null : peakErrors - (spike.pre.errorRate ?? 0);
    if (peakErrors !== null && added !== null && added >= SPIKE_ERROR_RATE) {
      add(
        'spike-errors',
        `Under the spike, ${pct(peakErrors)} of the requests failed at the peak (${spike.pre.errorRate === null ? 'no figure' : pct(spike.pre.errorRate)} before it)`,
        [
          `spike: ${spike.load.phases?.map((p) => `${round1(p.rateRps)} rps`).join(' → ') ?? 'phases unknown'}`,
          `error rate ${spike.pre.errorRate === null ? 'unknown' : pct(spike.pre.errorRate)} before the peak, ${pct(peakErrors)} at it`,
          `peak p95 ${spike.peak.p95Ms === null ? 'unknown' : ms(spike.peak.p95Ms)}, before it ${spike.pre.p95Ms === null ? 'unknown' : ms(spike.pre.p95Ms)}`,
        ],
      );
    }
    // Without limits (no requests before the spike) recovery could not be judged.
    const slow = spike.recoverySeconds === null || spike.recoverySeconds > SLOW_RECOVERY_S;
    if (spike.limits !== null && slow) {
      add(
        'slow-recovery',
        spike.recoverySeconds === null
          ? 'After the spike the service did not recover within the test'
          : `After the spike the service took ${spike.recoverySeconds} s to recover`,
        [spike.reason],
      );
    }
  }
  // Broken at the first step, the service holds less than that step's rate: an upper bound.
  const holds = capacity?.breakingPointRps ?? loadTest.stress?.brokenAtRps ?? null;
  if (
    capacity !== undefined &&
    holds !== null &&
    !capacity.breakingPointIsLowerBound &&
    capacity.peakRps !== null &&
    capacity.peakRps > 0
  ) {
    const headroom = holds / capacity.peakRps;
    if (headroom < MIN_HEADROOM) {
      const at = capacity.breakingPointRps === null ? 'below' : 'at';
      add(
        'low-breaking-point',
        `The service breaks ${at} ${round1(holds)} rps, ${headroom.toFixed(2)}× the peak of ${round1(capacity.peakRps)} rps (${capacity.peakSource}): less than the ${MIN_HEADROOM}× a spike or a lost instance needs`,
        [
          ...(loadTest.stress === undefined ? [] : [loadTest.stress.reason]),
          `peak ${round1(capacity.peakRps)} rps from the ${capacity.peakSource}`,
        ],
      );
    }
  }
  const perVcpu = capacity?.rpsPerVcpu.value ?? null;
  if (perVcpu !== null && perVcpu > 0 && perVcpu < POOR_RPS_PER_VCPU) {
    add(
      'poor-rps-per-vcpu',
      `Each request costs ${ms(1000 / perVcpu)} of CPU time: ${round1(perVcpu)} requests per second per vCPU`,
      [`${round1(perVcpu)} requests per second per vCPU in the steady load`],
    );
  }
  if (soak !== undefined) {
    const memory = soak.memory;
    if (memory.verdict === 'leak') {
      add(
        'soak-leak',
        `Memory grew through the soak${memory.bytesPerMinute === null ? '' : ` by ${formatBytes(memory.bytesPerMinute)} a minute`} (${memory.source}): ${memory.source === 'heap-after-gc' ? 'a leak' : 'a leak, unless garbage waiting for a major collection raised the lows'}`,
        [memory.reason],
      );
    }
    const degrading = [soak.p95Drift, soak.throughputDrift].filter(
      (d) => d.verdict === 'degrading',
    );
    if (degrading.length > 0) {
      add(
        'soak-degrading',
        `The service degraded over the soak: ${degrading.map((d) => d.reason).join('; ')}`,
        degrading.map((d) => d.reason),
      );
    }
  }
  return found;
}
