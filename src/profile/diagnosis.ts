import type { AllocationAnalysis, CpuAnalysis, Finding, RuntimeSummary } from '../data/stages.js';
import { formatBytes, formatMs, formatPct } from '../measure/format.js';
import { BLOCKING_THRESHOLD_MS, type BlockingCall } from './blocking.js';
import { locateSource } from './source-location.js';

/** On CPU at least this share of the load's wall time: the CPU is what requests wait for. */
export const CPU_BOUND_UTILIZATION = 0.8;
/** On CPU under this share while requests were in flight: they wait on something else. */
export const IO_WAIT_UTILIZATION = 0.5;
/** GC at or above this share of CPU time (profile) or of wall time in pauses (probe). */
export const GC_CPU_SHARE = 0.1;
export const GC_PAUSE_SHARE = 0.05;

export interface DiagnosisInput {
  cpu: CpuAnalysis | null;
  runtime: RuntimeSummary | null;
  /** Who allocates, to name in a GC-pressure finding. */
  allocations?: AllocationAnalysis | null;
  blocking: readonly BlockingCall[];
  repoRoot: string;
  /** Requests kept in flight by the load (closed loop: its connections); unknown: undefined. */
  concurrency?: number;
}

/**
 * What the profile and the runtime figures say about where the time goes, strongest first;
 * `nothing-found` when none of the rules holds. Each finding carries the figures it rests on,
 * and its confidence says how many independent measurements agree.
 */
export function diagnose(input: DiagnosisInput): Finding[] {
  const findings = [
    eventLoopBlocking(input),
    cpuBound(input),
    gcPressure(input),
    ioWait(input),
    memoryGrowth(input),
  ].filter((f): f is Finding => f !== null);
  const rank = { high: 0, medium: 1, low: 2 };
  findings.sort((a, b) => rank[a.confidence] - rank[b.confidence]);
  if (findings.length > 0) return findings;
  return [
    {
      kind: 'nothing-found',
      confidence: input.cpu === null ? 'low' : 'medium',
      summary:
        input.cpu === null
          ? 'Without a CPU profile perf-flow cannot say where the time goes.'
          : 'No rule found a bottleneck: the service neither saturated the CPU nor waited much, and the runtime showed no blocking, GC or memory trouble.',
      evidence: [
        ...(input.cpu?.utilization != null
          ? [`on CPU ${formatPct(input.cpu.utilization)} of the load's wall time`]
          : []),
      ],
      functions: [],
    },
  ];
}

function eventLoopBlocking({ blocking, runtime, repoRoot }: DiagnosisInput): Finding | null {
  const delay = runtime?.eventLoopDelayMs;
  const delayed =
    (delay?.p99 ?? 0) >= BLOCKING_THRESHOLD_MS || (delay?.max ?? 0) >= 2 * BLOCKING_THRESHOLD_MS;
  if (blocking.length === 0 && !delayed) return null;
  // The loop's own delay is the ground truth when the probe measured it: under heavy load a
  // sampled profile can show one call path on the stack for 50 ms of back-to-back callbacks.
  if (runtime && !delayed) return null;
  const evidence: string[] = [];
  for (const call of blocking.slice(0, 3)) {
    evidence.push(
      `${call.frame.name || '(anonymous)'} held the thread for ${formatMs(call.longestMs)} at a stretch ` +
        `(${call.count} stretch${call.count === 1 ? '' : 'es'} of ${BLOCKING_THRESHOLD_MS} ms or more, ${formatMs(call.totalMs)} in all)`,
    );
  }
  if (delay && (delay.p99 !== null || delay.max !== null)) {
    evidence.push(
      `event-loop delay: worst second's p99 ${delay.p99 === null ? '–' : formatMs(delay.p99)}, max ${delay.max === null ? '–' : formatMs(delay.max)} (runtime probe)`,
    );
  }
  const named = blocking.length > 0;
  return {
    kind: 'event-loop-blocking',
    // Two measurements agree (the profile's stretches and the loop's own delay): high.
    confidence: named && delayed ? 'high' : 'medium',
    summary: named
      ? `Synchronous work blocks the event loop: ${blocking[0]!.frame.name || '(anonymous)'} runs for up to ${formatMs(blocking[0]!.longestMs)} without yielding, and every request in flight waits for it.`
      : 'The event loop is delayed by long synchronous work, but the profile has no stretch long enough to name the function.',
    evidence,
    functions: blocking.slice(0, 5).map((call) => ({
      functionName: call.frame.name || '(anonymous)',
      file: locateSource(call.frame.file, repoRoot).file,
      line: call.frame.line > 0 ? call.frame.line : null,
      figure: `up to ${formatMs(call.longestMs)} at a stretch`,
    })),
  };
}

