import type { SoakResult, SpikeResult, StressResult } from '../data/scenarios.js';
import type { BaselineData, CpuAnalysis, Hotspot, LoadTestData } from '../data/stages.js';
import { draftItem, p95Criterion, uniqueId, type DraftItem } from './draft.js';
import { amdahlGainPct, shareAfterCut, type CostCut } from './expected-gain.js';
import { findingId } from './finding-ids.js';
import { significantHotspots } from './hotspot-items.js';
import {
  MIN_HEADROOM,
  POOR_RPS_PER_VCPU,
  SLOW_RECOVERY_S,
  SPIKE_ERROR_RATE,
  type LoadTestFinding,
  type LoadTestFindingKind,
} from './load-test-findings.js';
import { testingApproach } from './testing.js';
import { ms, pct, round1, whereIs } from './text.js';

export interface LoadTestItemContext {
  loadTest: LoadTestData;
  cpu: CpuAnalysis | null;
  baseline: BaselineData | null;
}

type Build = (f: LoadTestFinding, ctx: LoadTestItemContext, ids: Set<string>) => DraftItem | null;

/** The hotspots a load-test item names: the few that hold most of the CPU time. */
const CITED_HOTSPOTS = 3;
/**
 * What a CPU-per-request item expects to take off the top functions' own cost. Modest on
 * purpose: the item does not know what each function does (its hotspot item, with the
 * category's rule, does), and a fifth to two fifths is what removing repeated work usually
 * gives without a redesign.
 */
const GENERIC_CPU_CUT: CostCut = { low: 0.2, high: 0.4 };
/** A gain is never claimed above this share of the latency. */
const MAX_GAIN_PCT = 90;

const rps = (value: number) => `${round1(value)} rps`;

/**
 * One plan item per load-test finding, each built from the scenario that found it. The
 * soak's memory leak has none here: the runtime items own memory, and their item cites it.
 */
export function loadTestItems(
  findings: readonly LoadTestFinding[],
  ctx: LoadTestItemContext,
  ids: Set<string>,
): DraftItem[] {
  const items: DraftItem[] = [];
  for (const f of findings) {
    const item = BUILDERS[f.kind]?.(f, ctx, ids) ?? null;
    if (item !== null) items.push(item);
  }
  return items;
}

const BUILDERS: Partial<Record<LoadTestFindingKind, Build>> = {
  'spike-errors': (f, ctx, ids) =>
    ctx.loadTest.spike ? spikeErrorsItem(f, ctx.loadTest.spike, ctx.loadTest.stress, ids) : null,
  // Without a level before the spike there is nothing to recover to: no recovery to speed up.
  'slow-recovery': (f, ctx, ids) =>
    ctx.loadTest.spike?.limits ? slowRecoveryItem(f, ctx.loadTest.spike, ids) : null,
  'low-breaking-point': (f, ctx, ids) => lowBreakingPointItem(f, ctx, ids),
  'poor-rps-per-vcpu': (f, ctx, ids) => poorRpsPerVcpuItem(f, ctx, ids),
  'soak-degrading': (f, ctx, ids) =>
    ctx.loadTest.soak ? soakDegradingItem(f, ctx.loadTest.soak, ids) : null,
};

// ---------------------------------------------------------------------------------------
// Spike: errors at the peak.

