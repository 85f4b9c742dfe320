import { SCENARIO_DEFAULTS } from '../config/scenarios.js';
import type {
  BaselineData,
  CpuAnalysis,
  DatabaseAnalysisData,
  Finding,
  JourneyResult,
  RuntimeSummary,
} from '../data/stages.js';
import { formatBytes } from '../measure/format.js';
import { IO_WAIT_UTILIZATION } from '../profile/diagnosis.js';
import { LEAK_DEFAULTS } from '../scenarios/memory-leak.js';
import { draftItem, p95Criterion, uniqueId, type DraftItem } from './draft.js';
import { amdahlGainPct, type CostCut } from './expected-gain.js';
import { findingId } from './finding-ids.js';
import type { LoadTestFinding } from './load-test-findings.js';
import { testingApproach } from './testing.js';
import { ms, pct, round1 } from './text.js';

export interface RuntimeContext {
  cpu: CpuAnalysis | null;
  baseline: BaselineData | null;
  database: DatabaseAnalysisData | null;
  /** The probe's runtime figures while the profile was taken (heap, GC); absent without it. */
  runtime?: RuntimeSummary | null;
}

/**
 * What ROI counts for a leak, percent: fixing one gains no latency, so ROI needs a basis of
 * its own (as errorItem counts the cut in failed requests). Confirmed by the soak (minutes
 * of growth), a leak ends in an out-of-memory crash: the requests in flight fail and the
 * instance is gone until it restarts. It counts as much as a substantial latency fix, a
 * fifth. The profile's few seconds alone show a trend that a cache still filling shows too:
 * a quarter of that until the soak confirms it.
 */
export const LEAK_ROI_BASIS_PCT = { confirmed: 20, trend: 5 };
/** Days: running the soak and comparing two heap snapshots; finding and bounding the holder. */
export const LEAK_EFFORT_DAYS = { trend: 1, confirmed: 2.5 };

/**
 * What the io-wait fixes take off the time a request waits: two equal independent calls run
 * together halve their wait (the upper end); a cache or a pool that stops queueing removes
 * one call among several, about a fifth (the lower end).
 */
export const IO_WAIT_CUT: CostCut = { low: 0.2, high: 0.5 };
/** Without per-journey figures, the share of the waiting the database is taken to hold. */
const UNKNOWN_DATABASE_PART = 0.5;

/**
 * Items for what the runtime showed that no CPU rule acts on: a heap that grows (the profile's
 * 'memory-growth', the soak's 'soak-leak': one item citing both) and requests that wait off
 * the CPU (the profile's 'io-wait').
 */
export function runtimeItems(
  diagnosis: readonly Finding[],
  loadTestFindings: readonly LoadTestFinding[],
  ctx: RuntimeContext,
  ids: Set<string>,
): DraftItem[] {
  const items: DraftItem[] = [];
  const growthIndex = diagnosis.findIndex((f) => f.kind === 'memory-growth');
  const soakLeak = loadTestFindings.find((f) => f.kind === 'soak-leak');
  if (growthIndex >= 0 || soakLeak !== undefined) {
    const growth =
      growthIndex >= 0 ? { index: growthIndex, finding: diagnosis[growthIndex]! } : null;
    items.push(memoryItem(growth, soakLeak ?? null, ctx, ids));
  }
  const waitIndex = diagnosis.findIndex((f) => f.kind === 'io-wait');
  if (waitIndex >= 0) items.push(ioWaitItem(waitIndex, diagnosis[waitIndex]!, ctx, ids));
  return items;
}

