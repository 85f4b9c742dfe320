/** Exit codes shared by the CLI and the actions (ARCHITECTURE.md). */
export const ExitCode = {
  pass: 0,
  gateFailed: 1,
  usage: 2,
  runtime: 3,
} as const;

/** The user's mistake: bad config, bad input, missing file. Exit 2. */
export class ConfigError extends Error {
  readonly exitCode = ExitCode.usage;
  /** The field at fault, as a path like `slos[1].target` or an input name like `trigger`. */
  readonly field: string | undefined;
  constructor(message: string, field?: string) {
    super(field ? `${field}: ${message}` : message);
    this.name = 'ConfigError';
    this.field = field;
  }
}

/** The service under test failed to build, start, answer, or stayed up. Exit 3. */
export class ServiceError extends Error {
  readonly exitCode = ExitCode.runtime;
  readonly logTail: string[];
  constructor(message: string, logTail: string[] = []) {
    super(
      logTail.length > 0
        ? `${message}\n--- last ${logTail.length} lines of the service log ---\n${logTail.join('\n')}`
        : message,
    );
    this.name = 'ServiceError';
    this.logTail = logTail;
  }
}

/** Anything else that went wrong at run time for a reason outside the user's config. Exit 3. */
export class RuntimeError extends Error {
  readonly exitCode = ExitCode.runtime;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RuntimeError';
  }
}

export function exitCodeOf(error: unknown): number {
  if (
    error instanceof ConfigError ||
    error instanceof ServiceError ||
    error instanceof RuntimeError
  ) {
    return error.exitCode;
  }
  return ExitCode.runtime;
}