function spikeErrorsItem(
  f: LoadTestFinding,
  spike: SpikeResult,
  stress: StressResult | undefined,
  ids: Set<string>,
): DraftItem {
  const peakErrors = spike.peak.errorRate ?? 0;
  // Shedding removes the errors the spike adds, not those the service has anyway: the aim is
  // within the threshold of the rate before it. Errors do not show as latency: ROI counts
  // the cut in failed requests that aim needs.
  const aim = (spike.pre.errorRate ?? 0) + SPIKE_ERROR_RATE;
  const errorCut = Math.max(0, round1((1 - aim / peakErrors) * 100));
  const peakRate = peakRateOf(spike);
  const stalled = spike.overall.timeouts + spike.overall.transportErrors;
  const breakingPoint = stress?.lowerBound === false ? stress.breakingPointRps : null;
  const overCapacity = peakRate !== null && breakingPoint !== null && peakRate > breakingPoint;
  return draftItem(
    {
      id: uniqueId('load-test-spike-errors', ids),
      title: "Shed load at the spike's peak instead of failing",
      kind: 'errors',
      hypothesis:
        `At the spike's peak${peakRate === null ? '' : ` (${rps(peakRate)})`} ${pct(peakErrors)} of the requests failed: ` +
        `${spikeMechanism(spike)} Refusing the excess at once keeps the rest fast.`,
      evidence: [f.summary, ...f.evidence, failureMix(spike)],
      findings: [f.id],
      steps: [
        admissionStep(stress),
        "Give every downstream call (database, HTTP) a timeout shorter than the client's and a pool with a bounded wait (an acquire timeout), so a slow dependency fails one request fast instead of holding a connection for everyone",
        'Scale on a leading signal (requests in flight, event-loop delay) rather than mean CPU, which lags a spike by a scaling interval; keep enough headroom for the time a new instance takes to start',
        "Run perf-flow's spike scenario again and compare the peak's error rate and failures",
      ],
      expectedGain: {
        latencyPctLow: 0,
        latencyPctHigh: 0,
        rationale:
          `Shedding cuts failed requests, not latency: no latency gain is claimed. Bringing the peak error rate from ${pct(peakErrors)} to under ${pct(aim)} (the rate before the spike, plus ${pct(SPIKE_ERROR_RATE)}) is a ${errorCut}% cut in failed requests, which ROI counts.` +
          (overCapacity
            ? ` The peak (${rps(peakRate)}) is above the breaking point (${rps(breakingPoint)}): shedding turns slow failures into fast refusals, but under ${pct(SPIKE_ERROR_RATE)} also takes more capacity.`
            : ''),
      },
      effortDays: 2,
      risk: 'medium',
      successCriteria: [
        `peak error rate under ${pct(aim)} in the next spike scenario (now ${pct(peakErrors)})`,
        ...(stalled > 0
          ? [
              `no timeouts or dropped connections in the next spike scenario (now ${stalled}): what is refused is refused at once`,
            ]
          : []),
      ],
      testing: testingApproach(
        "a test holds the admission limit's worth of slow requests open and checks that the next request gets 503 with a Retry-After header at once, while requests under the limit still succeed",
        "the next spike scenario shows the peak's error rate and its timeouts",
        'medium',
      ),
      rollback:
        'Turn the admission limit off (a flag or a limit of Infinity): the service accepts all work as before; revert the timeouts and pool settings one by one',
    },
    errorCut,
  );
}

/** The highest rate of the spike's phases: the peak it was driven to. */
function peakRateOf(spike: SpikeResult): number | null {
  const phases = spike.load.phases ?? [];
  if (phases.length > 0) return Math.max(...phases.map((p) => p.rateRps));
  return spike.load.rateRps ?? null;
}

/** How the spike's failures read: what most of them were, when one kind dominates. */
function spikeMechanism(spike: SpikeResult): string {
  const o = spike.overall;
  if ((o.timeouts + o.transportErrors) * 2 > o.errors) {
    return 'most are timeouts or dropped connections: the service takes in more work than it can finish, requests queue until they time out, and the wait spreads to requests it could have served.';
  }
  if (o.serverErrors * 2 > o.errors) {
    return 'most are server errors: a pool or a dependency gives way under the burst instead of refusing it.';
  }
  return 'the service takes in more work than it can finish and fails part of it.';
}

function failureMix(spike: SpikeResult): string {
  const o = spike.overall;
  return `over the whole spike: ${o.errors} of ${o.requests} requests failed, ${o.serverErrors} server errors, ${o.timeouts} timeouts, ${o.transportErrors} transport errors`;
}

/**
 * Little's law sizes the limit: the requests in flight at the breaking point are its rate
 * times its mean latency, the most the service held while still meeting its SLOs.
 */
