import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { ArtifactNotFoundError, DefaultArtifactClient } from '@actions/artifact';
import type { ArtifactClient } from '@actions/artifact';
import type { ArtifactStore } from './types.js';

/** Where to look for artifacts of another run (needs a token with `actions: read`). */
export interface ArtifactFindBy {
  token: string;
  workflowRunId: number;
  repositoryOwner: string;
  repositoryName: string;
}

export interface GitHubArtifactStoreOptions {
  /** Downloads come from this other run instead of the current one; uploads are unaffected. */
  findBy?: ArtifactFindBy;
  /** Days GitHub keeps what is uploaded (capped by the repository's setting). */
  retentionDays?: number;
  /** The artifact client; the real one unless a test gives another. */
  client?: ArtifactClient;
}

/** Raised when an artifact name is uploaded twice in one run. */
export class ArtifactNameTakenError extends Error {
  constructor(
    readonly artifactName: string,
    cause: unknown,
  ) {
    super(
      `an artifact named "${artifactName}" already exists in this workflow run: artifact names ` +
        'are immutable within a run, so each job and each matrix leg must upload under its own ' +
        'name (perf-flow-<stage>[-<shard>])',
      { cause },
    );
    this.name = 'ArtifactNameTakenError';
  }
}

/** The artifact service answers a taken name with HTTP 409, which the client folds into its message. */
function isConflict(error: unknown): boolean {
  return error instanceof Error && /\(409\)/.test(error.message);
}

/**
 * Artifacts in GitHub Actions through `@actions/artifact`: jobs of one run hand files to
 * each other by name; with `findBy`, downloads come from another run (the default
 * branch's latest result, say).
 */
export class GitHubArtifactStore implements ArtifactStore {
  readonly description: string;
  private readonly client: ArtifactClient;
  private readonly findBy: ArtifactFindBy | undefined;
  private readonly retentionDays: number | undefined;

  constructor(options: GitHubArtifactStoreOptions = {}) {
    this.client = options.client ?? new DefaultArtifactClient();
    this.findBy = options.findBy;
    this.retentionDays = options.retentionDays;
    this.description = this.findBy
      ? `GitHub artifacts (downloads from run ${this.findBy.workflowRunId} of ${this.findBy.repositoryOwner}/${this.findBy.repositoryName})`
      : 'GitHub artifacts of this workflow run';
  }

  async upload(name: string, files: string[], rootDir: string): Promise<void> {
    const root = path.resolve(rootDir);
    const absolute = files.map((file) => {
      const full = path.resolve(root, file);
      const relative = path.relative(root, full);
      if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) {
        throw new Error(`artifact file ${file} is outside ${rootDir}`);
      }
      return full;
    });
    if (absolute.length === 0) throw new Error(`artifact ${name}: no files to upload`);
    const options = this.retentionDays === undefined ? {} : { retentionDays: this.retentionDays };
    try {
      await this.client.uploadArtifact(name, absolute, root, options);
    } catch (error) {
      if (!isConflict(error)) throw error;
      // A re-run job (or the same stage twice in one run) finds its own earlier artifact:
      // the newer result replaces it, as upload-artifact's `overwrite: true` does.
      try {
        await this.client.deleteArtifact(name);
        await this.client.uploadArtifact(name, absolute, root, options);
      } catch (retryError) {
        throw isConflict(retryError) ? new ArtifactNameTakenError(name, retryError) : retryError;
      }
    }
  }

  async download(name: string, destDir: string): Promise<boolean> {
    const find = this.findBy ? { findBy: this.findBy } : undefined;
    let id: number;
    try {
      id = (await this.client.getArtifact(name, find)).artifact.id;
    } catch (error) {
      if (error instanceof ArtifactNotFoundError) return false;
      throw error;
    }
    await mkdir(destDir, { recursive: true });
    await this.client.downloadArtifact(id, { path: path.resolve(destDir), ...find });
    return true;
  }
}
