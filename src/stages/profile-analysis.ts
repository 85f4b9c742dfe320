import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CpuAnalysis, ProfileAnalysisData, RuntimeSummary } from '../data/stages.js';
import { ConfigError, ExitCode, RuntimeError, ServiceError } from '../errors.js';
import { asBase, checkoutBase, type BaseCheckout } from '../compare/base-checkout.js';
import type { JourneyConfig, ServiceConfig } from '../config/types.js';
import type { JourneyLoad } from '../db/watch.js';
import { runClosedLoop } from '../load/closed-loop.js';
import type { LoadRunResult } from '../load/types.js';
import { formatPct } from '../measure/format.js';
import { analyzeAllocations, probePid } from '../profile/allocations.js';
import { blockingCalls } from '../profile/blocking.js';
import { clipToWindow } from '../profile/busy-profiles.js';
import { changedLines } from '../profile/changed-lines.js';
import type { JourneyWindow } from '../profile/journey-attribution.js';
import { profileDifferential, relocateTrees } from '../profile/differential.js';
import type { CallTree } from '../profile/call-tree.js';
import { diagnose } from '../profile/diagnosis.js';
import { parseProfile, readProfile } from '../profile/formats/detect.js';
import { analyzeProfiles, readProbeProfiles, resolvedRoot } from '../profile/hotspots.js';
import { fetchPprof, PPROF_FIELD, pprofRequestUrl } from '../profile/pprof-fetch.js';
import { listProfiles, prepareCpuProfiling } from '../profile/probe.js';
import { writeProfileViews } from '../profile/profile-views.js';
import { readRuntimeSamples, writeRuntimeProbe } from '../profile/runtime-probe.js';
import { summarizeRuntime } from '../profile/runtime-summary.js';
import { renderProfileAnalysis } from '../report/index.js';
import { buildService } from '../service/runner.js';
import {
  finishStage,
  prepareStage,
  type CommonInputs,
  type StageContext,
  type StageDeps,
  type StageProblem,
} from './context.js';
import { loadProgressPrinter } from './progress.js';
import { withServiceUnderLoad } from './service-session.js';
import { DatabaseSession, type DatabaseOutcome } from './database-session.js';

export interface ProfileAnalysisInputs extends CommonInputs {
  /** Also profile this git ref under the same load and compare (--base-ref). */
  baseRef?: string;
}

/**
 * Where the time goes, under load. The profile comes from one of three places: perf-flow's
 * probes inside a Node service (NODE_OPTIONS, no change to its code), a pprof endpoint
 * (profile.pprof-url), or files the user brings (profile.files). With a base ref, the base is
 * profiled the same way and the two compared: which functions' shares grew, and whether the
 * head's changes touch them.
 */
export async function runProfileAnalysis(inputs: ProfileAnalysisInputs, deps: StageDeps) {
  const ctx = await prepareStage('profile-analysis', inputs, deps);
  const { profile, regression } = ctx.config;
  if (profile.files.length > 0) return fromFiles(ctx);
  const take = (target: Target) =>
    profile.pprofUrl === undefined
      ? probeProfile(ctx, target)
      : pprofProfile(ctx, target, profile.pprofUrl);
  const head = await take({ name: 'profile', probeRoot: path.join(ctx.workingDir, 'profiles') });
  if (!head.ok) return finishIncomplete(ctx, head);
  // A stored run (baseline: artifact) has no profile to compare with.
  const baseRef =
    regression.baseline === 'artifact' ? undefined : (inputs.baseRef ?? regression.baseRef);
  return finishAnalyzed(ctx, head.trees, {
    source: profileSource(ctx),
    heapTrees: head.heapTrees ?? [],
    measured: head.measured,
    runtime: head.runtime ?? null,
    probeFiles: head.files ?? [],
    ...(baseRef !== undefined
      ? { compare: (kept, repoRoot) => compareWithBase(ctx, baseRef, kept, repoRoot, take) }
      : {}),
  });
}

