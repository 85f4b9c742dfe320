import type { SliResult } from '../data/common.js';
import type { BaselineData, CpuAnalysis, SloEvaluation } from '../data/stages.js';
import { draftItem, uniqueId, type DraftItem } from './draft.js';
import { findingId } from './finding-ids.js';
import { concernOf, describeMiss, formatObserved, neededCutPct, passCriterion } from './slo-gap.js';
import { testingApproach } from './testing.js';
import { ms, pct, slug } from './text.js';

/** Effort of finding out where the time goes: a day with a profiler and timing logs. */
const INVESTIGATION_DAYS = 1;

/**
 * A latency or throughput SLO missed with no CPU item to answer it: the plan can only say
 * where to look. Its gain is what the fix must deliver to meet the target.
 */
export function investigationItem(
  slo: SloEvaluation,
  ctx: { cpu: CpuAnalysis | null; baseline: BaselineData | null },
  ids: Set<string>,
): DraftItem {
  const concern = concernOf(slo.sli) === 'throughput' ? 'throughput' : 'latency';
  const scope = slo.journey ?? 'all journeys';
  const cut = neededCutPct(slo);
  const measured = resultOf(ctx.baseline, slo.journey);
  const whereTimeGoes =
    ctx.cpu === null
      ? 'Profile the service under load (perf-flow profile-analysis) to see where CPU time goes'
      : `No function holds 5% or more of active CPU time and the service was idle ${pct(ctx.cpu.idleShare)} of the profiled time: look for time spent waiting rather than computing`;
  return draftItem({
    id: uniqueId(`slo-${slug(slo.name)}`, ids),
    title:
      concern === 'throughput'
        ? `Find what limits throughput of ${scope} (target ${slo.target})`
        : `Find where ${slo.sli} of ${scope} goes (target ${slo.target})`,
    kind: concern,
    hypothesis: `${slo.sli} of ${scope} misses ${slo.target} and no CPU hotspot explains it, so the time is likely spent waiting: on the database or downstream calls, in the event-loop queue, or in pauses.`,
    evidence: [
      describeMiss(slo),
      ...(measured === null ? [] : [resultLine(slo.journey ?? 'overall', measured)]),
      ctx.cpu === null
        ? 'no CPU profile: where the CPU time goes is unknown'
        : `CPU profile: no function at or above 5% of active CPU time, idle ${pct(ctx.cpu.idleShare)}`,
    ],
    findings: [findingId.slo(slo)],
    steps: [
      whereTimeGoes,
      `Time each downstream call (database queries, HTTP calls) of ${scope} and compare their sum with its p95`,
      'Measure event-loop delay under load (perf_hooks.monitorEventLoopDelay): a high p99 delay means requests queue behind synchronous work',
      'Compare p50 with p95 and p99: a wide gap points at queueing or occasional slow calls (pool exhaustion, GC pauses, cold caches), uniform slowness at the work itself',
    ],
    expectedGain: {
      latencyPctLow: cut ?? 0,
      latencyPctHigh: cut ?? 0,
      rationale:
        cut === null
          ? 'The gap to the target is unknown (no observation or an unreadable target); an investigation gains nothing by itself.'
          : `${concern === 'throughput' ? 'In a closed loop throughput is connections / latency: meeting the target takes' : 'Meeting the target takes'} a ${cut}% cut in latency. An investigation gains nothing by itself: this is what the fix it leads to must deliver.`,
    },
    effortDays: INVESTIGATION_DAYS,
    risk: 'low',
    successCriteria: [passCriterion(slo)],
    testing: testingApproach(
      'the investigation changes no code; the fix it leads to gets a plan item, and its test, of its own',
      `the next baseline shows ${slo.sli} of ${scope} against ${slo.target}`,
      'low',
    ),
    rollback:
      'Nothing to roll back: the investigation changes no code (remove any timing logs added for it)',
  });
}

/**
 * One item per journey (or overall) whose error rate or availability misses its SLO. Errors
 * do not show as latency, so ROI counts the cut in errors the target needs.
 */
