import { performance } from 'node:perf_hooks';
import type { JourneyConfig } from '../config/types.js';
import type { ArrivalPhase, LoadParams } from '../data/common.js';
import { ConfigError, RuntimeError } from '../errors.js';
import { createLatencyHistogram, recordMs } from '../measure/histogram.js';
import type { ArrivalPattern } from './arrivals.js';
import { arrivals, totalDurationMs } from './arrivals.js';
import { LATE_THRESHOLD_MS } from './generator-health.js';
import { UNREACHABLE_CODES, errorCode, unreachable } from './load-errors.js';
import { LoadRecorder } from './load-recorder.js';
import { SpinBudget } from './spin-budget.js';
import {
  loadRunResult,
  runDeadlineMs,
  startProgressTimer,
  watchMeasuredWindow,
} from './run-support.js';
import type { RequestOutcome } from './sli.js';
import { TIMEOUT_OUTCOME, TRANSPORT_OUTCOME, responseOutcome } from './sli.js';
import { assertLoadTargetAllowed } from './target-safety.js';
import { Http1Pool, PoolRequestTimeout } from './http1-pool.js';
import type { PoolRequest } from './http1-pool.js';
import type { Http1Target } from './http1-target.js';
import { http1Target } from './http1-target.js';
import type { LoadProgress, LoadRunResult } from './types.js';
import { HTTP_METHODS, requirePositive, requireWarmup, validateJourneys } from './validate-load.js';

export interface OpenModelSettings {
  /** The measured window's rates, in order; the warm-up runs at the first one's rate. */
  phases: ArrivalPhase[];
  warmupMs: number;
  arrival: ArrivalPattern;
  /** From each request's send: a request not over by then is a timeout. */
  requestTimeoutMs: number;
  /** The most connections open to the target; requests beyond them queue, and the wait counts. */
  maxConnections: number;
  /** Seeds Poisson gaps and journey picks (arrivals.ts DEFAULT_SEED when absent). */
  seed?: number;
  /**
   * The most requests the measured window may send (the warm-up is bounded by its time): the
   * run stops with a RuntimeError rather than send one more. A schedule yields rate ×
   * duration requests, Poisson ones give or take a few √N: config/scenarios.ts requestBound
   * leaves room for that, so only a schedule gone wrong reaches it.
   */
  maxRequests?: number;
}

export interface OpenModelOptions {
  signal?: AbortSignal;
  onProgress?: (progress: LoadProgress) => void;
  /** Hosts besides loopback the load may go to (the config's allowedHosts). */
  allowedHosts?: string[];
}

export const OPEN_MODEL_TOOL = 'perf-flow open model (node:net, HTTP/1.1 keep-alive)';

