import { constants } from 'node:os';
import { killAllGroups, stopAllGroups } from './process-group.js';

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
let installed = false;

function toStderr(message: string): void {
  process.stderr.write(`${message}\n`);
}

/**
 * Makes SIGINT and SIGTERM stop the service under test before perf-flow exits; idempotent.
 *
 * The first signal stops every build and service gracefully (SIGTERM, then SIGKILL after its
 * stop timeout) and exits with 128 + the signal's number: 130 for SIGINT, 143 for SIGTERM.
 * A second signal (Ctrl-C again; a cancelled GitHub job sends SIGINT, then SIGTERM) does not
 * wait: it SIGKILLs every process group at once and exits with the same code. The handlers
 * stay installed: were the second signal left to its default action, it would kill perf-flow
 * without an 'exit' event, and the services with it would live on.
 */
export function installStopOnSignals(log: (message: string) => void = toStderr): void {
  if (installed) return;
  installed = true;
  let exitCode: number | null = null;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (exitCode !== null) {
      log(`perf-flow: ${signal} again: killing the service under test`);
      killAllGroups();
      process.exit(exitCode);
    }
    exitCode = 128 + constants.signals[signal];
    const code = exitCode;
    log(`perf-flow: ${signal}: stopping the service under test`);
    // Holds the process open until the exit below: the run itself may end meanwhile (its
    // service went away) and must not exit with another code first.
    const hold = setInterval(() => {}, 60_000);
    void stopAllGroups().finally(() => {
      clearInterval(hold);
      process.exit(code);
    });
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
}
