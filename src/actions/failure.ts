import { ConfigError, ExitCode, RuntimeError, ServiceError } from '../errors.js';

/**
 * How a failure is told to the user: a configuration error as their mistake (exit 2), a
 * service or runtime failure with its log (exit 3), and anything else as our bug, with the
 * stack so it can be reported.
 */
export function describeFailure(error: unknown): { exitCode: number; message: string } {
  if (error instanceof ConfigError)
    return { exitCode: ExitCode.usage, message: `Configuration error: ${error.message}` };
  if (error instanceof ServiceError)
    return { exitCode: ExitCode.runtime, message: `Service failure: ${error.message}` };
  if (error instanceof RuntimeError)
    return { exitCode: ExitCode.runtime, message: `Runtime failure: ${error.message}` };
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return {
    exitCode: ExitCode.runtime,
    message: `perf-flow failed unexpectedly (a bug: please report it with this trace):\n${detail}`,
  };
}