function admissionStep(stress: StressResult | undefined): string {
  const base =
    'Bound the work in flight: a concurrency limit (or a queue of bounded length) in front of the handlers, answering 503 with Retry-After at once past it instead of queueing';
  const held = stress?.steps.find((s) => s.rateRps === stress.breakingPointRps);
  if (stress?.lowerBound !== false || held === undefined || held.overall.latency.count === 0) {
    return `${base}; size it from a stress run`;
  }
  const inFlight = Math.max(1, Math.round((held.achievedRps * held.overall.latency.mean) / 1000));
  return `${base}; about ${inFlight} requests in flight per instance (Little's law: ${rps(held.achievedRps)} at the breaking point × ${ms(held.overall.latency.mean)} mean latency)`;
}

// ---------------------------------------------------------------------------------------
// Spike: slow recovery.

function slowRecoveryItem(f: LoadTestFinding, spike: SpikeResult, ids: Set<string>): DraftItem {
  const seconds = spike.recoverySeconds;
  // The spike is over but the service is not: ROI counts the cut in recovery time the
  // target needs (all of it when the service never recovered), as errors count theirs.
  const recoveryCut =
    seconds === null ? 100 : Math.max(0, round1(((seconds - SLOW_RECOVERY_S) / seconds) * 100));
  const now = seconds === null ? 'not recovered before the run ended' : `${seconds} s`;
  return draftItem(
    {
      id: uniqueId('load-test-slow-recovery', ids),
      title: `Recover from a spike within ${SLOW_RECOVERY_S} s (now ${now})`,
      kind: 'latency',
      hypothesis:
        `After the spike's peak the load fell back, yet the service stayed degraded (${now}): something built up at the peak outlives it. ` +
        'Usually a backlog draining only at the spare capacity, retries without backoff that repeat the spike, pools or circuit breakers slow to reopen, or caches cold after evictions.',
      evidence: [f.summary, ...f.evidence, afterPeak(spike)],
      findings: [f.id],
      steps: [
        "Read the spike's timeline after the peak: high latency without errors is a backlog draining, errors that persist are a pool or a dependency that has not come back, a slow decay is caches warming",
        'Bound the queues that fill at the peak (request queue, pool waits, job queues) and drop work whose client has given up (a closed socket, a deadline passed with the request), so little backlog outlives the peak',
        'Retry with exponential backoff, jitter and a retry budget (about a tenth of the traffic) in the service and its clients, so the spike is not replayed by its retries',
        'Let pools and breakers recover: validate connections on borrow, keep a minimum of idle connections, half-open circuit breakers after seconds rather than minutes',
        'Coalesce concurrent cache misses for one key (single-flight) so a cold cache does not send the whole load to the database',
        "Run perf-flow's spike scenario again and compare the recovery time",
      ],
      expectedGain: {
        latencyPctLow: 0,
        latencyPctHigh: 0,
        rationale: `Recovering faster shortens the degraded seconds after a spike; it does not move the steady-state latency, so no latency gain is claimed. ROI counts the cut in recovery time to ${SLOW_RECOVERY_S} s: ${recoveryCut}%${seconds === null ? ' (the service never recovered within the test)' : ` (from ${seconds} s)`}.`,
      },
      effortDays: 2,
      risk: 'medium',
      successCriteria: [
        `recovery within ${SLOW_RECOVERY_S} s of the peak's end in the next spike scenario (now ${now})`,
      ],
      testing: testingApproach(
        'a test makes a dependency fail and come back: retries spread out within the budget, and the service serves again once it is back, without a restart',
        'the next spike scenario shows the recovery time after the peak',
        'medium',
      ),
      rollback:
        'Revert the queue, retry and pool settings one by one: each is independent of the others',
    },
    recoveryCut,
  );
}