function cpuBound({ cpu }: DiagnosisInput): Finding | null {
  const utilization = cpu?.utilization;
  if (cpu === null || utilization == null || utilization < CPU_BOUND_UTILIZATION) return null;
  const top = cpu.topSelf.slice(0, 3);
  return {
    kind: 'cpu-bound',
    confidence: utilization >= 0.9 ? 'high' : 'medium',
    summary:
      `The service is CPU-bound: it was on CPU ${formatPct(utilization)} of the time under load, so requests queue for the CPU` +
      (top[0]
        ? `, and ${top[0].functionName} alone takes ${formatPct(top[0].selfShare)} of it.`
        : '.'),
    evidence: [
      `on CPU ${formatPct(utilization)} of the load's wall time (per process)`,
      ...top.map(
        (h) =>
          `${h.functionName} (${h.file ?? 'native'}${h.line === null ? '' : `:${h.line}`}): ${formatPct(h.selfShare)} self, ${formatPct(h.totalShare)} with callees`,
      ),
    ],
    functions: top.map((h) => ({
      functionName: h.functionName,
      file: h.file,
      line: h.line,
      figure: `${formatPct(h.selfShare)} of CPU time`,
    })),
  };
}

function gcPressure({ cpu, runtime, allocations }: DiagnosisInput): Finding | null {
  const cpuShare = cpu?.gcShare ?? 0;
  const pauseShare = runtime?.gc.pauseShare ?? 0;
  const byProfile = cpuShare >= GC_CPU_SHARE;
  const byProbe = pauseShare >= GC_PAUSE_SHARE;
  if (!byProfile && !byProbe) return null;
  const evidence = [`garbage collection: ${formatPct(cpuShare)} of CPU time (profile)`];
  if (runtime) {
    const pauses = runtime.gc.pauseMs;
    evidence.push(
      `GC pauses: ${formatPct(pauseShare)} of wall time, ${runtime.gc.pausesPerSecond.toFixed(1)} a second` +
        (pauses
          ? `, p50 ${formatMs(pauses.p50)}, p99 ${formatMs(pauses.p99)}, max ${formatMs(pauses.max)}`
          : '') +
        ' (runtime probe)',
    );
  }
  const allocators = (allocations?.top ?? []).slice(0, 3);
  for (const a of allocators) {
    evidence.push(
      `${a.functionName} (${a.file ?? 'native'}${a.line === null ? '' : `:${a.line}`}) allocates ${formatPct(a.share)} of the sampled bytes`,
    );
  }
  return {
    kind: 'gc-pressure',
    confidence: byProfile && byProbe ? 'high' : 'medium',
    summary:
      `Garbage collection takes ${formatPct(Math.max(cpuShare, pauseShare))} of the time: requests allocate enough to keep the collector busy, and its pauses stop every request in flight` +
      (allocators[0]
        ? `; ${allocators[0].functionName} allocates the most (${formatPct(allocators[0].share)}).`
        : '.'),
    evidence,
    functions: allocators.map((a) => ({
      functionName: a.functionName,
      file: a.file,
      line: a.line,
      figure: `${formatPct(a.share)} of allocated bytes`,
    })),
  };
}

function ioWait({ cpu, concurrency }: DiagnosisInput): Finding | null {
  const utilization = cpu?.utilization;
  if (utilization == null || utilization >= IO_WAIT_UTILIZATION) return null;
  if (concurrency === undefined || concurrency < 1) return null;
  return {
    kind: 'io-wait',
    confidence: utilization < 0.2 ? 'high' : 'medium',
    summary: `Requests wait off the CPU: with ${concurrency} request${concurrency === 1 ? '' : 's'} kept in flight the service was on CPU only ${formatPct(utilization)} of the time, so their time goes to I/O, a database, a downstream call, a timer or a lock, which a CPU profile does not show.`,
    evidence: [
      `on CPU ${formatPct(utilization)} of the load's wall time`,
      `${concurrency} requests in flight throughout (closed loop)`,
    ],
    functions: [],
  };
}

function memoryGrowth({ runtime }: DiagnosisInput): Finding | null {
  const trend = runtime?.heapTrend;
  if (!trend || trend.verdict !== 'leak' || trend.bytesPerMinute === null) return null;
  return {
    kind: 'memory-growth',
    // A profile's few seconds show a trend, not a leak: the soak scenario can tell.
    confidence: 'low',
    summary: `The heap's lows after garbage collection grew by ${formatBytes(trend.bytesPerMinute)} a minute while the profile was taken: a leak, or a cache still filling. The soak scenario can tell which.`,
    evidence: [trend.reason],
    functions: [],
  };
}
