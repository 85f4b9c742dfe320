import { setTimeout as sleep } from 'node:timers/promises';
import type { DatabaseConfig } from '../config/database.js';
import { resolveDatabaseUrl } from '../config/database.js';
import type { DatabaseAnalysisData } from '../data/stages.js';
import { DatabaseProblem } from '../db/connection.js';
import type { DatabaseWindow, JourneyLoad } from '../db/watch.js';
import { DatabaseWatch, incompleteAnalysis } from '../db/watch.js';
import { ExitCode } from '../errors.js';
import type { StageProblem } from './context.js';

// pg_stat_activity samples per window, at most: a window is bounded by its load anyway.
const MAX_SAMPLES = 100_000;
const CONNECT_TIMEOUT_MS = 10_000;

/** The database's side of a profiling run: its analysis, and a problem for the exit code. */
export interface DatabaseOutcome {
  analysis: DatabaseAnalysisData;
  problem?: StageProblem;
}

/** A window that opens once the load's warm-up is over and closes when asked. */
export interface PendingWindow {
  /** Settles once the window's opening statistics are read (or could not be). */
  opened: Promise<void>;
  end(): Promise<DatabaseWindow>;
}

/**
 * Watches the service's PostgreSQL (config `database:`) over the windows of one profiling
 * run. Whatever goes wrong with the database (an unset variable, a refused connection, a
 * wrong password, a connection lost midway) leaves the analysis incomplete, with the reason,
 * and never stops the load or the rest of the flow.
 */
export class DatabaseSession {
  private outcome: DatabaseOutcome | undefined;

  private constructor(
    private readonly watch: DatabaseWatch | undefined,
    private readonly url: string,
    failed?: DatabaseOutcome,
  ) {
    this.outcome = failed;
  }

  static async open(config: DatabaseConfig, env: NodeJS.ProcessEnv): Promise<DatabaseSession> {
    const resolved = resolveDatabaseUrl(config, env);
    if ('missing' in resolved) {
      return new DatabaseSession(undefined, config.url, {
        analysis: incompleteAnalysis(config.url, resolved.missing),
        problem: { exitCode: ExitCode.usage, message: resolved.missing },
      });
    }
    try {
      const watch = await DatabaseWatch.open({
        url: resolved.url,
        sampleIntervalMs: config.sampleIntervalMs,
        statementTimeoutMs: config.statementTimeoutMs,
        connectTimeoutMs: CONNECT_TIMEOUT_MS,
        maxSamples: MAX_SAMPLES,
      });
      return new DatabaseSession(watch, resolved.url);
    } catch (error) {
      const session = new DatabaseSession(undefined, resolved.url);
      session.fail(error);
      return session;
    }
  }

  /** A window starting `afterMs` from now (the warm-up); undefined once the watch failed. */
  window(afterMs: number): PendingWindow | undefined {
    const { watch } = this;
    if (watch === undefined || this.outcome !== undefined) return undefined;
    const started = sleep(afterMs).then(() => watch.window());
    // Awaited by end(); until then a rejection must not count as unhandled.
    started.catch(() => undefined);
    return {
      opened: started.then(
        () => undefined,
        () => undefined,
      ),
      end: async () => (await started)(),
    };
  }

  /**
   * Ends `pending` and returns its figures; a database failure is recorded (the analysis is
   * then incomplete) and yields undefined.
   */
  async endWindow(pending: PendingWindow | undefined): Promise<DatabaseWindow | undefined> {
    if (pending === undefined) return undefined;
    try {
      return await pending.end();
    } catch (error) {
      this.fail(error);
      return undefined;
    }
  }

  /** The analysis of the load's window and each journey's. */
  async finish(
    load: DatabaseWindow | undefined,
    journeys: JourneyLoad[],
  ): Promise<DatabaseOutcome> {
    try {
      if (this.outcome === undefined && this.watch !== undefined && load !== undefined) {
        this.outcome = { analysis: await this.watch.analyze(load, journeys) };
      }
    } catch (error) {
      this.fail(error);
    }
    return this.outcome ?? this.failure('the load ended before the database could be watched');
  }

  /** Closes the connection, whatever happened; call it once the session is done with. */
  async close(): Promise<void> {
    await this.watch?.close();
  }

  private fail(error: unknown): void {
    if (!(error instanceof DatabaseProblem)) throw error;
    this.outcome ??= this.failure(error.message);
  }

  private failure(message: string): DatabaseOutcome {
    return {
      analysis: incompleteAnalysis(this.url, new DatabaseProblem('failed', message)),
      problem: { exitCode: ExitCode.runtime, message: `database: ${message}` },
    };
  }
}
