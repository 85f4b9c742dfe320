import type { EventLoopUtilization } from 'node:perf_hooks';
import { performance } from 'node:perf_hooks';
import type { GeneratorHealth } from '../data/common.js';
import type { LatencyHistogram } from '../measure/histogram.js';
import { latencyStats } from '../measure/histogram.js';

/**
 * When the generator counts as saturated: its figures then measure perf-flow, not the service.
 *
 * - Event-loop utilisation over 90% for the measured window. Every response is timed by a
 *   callback on this loop: a loop busy nine tenths of the time queues callbacks, and the
 *   queueing enters the latency (FACTS.md: autocannon at saturation reported 15 times wrk's
 *   latency). Under 90% a callback rarely waits for more than one other.
 * - Open model, any request of the window left unsent: the schedule was not run.
 * - Open model, late starts (sent over LATE_THRESHOLD_MS after their schedule) above
 *   max(1% of the window's requests, the requests a STALL_ALLOWANCE_MS pause would delay at
 *   the window's mean rate). Latency is timed from the send, so the lag is not in it: a late
 *   start means the service got its requests bunched, not at the rate and spacing asked for.
 *   Above 1% the lag reaches the p99: the same test as "send-lag p99 over the threshold",
 *   which is why the p99 is not a rule of its own. The
 *   allowance keeps one pause of the whole machine (this kind of VM freezes 100-200 ms at
 *   random, generator and service alike) from condemning a short run: at 50 req/s, a 200 ms
 *   freeze delays 10 requests, 10% of a 2 s window. A generator that cannot keep up is late
 *   for far longer than that, and one blocked for a second is late for 4 times the allowance.
 */
export const SATURATION_ELU = 0.9;
export const LATE_FRACTION = 0.01;
export const STALL_ALLOWANCE_MS = 250;
/**
 * Sent more than this after its schedule counts as a late start. Above the timer's own jitter
 * on a loaded 2-core VM (a timer fires up to 1 ms early or late, p99 about 3-4 ms with GC), so
 * that a generator keeping up is rarely late; short enough that requests held up this long
 * and then sent together are still spread about as the schedule asked.
 */
export const LATE_THRESHOLD_MS = 5;

/** What the open model knows about its own sends over the measured window. */
export interface SendFigures {
  /** Send time minus scheduled time of each request sent, ms. */
  sendLag: LatencyHistogram;
  lateStarts: number;
  lateThresholdMs: number;
  sent: number;
  unsent: number;
  windowMs: number;
}

export interface GeneratorMonitor {
  /** Ends the ELU and CPU measurement; later calls keep the first end. */
  stop(): void;
  /**
   * Time the generator spent waiting for a send to fall due, by spinning (setImmediate) or by
   * blocking the loop when nothing was in flight: idle in truth, busy to the event loop's
   * accounting. Taken off the loop's busy time.
   */
  addSpinWait(ms: number): void;
  /** Stops if not stopped, and judges. */
  finish(sends?: SendFigures): GeneratorHealth;
}

export interface LoopFigures {
  eventLoopUtilization: number;
  cpuCores: number;
}

/** Starts watching the process now; call at the start of the measured window. */
export function startGeneratorMonitor(): GeneratorMonitor {
  const eluStart = performance.eventLoopUtilization();
  const cpuStart = process.cpuUsage();
  const wallStart = performance.now();
  // A field, not a closure variable, as it grows every spin turn: see SpinBudget.
  const spin = { ms: 0 };
  let loop: LoopFigures | undefined;

  const stop = () => {
    if (loop) return;
    const elu: EventLoopUtilization = performance.eventLoopUtilization(eluStart);
    const cpu = process.cpuUsage(cpuStart);
    const wallMs = performance.now() - wallStart;
    const loopMs = elu.active + elu.idle;
    loop = {
      eventLoopUtilization: loopMs > 0 ? clamp01(Math.max(0, elu.active - spin.ms) / loopMs) : 0,
      cpuCores: wallMs > 0 ? (cpu.user + cpu.system) / 1000 / wallMs : 0,
    };
  };

  return {
    stop,
    addSpinWait(ms) {
      if (!loop) spin.ms += ms;
    },
    finish(sends) {
      stop();
      return judgeGeneratorHealth(loop as LoopFigures, sends);
    },
  };
}

/** Applies the saturation rule (see SATURATION_ELU) to what was measured. */
export function judgeGeneratorHealth(loop: LoopFigures, sends?: SendFigures): GeneratorHealth {
  const reasons: string[] = [];
  const elu = loop.eventLoopUtilization;
  if (elu > SATURATION_ELU) {
    reasons.push(
      `event-loop utilisation ${percent(elu)} (over ${percent(SATURATION_ELU)}): responses ` +
        `waited for perf-flow's own event loop, so the latencies measure perf-flow, not the service`,
    );
  }
  if (!sends) {
    return {
      eventLoopUtilization: elu,
      cpuCores: loop.cpuCores,
      sendLagMs: null,
      lateStarts: null,
      lateThresholdMs: null,
      unsent: null,
      saturated: reasons.length > 0,
      reasons,
    };
  }
  const lag = latencyStats(sends.sendLag);
  const scheduled = sends.sent + sends.unsent;
  if (sends.unsent > 0) {
    reasons.push(
      `${sends.unsent} of ${scheduled} scheduled requests never sent: perf-flow could not keep ` +
        `up with the arrival rate, so the service got less load than asked`,
    );
  }
  const allowance = allowedLateStarts(sends);
  if (sends.lateStarts > allowance) {
    reasons.push(
      `${sends.lateStarts} of ${sends.sent} requests (${percent(sends.lateStarts / Math.max(1, sends.sent))}) ` +
        `sent over ${sends.lateThresholdMs} ms late (allowed: ${Math.floor(allowance)}), send lag ` +
        `p99 ${round(lag.p99)} ms, max ${round(lag.max)} ms: perf-flow could not send on ` +
        `schedule, and its lag is part of the latencies reported`,
    );
  }
  return {
    eventLoopUtilization: elu,
    cpuCores: loop.cpuCores,
    sendLagMs: { p50: lag.p50, p99: lag.p99, max: lag.max },
    lateStarts: sends.lateStarts,
    lateThresholdMs: sends.lateThresholdMs,
    unsent: sends.unsent,
    saturated: reasons.length > 0,
    reasons,
  };
}

/** max(1% of the window's requests, those a STALL_ALLOWANCE_MS pause delays at its mean rate). */
export function allowedLateStarts(
  sends: Pick<SendFigures, 'sent' | 'unsent' | 'windowMs'>,
): number {
  const scheduled = sends.sent + sends.unsent;
  const perStall = sends.windowMs > 0 ? (scheduled * STALL_ALLOWANCE_MS) / sends.windowMs : 0;
  return Math.max(LATE_FRACTION * sends.sent, perStall);
}

function clamp01(value: number): number {
  return Math.min(1, Math.max(0, value));
}

function percent(fraction: number): string {
  return `${Math.round(fraction * 100)}%`;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