/** What the seconds after the peak looked like, until the recovery or the end of the run. */
function afterPeak(spike: SpikeResult): string {
  const end =
    spike.recoverySeconds === null ? Infinity : spike.peakEndSecond + spike.recoverySeconds;
  const seconds = spike.timeline.filter((p) => p.second >= spike.peakEndSecond && p.second < end);
  if (seconds.length === 0) return 'no seconds recorded after the peak';
  const worst = Math.max(...seconds.map((p) => p.p95));
  const errors = seconds.reduce((sum, p) => sum + p.errors, 0);
  const limit = spike.limits === null ? '' : ` (the limit is ${ms(spike.limits.p95Ms)})`;
  return `in the ${seconds.length} s after the peak before recovery: worst one-second p95 ${ms(worst)}${limit}, ${errors} errors`;
}

// ---------------------------------------------------------------------------------------
// Stress: a breaking point too near the peak.

function lowBreakingPointItem(
  f: LoadTestFinding,
  ctx: LoadTestItemContext,
  ids: Set<string>,
): DraftItem | null {
  const capacity = ctx.loadTest.capacity;
  // Broken at the first step: that step's rate is the most it holds (load-test-findings.ts).
  const breakingPoint = capacity?.breakingPointRps ?? ctx.loadTest.stress?.brokenAtRps ?? null;
  const peak = capacity?.peakRps ?? null;
  if (capacity === undefined || breakingPoint === null || breakingPoint <= 0 || peak === null) {
    return null;
  }
  const target = MIN_HEADROOM * peak;
  const headroom = breakingPoint / peak;
  // No latency gain to count: ROI counts the rise the breaking point needs, capped at doubling.
  const gap = Math.min(100, Math.max(0, round1(((target - breakingPoint) / breakingPoint) * 100)));
  const instances = Math.ceil(target / breakingPoint);
  const hotspots = citedHotspots(ctx.cpu);
  const stress = ctx.loadTest.stress;
  return draftItem(
    {
      id: uniqueId('load-test-low-breaking-point', ids),
      title: `Raise the breaking point from ${rps(breakingPoint)} to ${rps(target)} (${MIN_HEADROOM}× the peak)`,
      kind: 'throughput',
      hypothesis: `The service breaks ${capacity.breakingPointRps === null ? 'below' : 'at'} ${rps(breakingPoint)}, ${headroom.toFixed(2)}× the ${capacity.peakSource === 'config' ? 'expected peak' : "load test's rate"} of ${rps(peak)}: a spike or the loss of an instance takes it past the breaking point. ${breakCause(stress)}`,
      evidence: [
        f.summary,
        ...f.evidence,
        ...(stress?.service
          ? [
              `service CPU during the stress: mean ${round1(stress.service.cpuPercentMean)}%, max ${round1(stress.service.cpuPercentMax)}% (100% is one vCPU)`,
            ]
          : []),
        ...hotspots.map((h) => hotspotLine(h)),
      ],
      findings: [f.id, ...hotspots.map(findingId.hotspot)],
      steps: [
        ...(hotspots.length > 0
          ? [
              `Cut the CPU per request first (their CPU items): ${hotspots.map((h) => `${h.functionName} (${pct(h.selfShare)})`).join(', ')}; a cut c of the work per request raises a CPU-bound breaking point by 1/(1 − c) − 1`,
            ]
          : []),
        limitStep(stress),
        `Scale out: ${instances} instances at the measured ${rps(breakingPoint)} each carry ${rps(target)}; check that what they share (the database and its connection limit, a cache) takes ${instances}× the load`,
        "Run perf-flow's stress scenario again and compare the breaking point",
      ],
      expectedGain: {
        latencyPctLow: 0,
        latencyPctHigh: 0,
        capacityPct: gap,
        rationale: `A higher breaking point does not make a request faster below it, so no latency gain is claimed. ROI counts the headroom missing: the breaking point must rise by ${gap}% (from ${rps(breakingPoint)} to ${rps(target)}, ${MIN_HEADROOM}× the peak; capped at 100%).`,
      },
      effortDays: 3,
      risk: 'medium',
      successCriteria: [
        `breaking point at or above ${MIN_HEADROOM}× the peak, ${rps(target)}, in the next stress scenario (now ${rps(breakingPoint)}, ${headroom.toFixed(2)}×)`,
      ],
      testing: testingApproach(
        'the behaviour tests pass on every instance, and nothing relies on per-instance state (sessions, in-memory caches, rate limits) once there are several',
        'the next stress scenario shows the breaking point and what broke it',
        'medium',
      ),
      rollback: 'Scale back to the previous instance count and revert the limit changes one by one',
    },
    gap,
  );
}

