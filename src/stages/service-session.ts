import path from 'node:path';
import type { ServiceConfig } from '../config/types.js';
import type { ProcessStats } from '../data/common.js';
import { buildService, startService, type RunningService } from '../service/runner.js';
import type { StageContext } from './context.js';

/** One build per config per process: the whole flow starts the service three times. */
const built = new Set<string>();

/** Runs the configured build, once per config per process. */
export async function ensureBuilt(ctx: StageContext): Promise<void> {
  const { service } = ctx.config;
  if (!service.build || built.has(ctx.config.hash)) return;
  ctx.progress(`building: ${service.build}`);
  await buildService(service, { logDir: path.join(ctx.workingDir, 'logs') });
  built.add(ctx.config.hash);
}

/**
 * Builds (once), starts, samples and always stops the service for one load phase. When the
 * service dies mid-phase the work rejects at once with the service's log tail, and its
 * signal aborts the load so that nothing keeps sending to a dead port.
 */
export async function withServiceUnderLoad<T>(
  ctx: StageContext,
  options: {
    name: string;
    extraEnv?: Record<string, string>;
    /** Another service than the config's (a base checkout), built by the caller. */
    service?: ServiceConfig;
  },
  work: (service: RunningService, signal: AbortSignal) => Promise<T>,
): Promise<{ result: T; processStats: ProcessStats | null; commands: string[] }> {
  const logDir = path.join(ctx.workingDir, 'logs');
  const serviceConfig = options.service ?? ctx.config.service;
  if (options.service === undefined) await ensureBuilt(ctx);
  if (serviceConfig.start) ctx.progress(`starting the service: ${serviceConfig.start}`);
  const service = await startService(serviceConfig, {
    logDir,
    name: options.name,
    ...(options.extraEnv ? { extraEnv: options.extraEnv } : {}),
  });
  try {
    ctx.progress(`service ready at ${service.url}`);
    const sampler = service.startSampling(500);
    let processStats: ProcessStats | null = null;
    const load = new AbortController();
    const result = await service.watch(work(service, load.signal)).finally(() => {
      load.abort(new Error('the load phase ended'));
      // Stop sampling before stopping the service: shutdown is not load.
      processStats = sampler ? sampler.stop() : null;
    });
    return { result, processStats, commands: service.commands };
  } finally {
    await service.stop();
  }
}
