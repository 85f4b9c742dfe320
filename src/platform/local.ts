import { DirectoryArtifactStore, SharedReportDirStore } from './artifacts-local.js';
import type { Logger, Platform } from './types.js';

export function consoleLogger(stream: NodeJS.WritableStream = process.stderr): Logger {
  return {
    info: (m) => stream.write(`${m}\n`),
    warn: (m) => stream.write(`warning: ${m}\n`),
    progress: (m) => stream.write(`${m}\n`),
  };
}

/** A laptop or a plain CI shell: outputs go nowhere but the report files. */
export function localPlatform(options: { artifactsDir?: string; log?: Logger } = {}): Platform {
  return {
    kind: 'local',
    log: options.log ?? consoleLogger(),
    artifacts: options.artifactsDir
      ? new DirectoryArtifactStore(options.artifactsDir)
      : new SharedReportDirStore(),
    setOutput: () => {},
    appendSummary: async () => {},
    publishResult: async () => [],
    defaultBranchResults: async () => ({
      store: null,
      reason:
        "the default branch's results live in GitHub Actions artifacts; locally, give a report directory or data file to compare with",
    }),
  };
}