function breakCause(stress: StressResult | undefined): string {
  const at = stress?.brokenAtRps == null ? 'Above it' : `At ${rps(stress.brokenAtRps)}`;
  switch (stress?.cause) {
    case 'slo':
      return `${at} ${stress.brokenSlos.map((s) => `"${s.name}"`).join(', ') || 'an SLO'} broke: latency rose before anything failed, a queue forming in front of a saturated resource (CPU, a pool, a lock).`;
    case 'errors':
      return `${at} requests began to fail: something refuses work under load (an exhausted pool, a connection limit, timeouts).`;
    case 'throughput':
      return `${at} the service served less than it was offered: it is saturated (CPU, a pool, one process doing all the work).`;
    default:
      return stress === undefined ? 'No stress result says what broke.' : stress.reason;
  }
}

function limitStep(stress: StressResult | undefined): string {
  switch (stress?.cause) {
    case 'slo':
      return 'Find what saturates at the breaking step: service CPU near 100% per process means CPU; waits for a pool connection or a lock mean that pool or lock; a high event-loop delay means synchronous work. Raise or remove that limit';
    case 'errors':
      return "Read the breaking step's failures in the service log: raise the limit that refuses work (pool size, connection limit, a downstream's rate limit) or move the work off the request path";
    case 'throughput':
      return 'Use every core: one Node process uses one; run a process per vCPU (cluster, or more replicas) and check pool sizes grow with them';
    default:
      return 'Find what limits the service at the breaking step (CPU, pools, locks) and raise that limit';
  }
}

// ---------------------------------------------------------------------------------------
// Capacity: heavy CPU per request.

