/** The only interfaces through which a stage touches where it runs (ARCHITECTURE.md). */

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  /** A progress line: which stage, which phase, how long is left. */
  progress(message: string): void;
}

/**
 * Where stages hand their files to later stages, possibly in other jobs. Names follow
 * `perf-flow-<stage>[-<shard>]`. Files are given relative to `rootDir` and come back to the
 * same relative paths under the destination.
 */
export interface ArtifactStore {
  readonly description: string;
  upload(name: string, files: string[], rootDir: string): Promise<void>;
  /** Returns false when no artifact of that name exists. */
  download(name: string, destDir: string): Promise<boolean>;
}

/** What the summary publishes where people review: the PR comment and the check run. */
export interface PublishedResult {
  markdown: string;
  verdict: 'PASS' | 'PARTIAL' | 'FAIL' | 'INCONCLUSIVE' | null;
  failed: boolean;
  title: string;
  /** Hotspots on file:line in the repository. */
  annotations: { path: string; line: number; message: string; title?: string }[];
}

/** Where the default branch's latest results can be downloaded from, or why they cannot. */
export type DefaultBranchResults =
  | {
      store: ArtifactStore;
      /** e.g. "the default branch's run 42 (commit abc123)". */
      description: string;
      commit: string | null;
      /** The pull request's base commit, which a plan must have been made on to be checked. */
      pullRequestBaseSha?: string | null;
    }
  | { store: null; reason: string };

export interface Platform {
  readonly kind: 'local' | 'github';
  readonly log: Logger;
  readonly artifacts: ArtifactStore;
  setOutput(name: string, value: string): void;
  /** Adds markdown to the job summary (no-op locally: the report files are the summary). */
  appendSummary(markdown: string): Promise<void>;
  /**
   * Posts the result for review (GitHub: the sticky PR comment and the perf-flow check run).
   * Returns one line per thing posted or not posted, and why; never throws for a refusal.
   */
  publishResult(result: PublishedResult): Promise<string[]>;
  /** The artifacts of the default branch's latest other run (GitHub only: `actions: read`). */
  defaultBranchResults(): Promise<DefaultBranchResults>;
}