// A turn sends at most this many before yielding, so that responses (whose end times are the
// latencies) are read between batches when the schedule is behind. After any pause (a GC, the
// VM), the requests due during it go out together, a send costing 20-30 µs here; a response
// that comes back meanwhile waits for the whole batch, and that wait was in its latency. With
// 256 a turn, the p99 against nginx at 23,000/s read 0.8-50 ms over 6 runs of 6 s; with 16,
// 0.34-2.4 ms (5 of 6 under 0.4 ms; wrk 0.43 ms at that rate), the late ones counted as send
// lag instead.
const MAX_SENDS_PER_TURN = 16;
// How often requests past their timeout are looked for; a timeout is recorded at the request
// timeout whatever the delay in noticing it, so this only bounds how long it holds resources.
const SWEEP_INTERVAL_MS = 10;
// Requests still unsent this long after the schedule's end are given up (counted unsent): an
// overloaded generator must not go on loading the target long after its window, while a
// freeze of the machine near the end still lets the backlog out.
const SEND_GRACE_MS = 1000;
// A setImmediate round trip longer than this ran other callbacks (responses) in between: only
// shorter ones are taken as pure waiting, so that the spin never hides real work from the ELU.
const PURE_SPIN_GAP_MS = 0.2;
// Spinning is capped at this share of one core (a budget earned with wall time, banking at
// most SPIN_BANK_MS): at a few hundred req/s it makes sends punctual to a few µs; at rates
// where a request is due every millisecond it would otherwise burn a whole core that the
// service under test (on the same machine) needs. Past the budget, a send waits for the
// next timer and may be up to a millisecond late; its latency includes that.
const SPIN_SHARE = 0.1;
const SPIN_BANK_MS = 10;
// Spinning while a request is in flight waits for its response as much as for the send. When
// every request in flight is likely to be answered well before the next is due (sent less
// than this many times the typical latency before it), the scheduler waits on a timer and
// the last response wakes it (wakeIfIdle) to nap to the due time instead: at 1,000/s against
// the demo service, spinning took some 30 turns of the loop a request, whose garbage (about
// 12 KB a request) meant 5 scavenges a second, and those set the p99 (0.5-0.9 ms against
// 0.37 ms with scavenges made rare). A response slower than that makes the send up to a
// timer's millisecond late, which the send lag reports.
const ANSWER_EXPECTED_FACTOR = 3;
// The typical latency is a moving average over about this many responses.
const TYPICAL_LATENCY_WEIGHT = 0.05;
// With no request in flight there is no response to time, so the last stretch before a send
// (under NAP_MAX_MS, which is how far ahead the timer before it aims, as a timer can fire a
// millisecond late) is slept off the event loop (Atomics.wait) instead of spun: punctual at
// no CPU cost. The kernel ends such a sleep about 50-80 µs late (timer slack), so, within the
// spin budget, it ends NAP_EARLY_MS early and the rest is polled; past the budget the send is
// that much late instead.
const NAP_EARLY_MS = 0.06;
const NAP_MAX_MS = 2;
const NAP_MIN_MS = 0.02;

interface RequestEvents {
  complete(sent: SentRequest): void;
  error(sent: SentRequest, error: Error): void;
}

/**
 * One request sent, until its outcome is recorded (in schedule order); also the pool's
 * request, so that a request costs one allocation (at 100k req/s closures and per-request
 * errors showed up as a third of the CPU profile, half of it garbage collection).
 */
class SentRequest implements PoolRequest {
  settled = false;
  outcome: RequestOutcome = TRANSPORT_OUTCOME;
  latencyMs = 0;
  status = 0;

  constructor(
    /** performance.now() time it was sent: when it was due, unless perf-flow was late. */
    readonly sentAt: number,
    /** When it was due in the schedule: ms from the run's start. */
    readonly atMs: number,
    readonly journey: number,
    private readonly events: RequestEvents,
  ) {}

  onResponse(status: number): void {
    this.status = status;
    this.events.complete(this);
  }

  onError(error: Error): void {
    this.events.error(this, error);
  }
}

const napCell = new Int32Array(new SharedArrayBuffer(4));

/**
 * Runs the journeys as an open model: requests start at their scheduled times whatever the
 * service does (uniform or Poisson arrivals, per phase, after a warm-up at the first phase's
 * rate), over a pool of at most `maxConnections` keep-alive connections. Each request is sent
 * when it is due whatever the service does, and its latency runs from that send, so a service
 * stall, and the wait for a free connection behind it, shows in the percentiles instead of
 * thinning the requests (no coordinated omission: nothing the service does holds a send back).
 *
 * A send perf-flow itself makes late (its loop busy, or this VM pausing it) is not charged to
 * the service: the lag is measured on its own (send lag, late starts) and judges the generator
 * (generator-health.ts). Timed from the schedule instead, one 200 ms pause of a shared runner
 * would add up to 200 ms to every request due during it, none of it the service's: at 150
 * req/s, enough to move a one-second block's p95 tenfold (measured on this VM).
 *
 * The measured window holds the requests scheduled in it, each accounted for once: response,
 * timeout, transport error, or unsent (given up by the run's bound). Outcomes are recorded in
 * schedule order, at their scheduled time, so the timeline's seconds are the seconds requests
 * were due in and a stall at the end of the window still counts in full: the run waits for
 * the last requests, up to the request timeout, instead of dropping whatever ends late.
 *
 * Rejects with ConfigError for bad settings or a target that is not allowed, with
 * RuntimeError when the target cannot be reached at all or the run overruns its deadline,
 * and with the signal's reason when aborted. The pool is closed before it settles.
 */