function poorRpsPerVcpuItem(
  f: LoadTestFinding,
  ctx: LoadTestItemContext,
  ids: Set<string>,
): DraftItem | null {
  const perVcpu = ctx.loadTest.capacity?.rpsPerVcpu.value ?? null;
  if (perVcpu === null || perVcpu <= 0) return null;
  const cpuMs = 1000 / perVcpu;
  const hotspots = citedHotspots(ctx.cpu);
  // Each function's gain is bounded by its own share (Amdahl), so their sum is by the sum.
  const gains = hotspots.map((h) => amdahlGainPct(h.selfShare, GENERIC_CPU_CUT));
  const low = round1(gains.reduce((sum, g) => sum + g.low, 0));
  const high = round1(gains.reduce((sum, g) => sum + g.high, 0));
  const named = hotspots.map((h) => `${h.functionName} (${pct(h.selfShare)})`).join(', ');
  return draftItem({
    id: uniqueId('load-test-poor-rps-per-vcpu', ids),
    title: `Cut the CPU time per request (${ms(cpuMs)}, ${round1(perVcpu)} rps per vCPU)`,
    kind: 'cpu',
    hypothesis:
      `Each request costs ${ms(cpuMs)} of CPU time, ${round1(perVcpu)} requests per second per vCPU, where an API takes under ${ms(1000 / POOR_RPS_PER_VCPU)}: every instance serves fewer requests than it could, and the breaking point and the CPU bill follow. ` +
      (hotspots.length > 0
        ? `Most of it goes to ${named}.`
        : 'Where it goes is unknown: no function holds 5% or more of the CPU time in a profile.'),
    evidence: [
      f.summary,
      ...f.evidence,
      ...hotspots.map((h) => `${hotspotLine(h)}: about ${ms(h.selfShare * cpuMs)} of each request`),
    ],
    findings: [f.id, ...hotspots.map(findingId.hotspot)],
    steps: [
      ...(hotspots.length > 0
        ? hotspots.map(
            (h) =>
              `${h.functionName} (${whereIs(h)}): ${pct(h.selfShare)} of CPU time; its own plan item has the fix for its kind of work`,
          )
        : [
            'Profile the service under the load test (perf-flow profile-analysis) to see where the CPU time goes',
          ]),
      'Move work done on every request that could be done once to start-up: compiling schemas, templates and regular expressions, building clients, reading configuration',
      'Check the runtime: NODE_ENV=production, no debug logging or source-map translation on the hot path, a current Node version',
      'Run the load test again and compare the requests per second per vCPU',
    ],
    expectedGain: {
      latencyPctLow: low,
      latencyPctHigh: high,
      rationale:
        hotspots.length > 0
          ? `${named} hold ${pct(hotspots.reduce((sum, h) => sum + h.selfShare, 0))} of active CPU time; removing ${Math.round(GENERIC_CPU_CUT.low * 100)}-${Math.round(GENERIC_CPU_CUT.high * 100)}% of their own cost (repeated work done once, not a redesign) saves ${low}-${high}% of the CPU time per request by Amdahl's law, never more than their shares. It cuts latency only as far as the service is CPU-bound.`
          : 'No profile names where the CPU time goes, so no gain is claimed: profiling comes first.',
    },
    effortDays: hotspots.length > 1 ? 3 : 2,
    risk: 'medium',
    successCriteria: [
      // Without a profile no cut is predicted: the criterion is the finding's threshold.
      `at least ${round1(low > 0 ? perVcpu / (1 - low / 100) : POOR_RPS_PER_VCPU)} requests per second per vCPU in the next load test (now ${round1(perVcpu)}, ${ms(cpuMs)} of CPU per request)`,
      ...(low > 0 ? [p95Criterion(ctx.baseline, low)] : []),
      ...hotspots.map(
        (h) =>
          `${h.functionName} below ${pct(shareAfterCut(h.selfShare, GENERIC_CPU_CUT.low))} of active CPU time in the next profile (now ${pct(h.selfShare)})`,
      ),
    ],
    testing: testingApproach(
      'the responses of every journey are the same as before on recorded requests (a snapshot test)',
      "the next load test shows the requests per second per vCPU, and the next profile-analysis the functions' shares",
      'medium',
    ),
    rollback: "Revert the changes one by one: each function's change is independent",
  });
}

// ---------------------------------------------------------------------------------------
// Soak: getting worse over time.