/** Where the profiles come from, as the config says: brought files, an endpoint, the probes. */
function profileSource(ctx: StageContext): ProfileAnalysisData['source'] {
  const { profile } = ctx.config;
  if (profile.files.length > 0) return 'files';
  return profile.pprofUrl === undefined ? 'probe' : 'pprof-url';
}

/** The load the profile is taken under: unthrottled, as a busy service shows where time goes. */
function profilingSettings(ctx: StageContext) {
  const { rateRps: _unthrottled, ...unthrottled } = ctx.config.baseline;
  return {
    ...unthrottled,
    durationMs: ctx.config.profile.durationMs,
    connections: ctx.config.profile.connections,
  };
}

/** Which service to profile, and where its probes write: the head's, or a base checkout's. */
interface Target {
  name: string;
  probeRoot: string;
  service?: ServiceConfig;
}

interface UnderLoad<T> {
  run: LoadRunResult;
  loadWindow: { startMs: number; endMs: number };
  /** Each journey alone after the mixed load, when asked for. */
  journeyWindows: JourneyWindow[];
  commands: string[];
  during: T;
  /** The service's PostgreSQL over the same windows, when the config names it. */
  database?: DatabaseOutcome;
}

/** How long each journey runs alone after the mixed load, for attributing functions. */
const JOURNEY_ALONE_MS = 1000;
const JOURNEY_ALONE_WARMUP_MS = 250;
/** Time for the service to finish what the end of a journey's run cut off, before counting. */
const SETTLE_MS = 250;

/** What taking a profile gave: the trees, or why there are none. */
type Taken =
  | {
      ok: true;
      trees: CallTree[];
      /** Sampled allocations (the probe's .heapprofile files), when there are any. */
      heapTrees?: CallTree[];
      measured: UnderLoad<unknown>;
      runtime?: RuntimeSummary | null;
      files?: string[];
    }
  | {
      ok: false;
      status: 'no-profile' | 'incomplete';
      reason: string;
      measured: UnderLoad<unknown>;
      runtime?: RuntimeSummary | null;
      problem?: StageProblem;
    };

