import { setTimeout as sleep } from 'node:timers/promises';

export interface ReadinessResult {
  ready: boolean;
  /** What the last unsuccessful attempt got ("HTTP 503", "ECONNREFUSED"), for the error. */
  lastAttempt: string | null;
}

export interface WaitForReadyOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Each request gives up after this long, so one hung request cannot eat the whole wait. */
  requestTimeoutMs?: number;
  /** Stops waiting early (the service exited): resolves not ready. */
  signal?: AbortSignal;
}

/** `http://h:1/` + `/health` without a doubled or missing slash. */
export function joinUrl(base: string, path: string): string {
  if (path === '') return base;
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

function describeFailure(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError') return 'no answer in time';
    const cause = (error as Error & { cause?: { code?: unknown; message?: unknown } }).cause;
    if (typeof cause?.code === 'string') return cause.code;
    if (typeof cause?.message === 'string') return cause.message;
    return error.message;
  }
  return String(error);
}

/** Polls GET url until it answers 2xx, the time is up, or the signal aborts. */
export async function waitForReady(
  url: string,
  options: WaitForReadyOptions,
): Promise<ReadinessResult> {
  const interval = options.intervalMs ?? 100;
  const requestTimeout = options.requestTimeoutMs ?? 1000;
  const deadline = Date.now() + options.timeoutMs;
  let lastAttempt: string | null = null;

  for (;;) {
    const remaining = deadline - Date.now();
    if (remaining <= 0 || options.signal?.aborted) return { ready: false, lastAttempt };
    const timeout = AbortSignal.timeout(Math.max(1, Math.min(requestTimeout, remaining)));
    const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
    try {
      const response = await fetch(url, { signal, redirect: 'manual' });
      await response.body?.cancel();
      if (response.status >= 200 && response.status < 300) return { ready: true, lastAttempt };
      lastAttempt = `HTTP ${response.status}`;
    } catch (error) {
      if (options.signal?.aborted) return { ready: false, lastAttempt };
      lastAttempt = describeFailure(error);
    }
    const pause = Math.min(interval, deadline - Date.now());
    if (pause > 0) {
      try {
        await sleep(pause, undefined, options.signal ? { signal: options.signal } : {});
      } catch {
        return { ready: false, lastAttempt }; // aborted
      }
    }
  }
}
