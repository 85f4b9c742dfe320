import autocannon from 'autocannon';
import autocannonPackage from 'autocannon/package.json' with { type: 'json' };
import { performance } from 'node:perf_hooks';
import type { JourneyConfig, LoadSettings } from '../config/types.js';
import type { LoadParams } from '../data/common.js';
import { ConfigError, RuntimeError } from '../errors.js';
import { UNREACHABLE_CODES, describeError, errorCode, unreachable } from './load-errors.js';
import { LoadRecorder } from './load-recorder.js';
import {
  STOP_GRACE_MS,
  loadRunResult,
  runDeadlineMs,
  settleWithin,
  startProgressTimer,
  watchMeasuredWindow,
} from './run-support.js';
import { assertLoadTargetAllowed } from './target-safety.js';
import { watchConnectionLoss } from './lost-requests.js';
import { splitByWeight } from './weights.js';
import type { LoadProgress, LoadRunResult } from './types.js';
import type { MethodRule } from './validate-load.js';
import { requirePositive, requireWarmup, validateJourneys } from './validate-load.js';

export { mergeSliResults, toSliResult } from './sli.js';
export type { SliCounters } from './sli.js';
export type { JourneyLoadResult, LoadProgress, LoadRunResult } from './types.js';

export interface ClosedLoopOptions {
  onProgress?: (progress: LoadProgress) => void;
  signal?: AbortSignal;
  /** Hosts besides loopback the load may go to (the config's allowedHosts). */
  allowedHosts?: string[];
}

export const LOAD_TOOL = `autocannon@${autocannonPackage.version}`;

// The methods autocannon's request builder accepts (lib/httpMethods.js); it throws on others.
const AUTOCANNON_METHODS = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
];
const METHODS: MethodRule = {
  accepts: (method) => AUTOCANNON_METHODS.includes(method),
  expected: `one of ${AUTOCANNON_METHODS.join(', ')}`,
};
// autocannon takes its timeout in seconds and refuses less than 1 (lib/validate.js).
const MIN_REQUEST_TIMEOUT_MS = 1000;
// With a rate, a connection that has sent its quota waits up to a second for the next one
// while its timeout timer keeps running (lib/httpClient.js:67-73, 158-175): at 1 req/s and a
// 1 s timeout, 2 of 10 requests to an instant service were counted as timeouts. A timeout
// over a second plus timer lag keeps the idle wait from ever reaching it.
const MIN_RATED_REQUEST_TIMEOUT_MS = 2000;
// autocannon only acts on its stop flag at a sample tick (lib/run.js tickInterval): ticking
// every 100 ms instead of every second makes it stop promptly after its duration or stop().
const SAMPLE_INTERVAL_MS = 100;
// lib/run.js onTimeout reports a timeout as an Error of its own with this message; socket
// errors come through as they are, with their code.
const TIMEOUT_MESSAGE = 'request timed out';

interface InstancePlan {
  journey: JourneyConfig;
  url: string;
  connections: number;
  rateRps: number | undefined;
}

/**
 * Runs all journeys at once in a closed loop, one autocannon instance per journey, the
 * connections (and the rate) split by weight. One run covers warm-up then the measured
 * window; only requests that end inside the measured window count, each at the time it
 * ended. Latency is timed per response at sub-millisecond precision. Rejects with
 * RuntimeError when the target cannot be reached at all or the run overruns its deadline,
 * and with the signal's reason when aborted.
 */
export async function runClosedLoop(
  baseUrl: string,
  journeys: JourneyConfig[],
  settings: LoadSettings,
  opts: ClosedLoopOptions = {},
): Promise<LoadRunResult> {
  assertLoadTargetAllowed(baseUrl, opts.allowedHosts ?? []);
  validate(journeys, settings);
  opts.signal?.throwIfAborted();
  return execute(planInstances(baseUrl, journeys, settings), settings, opts);
}