/** Starts the service, loads it, and runs `during` alongside the load, service still up. */
async function underLoad<T>(
  ctx: StageContext,
  target: Target,
  extraEnv: Record<string, string>,
  during: (serviceUrl: string, signal: AbortSignal) => Promise<T>,
  opts: { journeysAlone?: boolean; watchDatabase?: boolean } = {},
): Promise<UnderLoad<T>> {
  const settings = profilingSettings(ctx);
  ctx.progress(
    `profiling ${target.service ? 'the base ' : ''}under load for ${settings.durationMs / 1000}s`,
  );
  const { result, commands } = await withServiceUnderLoad(
    ctx,
    { name: target.name, extraEnv, ...(target.service ? { service: target.service } : {}) },
    async (service, signal) => {
      const { database } = ctx.config;
      const db =
        opts.watchDatabase && database !== undefined
          ? await DatabaseSession.open(database, process.env)
          : undefined;
      // Processes that were idle while the load ran (npm, a wrapper) are left out by this window.
      const startMs = Date.now();
      const alongside = during(service.url, signal);
      // Awaited after the load; until then a rejection must not count as unhandled.
      alongside.catch(() => undefined);
      // The database's windows open after the warm-up, as the load's measured requests do.
      const loadDb = db?.window(settings.warmupMs);
      try {
        const run = await runClosedLoop(service.url, ctx.config.journeys, settings, {
          allowedHosts: ctx.config.allowedHosts,
          signal,
          onProgress: loadProgressPrinter(ctx.progress, 'profiling'),
        });
        const endMs = Date.now();
        const loadDbWindow = await db?.endWindow(loadDb);
        const journeysDb: JourneyLoad[] = [];
        const journeyWindows: JourneyWindow[] = [];
        const { journeys } = ctx.config;
        if (opts.journeysAlone && journeys.length > 1) {
          ctx.progress(
            `each journey alone for ${JOURNEY_ALONE_MS / 1000}s, to see which work is whose`,
          );
          // The mixed load's last requests finish first: their statements are not the first
          // journey's.
          if (db !== undefined) await sleep(SETTLE_MS);
          for (const journey of journeys) {
            const alone = {
              ...settings,
              durationMs: JOURNEY_ALONE_MS,
              warmupMs: JOURNEY_ALONE_WARMUP_MS,
            };
            // Open over the whole run, warm-up too: its statements are then those of every
            // request sent, with no edge for a snapshot's own time to shift.
            const pending = db?.window(0);
            await pending?.opened;
            const from = Date.now() + JOURNEY_ALONE_WARMUP_MS;
            const aloneRun = await runClosedLoop(service.url, [journey], alone, {
              allowedHosts: ctx.config.allowedHosts,
              signal,
            });
            journeyWindows.push({ journey: journey.name, startMs: from, endMs: Date.now() });
            // The service finishes the requests the load's end cut off: their statements are
            // counted once it is quiet.
            if (pending !== undefined) await sleep(SETTLE_MS);
            const window = await db?.endWindow(pending);
            if (window !== undefined) {
              journeysDb.push({
                journey: journey.name,
                requests: aloneRun.overall.requests,
                ...(aloneRun.sentInRun !== undefined && { windowRequests: aloneRun.sentInRun }),
                window,
              });
            }
          }
        } else if (journeys.length === 1 && loadDbWindow !== undefined) {
          // One journey: the load is that journey alone.
          const [only] = journeys as [JourneyConfig];
          journeysDb.push({
            journey: only.name,
            requests: run.overall.requests,
            window: loadDbWindow,
          });
        }
        return {
          run,
          loadWindow: { startMs, endMs },
          journeyWindows,
          during: await alongside,
          ...(db !== undefined && { database: await db.finish(loadDbWindow, journeysDb) }),
        };
      } finally {
        // Whether the load succeeded or failed, no connection is left open.
        await db?.close();
      }
    },
  );
  return { ...result, commands };
}

/** A Node service: the CPU probe's .cpuprofile files and the runtime probe's seconds. */
async function probeProfile(ctx: StageContext, target: Target): Promise<Taken> {
  const service = target.service ?? ctx.config.service;
  // The probes join the NODE_OPTIONS the service would have had, so it runs as measured.
  const runtimeProbe = await writeRuntimeProbe(target.probeRoot);
  const profiling = await prepareCpuProfiling(
    target.probeRoot,
    [service.env.NODE_OPTIONS ?? process.env.NODE_OPTIONS, runtimeProbe.nodeOptions]
      .filter(Boolean)
      .join(' '),
  );
  const measured = await underLoad(ctx, target, profiling.env, async () => undefined, {
    journeysAlone: true,
    watchDatabase: target.service === undefined,
  });
  const files = await listProfiles(profiling.profileDir);
  const runtime = summarizeRuntime(
    await readRuntimeSamples(runtimeProbe.outputDir),
    measured.loadWindow,
  );
  let trees: CallTree[];
  try {
    trees = await readProbeProfiles(files);
  } catch (error) {
    if (!(error instanceof RuntimeError)) throw error;
    // A profile the probe wrote and nothing can read (a service killed mid-write, a full
    // disk): the rest of the flow goes on, the analysis marked incomplete, the run exit 3.
    const { message } = error;
    return {
      ok: false,
      status: 'incomplete',
      reason: message,
      measured,
      runtime,
      problem: { exitCode: ExitCode.runtime, message },
    };
  }
  const heapFiles = await listProfiles(profiling.heapDir, '.heapprofile');
  const heapTrees = await readProbeProfiles(heapFiles, { optional: true });
  if (trees.length > 0) {
    return { ok: true, trees, heapTrees, measured, runtime, files: [...files, ...heapFiles] };
  }
  return {
    ok: false,
    status: 'no-profile',
    reason: service.start
      ? 'The service wrote no CPU profile. perf-flow profiles Node services through NODE_OPTIONS ' +
        '(an --import probe); a service that is not Node, that resets NODE_OPTIONS, or that is ' +
        'killed instead of exiting on SIGTERM writes none. For other runtimes, set ' +
        'profile.pprof-url or bring profiles in profile.files.'
      : 'perf-flow did not start the service (no service.start), so it could not profile it.',
    measured,
    runtime,
  };
}

