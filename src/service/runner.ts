import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PORT_PLACEHOLDER, type ServiceConfig } from '../config/types.js';
import type { ProcessStats } from '../data/common.js';
import { ConfigError, ServiceError } from '../errors.js';
import { serviceEnvironment } from './environment.js';
import { findFreePort } from './free-port.js';
import { createLogCapture } from './log-capture.js';
import type { LogCapture } from './log-capture.js';
import { spawnInGroup, stopAllGroups } from './process-group.js';
import type { ExitInfo, GroupProcess } from './process-group.js';
import { createProcessSampler } from './process-sampler.js';
import { joinUrl, waitForReady } from './readiness.js';
import type { ReadinessResult } from './readiness.js';

export type { ExitInfo } from './process-group.js';

/** Lines of the service log carried by a ServiceError. */
const TAIL_LINES = 50;
/** How long to let a dead process's last output arrive before quoting the log. */
const DRAIN_MS = 1000;

export interface RunningService {
  /** Base URL, with ${PORT} resolved. */
  url: string;
  /** The start command's shell, which leads the service's process group; null if external. */
  pid: number | null;
  /** For provenance: the configured build (buildService runs it) and the start command. */
  commands: string[];
  /**
   * The last lines of the service's log (`<logDir>/<name>.log`), also after it stopped; none
   * for an external service. For a stage that explains a failure the service did not crash
   * with (errors under load, a missing profile) by what the service said.
   */
  logTail(n?: number): string[];
  /**
   * Settles as `work` does, unless the service exits first: then rejects with a ServiceError
   * quoting its log. An exit caused by stop() is not a crash and is ignored.
   */
  watch<T>(work: Promise<T>): Promise<T>;
  /** Null for an external service, or one that has already exited. */
  startSampling(intervalMs?: number): { stop(): ProcessStats } | null;
  /** Stops the whole process group; idempotent, and safe after the service died. */
  stop(): Promise<ExitInfo>;
}

export interface BuildOptions {
  logDir: string;
  onLine?: (line: string) => void;
}

export interface StartOptions {
  logDir: string;
  /** Names the log file: `<logDir>/<name>.log`. */
  name?: string;
  extraEnv?: Record<string, string>;
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(2))}s`;
}

function describeExit(info: ExitInfo): string {
  return info.code !== null ? `code ${info.code}` : `signal ${info.signal ?? 'unknown'}`;
}

function openLog(
  logDir: string,
  fileName: string,
  header: string,
  onLine?: (line: string) => void,
): LogCapture {
  mkdirSync(logDir, { recursive: true });
  return createLogCapture(join(logDir, fileName), {
    maxLines: TAIL_LINES,
    header: `# perf-flow ${new Date().toISOString()} ${header}`,
    ...(onLine ? { onLine } : {}),
  });
}

function spawnError(what: string, command: string, error: unknown): ServiceError {
  const reason = error instanceof Error ? error.message : String(error);
  return new ServiceError(`the ${what} command could not be started (${reason}): ${command}`);
}

/** Runs cfg.build, if any, to completion; its output goes to `<logDir>/build.log`. */
export async function buildService(cfg: ServiceConfig, opts: BuildOptions): Promise<void> {
  const command = cfg.build;
  if (command === undefined || command.trim() === '') return;
  const log = openLog(opts.logDir, 'build.log', `build in ${cfg.cwd}: ${command}`, opts.onLine);
  let proc: GroupProcess;
  try {
    proc = await spawnInGroup(command, {
      cwd: cfg.cwd,
      env: serviceEnvironment(process.env, cfg.env),
      log,
      stopTimeoutMs: cfg.stopTimeoutMs,
    });
  } catch (error) {
    log.close();
    throw spawnError('build', command, error);
  }
  try {
    const finished = await Promise.race([
      proc.exit,
      sleep(cfg.buildTimeoutMs, undefined, { ref: false }).then(() => null),
    ]);
    // Ends a build out of time, and whatever a finished build left behind: a watcher or a
    // daemon would skew the measurement, and would hold the log open.
    await proc.stop();
    await log.drained(DRAIN_MS);
    if (finished === null) {
      throw new ServiceError(
        `the build command did not finish within ${seconds(cfg.buildTimeoutMs)}: ${command}`,
        log.tail(TAIL_LINES),
      );
    }
    if (finished.code !== 0) {
      const how =
        finished.code !== null
          ? `failed with exit code ${finished.code}`
          : `was killed by signal ${finished.signal ?? 'unknown'}`;
      throw new ServiceError(`the build command ${how}: ${command}`, log.tail(TAIL_LINES));
    }
  } finally {
    await proc.stop();
    log.close();
  }
}

/**
 * Starts cfg.start and waits until url + ready answers 2xx. Without cfg.start the service is
 * external: it is only waited for.
 */
