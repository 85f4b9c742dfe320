import { performance } from 'node:perf_hooks';
import type { SliResult, TimelinePoint } from '../data/common.js';
import type { LatencyHistogram } from '../measure/histogram.js';
import { createLatencyHistogram, mergeHistograms, recordMs } from '../measure/histogram.js';
import type { RequestOutcome, SliCounters } from './sli.js';
import { countOutcome, emptyCounters, isErrorOutcome, toSliResult } from './sli.js';
import { TimelineRecorder } from './timeline.js';

interface Tally {
  counters: SliCounters;
  histogram: LatencyHistogram;
}

export interface RecordedLoad {
  overall: SliResult;
  timeline: TimelinePoint[];
  journeys: { result: SliResult; timeline: TimelinePoint[] }[];
}

/**
 * Everything a load run measures, per journey. A request counts at the moment it ends
 * (response, timeout or transport error), and only when that moment falls in the measured
 * window, which follows the warm-up: so the warm-up's slow first requests are left out, and
 * so is whatever straggles in after the window while the generator stops.
 *
 * A timeout enters the latency histograms (the result's and the timeline's) at the request
 * timeout: a censored value, the true latency being at least that. Left out, ten percent of
 * requests timing out at 10 s would leave a "p95 < 100ms" passing with nothing consumed.
 * A transport error has no latency, not even a bound, and stays out of them.
 */
export class LoadRecorder {
  private readonly tallies: Tally[];
  private readonly overall = emptyCounters();
  private readonly timeline: TimelineRecorder;
  private readonly measureStart: number;
  private readonly measureEnd: number;

  constructor(
    journeyCount: number,
    private readonly window: { warmupMs: number; durationMs: number; requestTimeoutMs: number },
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tallies = Array.from({ length: journeyCount }, () => ({
      counters: emptyCounters(),
      histogram: createLatencyHistogram(),
    }));
    this.timeline = new TimelineRecorder(journeyCount, Math.ceil(window.durationMs / 1000));
    this.measureStart = now() + window.warmupMs;
    this.measureEnd = this.measureStart + window.durationMs;
  }

  /**
   * `latencyMs` only for a response; fractional milliseconds keep their precision. A timeout
   * is timed at the request timeout whatever is passed.
   */
  record(journey: number, outcome: RequestOutcome, latencyMs?: number): void {
    const now = this.now();
    if (now < this.measureStart || now >= this.measureEnd) return;
    const tally = this.tallies[journey];
    if (tally === undefined) throw new RangeError(`no journey ${journey}`);
    countOutcome(tally.counters, outcome);
    countOutcome(this.overall, outcome);
    const latency = outcome.kind === 'timeout' ? this.window.requestTimeoutMs : latencyMs;
    if (latency !== undefined) recordMs(tally.histogram, latency);
    const second = Math.floor((now - this.measureStart) / 1000);
    this.timeline.record(journey, second, latency, isErrorOutcome(outcome));
  }

  finish(): RecordedLoad {
    const durationSec = this.window.durationMs / 1000;
    const points = this.timeline.finish();
    return {
      overall: toSliResult(
        this.overall,
        mergeHistograms(this.tallies.map((t) => t.histogram)),
        durationSec,
      ),
      timeline: points.overall,
      journeys: this.tallies.map((tally, i) => ({
        result: toSliResult(tally.counters, tally.histogram, durationSec),
        timeline: points.journeys[i] ?? [],
      })),
    };
  }
}