function memoryItem(
  growth: { index: number; finding: Finding } | null,
  soakLeak: LoadTestFinding | null,
  ctx: RuntimeContext,
  ids: Set<string>,
): DraftItem {
  const confirmed = soakLeak !== null;
  const basis = confirmed ? LEAK_ROI_BASIS_PCT.confirmed : LEAK_ROI_BASIS_PCT.trend;
  const effortDays = confirmed ? LEAK_EFFORT_DAYS.confirmed : LEAK_EFFORT_DAYS.trend;
  const threshold = `${formatBytes(SCENARIO_DEFAULTS.soak.leakThresholdBytes)} by default (scenarios.soak.leak-threshold), or ${pct(LEAK_DEFAULTS.growthFraction)} of the starting low when that is more`;
  const trendRate = ctx.runtime?.heapTrend?.bytesPerMinute ?? null;
  return draftItem(
    {
      id: uniqueId('memory-growth', ids),
      title: confirmed
        ? 'Find what the heap keeps and bound it'
        : 'Confirm the heap growth with the soak, then find what the heap keeps',
      kind: 'memory',
      hypothesis: confirmed
        ? 'The heap keeps something per request or per key that nothing removes: an unbounded cache, listeners added per request, closures or arrays holding request objects, timers never cleared. Bounded, memory would level off after the warm-up; unbounded, the process grows until it reaches its heap limit and dies of out-of-memory, and each major GC, which marks the whole live heap, takes longer on the way.'
        : "The heap's lows grew while the profile was taken: a leak (something per request or per key that nothing removes) or a cache still filling up to its bound. A soak of minutes tells them apart; if it is a leak, the process grows until it reaches its heap limit and dies of out-of-memory.",
      evidence: [
        ...(soakLeak ? [soakLeak.summary, ...soakLeak.evidence] : []),
        ...(growth ? [growth.finding.summary, ...growth.finding.evidence] : []),
        ...runtimeEvidence(ctx.runtime ?? null, trendRate),
      ],
      findings: [
        ...(growth ? [findingId.diagnosis(growth.index, growth.finding)] : []),
        ...(soakLeak ? [soakLeak.id] : []),
      ],
      steps: [
        ...(confirmed
          ? []
          : [
              `Run the soak scenario to confirm: perf-flow load-test --scenarios soak (${round1(SCENARIO_DEFAULTS.soak.durationMs / 60_000)} min at ${SCENARIO_DEFAULTS.soak.rateRps} rps by default, scenarios.soak in perf-flow.yml). Its memory verdict 'leak' confirms it; 'no-leak' means a cache that levels off: stop here`,
            ]),
        "Take two heap snapshots of the service under load a few minutes apart: start it with node --heapsnapshot-signal=SIGUSR2 and send kill -USR2 <pid> twice (or attach Chrome DevTools with node --inspect, Memory tab). A snapshot stops the process and needs about the heap's size again in memory: take them off production traffic, or on one instance out of rotation",
        "Load both in Chrome DevTools' Memory tab, select the second and pick the Comparison view against the first, sorted by Size Delta: the constructors whose count grows with the requests served are what the heap keeps, and the Retainers pane shows what holds them",
        'Check the usual holders: a Map, object or array used as a cache with no bound (replace it with lru-cache with max, and ttl if entries go stale); listeners added per request and never removed (emitter.on in a handler: a MaxListenersExceededWarning in the log is the sign); closures or module-level arrays holding request or response objects; setInterval or setTimeout started per request and never cleared',
        confirmed
          ? 'Bound or release what holds the memory, then run the soak scenario again (perf-flow load-test --scenarios soak)'
          : 'If the soak confirms the leak, bound or release what holds the memory (2-3 days more: the next plan, with the soak leak as its finding, carries the fix) and run the soak again',
      ],
      expectedGain: {
        latencyPctLow: 0,
        latencyPctHigh: 0,
        rationale:
          'No latency gain is claimed: a leak costs requests little until the heap is large. Bounding it prevents the out-of-memory crash and restart (the requests in flight fail, the instance is gone until it is back) and the GC time a growing heap costs (major GCs mark the whole live heap, so their pauses grow with it). ' +
          (confirmed
            ? `ROI counts ${basis}% instead, as much as a substantial latency fix: the soak confirmed the leak over minutes, so the crash is a matter of time at this traffic; ${effortDays} days to find and bound the holder.`
            : `ROI counts ${basis}% instead, a quarter of a confirmed leak's ${LEAK_ROI_BASIS_PCT.confirmed}%: the profile's few seconds show a trend that a cache still filling shows too; ${effortDays} day to confirm it with the soak and find the holder.`),
      },
      effortDays,
      risk: 'medium',
      successCriteria: [
        "the soak scenario's memory verdict is 'no-leak' in the next perf-flow load-test" +
          (confirmed ? ' (now: leak)' : ''),
        `the heap lows grow by less than the leak threshold over the soak: ${threshold}`,
        ...(growth
          ? [
              `no memory-growth finding in the next profile-analysis${trendRate === null ? '' : ` (now ${formatBytes(trendRate)} a minute)`}`,
            ]
          : []),
      ],
      testing: testingApproach(
        'the bounded cache returns what the unbounded one did for keys within its bound and evicts the least recently used past max (a test filling it beyond max); a request leaves no listener or timer behind (a test comparing emitter.listenerCount before and after a request)',
        "the next load-test with the soak scenario shows the memory verdict and the heap lows' growth",
        'medium',
      ),
      rollback:
        'Revert the bound (or raise max): memory grows as before and nothing else depends on it. Keep restarts on memory limits in place until a soak says no-leak.',
    },
    basis,
  );
}