export async function startService(
  cfg: ServiceConfig,
  opts: StartOptions,
): Promise<RunningService> {
  if (cfg.start === undefined || cfg.start.trim() === '') return connectExternal(cfg);
  const command = cfg.start;

  let url = cfg.url;
  const added: Record<string, string> = {};
  if (url.includes(PORT_PLACEHOLDER)) {
    const port = String(await findFreePort());
    url = url.replaceAll(PORT_PLACEHOLDER, port);
    added.PORT = port;
  }
  const env = serviceEnvironment(process.env, cfg.env, { ...added, ...opts.extraEnv });
  const readyUrl = checkedReadyUrl(url, cfg.ready);

  const portNote = env.PORT !== undefined ? ` (PORT=${env.PORT})` : '';
  const log = openLog(
    opts.logDir,
    `${opts.name ?? 'service'}.log`,
    `start in ${cfg.cwd}${portNote}: ${command}`,
  );
  let proc: GroupProcess;
  try {
    proc = await spawnInGroup(command, {
      cwd: cfg.cwd,
      env,
      log,
      stopTimeoutMs: cfg.stopTimeoutMs,
    });
  } catch (error) {
    log.close();
    throw spawnError('start', command, error);
  }

  const commands = cfg.build?.trim() ? [cfg.build, command] : [command];
  const service = startedService(url, commands, proc, log);
  let result: ReadinessResult;
  try {
    const exited = new AbortController();
    void proc.exit.then(() => exited.abort());
    result = await waitForReady(readyUrl, {
      timeoutMs: cfg.startTimeoutMs,
      signal: exited.signal,
    });
  } catch (error) {
    await service.stop();
    throw error;
  }
  if (result.ready && !proc.exitInfo) return service;

  const exitedEarly = proc.exitInfo;
  // Stopping first also ends leftovers that would hold the log open, so it drains at once.
  await service.stop();
  const tail = log.tail(TAIL_LINES);
  if (exitedEarly) {
    throw new ServiceError(
      `the service exited with ${describeExit(exitedEarly)} before it was ready`,
      tail,
    );
  }
  const last = result.lastAttempt ? ` (last attempt: ${result.lastAttempt})` : '';
  throw new ServiceError(
    `the service did not answer ${readyUrl} with 2xx within ${seconds(cfg.startTimeoutMs)}${last}`,
    tail,
  );
}

function checkedReadyUrl(url: string, ready: string): string {
  const readyUrl = joinUrl(url, ready);
  if (!URL.canParse(readyUrl)) {
    throw new ConfigError(`is not a valid URL: ${readyUrl}`, 'service.url');
  }
  return readyUrl;
}

async function connectExternal(cfg: ServiceConfig): Promise<RunningService> {
  if (cfg.url.includes(PORT_PLACEHOLDER)) {
    throw new ConfigError(
      `contains ${PORT_PLACEHOLDER}, which only works when perf-flow starts the service (service.start)`,
      'service.url',
    );
  }
  const readyUrl = checkedReadyUrl(cfg.url, cfg.ready);
  const result = await waitForReady(readyUrl, { timeoutMs: cfg.startTimeoutMs });
  if (!result.ready) {
    const last = result.lastAttempt ? ` (last attempt: ${result.lastAttempt})` : '';
    throw new ServiceError(
      `no service answered at ${readyUrl} with 2xx within ${seconds(cfg.startTimeoutMs)}${last}`,
    );
  }
  return {
    url: cfg.url,
    pid: null,
    commands: [],
    logTail: () => [],
    watch: (work) => work,
    startSampling: () => null,
    stop: () => Promise.resolve({ code: null, signal: null }),
  };
}

function startedService(
  url: string,
  commands: string[],
  proc: GroupProcess,
  log: LogCapture,
): RunningService {
  let stopping: Promise<ExitInfo> | null = null;
  return {
    url,
    pid: proc.pid,
    commands,
    logTail: (n = TAIL_LINES) => log.tail(n),
    watch<T>(work: Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        let settled = false;
        void proc.exit.then(async (info) => {
          if (settled || proc.stopRequested) return;
          settled = true;
          await log.drained(DRAIN_MS);
          reject(
            new ServiceError(
              `the service exited with ${describeExit(info)} while it was under load`,
              log.tail(TAIL_LINES),
            ),
          );
        });
        work.then(
          (value) => {
            if (settled) return;
            settled = true;
            resolve(value);
          },
          (error: unknown) => {
            if (settled) return;
            settled = true;
            reject(error);
          },
        );
      });
    },
    startSampling(intervalMs) {
      if (proc.exitInfo) return null;
      return createProcessSampler(proc.pid, intervalMs);
    },
    stop() {
      stopping ??= proc.stop().then(async (info) => {
        await log.drained(DRAIN_MS);
        log.close();
        return info;
      });
      return stopping;
    },
  };
}

/**
 * Stops every build and service still running, gracefully (SIGTERM, then SIGKILL after the
 * stop timeout). The CLI and the action wrapper call it when they finish;
 * installStopOnSignals calls it on SIGINT and SIGTERM.
 */
export function stopAllServices(): Promise<void> {
  return stopAllGroups();
}
