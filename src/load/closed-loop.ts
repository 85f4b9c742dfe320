import type net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { JourneyConfig, LoadSettings } from '../config/types.js';
import type { LoadParams } from '../data/common.js';
import { ConfigError, RuntimeError } from '../errors.js';
import { journeyPicker } from './arrivals.js';
import { Http1ProtocolError, Http1ResponseReader } from './http1-response.js';
import type { Http1Target } from './http1-target.js';
import { connectTo, http1Target } from './http1-target.js';
import type { Http1Response } from './http1-response.js';
import { UNREACHABLE_CODES, errorCode, unreachable } from './load-errors.js';
import { LoadRecorder } from './load-recorder.js';
import {
  loadRunResult,
  runDeadlineMs,
  startProgressTimer,
  watchMeasuredWindow,
} from './run-support.js';
import { TIMEOUT_OUTCOME, TRANSPORT_OUTCOME, responseOutcome } from './sli.js';
import { assertLoadTargetAllowed } from './target-safety.js';
import type { LoadProgress, LoadRunResult } from './types.js';
import { HTTP_METHODS, requirePositive, requireWarmup, validateJourneys } from './validate-load.js';

export { mergeSliResults, toSliResult } from './sli.js';
export type { SliCounters } from './sli.js';
export type { JourneyLoadResult, LoadProgress, LoadRunResult } from './types.js';

export interface ClosedLoopOptions {
  onProgress?: (progress: LoadProgress) => void;
  signal?: AbortSignal;
  /** Hosts besides loopback the load may go to (the config's allowedHosts). */
  allowedHosts?: string[];
}

export const LOAD_TOOL = 'perf-flow closed loop (node:net, HTTP/1.1 keep-alive)';

// How often requests past their timeout are looked for; a timeout is recorded at the request
// timeout whatever the delay in noticing it.
const SWEEP_INTERVAL_MS = 10;
// A connection whose connect failed tries again after this: a dead port refuses in
// microseconds, and 50 connections retrying at once would spin a core for nothing.
const RECONNECT_DELAY_MS = 10;
// A throttled connection sends on time if its slot is at most this far ahead; a wait for
// less is not worth a timer (which can fire a millisecond late anyway).
const SLOT_SLACK_MS = 0.5;

/**
 * Runs the journeys in a closed loop: `connections` keep-alive HTTP/1.1 connections, each
 * sending its next request as soon as the last one is answered (or, with `rateRps`, at its
 * share of the rate at most: evenly spaced slots, one missed slot made up, never a burst).
 * Each request's
 * journey is the next of a smooth weighted round robin over the journeys' weights.
 *
 * Written on node:net with perf-flow's own response framing (http1-response.ts) rather than
 * an HTTP client library: per request it costs one write, one read and no allocation but the
 * chunk, which lets one core drive about 0.7 times what wrk does (BENCHMARKS.md); autocannon,
 * which this replaced, reached 0.41-0.50 and timed in whole milliseconds.
 *
 * Latency runs from the request's write to the end of its response, at sub-millisecond
 * precision. One run covers warm-up then the measured window; only requests that end inside
 * the window count. A response that announces the close (Connection: close, HTTP/1.0) is
 * honoured: the next request goes on a new connection. A connection closed or reset with a
 * request outstanding, malformed framing or a failed connect is a transport error; a request
 * unanswered after the request timeout is a timeout, and its connection is replaced.
 *
 * Rejects with ConfigError for bad settings or a target that is not allowed, with
 * RuntimeError when the target cannot be reached at all or the run overruns its deadline,
 * and with the signal's reason when aborted. Every socket is closed before it settles.
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
  return execute(http1Target(baseUrl, journeys), journeys, settings, opts);
}

function validate(journeys: JourneyConfig[], settings: LoadSettings): void {
  validateJourneys(journeys, HTTP_METHODS);
  const { durationMs, warmupMs, connections, rateRps, requestTimeoutMs } = settings;
  requirePositive('load duration', durationMs, 'ms');
  requireWarmup(warmupMs);
  if (!Number.isInteger(connections) || connections < 1) {
    throw new ConfigError(`connections must be a whole number of at least 1, got ${connections}`);
  }
  if (rateRps !== undefined) requirePositive('rate', rateRps, 'req/s');
  requirePositive('request timeout', requestTimeoutMs, 'ms');
}

/** One keep-alive connection and the one request it may have outstanding. */
interface Connection {
  socket: net.Socket | undefined;
  reader: Http1ResponseReader;
  journey: number;
  sentAt: number;
  /** Throttled: performance.now() of this connection's next slot. */
  nextSlot: number;
  slotTimer: NodeJS.Timeout | undefined;
  /** The error that preceded the socket's close, if any. */
  lastError: Error | undefined;
  connected: boolean;
}