function soakDegradingItem(f: LoadTestFinding, soak: SoakResult, ids: Set<string>): DraftItem {
  const p95Degrading = soak.p95Drift.verdict === 'degrading';
  const rateDegrading = soak.throughputDrift.verdict === 'degrading';
  const p95 = p95Degrading ? endpoints(soak.p95Drift) : null;
  const rate = rateDegrading ? endpoints(soak.throughputDrift) : null;
  // Removing the drift takes the p95 back to where the run started: at the end of the run
  // that is the whole rise (the high end), over the run on average half of it (the low end).
  const high = p95 === null ? 0 : capGain(((p95.end - p95.start) / p95.end) * 100);
  const low =
    p95 === null ? 0 : Math.min(high, capGain(((p95.end - p95.start) / 2 / p95.mean) * 100));
  const fall = rate === null ? 0 : capGain(((rate.start - rate.end) / rate.start) * 100);
  const leak = soak.memory.verdict === 'leak';
  return draftItem(
    {
      id: uniqueId('load-test-soak-degrading', ids),
      title: 'Find what grows over the soak and bound it',
      kind: 'latency',
      hypothesis:
        `At a steady load over ${round1(soak.load.durationMs / 60_000)} min the service got worse (${f.evidence.join('; ')}): something in it grows with time. ` +
        (leak ? 'The memory leak the soak also found is the first suspect; then ' : 'Usually ') +
        'an unbounded cache or map, a queue filling faster than it drains, connections opened and not reused, or heap fragmentation.',
      evidence: [
        f.summary,
        ...(p95 === null
          ? []
          : [`p95 from about ${ms(p95.start)} at the start to ${ms(p95.end)} at the end`]),
        ...(rate === null
          ? []
          : [
              `throughput from about ${rps(rate.start)} at the start to ${rps(rate.end)} at the end`,
            ]),
        `memory over the soak: ${soak.memory.verdict} (${soak.memory.reason})`,
      ],
      findings: [f.id],
      steps: [
        ...(leak
          ? ['Fix the memory leak first (its own item), then soak again: it may be the whole drift']
          : []),
        'Take heap snapshots early and late in a soak and compare them: the objects whose count grows with the run are what to bound',
        'Bound every in-process cache or map keyed by request data (an LRU with a maximum size and a TTL)',
        'Watch queue lengths and the event-loop delay over the run: a backlog that keeps growing means work arrives faster than it completes',
        'Reuse connections: keep-alive on outgoing HTTP agents, pooled database connections; sockets in TIME_WAIT growing with the run mean one connection per request',
        'If RSS grows while the heap does not: native memory or fragmentation (Buffers, a native module); compare external and arrayBuffers of process.memoryUsage() over the run',
        "Run perf-flow's soak scenario again and compare the drifts",
      ],
      expectedGain: {
        latencyPctLow: low,
        latencyPctHigh: high,
        rationale: soakRationale(p95Degrading, p95, low, high, fall),
      },
      effortDays: 3,
      risk: 'medium',
      successCriteria: [
        ...(p95Degrading
          ? [`p95 drift not degrading in the next soak scenario (now ${soak.p95Drift.reason})`]
          : []),
        ...(rateDegrading
          ? [
              `throughput drift not degrading in the next soak scenario (now ${soak.throughputDrift.reason})`,
            ]
          : []),
      ],
      testing: testingApproach(
        'a bounded cache filled past its maximum keeps its size and fetches evicted entries again; the service answers as before',
        'the next soak scenario shows the p95 and throughput drifts and the memory trend',
        'medium',
      ),
      rollback: 'Revert the bounds and connection settings: the service behaves as before',
    },
    // Throughput lost is what degrades when the p95 holds: ROI counts it then.
    p95 === null ? fall : (low + high) / 2,
  );
}

/** Where a linear drift starts and ends: the fit passes through the mean at mid-run. */
function endpoints(
  drift: SoakResult['p95Drift'],
): { start: number; end: number; mean: number } | null {
  if (drift.mean === null || drift.driftOverRun === null || drift.mean <= 0) return null;
  const half = drift.driftOverRun / 2;
  const start = drift.mean - half;
  const end = drift.mean + half;
  return start > 0 && end > 0 ? { start, end, mean: drift.mean } : null;
}

/** One decimal, rounded down: a gain is never claimed past what was measured. */
function capGain(value: number): number {
  return Math.min(MAX_GAIN_PCT, Math.max(0, Math.floor(value * 10 + 1e-9) / 10));
}

function soakRationale(
  p95Degrading: boolean,
  p95: { start: number; end: number } | null,
  low: number,
  high: number,
  fall: number,
): string {
  const throughput =
    fall > 0 ? ` Throughput fell ${fall}% over the run; ROI counts that when the p95 held.` : '';
  if (p95 === null) {
    const why = p95Degrading
      ? 'The p95 degraded, but its trend gives no start and end to bound a gain by'
      : 'The p95 held over the soak';
    return `${why}, so no latency gain is claimed.${throughput}`;
  }
  return `The p95 rose from about ${ms(p95.start)} to ${ms(p95.end)} over the soak. Bounding what grows takes it back to where the run started: ${high}% off the p95 at the run's end, ${low}% averaged over the run; a longer run would drift further, but no more is claimed than was measured.${throughput}`;
}

// ---------------------------------------------------------------------------------------

function citedHotspots(cpu: CpuAnalysis | null): Hotspot[] {
  return cpu === null ? [] : significantHotspots(cpu).slice(0, CITED_HOTSPOTS);
}

function hotspotLine(h: Hotspot): string {
  return `${h.functionName} (${whereIs(h)}) holds ${pct(h.selfShare)} of active CPU time under load`;
}