function validate(journeys: JourneyConfig[], settings: LoadSettings): void {
  validateJourneys(journeys, METHODS);
  const { durationMs, warmupMs, connections, rateRps, requestTimeoutMs } = settings;
  requirePositive('load duration', durationMs, 'ms');
  requireWarmup(warmupMs);
  if (!(connections >= 1)) {
    throw new ConfigError(`connections must be at least 1, got ${connections}`);
  }
  if (rateRps !== undefined) requirePositive('rate', rateRps, 'req/s');
  if (!(requestTimeoutMs >= MIN_REQUEST_TIMEOUT_MS)) {
    throw new ConfigError(
      `request timeout must be at least ${MIN_REQUEST_TIMEOUT_MS}ms (autocannon's minimum), ` +
        `got ${requestTimeoutMs}ms`,
    );
  }
  if (rateRps !== undefined && requestTimeoutMs < MIN_RATED_REQUEST_TIMEOUT_MS) {
    throw new ConfigError(
      `with a rate, the request timeout must be at least ${MIN_RATED_REQUEST_TIMEOUT_MS}ms, ` +
        `got ${requestTimeoutMs}ms: autocannon keeps a throttled connection's timeout running ` +
        `while it waits up to a second for its next quota, and would count the wait as a timeout`,
    );
  }
}

function planInstances(
  baseUrl: string,
  journeys: JourneyConfig[],
  settings: LoadSettings,
): InstancePlan[] {
  const weights = journeys.map((j) => j.weight);
  const connections = splitByWeight(settings.connections, weights);
  const rates =
    settings.rateRps === undefined ? undefined : splitByWeight(settings.rateRps, weights);
  const base = baseUrl.replace(/\/+$/, '');
  return journeys.map((journey, i) => {
    const rateRps = rates?.[i];
    const wanted = connections[i] ?? 1;
    return {
      journey,
      url: base + journey.path,
      // autocannon itself lowers the connections to the rate (lib/run.js); say so up front.
      connections: rateRps === undefined ? wanted : Math.min(wanted, rateRps),
      rateRps,
    };
  });
}

function autocannonOptions(
  plan: InstancePlan,
  settings: LoadSettings,
  setupClient: (client: autocannon.Client) => void,
): autocannon.Options {
  return {
    url: plan.url,
    setupClient,
    method: plan.journey.method as autocannon.Options['method'],
    headers: plan.journey.headers,
    ...(plan.journey.body === undefined ? {} : { body: plan.journey.body }),
    connections: plan.connections,
    duration: (settings.warmupMs + settings.durationMs) / 1000,
    timeout: settings.requestTimeoutMs / 1000,
    sampleInt: SAMPLE_INTERVAL_MS,
    skipAggregateResult: true,
    // With a rate, autocannon's coordinated-omission correction assumes a 1 ms interval and
    // invents samples (FACTS.md); we keep our own histograms, but its own must not cost CPU
    // for nothing. It refuses the option without a rate (lib/validate.js).
    ...(plan.rateRps === undefined
      ? {}
      : { overallRate: plan.rateRps, ignoreCoordinatedOmission: true }),
  };
}