export async function runOpenModel(
  baseUrl: string,
  journeys: JourneyConfig[],
  settings: OpenModelSettings,
  opts: OpenModelOptions = {},
): Promise<LoadRunResult> {
  assertLoadTargetAllowed(baseUrl, opts.allowedHosts ?? []);
  validate(journeys, settings);
  opts.signal?.throwIfAborted();
  return execute(http1Target(baseUrl, journeys), journeys, settings, opts);
}

function validate(journeys: JourneyConfig[], settings: OpenModelSettings): void {
  validateJourneys(journeys, HTTP_METHODS);
  const { phases, warmupMs, requestTimeoutMs, maxConnections } = settings;
  if (phases.length === 0) throw new ConfigError('at least one arrival phase is needed');
  phases.forEach(({ rateRps, durationMs }, i) => {
    requirePositive(`phase ${i + 1}: rate`, rateRps, 'req/s');
    requirePositive(`phase ${i + 1}: duration`, durationMs, 'ms');
  });
  if (settings.arrival !== 'uniform' && settings.arrival !== 'poisson') {
    throw new ConfigError(`expected arrival uniform or poisson, got "${String(settings.arrival)}"`);
  }
  requireWarmup(warmupMs);
  requirePositive('request timeout', requestTimeoutMs, 'ms');
  if (!Number.isInteger(maxConnections) || maxConnections < 1) {
    throw new ConfigError(
      `connections must be a whole number of at least 1, got ${maxConnections}`,
    );
  }
  const { maxRequests } = settings;
  if (maxRequests !== undefined && !(Number.isInteger(maxRequests) && maxRequests >= 1)) {
    throw new ConfigError(`request bound must be a whole number of at least 1, got ${maxRequests}`);
  }
}