function runtimeEvidence(runtime: RuntimeSummary | null, ratePerMinute: number | null): string[] {
  if (runtime === null) return [];
  const lines: string[] = [];
  const heap = runtime.heapUsedBytes;
  if (heap !== null) {
    lines.push(
      `heap used ${formatBytes(heap.first)} at the profile's first second, ${formatBytes(heap.last)} at its last (${runtime.seconds} s, runtime probe)`,
    );
  }
  if (ratePerMinute !== null && ratePerMinute > 0) {
    lines.push(
      `${formatBytes(ratePerMinute * 60 * 24)} more a day at this load, if the growth does not level off`,
    );
  }
  lines.push(
    `GC pauses: ${pct(runtime.gc.pauseShare)} of wall time, ${runtime.gc.pausesPerSecond.toFixed(1)} a second (runtime probe)`,
  );
  return lines;
}

function ioWaitItem(
  index: number,
  finding: Finding,
  ctx: RuntimeContext,
  ids: Set<string>,
): DraftItem {
  const measured = ctx.cpu?.utilization ?? null;
  // The finding holds only below the threshold: without the figure, its bound is the least
  // the service can have waited.
  const utilization = measured ?? IO_WAIT_UTILIZATION;
  const offCpu = 1 - utilization;
  const db = ctx.database;
  const dbCovered = db !== null && db.findings.length > 0;
  const dbPart = dbCovered ? databaseShare(db, ctx.baseline) : null;
  const rest = !dbCovered
    ? offCpu
    : dbPart === null
      ? offCpu * (1 - UNKNOWN_DATABASE_PART)
      : Math.max(0, offCpu - dbPart);
  const gain = amdahlGainPct(rest, IO_WAIT_CUT);
  const slowest = slowestJourney(ctx.baseline);
  const start =
    slowest === null
      ? 'Start with the slowest journey of the baseline (the highest p95): its requests wait the longest'
      : `Start with ${slowest.name} (${slowest.method} ${slowest.path}), the slowest journey: p95 ${ms(slowest.result.latency.p95)} in the baseline`;
  const offText = `${pct(offCpu)} of the time off the CPU (1 − ${measured === null ? `at most ${pct(IO_WAIT_UTILIZATION)} on CPU, the io-wait rule's threshold` : `${pct(measured)} on CPU`})`;
  const dbText = !dbCovered
    ? ''
    : dbPart === null
      ? ` The database items cover the database's share; the database analysis has no per-journey figures to size it, so half of the waiting is taken to be the database's, leaving ${pct(rest)}.`
      : ` The database items cover the database's share: its statements take ${pct(dbPart)} of a request's time (statements per request × their mean time, against the journeys' mean latency), leaving ${pct(rest)}.`;
  const evidence = [
    finding.summary,
    ...finding.evidence,
    ...(slowest === null
      ? []
      : [
          `slowest journey in the baseline: ${slowest.name}, p50 ${ms(slowest.result.latency.p50)}, p95 ${ms(slowest.result.latency.p95)}`,
        ]),
    ...(dbCovered
      ? [
          `database analysis: ${db.findings.length} finding(s), acted on by the database items` +
            (dbPart === null ? '' : `; statements take ${pct(dbPart)} of a request's time`),
        ]
      : []),
  ];
  const criteria = [
    gain.low > 0
      ? p95Criterion(ctx.baseline, gain.low)
      : 'overall p95 does not rise in the next baseline',
    // With one journey the overall p95 is its own: one criterion says it.
    ...(slowest !== null && gain.low > 0 && (ctx.baseline?.journeys.length ?? 0) > 1
      ? [
          `${slowest.name} p95 drops by at least ${round1(gain.low)}% in the next baseline (from ${ms(slowest.result.latency.p95)} to at most ${ms(slowest.result.latency.p95 * (1 - gain.low / 100))})`,
        ]
      : []),
    `every awaited call of ${slowest?.name ?? 'the slowest journey'} is timed, and the timings account for its p50`,
  ];
  return draftItem({
    id: uniqueId('io-wait', ids),
    title: `Find what ${slowest?.name ?? 'the slowest journey'} waits for off the CPU and cut it`,
    kind: 'latency',
    hypothesis: `The service spent ${offText} while requests were in flight: they wait on something a CPU profile does not show, a downstream call, the database, a timer, a lock or a pool with no free connection. Awaited calls that run one after another, or queue for a connection, add up their waits on every request.`,
    evidence,
    findings: [findingId.diagnosis(index, finding)],
    steps: [
      ...(dbCovered
        ? [
            "The database items above cover the database's share of the wait; this item goes after the rest: downstream HTTP calls, timers, locks and connection pools",
          ]
        : []),
      start,
      "Time each awaited call of one request: undici's diagnostics_channel events (undici:request:create to undici:request:headers) for fetch and other undici calls, a wrapper timing pool.query for pg, or OpenTelemetry's auto-instrumentations (@opentelemetry/auto-instrumentations-node) and the spans of a slow request. A gap between spans is a timer, a retry back-off or a lock",
      "Run independent calls concurrently: `await a(); await b();` where b does not need a's result becomes `await Promise.all([a(), b()])`",
      'Cache downstream responses that change less often than they are asked for (lru-cache with max and ttl), and let concurrent requests for the same key share one call in flight',
      'Set a timeout on every downstream call (AbortSignal.timeout(ms) for fetch, headersTimeout and bodyTimeout for undici, statement_timeout for pg): a slow dependency then costs a bounded wait, not the whole request',
      'Check pool sizes against the requests in flight: undici Agent or Pool connections per origin, http.Agent maxSockets, pg Pool max (10 by default). Requests beyond them queue for a connection, which the timings show as a wait before the call starts',
      'Measure again with perf-flow: the baseline for the p95, profile-analysis for the share on CPU (it rises as the waiting shrinks)',
    ],
    expectedGain: {
      latencyPctLow: gain.low,
      latencyPctHigh: gain.high,
      rationale: `The fixes can only take off the time spent waiting: ${offText} bounds it, a conservative bound (a request's own share off CPU is larger when several are in flight).${dbText} Running independent calls together halves the wait of two equal ones (the upper end, ${Math.round(IO_WAIT_CUT.high * 100)}%); a cache or a pool that stops queueing removes one call among several (the lower end, ${Math.round(IO_WAIT_CUT.low * 100)}%). Never more than the ${pct(rest)} off the CPU.`,
    },
    effortDays: 2,
    risk: 'medium',
    successCriteria: criteria,
    testing: testingApproach(
      'calls run concurrently give the same response as run in sequence, including when each of them fails in turn (a test per failing call: the client sees the same error); a call past its timeout fails the request with the error the API promises instead of hanging',
      `the next baseline shows the p95 of ${slowest?.name ?? 'each journey'} and overall, and the next profile-analysis the share on CPU`,
      'medium',
    ),
    rollback:
      'Revert the change: concurrency, cache and timeouts are independent, so each can be reverted alone (the cache behind a flag, turned off).',
  });
}