export function errorItem(
  scope: string | undefined,
  misses: SloEvaluation[],
  baseline: BaselineData | null,
  ids: Set<string>,
): DraftItem {
  const name = scope ?? 'the service';
  const measured = resultOf(baseline, scope);
  const cut = Math.max(0, ...misses.map((slo) => neededCutPct(slo) ?? 0));
  return draftItem(
    {
      id: uniqueId(`errors-${slug(scope ?? 'overall')}`, ids),
      title: `Fix the errors of ${name} under load`,
      kind: 'errors',
      hypothesis:
        measured === null
          ? `Requests to ${name} fail under load; without a baseline the status codes are unknown.`
          : `${pct(measured.errorRate)} of the requests to ${name} fail under load (${statusSummary(measured)}): ${errorCause(measured)}.`,
      evidence: [
        ...misses.map(describeMiss),
        measured === null
          ? 'no baseline: status codes unknown'
          : `${scope ?? 'overall'}: ${measured.errors} of ${measured.requests} requests failed; status codes ${statusSummary(measured)}; ${measured.timeouts} timeouts, ${measured.transportErrors} transport errors`,
      ],
      findings: misses.map(findingId.slo),
      steps: errorSteps(scope, measured),
      expectedGain: {
        latencyPctLow: 0,
        latencyPctHigh: 0,
        rationale: `Fixing errors cuts errors, not latency. Meeting the target takes a ${cut}% cut in failed requests, which is what ROI counts.`,
      },
      effortDays: 1,
      risk: 'low',
      successCriteria: misses.map(passCriterion),
      testing: testingApproach(
        `a test sends ${name} the requests that failed under load (the status codes above) and gets the answers the API promises`,
        `the next baseline shows the error rate of ${name} under the same load`,
        'low',
      ),
      rollback: 'Revert the fix; error handling changes are independent of the rest of the plan',
    },
    cut,
  );
}

function errorSteps(journey: string | undefined, measured: SliResult | null): string[] {
  const codes = measured === null ? [] : Object.keys(measured.statusCodes).map(Number);
  const which = journey === undefined ? 'each journey' : `the ${journey} journey`;
  const steps = [`Send the request of ${which} by hand and read the service's log for the failure`];
  if (measured === null || codes.some((code) => code >= 500)) {
    steps.push(
      'For 5xx: find the exception or the failed dependency in the service log and fix the handler; check pool and connection limits that only bite under load',
    );
  }
  if (codes.includes(429)) {
    steps.push(
      'For 429: the service or a proxy rate-limits the load: raise the limit for the test or lower the load rate',
    );
  }
  if (codes.some((code) => code >= 400 && code < 500 && code !== 429)) {
    steps.push(
      "For 4xx: check the journey's method, path, headers and body in perf-flow.yml: the load may be sending a request the service rejects",
    );
  }
  if (measured !== null && (measured.timeouts > 0 || measured.transportErrors > 0)) {
    steps.push(
      'For timeouts and transport errors: the service drops or stalls connections under load: check its connection limit, keep-alive timeout and listen backlog, and whether it crashed',
    );
  }
  return steps;
}

function errorCause(measured: SliResult): string {
  if (measured.errors === 0) return 'yet the baseline saw none, so they come and go between runs';
  if (measured.timeouts + measured.transportErrors > measured.errors / 2) {
    return 'most failures are timeouts or dropped connections, a sign of overload';
  }
  return measured.serverErrors > measured.errors / 2
    ? 'most failures are server errors, a bug or a dependency failing under load'
    : 'most failures are client errors, likely a request the service rejects';
}

function statusSummary(result: SliResult): string {
  const failing = Object.entries(result.statusCodes)
    .filter(([code]) => Number(code) >= 400)
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
  return failing.length === 0
    ? 'none >= 400'
    : failing.map(([code, n]) => `${code} × ${n}`).join(', ');
}

function resultOf(baseline: BaselineData | null, journey: string | undefined): SliResult | null {
  if (baseline === null) return null;
  if (journey === undefined) return baseline.overall;
  return baseline.journeys.find((j) => j.name === journey)?.result ?? null;
}

function resultLine(name: string, result: SliResult): string {
  const { p50, p95, p99 } = result.latency;
  return `baseline ${name}: p50 ${ms(p50)}, p95 ${ms(p95)}, p99 ${ms(p99)} at ${formatObserved('throughput', result.throughputRps)}`;
}