function execute(
  tgt: Http1Target,
  journeys: JourneyConfig[],
  settings: LoadSettings,
  opts: ClosedLoopOptions,
): Promise<LoadRunResult> {
  return new Promise<LoadRunResult>((resolve, reject) => {
    const { warmupMs, durationMs, requestTimeoutMs, connections, rateRps } = settings;
    const totalMs = warmupMs + durationMs;
    const start = performance.now();
    const recorder = new LoadRecorder(journeys.length, settings);
    const pick = journeyPicker(
      journeys.map((j) => j.weight),
      'uniform',
      () => 0,
    );
    // Throttled, connection k takes slots k, k + n, k + 2n... of a rate-wide schedule.
    const slotGapMs = rateRps === undefined ? 0 : (1000 * connections) / rateRps;
    const pool: Connection[] = [];
    let responses = 0;
    let sent = 0;
    let transportErrors = 0;
    let lastTransportError: unknown;
    let running = true;
    let settled = false;

    const monitor = watchMeasuredWindow(warmupMs, totalMs);
    const endTimer = setTimeout(() => succeed(), totalMs);
    const sweepTimer = setInterval(() => sweep(), SWEEP_INTERVAL_MS);
    const deadlineMs = runDeadlineMs(totalMs, requestTimeoutMs);
    const deadlineTimer = setTimeout(() => {
      fail(new RuntimeError(`the load on ${tgt.url} did not stop within ${deadlineMs}ms`));
    }, deadlineMs);
    const onAbort = () => fail(opts.signal?.reason);
    const progressTimer = startProgressTimer(
      opts.onProgress,
      { startedAt: start, warmupMs, totalMs },
      (error) => fail(error),
    );
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    const stop = () => {
      running = false;
      clearTimeout(endTimer);
      clearInterval(sweepTimer);
      clearTimeout(deadlineTimer);
      clearInterval(progressTimer);
      monitor.clearTimers();
      opts.signal?.removeEventListener('abort', onAbort);
      for (const conn of pool) {
        clearTimeout(conn.slotTimer);
        drop(conn);
      }
    };

    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      stop();
      reject(error);
    };

    function succeed(): void {
      if (settled) return;
      settled = true;
      // Judged before the sockets go: their teardown is not the steady state.
      const generator = monitor.finish();
      stop();
      if (responses === 0 && transportErrors > 0) {
        reject(unreachable(tgt.url, lastTransportError));
        return;
      }
      resolve({
        ...loadRunResult(journeys, recorder.finish(), loadParams(settings), generator),
        sentInRun: sent,
      });
    }

    const transportError = (conn: Connection, error: unknown) => {
      transportErrors += 1;
      if (error !== undefined) lastTransportError = error;
      // Nothing has answered and the host refuses or does not exist: every further attempt
      // would fail alike until the duration ends.
      if (responses === 0 && UNREACHABLE_CODES.has(errorCode(error) ?? '')) {
        fail(unreachable(tgt.url, error));
        return;
      }
      recorder.record(conn.journey, TRANSPORT_OUTCOME);
    };

    function open(conn: Connection): void {
      if (!running) return;
      // Reads arrive only after the connect, by when `socket` is set.
      const { socket, readyEvent } = connectTo(tgt, (chunk) => onData(conn, socket, chunk));
      conn.socket = socket;
      conn.connected = false;
      conn.lastError = undefined;
      conn.reader.reset();
      socket.once(readyEvent, () => {
        conn.connected = true;
        sendNext(conn);
      });
      socket.on('error', (error) => {
        conn.lastError = error;
      });
      socket.on('close', () => onClose(conn, socket));
    }

    function drop(conn: Connection): void {
      const socket = conn.socket;
      if (socket === undefined) return;
      conn.socket = undefined;
      conn.reader.reset();
      socket.destroy();
    }

    function sendNext(conn: Connection): void {
      if (!running || conn.socket === undefined) return;
      if (slotGapMs > 0) {
        const now = performance.now();
        const wait = conn.nextSlot - now;
        if (wait > SLOT_SLACK_MS) {
          conn.slotTimer = setTimeout(() => {
            conn.slotTimer = undefined;
            sendNext(conn);
          }, wait);
          return;
        }
        // A send late for its slot keeps the schedule, so the next one may go at once: a slow
        // answer now and then costs no slot. Further behind, the slots are given up (no
        // catch-up burst after a stall): the schedule restarts one slot back.
        conn.nextSlot = Math.max(conn.nextSlot + slotGapMs, now - slotGapMs);
      }
      const journey = pick();
      conn.journey = journey;
      conn.reader.expect(tgt.heads[journey] === true);
      conn.sentAt = performance.now();
      sent += 1;
      conn.socket.write(tgt.requests[journey] as Buffer);
    }

    function onData(conn: Connection, socket: net.Socket, chunk: Buffer): void {
      if (conn.socket !== socket) return;
      let response: Http1Response | undefined;
      try {
        response = conn.reader.feed(chunk);
      } catch (error) {
        if (!(error instanceof Http1ProtocolError)) throw error;
        transportError(conn, error);
        drop(conn);
        open(conn);
        return;
      }
      if (response === undefined) return;
      complete(conn, response);
      if (!response.keepAlive) {
        drop(conn);
        open(conn);
        return;
      }
      sendNext(conn);
    }

    function complete(conn: Connection, response: Http1Response): void {
      responses += 1;
      recorder.record(
        conn.journey,
        responseOutcome(response.status),
        performance.now() - conn.sentAt,
      );
    }

    function onClose(conn: Connection, socket: net.Socket): void {
      // A socket perf-flow dropped (timeout, stop) is no longer the connection's: not news.
      if (conn.socket !== socket) return;
      conn.socket = undefined;
      const wasConnected = conn.connected;
      if (conn.reader.busy) {
        let response: Http1Response | undefined;
        try {
          response = conn.reader.end();
        } catch (error) {
          transportError(conn, conn.lastError ?? error);
        }
        if (response !== undefined) complete(conn, response);
      } else if (!wasConnected) {
        // The connect failed: the request this connection would have sent is lost.
        conn.journey = pick();
        transportError(conn, conn.lastError);
      }
      if (!running) return;
      if (wasConnected) {
        open(conn);
      } else {
        conn.slotTimer = setTimeout(() => {
          conn.slotTimer = undefined;
          open(conn);
        }, RECONNECT_DELAY_MS);
      }
    }

    function sweep(): void {
      const now = performance.now();
      for (const conn of pool) {
        if (conn.socket === undefined || !conn.reader.busy) continue;
        if (now - conn.sentAt < requestTimeoutMs) continue;
        recorder.record(conn.journey, TIMEOUT_OUTCOME);
        drop(conn);
        open(conn);
      }
    }

    for (let index = 0; index < connections; index++) {
      const conn: Connection = {
        socket: undefined,
        reader: new Http1ResponseReader(),
        journey: 0,
        sentAt: 0,
        nextSlot: start + (index * slotGapMs) / connections,
        slotTimer: undefined,
        lastError: undefined,
        connected: false,
      };
      pool.push(conn);
      open(conn);
    }
  });
}

function loadParams(settings: LoadSettings): LoadParams {
  return {
    model: 'closed',
    tool: LOAD_TOOL,
    connections: settings.connections,
    ...(settings.rateRps === undefined ? {} : { rateRps: settings.rateRps }),
    durationMs: settings.durationMs,
    warmupMs: settings.warmupMs,
    requestTimeoutMs: settings.requestTimeoutMs,
  };
}