/** The journey with the highest p95 in the baseline; null without one. */
function slowestJourney(baseline: BaselineData | null): JourneyResult | null {
  let slowest: JourneyResult | null = null;
  for (const journey of baseline?.journeys ?? []) {
    if (journey.result.latency.count === 0) continue;
    if (slowest === null || journey.result.latency.p95 > slowest.result.latency.p95) {
      slowest = journey;
    }
  }
  return slowest;
}

/**
 * The database's share of a request's time: its statements per request × their mean time,
 * against the journey's mean latency in the baseline, over the journeys both measured,
 * weighted by the baseline's requests. Null when no journey has both.
 */
function databaseShare(db: DatabaseAnalysisData, baseline: BaselineData | null): number | null {
  let dbMs = 0;
  let latencyMs = 0;
  for (const use of db.journeys) {
    const measured = baseline?.journeys.find((j) => j.name === use.journey)?.result;
    if (measured === undefined || measured.latency.count === 0 || measured.latency.mean <= 0) {
      continue;
    }
    const perRequest = use.statements.reduce((sum, s) => sum + s.callsPerRequest * s.meanMs, 0);
    dbMs += measured.requests * perRequest;
    latencyMs += measured.requests * measured.latency.mean;
  }
  return latencyMs > 0 ? Math.min(1, dbMs / latencyMs) : null;
}