/** Any service with a pprof endpoint (Go's net/http/pprof): fetched while the load runs. */
async function pprofProfile(ctx: StageContext, target: Target, pprofUrl: string): Promise<Taken> {
  const settings = profilingSettings(ctx);
  const seconds = Math.max(1, Math.round(settings.durationMs / 1000));
  let url = pprofUrl;
  const measured = await underLoad(
    ctx,
    target,
    {},
    async (serviceUrl, signal) => {
      url = pprofRequestUrl(pprofUrl, serviceUrl, seconds, ctx.config.allowedHosts);
      // Asked once the warm-up is over, so the profile covers the measured load.
      await sleep(settings.warmupMs, undefined, { signal }).catch(() => undefined);
      return fetchPprof(url, seconds, signal).then(
        (bytes) => ({ bytes }),
        (error: unknown) => ({ error: error as Error }),
      );
    },
    { watchDatabase: target.service === undefined },
  );
  const fetched = measured.during;
  const failed = (message: string): Taken => ({
    ok: false,
    status: 'incomplete',
    reason: message,
    measured,
    problem: { exitCode: ExitCode.runtime, message },
  });
  if ('error' in fetched) return failed(fetched.error.message);
  try {
    const tree = parseProfile(fetched.bytes, url);
    if (tree.kind === 'heap') {
      return failed(
        `${PPROF_FIELD}: ${url} answered with a heap profile: expected a CPU profile (Go: /debug/pprof/profile)`,
      );
    }
    return { ok: true, trees: [tree], measured };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // The endpoint's answer, not the user's file: a failure of the service (exit 3).
    return failed(
      `${PPROF_FIELD}: ${url} answered with something perf-flow cannot read: ${error.message.replace(/^profile\.files: /, '')}`,
    );
  }
}

/**
 * The base checked out, built, and profiled as the head was; then what moved. A base that
 * cannot be had is recorded as a problem (its exit code in the end), the head's analysis kept.
 */
async function compareWithBase(
  ctx: StageContext,
  baseRef: string,
  headKept: CallTree[],
  repoRoot: string,
  take: (target: Target) => Promise<Taken>,
): Promise<{ differential?: ProfileAnalysisData['differential']; problem?: StageProblem }> {
  if (ctx.config.service.start === undefined) {
    return problem(
      ExitCode.usage,
      'base-ref: profiling a base needs service.start: perf-flow must start the base itself',
    );
  }
  let base: BaseCheckout | undefined;
  try {
    base = await checkoutBase(baseRef, ctx.config.service, path.join(ctx.workingDir, 'base'));
    const checkout = base;
    ctx.progress(`base ${baseRef} (${checkout.sha.slice(0, 12)}) checked out in ${checkout.dir}`);
    await asBase(checkout, 'failed to build', () =>
      buildService(checkout.service, { logDir: path.join(ctx.workingDir, 'logs', 'base') }),
    );
    const taken = await asBase(checkout, 'did not start', () =>
      take({
        name: 'profile-base',
        probeRoot: path.join(ctx.workingDir, 'profiles', 'base'),
        service: checkout.service,
      }),
    );
    if (!taken.ok)
      return problem(
        taken.problem?.exitCode ?? ExitCode.runtime,
        `the base ${baseRef}: ${taken.reason}`,
      );
    const baseTrees = relocateTrees(
      taken.trees,
      await resolvedRoot(checkout.dir),
      await resolvedRoot(checkout.repoRoot),
    );
    const cpu = analyzeProfiles(baseTrees, { repoRoot, loadWindow: taken.measured.loadWindow });
    const baseKept = baseTrees
      .filter((tree) => cpu.profileFiles.includes(tree.source))
      .map((tree) => clipToWindow(tree, taken.measured.loadWindow));
    const changed = await changedLines(repoRoot, checkout.sha).catch(
      () => new Map<string, number[]>(),
    );
    const { grew, shrank } = profileDifferential(baseKept, headKept, repoRoot, changed);
    return { differential: { baseRef, baseSha: checkout.sha, grew, shrank } };
  } catch (error) {
    if (
      error instanceof ConfigError ||
      error instanceof ServiceError ||
      error instanceof RuntimeError
    ) {
      return problem(error.exitCode, error.message);
    }
    throw error;
  } finally {
    await base?.remove();
  }
}

