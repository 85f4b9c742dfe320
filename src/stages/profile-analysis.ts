import path from 'node:path';
import { formatPct } from '../measure/format.js';
import type { ProfileAnalysisData } from '../data/stages.js';
import { runClosedLoop } from '../load/closed-loop.js';
import { analyzeCpuProfiles } from '../profile/hotspots.js';
import { listProfiles, prepareCpuProfiling } from '../profile/probe.js';
import { renderProfileAnalysis } from '../report/index.js';
import { finishStage, prepareStage, type CommonInputs, type StageDeps } from './context.js';
import { loadProgressPrinter } from './progress.js';
import { withServiceUnderLoad } from './service-session.js';

export type ProfileAnalysisInputs = CommonInputs;

/**
 * CPU profiles taken under load. A Node service is profiled from outside its code
 * (NODE_OPTIONS), and V8 writes the profile when the service exits after the load.
 */
export async function runProfileAnalysis(inputs: ProfileAnalysisInputs, deps: StageDeps) {
  const ctx = await prepareStage('profile-analysis', inputs, deps);
  const { config } = ctx;
  // Unthrottled: a profile of a busy service says where the time goes; idle time says nothing.
  const { rateRps: _unthrottled, ...unthrottled } = config.baseline;
  const settings = {
    ...unthrottled,
    durationMs: config.profile.durationMs,
    connections: config.profile.connections,
  };
  // The probe joins the NODE_OPTIONS the service would have had, so it runs as measured.
  const profiling = await prepareCpuProfiling(
    path.join(ctx.workingDir, 'profiles'),
    config.service.env.NODE_OPTIONS ?? process.env.NODE_OPTIONS,
  );
  ctx.progress(`profiling under load for ${settings.durationMs / 1000}s`);
  const {
    result: { run, loadWindow },
    commands,
  } = await withServiceUnderLoad(
    ctx,
    { name: 'profile', extraEnv: profiling.env },
    async (service, signal) => {
      // Processes that were idle while the load ran (npm, a wrapper) are left out by this window.
      const startMs = Date.now();
      const run = await runClosedLoop(service.url, config.journeys, settings, {
        allowedHosts: config.allowedHosts,
        signal,
        onProgress: loadProgressPrinter(ctx.progress, 'profiling'),
      });
      return { run, loadWindow: { startMs, endMs: Date.now() } };
    },
  );

  const files = await listProfiles(profiling.profileDir);
  const cpu =
    files.length > 0
      ? await analyzeCpuProfiles(files, { repoRoot: ctx.workDir, topN: 10, loadWindow })
      : null;
  const reason = cpu
    ? undefined
    : config.service.start
      ? 'The service wrote no CPU profile. perf-flow profiles Node services through NODE_OPTIONS ' +
        '(an --import probe); a service that is not Node, that resets NODE_OPTIONS, or that is ' +
        'killed instead of exiting on SIGTERM writes none.'
      : 'perf-flow did not start the service (no service.start), so it could not profile it.';
  const data: ProfileAnalysisData = {
    schema: 'perf-flow/profile-analysis@1',
    provenance: ctx.provenance(commands),
    guidance: ctx.guidance,
    status: cpu ? 'analyzed' : 'no-profile',
    ...(reason ? { reason } : {}),
    load: run.load,
    underProfiling: run.overall,
    cpu: cpu
      ? {
          ...cpu,
          profileFiles: cpu.profileFiles.map((f) => path.relative(ctx.reportDir, f)),
          ...(cpu.excludedProfiles
            ? {
                excludedProfiles: cpu.excludedProfiles.map((e) => ({
                  ...e,
                  file: path.relative(ctx.reportDir, e.file),
                })),
              }
            : {}),
        }
      : null,
  };
  const top = cpu?.topSelf[0];
  ctx.progress(
    top
      ? `top function by self time: ${top.functionName} (${top.file ?? '?'}:${top.line ?? '?'}) ${formatPct(top.selfShare)}`
      : `no profile: ${reason}`,
  );
  return finishStage(ctx, data, renderProfileAnalysis(data), {
    outputs: {
      status: data.status,
      'top-function': top ? `${top.functionName} ${top.file ?? ''}:${top.line ?? ''}` : '',
    },
    extraFiles: files.map((f) => path.relative(ctx.reportDir, f)),
  });
}
