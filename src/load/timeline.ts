import type { TimelinePoint } from '../data/common.js';
import type { LatencyHistogram } from '../measure/histogram.js';
import { createLatencyHistogram, encodeHistogram, recordMs } from '../measure/histogram.js';

interface Window {
  histogram: LatencyHistogram;
  requests: number;
  errors: number;
}

/**
 * Per-second points of a measured window, for each journey and for all together.
 * Responses arrive in completion order, so a second is complete once a later one starts:
 * it is then reduced to a point and its histograms are reused, which keeps memory at one
 * histogram per journey however long the run.
 */
export class TimelineRecorder {
  private readonly journeyWindows: Window[];
  private readonly overallWindow: Window = newWindow();
  private current = 0;
  readonly journeys: TimelinePoint[][];
  readonly overall: TimelinePoint[] = [];

  constructor(
    journeyCount: number,
    /** Points the finished timeline has, the last one possibly covering part of a second. */
    private readonly seconds: number,
  ) {
    this.journeyWindows = Array.from({ length: journeyCount }, newWindow);
    this.journeys = Array.from({ length: journeyCount }, () => []);
  }

  /** `latencyMs` is undefined for a request without a latency (a transport error). */
  record(journey: number, second: number, latencyMs: number | undefined, isError: boolean): void {
    const window = this.journeyWindows[journey];
    if (window === undefined) throw new RangeError(`no journey ${journey}`);
    if (second >= this.seconds) return;
    while (this.current < second) this.close();
    // Called for every request: no array to loop over the two windows.
    count(window, latencyMs, isError);
    count(this.overallWindow, latencyMs, isError);
  }

  /** Closes the remaining seconds, empty ones included, and returns the points. */
  finish(): { overall: TimelinePoint[]; journeys: TimelinePoint[][] } {
    while (this.current < this.seconds) this.close();
    return { overall: this.overall, journeys: this.journeys };
  }

  private close(): void {
    this.journeyWindows.forEach((w, i) => this.journeys[i]?.push(toPoint(this.current, w)));
    this.overall.push(toPoint(this.current, this.overallWindow));
    this.current += 1;
  }
}

function count(window: Window, latencyMs: number | undefined, isError: boolean): void {
  window.requests += 1;
  if (isError) window.errors += 1;
  if (latencyMs !== undefined) recordMs(window.histogram, latencyMs);
}

function newWindow(): Window {
  return { histogram: createLatencyHistogram(), requests: 0, errors: 0 };
}

function toPoint(second: number, window: Window): TimelinePoint {
  // Only the three percentiles latencyStats would give: its mean walks every recorded value
  // through HDR's iterator, which took tens of milliseconds a second on the generator's loop.
  const h = window.histogram;
  const empty = h.totalCount === 0;
  const point = {
    second,
    requests: window.requests,
    errors: window.errors,
    p50: empty ? 0 : h.getValueAtPercentile(50) / 1000,
    p95: empty ? 0 : h.getValueAtPercentile(95) / 1000,
    p99: empty ? 0 : h.getValueAtPercentile(99) / 1000,
    histogram: encodeHistogram(window.histogram),
  };
  window.histogram.reset();
  window.requests = 0;
  window.errors = 0;
  return point;
}