const problem = (exitCode: number, message: string) => ({ problem: { exitCode, message } });

/**
 * The profiles the user brought (profile.files), in any format perf-flow reads: analysed as
 * they are, without starting the service. One that cannot be read is the user's to fix: the
 * analysis is written as incomplete, saying why, and the run exits 2 after the other stages.
 */
async function fromFiles(ctx: StageContext) {
  const { files } = ctx.config.profile;
  ctx.progress(`analysing ${files.length} profile file(s) from profile.files`);
  try {
    const all = await Promise.all(files.map((file) => readProfile(file)));
    const trees = all.filter((tree) => tree.kind !== 'heap');
    if (trees.length === 0) {
      throw new ConfigError(
        'expected at least one CPU profile among the files: heap profiles show what allocates, not where the time goes',
        'profile.files',
      );
    }
    const heapTrees = all.filter((tree) => tree.kind === 'heap');
    return await finishAnalyzed(ctx, trees, { source: profileSource(ctx), heapTrees });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return finishIncomplete(ctx, {
      status: 'incomplete',
      reason: error.message,
      problem: { exitCode: error.exitCode, message: error.message },
    });
  }
}

async function finishAnalyzed(
  ctx: StageContext,
  trees: CallTree[],
  opts: {
    source: ProfileAnalysisData['source'];
    heapTrees?: CallTree[];
    measured?: UnderLoad<unknown>;
    runtime?: RuntimeSummary | null;
    probeFiles?: string[];
    /** Base against head, given the head's kept profiles. */
    compare?: (
      kept: CallTree[],
      repoRoot: string,
    ) => Promise<{ differential?: ProfileAnalysisData['differential']; problem?: StageProblem }>;
  },
) {
  const repoRoot = await resolvedRoot(ctx.workDir);
  const { measured } = opts;
  const cpu = analyzeProfiles(trees, {
    repoRoot,
    topN: 10,
    ...(measured
      ? { loadWindow: measured.loadWindow, journeyWindows: measured.journeyWindows }
      : {}),
  });
  const kept = trees.filter((tree) => cpu.profileFiles.includes(tree.source));
  // What the views, the blocking calls and the comparison look at: the load's time only.
  const inLoad = measured ? kept.map((tree) => clipToWindow(tree, measured.loadWindow)) : kept;
  // The heap profiles of the processes whose CPU profiles were kept (the probe names both
  // by pid); brought heap profiles all count.
  const keptPids = new Set(kept.map((tree) => probePid(tree.source)));
  const allocations = analyzeAllocations(
    (opts.heapTrees ?? []).filter((tree) => {
      const pid = probePid(tree.source);
      return pid === null || keptPids.has(pid);
    }),
    repoRoot,
  );
  const [folded, flameGraph] = await writeProfileViews(
    inLoad,
    path.join(ctx.workingDir, 'profiles'),
    repoRoot,
  );
  const views = {
    folded: path.relative(ctx.reportDir, folded!),
    flameGraph: path.relative(ctx.reportDir, flameGraph!),
  };
  const runtime = opts.runtime ?? null;
  const compared = opts.compare ? await opts.compare(inLoad, repoRoot) : {};
  const data: ProfileAnalysisData = {
    ...dataHeader(ctx, opts.source, measured),
    status: 'analyzed',
    ...(compared.problem ? { reason: compared.problem.message } : {}),
    ...(compared.differential ? { differential: compared.differential } : {}),
    cpu: relativeFiles(cpu, ctx.reportDir),
    ...(runtime ? { runtime } : {}),
    ...(allocations
      ? {
          allocations: {
            ...allocations,
            profileFiles: allocations.profileFiles.map((f) => fromReportDir(f, ctx.reportDir)),
          },
        }
      : {}),
    diagnosis: diagnose({
      cpu,
      runtime,
      allocations,
      blocking: blockingCalls(inLoad),
      repoRoot,
      ...(measured ? { concurrency: measured.run.load.connections } : {}),
    }),
    views,
    ...databaseData(measured),
  };
  const problem = compared.problem ?? measured?.database?.problem;
  return finish(ctx, data, {
    extraFiles: [
      ...(opts.probeFiles ?? []).map((f) => path.relative(ctx.reportDir, f)),
      views.folded,
      views.flameGraph,
    ],
    ...(problem ? { problem } : {}),
  });
}

