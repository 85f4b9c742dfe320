// Child processes for the bench: every one bounded in time, tracked until it exits, and
// stopped by its own pid when the bench ends, fails or is interrupted.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface RunOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  wallMs: number;
  /** CPU seconds of the child (and its reaped descendants), from our cutime/cstime. */
  cpuSec: number;
}

const live = new Set<ChildProcess>();
const CLOCK_TICKS = 100;
const KILL_GRACE_MS = 2000;

/** Quotes a command for the report, as a shell would need it. */
export function shellLine(argv: string[]): string {
  return argv
    .map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`))
    .join(' ');
}

/**
 * CPU seconds of this process's waited-for children so far (/proc/self/stat cutime + cstime).
 * Node reaps a child as soon as it exits, so the difference across one run is that run's
 * child, whole: the taskset-ed generator, including any threads it had.
 */
export function childrenCpuSec(): number {
  return cpuFromStat(readFileSync('/proc/self/stat', 'utf8'), 16, 17);
}

/** CPU seconds of a live process (utime + stime), or null once it is gone. */
export function processCpuSec(pid: number): number | null {
  try {
    return cpuFromStat(readFileSync(`/proc/${pid}/stat`, 'utf8'), 14, 15);
  } catch {
    return null;
  }
}

function cpuFromStat(stat: string, a: number, b: number): number {
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // /proc/[pid]/stat field n (1-based) is fields[n - 3] here.
  return (Number(fields[a - 3]) + Number(fields[b - 3])) / CLOCK_TICKS;
}

/** Runs a command to its end or its time limit (then SIGTERM, then SIGKILL). */
export function runBounded(
  argv: string[],
  opts: { timeoutMs: number; env?: NodeJS.ProcessEnv; cwd?: string },
): Promise<RunOutcome> {
  const [command, ...args] = argv;
  if (command === undefined) throw new Error('empty command');
  const cpuBefore = childrenCpuSec();
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(child);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      void stopChild(child);
    }, opts.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      live.delete(child);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      live.delete(child);
      resolve({
        code,
        signal,
        stdout,
        stderr,
        timedOut,
        wallMs: Date.now() - started,
        cpuSec: childrenCpuSec() - cpuBefore,
      });
    });
  });
}

export interface Daemon {
  child: ChildProcess;
  output: () => string;
  exited: Promise<void>;
}

/** Starts a long-running child (a target); stop it with stopChild. */
export function startDaemon(
  argv: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Daemon {
  const [command, ...args] = argv;
  if (command === undefined) throw new Error('empty command');
  const child = spawn(command, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (output += d));
  const exited = new Promise<void>((resolve) => {
    child.on('error', (error) => {
      output += `\n${error.message}`;
      live.delete(child);
      resolve();
    });
    child.on('close', () => {
      live.delete(child);
      resolve();
    });
  });
  return { child, output: () => output, exited };
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** SIGTERM, then SIGKILL after a grace period; resolves once the child has exited. */
export function stopChild(child: ChildProcess, graceMs = KILL_GRACE_MS): Promise<void> {
  if (hasExited(child) || child.pid === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(killTimer);
      clearTimeout(giveUp);
      resolve();
    };
    child.once('exit', done);
    const killTimer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    const giveUp = setTimeout(done, graceMs + 2000);
    child.kill('SIGTERM');
  });
}

/** Stops every child this bench started and has not yet seen exit. */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((child) => stopChild(child)));
}

/** Kills every live child at once, for a second Ctrl-C or an exit handler. */
export function killAllNow(): void {
  for (const child of live) {
    if (!hasExited(child)) child.kill('SIGKILL');
  }
}
