import type pg from 'pg';
import type { DatabaseAnalysisData } from '../data/stages.js';
import type { ActivityProfile } from './activity.js';
import { startActivitySampler } from './activity.js';
import {
  DatabaseProblem,
  classify,
  closeClient,
  describeTarget,
  openDatabase,
  parseDatabaseUrl,
} from './connection.js';
import {
  journeyUse,
  missingIndexes,
  nPlusOne,
  topStatements,
  waitsAndConnections,
} from './findings.js';
import { scannedTables } from './scans.js';
import type { DatabaseDelta } from './stats.js';
import { snapshotDelta, takeSnapshot } from './stats.js';

export interface DatabaseWatchOptions {
  url: string;
  /** pg_stat_activity is sampled this often during each window. */
  sampleIntervalMs: number;
  /** A window stops sampling after this many samples (its bound). */
  maxSamples: number;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
}

/** What the database did during one window of load. */
export interface DatabaseWindow {
  delta: DatabaseDelta;
  activity: ActivityProfile;
}

/** A journey's measured requests and the window that watched them (JourneyWindow's counts). */
export interface JourneyLoad {
  journey: string;
  requests: number;
  windowRequests?: number;
  window: DatabaseWindow;
}

// At most this many statements in the report's ranking.
const TOP_STATEMENTS = 10;

/**
 * Watches the service's PostgreSQL over windows of load (the mixed load, then each journey
 * alone): statistics before and after each, and a sampling of pg_stat_activity during it.
 * One read-only connection of its own, every statement bounded by the statement timeout.
 */
export class DatabaseWatch {
  private constructor(
    private readonly client: pg.Client,
    private readonly options: DatabaseWatchOptions,
    readonly target: string,
  ) {}

  /** Connects; a DatabaseProblem (refused, wrong password, no rights…) when it cannot. */
  static async open(options: DatabaseWatchOptions): Promise<DatabaseWatch> {
    const target = describeTarget(parseDatabaseUrl(options.url));
    const client = await openDatabase(options.url, options);
    return new DatabaseWatch(client, options, target);
  }

  /** Starts a window; the returned function ends it and gives what the database did. */
  async window(): Promise<() => Promise<DatabaseWindow>> {
    const before = await this.guard(takeSnapshot(this.client));
    const sampler = startActivitySampler(this.client, {
      intervalMs: this.options.sampleIntervalMs,
      maxSamples: this.options.maxSamples,
    });
    return async () => {
      const activity = await sampler.stop();
      const after = await this.guard(takeSnapshot(this.client));
      return { delta: snapshotDelta(before, after), activity };
    };
  }

  /** Findings from the mixed load's window and each journey's own (with its request count). */
  async analyze(
    load: DatabaseWindow,
    journeys: readonly JourneyLoad[],
  ): Promise<DatabaseAnalysisData> {
    const missing: string[] = [];
    if (load.delta.statementsMissing !== undefined) missing.push(load.delta.statementsMissing);
    // Without the right to read other roles' activity, what the service runs is hidden:
    // the analysis says so and is incomplete, keeping what it could see (tables, its own).
    const rightsMissing = !load.delta.readsAllStats && load.activity.hiddenSamples > 0;
    if (rightsMissing) {
      missing.push(
        "the role may not read other roles' sessions and statements (grant it pg_read_all_stats): " +
          `${load.activity.hiddenSamples} session samples were seen without what they ran`,
      );
    }
    if (load.activity.stoppedBy !== undefined)
      missing.push(`activity sampling: ${load.activity.stoppedBy}`);
    const uses = journeys.map((j) =>
      journeyUse({
        journey: j.journey,
        requests: j.requests,
        ...(j.windowRequests !== undefined && { windowRequests: j.windowRequests }),
        delta: j.window.delta,
      }),
    );
    const scanned = await scannedTables(this.client, load.delta, load.activity);
    const { intervalMs, samples, sessions, waitsByType, hiddenSamples } = load.activity;
    return {
      status: rightsMissing || load.activity.stoppedBy !== undefined ? 'incomplete' : 'complete',
      target: this.target,
      missing,
      top: topStatements(load.delta, load.activity).slice(0, TOP_STATEMENTS),
      journeys: uses,
      findings: [
        ...nPlusOne(uses),
        ...missingIndexes(scanned),
        ...waitsAndConnections(load.activity, load.delta),
      ],
      activity: { intervalMs, samples, sessions, waitsByType, hiddenSamples },
    };
  }

  async close(): Promise<void> {
    await closeClient(this.client);
  }

  private async guard<T>(work: Promise<T>): Promise<T> {
    try {
      return await work;
    } catch (error) {
      throw classify(error, parseDatabaseUrl(this.options.url));
    }
  }
}

/** The analysis when the database could not be watched: incomplete, and why. */
export function incompleteAnalysis(url: string, problem: unknown): DatabaseAnalysisData {
  let target = 'PostgreSQL';
  try {
    target = describeTarget(parseDatabaseUrl(url));
  } catch {
    // A bad URL is the problem itself.
  }
  const reason = problem instanceof DatabaseProblem ? problem.message : String(problem);
  return {
    status: 'incomplete',
    target,
    missing: [reason],
    top: [],
    journeys: [],
    findings: [],
    activity: null,
  };
}
