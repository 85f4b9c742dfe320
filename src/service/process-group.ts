import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LogCapture } from './log-capture.js';
import { processGroupAlive } from './process-tree.js';

export interface ExitInfo {
  code: number | null;
  signal: string | null;
}

/** A shell command running as the leader of its own process group. */
export interface GroupProcess {
  readonly pid: number;
  /** Resolves when the group leader (the shell) exits. */
  readonly exit: Promise<ExitInfo>;
  /** Null while the leader runs. */
  readonly exitInfo: ExitInfo | null;
  readonly stopRequested: boolean;
  /**
   * SIGTERM to the group, up to stopTimeoutMs for every member to go, then SIGKILL to the
   * group. Idempotent; also cleans up members left behind when the leader died by itself.
   */
  stop(): Promise<ExitInfo>;
}

export interface SpawnInGroupOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  log: LogCapture;
  stopTimeoutMs: number;
}

const SPAWN_ERROR_WAIT_MS = 2000;
const KILL_WAIT_MS = 2000;
const POLL_MS = 50;

/** Stoppers of the groups still running, by process group id. */
const liveGroups = new Map<number, () => Promise<unknown>>();
let exitHookInstalled = false;

/**
 * On 'exit' only synchronous work runs, so there is no grace period: whatever is still
 * registered gets SIGKILL, so that no service outlives perf-flow.
 */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', killAllGroups);
}

/** SIGKILL to every group still registered, synchronously: for 'exit' and a second signal. */
export function killAllGroups(): void {
  for (const pgid of liveGroups.keys()) signalGroup(pgid, 'SIGKILL');
}

/** A timeout that does not by itself keep perf-flow running. */
function idle(ms: number): Promise<void> {
  return sleep(Math.max(0, ms), undefined, { ref: false });
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the whole group is already gone
  }
}

async function waitForGroupToEnd(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (processGroupAlive(pgid)) {
    if (Date.now() >= deadline) return false;
    await sleep(POLL_MS);
  }
  return true;
}

/** Stops every command started by this module that is still running (for SIGINT/SIGTERM). */
export async function stopAllGroups(): Promise<void> {
  await Promise.allSettled([...liveGroups.values()].map((stop) => stop()));
}

/** Rejects with the spawn error when `sh` itself cannot be started (a missing cwd, usually). */
export async function spawnInGroup(
  command: string,
  options: SpawnInGroupOptions,
): Promise<GroupProcess> {
  const child = spawn('sh', ['-c', command], {
    cwd: options.cwd,
    env: options.env,
    // Its own process group: the service and everything it spawns can be signalled at once.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  if (pid === undefined) {
    const failure = await Promise.race([
      new Promise<Error>((resolve) => child.once('error', resolve)),
      idle(SPAWN_ERROR_WAIT_MS).then(() => new Error('the process did not start')),
    ]);
    throw failure;
  }
  child.on('error', () => {
    // Reported through 'exit' and the log; an unhandled 'error' event would crash perf-flow.
  });
  options.log.attach(child.stdout);
  options.log.attach(child.stderr);

  let exitInfo: ExitInfo | null = null;
  const exit = new Promise<ExitInfo>((resolve) => {
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      resolve(exitInfo);
    });
  });

  let stopping: Promise<ExitInfo> | null = null;
  const stopGroup = async (): Promise<ExitInfo> => {
    const deadline = Date.now() + options.stopTimeoutMs;
    signalGroup(pid, 'SIGTERM');
    await Promise.race([exit, idle(options.stopTimeoutMs)]);
    // The leader may go while members it started still run (a shell whose child ignores
    // SIGTERM): they get the rest of the grace period, then SIGKILL with the rest.
    const ended = exitInfo !== null && (await waitForGroupToEnd(pid, deadline - Date.now()));
    if (!ended) {
      signalGroup(pid, 'SIGKILL');
      await Promise.race([exit, idle(KILL_WAIT_MS)]);
      await waitForGroupToEnd(pid, KILL_WAIT_MS);
    }
    if (exitInfo) liveGroups.delete(pid);
    return exitInfo ?? { code: null, signal: null };
  };
  const stop = (): Promise<ExitInfo> => {
    stopping ??= stopGroup();
    return stopping;
  };

  installExitHook();
  liveGroups.set(pid, stop);

  return {
    pid,
    exit,
    get exitInfo() {
      return exitInfo;
    },
    get stopRequested() {
      return stopping !== null;
    },
    stop,
  };
}