function finishIncomplete(
  ctx: StageContext,
  opts: {
    status: 'no-profile' | 'incomplete';
    reason: string;
    measured?: UnderLoad<unknown>;
    runtime?: RuntimeSummary | null;
    problem?: StageProblem;
  },
) {
  const { status } = opts;
  const data: ProfileAnalysisData = {
    ...dataHeader(ctx, profileSource(ctx), opts.measured),
    status,
    reason: opts.reason,
    cpu: null,
    ...(opts.runtime ? { runtime: opts.runtime } : {}),
    diagnosis: [],
    ...databaseData(opts.measured),
  };
  const problem = opts.problem ?? opts.measured?.database?.problem;
  return finish(ctx, data, problem ? { problem } : {});
}

/** The database analysis of the run, when the config named a database. */
function databaseData(measured: UnderLoad<unknown> | undefined) {
  return measured?.database ? { database: measured.database.analysis } : {};
}

function dataHeader(
  ctx: StageContext,
  source: ProfileAnalysisData['source'],
  measured: UnderLoad<unknown> | undefined,
) {
  return {
    schema: 'perf-flow/profile-analysis@1' as const,
    provenance: ctx.provenance(measured?.commands ?? []),
    guidance: ctx.guidance,
    source,
    ...(measured ? { load: measured.run.load, underProfiling: measured.run.overall } : {}),
  };
}

function finish(
  ctx: StageContext,
  data: ProfileAnalysisData,
  opts: { extraFiles?: string[]; problem?: StageProblem },
) {
  const top = data.cpu?.topSelf[0];
  ctx.progress(
    top
      ? `top function by self time: ${top.functionName} (${top.file ?? '?'}:${top.line ?? '?'}) ${formatPct(top.selfShare)}`
      : `${data.status === 'incomplete' ? 'analysis incomplete' : 'no profile'}: ${data.reason ?? ''}`,
  );
  return finishStage(ctx, data, renderProfileAnalysis(data), {
    outputs: {
      status: data.status,
      'top-function': top ? `${top.functionName} ${top.file ?? ''}:${top.line ?? ''}` : '',
    },
    ...opts,
  });
}

/** A file relative to the report directory; a URL (a pprof endpoint) as it is. */
function fromReportDir(source: string, reportDir: string): string {
  return path.isAbsolute(source) ? path.relative(reportDir, source) : source;
}

/** Profile paths as the report directory's reader finds them. */
function relativeFiles(cpu: CpuAnalysis, reportDir: string): CpuAnalysis {
  return {
    ...cpu,
    profileFiles: cpu.profileFiles.map((f) => fromReportDir(f, reportDir)),
    ...(cpu.excludedProfiles
      ? {
          excludedProfiles: cpu.excludedProfiles.map((e) => ({
            ...e,
            file: fromReportDir(e.file, reportDir),
          })),
        }
      : {}),
  };
}