function execute(
  tgt: Http1Target,
  journeys: JourneyConfig[],
  settings: OpenModelSettings,
  opts: OpenModelOptions,
): Promise<LoadRunResult> {
  return new Promise<LoadRunResult>((resolve, reject) => {
    const { warmupMs, requestTimeoutMs, maxRequests } = settings;
    const measuredMs = totalDurationMs(settings.phases);
    const totalMs = warmupMs + measuredMs;
    const firstRate = settings.phases[0]?.rateRps ?? 1;
    const schedulePhases =
      warmupMs > 0
        ? [{ rateRps: firstRate, durationMs: warmupMs }, ...settings.phases]
        : settings.phases;
    const pool = new Http1Pool(tgt, settings.maxConnections, requestTimeoutMs);

    const t0 = performance.now();
    // The recorder places each outcome at this clock, set to the request's scheduled time
    // (see runOpenModel) just before it is recorded. It counts from 0, not from t0: offsets
    // such as 1300 - 300 subtract exactly, where t0 + 1300 - (t0 + 300) can come out a hair
    // under 1000 and put a request due on a second's boundary into the second before.
    // An object's field, not a closure variable: see SpinBudget.
    const clock = { atMs: 0 };
    const recorder = new LoadRecorder(
      journeys.length,
      { warmupMs, durationMs: measuredMs, requestTimeoutMs },
      () => clock.atMs,
    );
    const schedule = arrivals(schedulePhases, {
      arrival: settings.arrival,
      weights: journeys.map((j) => j.weight),
      ...(settings.seed === undefined ? {} : { seed: settings.seed }),
    });
    let next = schedule.next();

    const inFlight: SentRequest[] = [];
    let head = 0;
    const sendLag = createLatencyHistogram();
    let sentInWindow = 0;
    let lateStarts = 0;
    let unsent = 0;
    let responses = 0;
    let transportErrors = 0;
    let lastTransportError: unknown;
    let schedulingDone = false;
    let settled = false;
    const spin = new SpinBudget(t0, SPIN_SHARE, SPIN_BANK_MS);
    // An object's field, not a closure variable: see SpinBudget.
    const typical = { latencyMs: 0 };
    // Sent and not yet settled: while any is, the loop must stay free to time its response.
    let unsettled = 0;

    let schedulerTimer: NodeJS.Timeout | undefined;
    let schedulerImmediate: NodeJS.Immediate | undefined;
    const sweepTimer = setInterval(() => sweep(), SWEEP_INTERVAL_MS);
    const monitor = watchMeasuredWindow(warmupMs, totalMs);
    const deadlineMs = runDeadlineMs(totalMs + SEND_GRACE_MS, requestTimeoutMs);
    const deadlineTimer = setTimeout(() => {
      fail(
        new RuntimeError(`the open-model load on ${tgt.url} overran its ${deadlineMs}ms deadline`),
      );
    }, deadlineMs);

    const cleanUp = () => {
      clearTimeout(schedulerTimer);
      clearImmediate(schedulerImmediate);
      clearInterval(sweepTimer);
      clearInterval(progressTimer);
      monitor.clearTimers();
      clearTimeout(deadlineTimer);
      opts.signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = () => fail(opts.signal?.reason);

    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      cleanUp();
      // Nothing may still load the target when the caller goes on to stop it or to report.
      // Nothing may still load the target when the caller goes on to stop it or to report:
      // the pool destroys its sockets at once.
      pool.close();
      reject(error);
    };

    const succeed = () => {
      if (settled) return;
      settled = true;
      cleanUp();
      if (responses === 0 && transportErrors > 0) {
        pool.close();
        reject(unreachable(tgt.url, lastTransportError));
        return;
      }
      const generator = monitor.finish({
        sendLag,
        lateStarts,
        lateThresholdMs: LATE_THRESHOLD_MS,
        sent: sentInWindow,
        unsent,
        windowMs: measuredMs,
      });
      const result = loadRunResult(journeys, recorder.finish(), loadParams(settings), generator);
      pool.close();
      resolve(result);
    };

    /** Records, in schedule order, every request whose outcome is known and all before it are. */
    const drain = () => {
      while (head < inFlight.length) {
        const sent = inFlight[head] as SentRequest;
        if (!sent.settled) break;
        clock.atMs = sent.atMs;
        recorder.record(
          sent.journey,
          sent.outcome,
          sent.outcome.kind === 'response' ? sent.latencyMs : undefined,
        );
        head += 1;
      }
      if (head > 4096 && head * 2 > inFlight.length) {
        inFlight.splice(0, head);
        head = 0;
      }
      if (schedulingDone && head === inFlight.length) succeed();
    };

    /** The one place an outcome is decided; later news of the same request is ignored. */
    const settle = (sent: SentRequest, outcome: RequestOutcome) => {
      if (sent.settled) return;
      sent.settled = true;
      unsettled -= 1;
      sent.latencyMs = performance.now() - sent.sentAt;
      // Whatever ends past the timeout (counted from the send) is a timeout: a response
      // the sweep had not yet caught is no different from one it had.
      sent.outcome = sent.latencyMs >= requestTimeoutMs ? TIMEOUT_OUTCOME : outcome;
      if (outcome.kind === 'response') {
        responses += 1;
        typical.latencyMs += (sent.latencyMs - typical.latencyMs) * TYPICAL_LATENCY_WEIGHT;
      }
    };

    const sweep = () => {
      const now = performance.now();
      let timedOut = false;
      for (let i = head; i < inFlight.length; i++) {
        const sent = inFlight[i] as SentRequest;
        // Sent in schedule order: the first not yet past its timeout ends the sweep.
        if (sent.sentAt + requestTimeoutMs > now) break;
        if (sent.settled) continue;
        // Counted now; a request still waiting for a connection is never written. One already
        // on a connection is left to finish, up to the pool's own timeout from its write:
        // closing connections at once would, under overload, snowball into reconnects until
        // nothing gets through at all.
        settle(sent, TIMEOUT_OUTCOME);
        timedOut = true;
      }
      pool.sweep(now);
      if (timedOut) drain();
    };

    const events: RequestEvents = {
      complete(sent) {
        if (settled) return;
        settle(sent, responseOutcome(sent.status));
        drain();
        if (unsettled === 0) wakeIfIdle();
      },
      error(sent, error) {
        if (settled || sent.settled) return;
        const code = errorCode(error) ?? '';
        if (error instanceof PoolRequestTimeout) {
          settle(sent, TIMEOUT_OUTCOME);
        } else {
          transportErrors += 1;
          lastTransportError = error;
          // Nothing has ever answered and the host refuses or does not exist: every further
          // request would fail the same way until the schedule ends.
          if (responses === 0 && UNREACHABLE_CODES.has(code)) {
            fail(unreachable(tgt.url, error));
            return;
          }
          settle(sent, TRANSPORT_OUTCOME);
        }
        drain();
      },
    };

    const send = (journey: number, atMs: number, now: number) => {
      if (atMs >= warmupMs && sentInWindow === maxRequests) {
        fail(
          new RuntimeError(
            `the open-model load on ${tgt.url} reached its bound of ${maxRequests} requests ` +
              'before its schedule ended, and was stopped',
          ),
        );
        return;
      }
      const sent = new SentRequest(now, atMs, journey, events);
      inFlight.push(sent);
      unsettled += 1;
      if (atMs >= warmupMs) {
        const lagMs = Math.max(0, now - (t0 + atMs));
        sentInWindow += 1;
        recordMs(sendLag, lagMs);
        if (lagMs > LATE_THRESHOLD_MS) lateStarts += 1;
      }
      pool.send(sent);
    };

    /** The run's bound: whatever of the window is still unsent is given up, and counted. */
    const giveUp = () => {
      for (; !next.done; next = schedule.next()) {
        if (next.value.atMs >= warmupMs) unsent += 1;
      }
    };

    /**
     * The last response came in while the scheduler waits on a timer: a send due soon is
     * better napped towards now than left to the timer's millisecond (see NAP_EARLY_MS).
     * Deferred to a microtask, as an awaited request's continuation would be: the pool is
     * mid-callback here. (A setImmediate costs a turn of the loop for every request.)
     */
    const wakeIfIdle = () => {
      if (schedulerTimer === undefined || next.done) return;
      if (t0 + next.value.atMs - performance.now() >= NAP_MAX_MS) return;
      clearTimeout(schedulerTimer);
      schedulerTimer = undefined;
      queueMicrotask(tick);
    };

    /** Blocks the loop (nothing is in flight) until `dueAt`; returns the time then. */
    const napUntil = (dueAt: number, from: number): number => {
      const pollMs = Math.min(NAP_EARLY_MS, Math.max(0, spin.availableMs));
      const sleepMs = dueAt - from - pollMs;
      // Nothing ever notifies the cell: the wait always runs to its timeout. A sleep shorter
      // than NAP_MIN_MS costs more in context switches than polling it does.
      if (sleepMs >= NAP_MIN_MS || (sleepMs > 0 && pollMs < NAP_EARLY_MS)) {
        Atomics.wait(napCell, 0, 0, sleepMs);
      }
      const pollFrom = performance.now();
      let now = pollFrom;
      while (now < dueAt) now = performance.now();
      spin.spend(now - pollFrom);
      monitor.addSpinWait(now - from);
      return now;
    };

    /** Whether every request in flight will likely have been answered (and wake the
     * scheduler) well before `dueAt`: see ANSWER_EXPECTED_FACTOR. */
    const answeredBefore = (dueAt: number, now: number): boolean => {
      const expectMs = ANSWER_EXPECTED_FACTOR * typical.latencyMs;
      if (unsettled === 0 || expectMs === 0) return unsettled === 0;
      const oldest = inFlight[head] as SentRequest;
      const newest = inFlight[inFlight.length - 1] as SentRequest;
      return now - oldest.sentAt < expectMs && newest.sentAt + expectMs < dueAt;
    };

    const tick = () => {
      schedulerTimer = undefined;
      schedulerImmediate = undefined;
      if (settled) return;
      let now = performance.now();
      spin.earn(now);
      const gap = spin.endTurn(now);
      if (gap >= 0 && gap < PURE_SPIN_GAP_MS) monitor.addSpinWait(gap);
      let sends = 0;
      while (!next.done) {
        const { atMs, journey } = next.value;
        const dueAt = t0 + atMs;
        if (dueAt > now) {
          if (unsettled > 0 || dueAt - now >= NAP_MAX_MS) break;
          now = napUntil(dueAt, now);
        }
        if (now - t0 > totalMs + SEND_GRACE_MS) {
          giveUp();
          break;
        }
        if (now - dueAt >= requestTimeoutMs) {
          // A whole request timeout behind when perf-flow got to it: sent now, it would land
          // on the service in a backlog burst the schedule never asked for. Skipped and counted
          // unsent (the generator is saturated), so a generator far behind sheds its backlog.
          if (atMs >= warmupMs) unsent += 1;
          next = schedule.next();
          continue;
        }
        send(journey, atMs, now);
        if (settled) return;
        next = schedule.next();
        if (++sends >= MAX_SENDS_PER_TURN) {
          schedulerImmediate = setImmediate(tick);
          return;
        }
        now = performance.now();
      }
      if (next.done) {
        schedulingDone = true;
        drain();
        return;
      }
      // Sleep on a timer until about the due time (a timer fires up to a millisecond early or
      // late); the last stretch is napped if nothing is in flight by then (wakeIfIdle), else
      // waited out with setImmediate (within the spin budget), which keeps reading responses
      // in between instead of blocking.
      const dueAt = t0 + next.value.atMs;
      const waitMs = dueAt - now;
      if (waitMs >= 1 || spin.availableMs < waitMs || answeredBefore(dueAt, now)) {
        schedulerTimer = setTimeout(tick, Math.max(0, Math.floor(waitMs - (NAP_MAX_MS - 1))));
      } else {
        spin.startTurn(performance.now());
        schedulerImmediate = setImmediate(tick);
      }
    };

    const progressTimer = startProgressTimer(
      opts.onProgress,
      { startedAt: t0, warmupMs, totalMs },
      fail,
    );
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    tick();
  });
}

function loadParams(settings: OpenModelSettings): LoadParams {
  const { phases } = settings;
  const durationMs = totalDurationMs(phases);
  // Several phases: the time-weighted mean, so rate × duration is still the request count.
  const rateRps =
    phases.length === 1
      ? (phases[0] as ArrivalPhase).rateRps
      : phases.reduce((sum, p) => sum + p.rateRps * p.durationMs, 0) / durationMs;
  return {
    model: 'open',
    tool: OPEN_MODEL_TOOL,
    connections: settings.maxConnections,
    rateRps,
    arrival: settings.arrival,
    ...(phases.length > 1 ? { phases: phases.map((p) => ({ ...p })) } : {}),
    durationMs,
    warmupMs: settings.warmupMs,
    requestTimeoutMs: settings.requestTimeoutMs,
  };
}