function execute(
  plans: InstancePlan[],
  settings: LoadSettings,
  opts: ClosedLoopOptions,
): Promise<LoadRunResult> {
  return new Promise<LoadRunResult>((resolve, reject) => {
    const recorder = new LoadRecorder(plans.length, settings);
    const totalMs = settings.warmupMs + settings.durationMs;
    const start = performance.now();
    const instances: autocannon.Instance[] = [];
    const finished: Promise<void>[] = [];
    let running = plans.length;
    let responses = 0;
    let transportErrors = 0;
    let lastTransportError: unknown;
    let settled = false;
    const deadlineMs = runDeadlineMs(totalMs, settings.requestTimeoutMs);
    const deadlineTimer = setTimeout(() => {
      const target = describeTarget(plans);
      fail(new RuntimeError(`the load on ${target} did not stop within ${deadlineMs}ms`));
    }, deadlineMs);
    const monitor = watchMeasuredWindow(settings.warmupMs, totalMs);

    const cleanUp = () => {
      clearInterval(progressTimer);
      clearTimeout(deadlineTimer);
      monitor.clearTimers();
      opts.signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = () => fail(opts.signal?.reason);

    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      cleanUp();
      for (const instance of instances) instance.stop();
      // Wait (boundedly) for the connections to close, so that nothing still loads the
      // target when the caller goes on to stop it or to report.
      void settleWithin(Promise.all(finished), STOP_GRACE_MS).then(() => reject(error));
    };

    const succeed = () => {
      if (settled) return;
      settled = true;
      cleanUp();
      if (responses === 0 && transportErrors > 0) {
        reject(unreachable(describeTarget(plans), lastTransportError));
        return;
      }
      const generator = monitor.finish();
      const journeys = plans.map((p) => p.journey);
      resolve(loadRunResult(journeys, recorder.finish(), loadParams(plans, settings), generator));
    };

    /** `error` is undefined for a request lost to a connection the server closed. */
    const onTransportError = (journey: number, url: string, error: unknown) => {
      transportErrors += 1;
      if (error !== undefined) lastTransportError = error;
      // Nothing has ever answered and the host refuses or does not exist: every further
      // attempt would fail the same way, in a tight reconnect loop, until the duration ends.
      if (responses === 0 && UNREACHABLE_CODES.has(errorCode(error) ?? '')) {
        fail(unreachable(url, error));
        return;
      }
      recorder.record(journey, { kind: 'transport' });
    };

    const progressTimer = startProgressTimer(
      opts.onProgress,
      { startedAt: start, warmupMs: settings.warmupMs, totalMs },
      fail,
    );
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    for (const [i, plan] of plans.entries()) {
      if (settled) break;
      let markFinished = () => {};
      finished.push(new Promise<void>((resolveFinished) => (markFinished = resolveFinished)));
      const onDone = (error: unknown) => {
        markFinished();
        if (error) {
          const message = `autocannon failed on ${plan.url}: ${describeError(error)}`;
          fail(new RuntimeError(message, { cause: error }));
        } else if (--running === 0) {
          succeed();
        }
      };
      let announcedCloseErrors = 0;
      const setupClient = (client: autocannon.Client) =>
        watchConnectionLoss(client, {
          onLost: (count) => {
            for (let k = 0; k < count; k++) onTransportError(i, plan.url, undefined);
          },
          onAnnouncedCloseError: () => {
            announcedCloseErrors += 1;
          },
        });
      let instance: autocannon.Instance;
      try {
        instance = autocannon(autocannonOptions(plan, settings, setupClient), onDone);
      } catch (error) {
        // Thrown while building a client's first request (an unsupported method). validate()
        // rules that out beforehand: clients built before the throw would have no stop timer.
        onDone(error);
        break;
      }
      instances.push(instance);
      instance.on('response', (_client, status: number, _bytes: number, latencyMs: number) => {
        responses += 1;
        recorder.record(i, { kind: 'response', status }, latencyMs);
      });
      instance.on('reqError', (error: unknown) => {
        if (announcedCloseErrors > 0) {
          announcedCloseErrors -= 1;
        } else if (error instanceof Error && error.message === TIMEOUT_MESSAGE) {
          recorder.record(i, { kind: 'timeout' });
        } else {
          onTransportError(i, plan.url, error);
        }
      });
    }
  });
}

function loadParams(plans: InstancePlan[], settings: LoadSettings): LoadParams {
  const rates = plans.map((p) => p.rateRps).filter((r): r is number => r !== undefined);
  return {
    model: 'closed',
    tool: LOAD_TOOL,
    connections: plans.reduce((sum, p) => sum + p.connections, 0),
    // The split can round the rate up (each journey gets at least 1 req/s): report what ran.
    ...(rates.length > 0 ? { rateRps: rates.reduce((sum, r) => sum + r, 0) } : {}),
    durationMs: settings.durationMs,
    warmupMs: settings.warmupMs,
    requestTimeoutMs: settings.requestTimeoutMs,
  };
}

function describeTarget(plans: InstancePlan[]): string {
  return plans.map((p) => p.url).join(', ');
}
