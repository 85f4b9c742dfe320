// `npm run bench:loadgen`: perf-flow's load generators side by side with autocannon, wrk and
// ab -k, against nginx and the demo service, on loopback, target and generator each pinned to
// a core of its own. Writes the `## bench:loadgen` section of BENCHMARKS.md.
//
// It installs nothing: wrk, ab and nginx are used when on the PATH, and the report names the
// ones it had to skip. Options: --quick (shorter runs, for trying the bench out; its figures
// are not worth keeping), --targets nginx,demo, --no-write (do not touch BENCHMARKS.md).
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NodeGenerator, RunReport, RunRequest } from './protocol.js';
import { REPORT_PREFIX } from './protocol.js';
import type { RunOutcome } from './procs.js';
import { killAllNow, processCpuSec, runBounded, shellLine, stopAll } from './procs.js';
import type { Target } from './targets.js';
import { startDemo, startNginx } from './targets.js';
import { WRK_PACED_LUA, WRK_REPORT_LUA } from './wrk-scripts.js';
import { median } from '../src/scenarios/spike-recovery.js';
import {
  findRoot,
  machineBusySec,
  machineFacts,
  packageVersion,
  perfFlowRevision,
  sleep,
  table,
  writeSection,
} from './report.js';

// ---------------------------------------------------------------------------------------
// Settings.

const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
const WRITE = !args.includes('--no-write');
const TARGET_NAMES = (() => {
  const i = args.indexOf('--targets');
  const list = i >= 0 ? (args[i + 1] ?? '') : 'nginx,demo';
  return list.split(',').filter((n) => n === 'nginx' || n === 'demo');
})();

const SCALE = QUICK ? 0.4 : 1;
const CONNECTIONS = 50;
/** Closed-loop peers at full speed, and wrk at a rate: one run of this length. */
const RUN_MS = Math.round(6000 * SCALE);
/**
 * perf-flow's generators: a warm-up, then the measured window. Node's generators need about
 * 2 s to reach their steady cost (at 4,000 req/s the open model's first 750 ms use a whole
 * core, JIT compiling its send and receive path; it settles near 0.35 core after 2-2.5 s): a shorter
 * warm-up puts the tail of that start in the measured p99.
 */
const WARMUP_MS = Math.round(3000 * SCALE);
const MEASURE_MS = Math.round(5000 * SCALE);
/** One step of the open model's climb. */
const STEP_MEASURE_MS = Math.round(4000 * SCALE);
const REQUEST_TIMEOUT_MS = 2000;
/** Above this the open model's achieved rate counts as short of the offered one. */
const SHORT_FRACTION = 0.95;
const OPEN_STEP_FACTOR = 1.25;
/** Rounds of the closed-loop maximum runs; each generator keeps its best. */
const MAX_ROUNDS = QUICK ? 1 : 2;
const OPEN_MAX_STEPS = 10;
/** Halvings from the first step while it stays saturated, before the climb gives up. */
const OPEN_MAX_DOWN_STEPS = 5;
/** Shares of wrk's maximum at which latency is compared. */
const LOAD_SHARES = [0.1, 0.5, 0.9];
// wrk's delay() counts whole milliseconds, so wrk holds an evenly spaced rate only up to one
// request per millisecond; above it, requests leave in bunches at each tick (about 12 at once
// at 12,000/s) and queue at the target, which the open model's even schedule does not do. The
// accuracy check compares the two where their loads are the same: at this rate, alternating
// open model and wrk round after round. Other work on the machine only ever adds latency (a
// pause lands in whichever run it hits: p99 read 0.3, 8 and 15 ms in three wrk rounds of one
// run), so the verdict is the median of the paired differences: an odd number of rounds, so
// that it is one pair's reading.
const EVEN_RATE_RPS = 1000;
const ACCURACY_ROUNDS = QUICK ? 1 : 7;
/** Past this, the remaining runs are skipped (the bench must stay near a quarter hour). */
const BUDGET_MS = 14 * 60_000;
const RUN_SLACK_MS = 20_000;
/** Wait at most this long, before starting, for other work on the machine to calm down. */
const QUIET_WAIT_MS = QUICK ? 0 : 60_000;
const QUIET_BUSY = 0.15;
/** Before each run, wait (in half seconds) while other work holds more than this many cores… */
const QUIET_RUN_OTHER = 0.3;
/** …but never more than this over the whole bench. */
const QUIET_RUN_BUDGET_MS = QUICK ? 0 : 120_000;
/** …nor more than this before any one run, so that the allowance lasts the whole bench. */
const QUIET_RUN_MAX_MS = 4000;

const GOAL_THROUGHPUT_RATIO = 0.6;
const GOAL_LATENCY_REL = 0.15;
const GOAL_LATENCY_ABS_MS = 0.1;

// ---------------------------------------------------------------------------------------
// Where things are.

const here = dirname(fileURLToPath(import.meta.url));
const RUNNER = join(here, 'runner.mjs');

const ROOT = findRoot(here);

async function which(name: string): Promise<string | null> {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin'];
  for (const dir of dirs) {
    if (dir === '') continue;
    const path = join(dir, name);
    try {
      await access(path, 1);
      return path;
    } catch {
      // next
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------
// Results.

type GeneratorName = NodeGenerator | 'wrk' | 'ab -k';

interface Measurement {
  target: string;
  generator: GeneratorName;
  /** null: as fast as it goes. */
  offeredRps: number | null;
  throughputRps: number | null;
  requests: number | null;
  errors: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
  saturated: boolean | null;
  reasons: string[];
  /** CPU of the generator process over the run's wall time (1 = one core). */
  generatorCores: number | null;
  /** CPU of the target's process over the same time. */
  targetCores: number | null;
  /** CPU of everything else on the machine meanwhile (other work: noise). */
  otherCores: number | null;
  /** Why there is no figure, or what to know about it. */
  note: string;
  command: string;
  raw?: unknown;
}

interface TargetResults {
  target: Target;
  max: Measurement[];
  ramp: Measurement[];
  rated: { share: string; rateRps: number; runs: Measurement[] }[];
  /** The open model and wrk taking turns at EVEN_RATE_RPS, round after round. */
  accuracy: { rateRps: number; open: Measurement[]; wrk: Measurement[] };
  wrkMax: number | null;
  openMax: number | null;
}

const commands: string[] = [];
const skipped: string[] = [];
const startedAt = Date.now();
let interrupted = false;

function overBudget(): boolean {
  return Date.now() - startedAt > BUDGET_MS;
}

// ---------------------------------------------------------------------------------------
// CPU accounting: /proc/stat over all cores, and the target's own time.

/** Fraction of the two cores busy over `ms`. */
async function machineBusyOver(ms: number): Promise<number> {
  const before = machineBusySec();
  await sleep(ms);
  return (machineBusySec() - before) / (ms / 1000) / Math.max(1, os.cpus().length);
}

interface Accounted {
  outcome: RunOutcome;
  generatorCores: number;
  targetCores: number | null;
  otherCores: number | null;
}

let quietWaitedMs = 0;

/**
 * Before a run: while other work keeps more than QUIET_RUN_OTHER cores busy (beyond the
 * target's idle self), wait a little, within QUIET_RUN_BUDGET_MS over the whole bench.
 */
async function waitForQuiet(target: Target): Promise<void> {
  const until = Date.now() + QUIET_RUN_MAX_MS;
  while (quietWaitedMs < QUIET_RUN_BUDGET_MS && Date.now() < until && !interrupted) {
    const started = Date.now();
    const busyBefore = machineBusySec();
    const targetBefore = processCpuSec(target.pid) ?? 0;
    await sleep(500);
    const seconds = (Date.now() - started) / 1000;
    const other =
      (machineBusySec() - busyBefore - ((processCpuSec(target.pid) ?? 0) - targetBefore)) / seconds;
    quietWaitedMs += Date.now() - started;
    if (other <= QUIET_RUN_OTHER) return;
  }
}

async function accounted(
  target: Target,
  argv: string[],
  timeoutMs: number,
  env?: NodeJS.ProcessEnv,
): Promise<Accounted> {
  if (interrupted) throw new Error('interrupted');
  await waitForQuiet(target);
  commands.push(shellLine(argv));
  const busyBefore = machineBusySec();
  const targetBefore = processCpuSec(target.pid);
  const outcome = await runBounded(argv, { timeoutMs, cwd: ROOT, ...(env ? { env } : {}) });
  const targetAfter = processCpuSec(target.pid);
  const busy = machineBusySec() - busyBefore;
  const wallSec = outcome.wallMs / 1000;
  const targetSec =
    targetBefore !== null && targetAfter !== null ? targetAfter - targetBefore : null;
  return {
    outcome,
    generatorCores: outcome.cpuSec / wallSec,
    targetCores: targetSec === null ? null : targetSec / wallSec,
    otherCores:
      targetSec === null ? null : Math.max(0, busy - outcome.cpuSec - targetSec) / wallSec,
  };
}

function failureNote(outcome: RunOutcome): string {
  if (outcome.timedOut) return `stopped at its time limit`;
  const lines = (outcome.stderr || outcome.stdout).trim().split('\n');
  const error = lines.find((l) => /^\w*(Error|error)\b/.test(l)) ?? lines.slice(-3).join(' / ');
  return `exited ${outcome.code ?? outcome.signal}: ${error.slice(0, 300)}`;
}

function emptyMeasurement(
  target: Target,
  generator: GeneratorName,
  offeredRps: number | null,
  note: string,
  command = '',
): Measurement {
  return {
    target: target.name,
    generator,
    offeredRps,
    throughputRps: null,
    requests: null,
    errors: null,
    p50Ms: null,
    p99Ms: null,
    saturated: null,
    reasons: [],
    generatorCores: null,
    targetCores: null,
    otherCores: null,
    note,
    command,
  };
}

// ---------------------------------------------------------------------------------------
// The generators.

interface Tools {
  wrk: string | null;
  ab: string | null;
  nginx: string | null;
  taskset: string | null;
  pinGenerator: string[];
  pinTarget: string[];
  scriptDir: string;
}

async function runNode(
  tools: Tools,
  target: Target,
  generator: NodeGenerator,
  rateRps: number | undefined,
  measureMs: number,
): Promise<Measurement> {
  const perfFlow = generator !== 'autocannon';
  const request: RunRequest = {
    generator,
    url: target.url,
    connections: CONNECTIONS,
    durationMs: perfFlow ? measureMs : measureMs + WARMUP_MS,
    warmupMs: perfFlow ? WARMUP_MS : 0,
    ...(rateRps === undefined ? {} : { rateRps: Math.round(rateRps) }),
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
  };
  const argv = [...tools.pinGenerator, process.execPath, RUNNER, JSON.stringify(request)];
  const timeoutMs = request.durationMs + request.warmupMs + RUN_SLACK_MS;
  const run = await accounted(target, argv, timeoutMs);
  const line = run.outcome.stdout.split('\n').find((l) => l.startsWith(REPORT_PREFIX));
  const offered = request.rateRps ?? null;
  if (run.outcome.code !== 0 || line === undefined) {
    return emptyMeasurement(target, generator, offered, failureNote(run.outcome), shellLine(argv));
  }
  const report = JSON.parse(line.slice(REPORT_PREFIX.length)) as RunReport;
  return {
    target: target.name,
    generator,
    offeredRps: offered,
    throughputRps: report.throughputRps,
    requests: report.requests,
    errors: report.errors,
    p50Ms: report.p50Ms,
    p99Ms: report.p99Ms,
    saturated: report.saturated,
    reasons: report.reasons,
    generatorCores: run.generatorCores,
    targetCores: run.targetCores,
    otherCores: run.otherCores,
    note: '',
    command: shellLine(argv),
    raw: report,
  };
}

interface WrkReport {
  requests: number;
  durationUs: number;
  connectErrors: number;
  readErrors: number;
  writeErrors: number;
  statusErrors: number;
  timeouts: number;
  p50Us: number;
  p99Us: number;
  maxUs: number;
  meanUs: number;
}

async function runWrk(
  tools: Tools,
  target: Target,
  rateRps: number | undefined,
  durationMs = RUN_MS,
): Promise<Measurement> {
  if (tools.wrk === null) throw new Error('no wrk');
  const script = join(tools.scriptDir, rateRps === undefined ? 'report.lua' : 'paced.lua');
  const seconds = Math.max(1, Math.round(durationMs / 1000));
  const argv = [
    ...tools.pinGenerator,
    tools.wrk,
    '-t1',
    `-c${CONNECTIONS}`,
    `-d${seconds}s`,
    `--timeout`,
    `${REQUEST_TIMEOUT_MS / 1000}s`,
    '-s',
    script,
    target.url,
    ...(rateRps === undefined ? [] : ['--', String(Math.round(rateRps))]),
  ];
  const run = await accounted(target, argv, seconds * 1000 + RUN_SLACK_MS);
  const offered = rateRps === undefined ? null : Math.round(rateRps);
  const line = run.outcome.stdout.split('\n').find((l) => l.startsWith('BENCH-WRK '));
  if (run.outcome.code !== 0 || line === undefined) {
    return emptyMeasurement(target, 'wrk', offered, failureNote(run.outcome), shellLine(argv));
  }
  const report = JSON.parse(line.slice('BENCH-WRK '.length)) as WrkReport;
  const errors =
    report.connectErrors +
    report.readErrors +
    report.writeErrors +
    report.statusErrors +
    report.timeouts;
  return {
    target: target.name,
    generator: 'wrk',
    offeredRps: offered,
    throughputRps: report.requests / (report.durationUs / 1e6),
    requests: report.requests,
    errors,
    p50Ms: report.p50Us / 1000,
    p99Ms: report.p99Us / 1000,
    saturated: null,
    reasons: [],
    generatorCores: run.generatorCores,
    targetCores: run.targetCores,
    otherCores: run.otherCores,
    note: '',
    command: shellLine(argv),
    raw: report,
  };
}

/** Enough room for every request of a run at ab's best (it sizes an array by -n). */
const AB_MAX_REQUESTS = 3_000_000;

async function runAb(tools: Tools, target: Target): Promise<Measurement> {
  if (tools.ab === null) throw new Error('no ab');
  const seconds = Math.max(1, Math.round(RUN_MS / 1000));
  // -t before -n: -t resets the request count to 50000, a later -n sets it.
  const argv = [
    ...tools.pinGenerator,
    tools.ab,
    '-k',
    '-q',
    '-r',
    '-c',
    String(CONNECTIONS),
    '-t',
    String(seconds),
    '-n',
    String(AB_MAX_REQUESTS),
    '-s',
    String(REQUEST_TIMEOUT_MS / 1000),
    target.url,
  ];
  const run = await accounted(target, argv, seconds * 1000 + RUN_SLACK_MS);
  const out = run.outcome.stdout;
  const num = (re: RegExp) => {
    const m = re.exec(out);
    return m?.[1] === undefined ? null : Number(m[1]);
  };
  const rps = num(/Requests per second:\s+([\d.]+)/);
  if (run.outcome.code !== 0 || rps === null) {
    return emptyMeasurement(target, 'ab -k', null, failureNote(run.outcome), shellLine(argv));
  }
  const complete = num(/Complete requests:\s+(\d+)/);
  const failed = num(/Failed requests:\s+(\d+)/) ?? 0;
  const non2xx = num(/Non-2xx responses:\s+(\d+)/) ?? 0;
  return {
    target: target.name,
    generator: 'ab -k',
    offeredRps: null,
    throughputRps: rps,
    requests: complete,
    errors: failed + non2xx,
    p50Ms: num(/^\s+50%\s+(\d+)/m),
    p99Ms: num(/^\s+99%\s+(\d+)/m),
    saturated: null,
    reasons: [],
    generatorCores: run.generatorCores,
    targetCores: run.targetCores,
    otherCores: run.otherCores,
    note: 'latency in whole ms (ab)',
    command: shellLine(argv),
  };
}

// ---------------------------------------------------------------------------------------
// The figures.

function log(message: string): void {
  const t = ((Date.now() - startedAt) / 1000).toFixed(0).padStart(4);
  process.stderr.write(`[${t}s] ${message}\n`);
}

function describeRun(m: Measurement): string {
  const rps = m.throughputRps === null ? '-' : Math.round(m.throughputRps).toString();
  const offered = m.offeredRps === null ? 'max' : `${m.offeredRps}/s`;
  const lat = m.p50Ms === null ? '' : ` p50 ${fmtMs(m.p50Ms)} p99 ${fmtMs(m.p99Ms)}`;
  const sat = m.saturated ? ' SATURATED' : '';
  const gen = m.generatorCores === null ? '' : ` gen ${m.generatorCores.toFixed(2)} cores`;
  return `${m.target} ${m.generator} @${offered}: ${rps} req/s${lat}${sat}${gen}${m.note ? ` (${m.note})` : ''}`;
}

async function measured(label: string, run: () => Promise<Measurement>): Promise<Measurement> {
  const m = await run();
  log(`${label}: ${describeRun(m)}`);
  return m;
}

/** The open model at rising rates: its maximum is the best rate achieved while not saturated. */
async function climbOpenModel(
  tools: Tools,
  target: Target,
  hint: number,
): Promise<{ ramp: Measurement[]; max: Measurement | null }> {
  const ramp: Measurement[] = [];
  const ok = (m: Measurement) => m.throughputRps !== null && m.saturated === false;
  const holds = (m: Measurement) =>
    ok(m) && (m.throughputRps ?? 0) >= SHORT_FRACTION * (m.offeredRps ?? Infinity);
  const step = (rate: number) =>
    measured('open model climb', () =>
      runNode(tools, target, 'perf-flow-open', rate, STEP_MEASURE_MS),
    );

  let rate = Math.max(500, Math.round(hint / 2));
  let lastHeld: number | null = null;
  let firstFailed: number | null = null;
  for (let i = 0; i < OPEN_MAX_STEPS && !overBudget(); i++) {
    const m = await step(rate);
    ramp.push(m);
    if (m.throughputRps === null) break;
    if (holds(m)) {
      lastHeld = rate;
      rate = Math.round(rate * OPEN_STEP_FACTOR);
      continue;
    }
    firstFailed = rate;
    if (lastHeld !== null || rate <= 500) break;
    // It failed at its first step: start lower.
    rate = Math.max(500, Math.round(rate * 0.5));
    if (ramp.filter((r) => !holds(r)).length >= OPEN_MAX_DOWN_STEPS) break;
  }
  if (lastHeld !== null && firstFailed !== null && !overBudget()) {
    const between = Math.round(Math.sqrt(lastHeld * firstFailed));
    if (between > lastHeld * 1.03 && between < firstFailed * 0.97) ramp.push(await step(between));
  }
  const candidates = ramp.filter(ok);
  const max = candidates.reduce<Measurement | null>(
    (best, m) => (best === null || (m.throughputRps ?? 0) > (best.throughputRps ?? 0) ? m : best),
    null,
  );
  return { ramp, max };
}

async function benchTarget(tools: Tools, target: Target): Promise<TargetResults> {
  const results: TargetResults = {
    target,
    max: [],
    ramp: [],
    rated: [],
    accuracy: { rateRps: EVEN_RATE_RPS, open: [], wrk: [] },
    wrkMax: null,
    openMax: null,
  };
  log(`${target.name}: warming up (not recorded)`);
  if (tools.wrk !== null) await runWrk(tools, target, undefined, 2000);
  else await runNode(tools, target, 'autocannon', undefined, 2000);

  // Figure 1: as fast as each goes, MAX_ROUNDS rounds interleaved, the best of each kept
  // (other work on the machine only ever lowers a maximum).
  const contenders: { name: GeneratorName; run: () => Promise<Measurement> }[] = [];
  if (tools.wrk !== null)
    contenders.push({ name: 'wrk', run: () => runWrk(tools, target, undefined) });
  if (tools.ab !== null) contenders.push({ name: 'ab -k', run: () => runAb(tools, target) });
  for (const name of ['autocannon', 'perf-flow-closed'] as const) {
    contenders.push({ name, run: () => runNode(tools, target, name, undefined, MEASURE_MS) });
  }
  const best = new Map<GeneratorName, Measurement>();
  let rounds = 0;
  for (let round = 1; round <= MAX_ROUNDS && !(round > 1 && overBudget()); round++) {
    rounds = round;
    for (const { name, run } of contenders) {
      const m = await measured(`max, round ${round}`, run);
      const kept = best.get(name);
      if (kept === undefined || (m.throughputRps ?? -1) > (kept.throughputRps ?? -1)) {
        best.set(name, m);
      }
    }
  }
  if (rounds > 1) {
    for (const m of best.values())
      m.note = [m.note, `best of ${rounds}`].filter(Boolean).join('; ');
  }
  const wrk = best.get('wrk') ?? null;
  const autocannonMax = best.get('autocannon') as Measurement;
  const closedMax = best.get('perf-flow-closed') as Measurement;
  results.max.push(...best.values());
  const hint = Math.max(closedMax.throughputRps ?? 0, autocannonMax.throughputRps ?? 0) || 4000;
  const climb = await climbOpenModel(tools, target, hint);
  results.ramp = climb.ramp;
  const openMax: Measurement = climb.max
    ? {
        ...climb.max,
        offeredRps: null,
        note: `best unsaturated step, offered ${climb.max.offeredRps}/s`,
      }
    : emptyMeasurement(target, 'perf-flow-open', null, 'no unsaturated step');
  results.max.push(openMax);
  results.wrkMax = wrk?.throughputRps ?? null;
  results.openMax = climb.max?.throughputRps ?? null;

  // The accuracy comparison first: it is what the issue's target is judged on.
  if (tools.wrk !== null) {
    for (let round = 1; round <= ACCURACY_ROUNDS && !overBudget(); round++) {
      const label = `accuracy round ${round} of ${ACCURACY_ROUNDS}`;
      results.accuracy.open.push(
        await measured(label, () =>
          runNode(tools, target, 'perf-flow-open', EVEN_RATE_RPS, MEASURE_MS),
        ),
      );
      results.accuracy.wrk.push(await measured(label, () => runWrk(tools, target, EVEN_RATE_RPS)));
    }
  }

  // Figure 2: the same offered rates for every generator that can hold one.
  const reference =
    results.wrkMax ??
    Math.max(...results.max.map((m) => m.throughputRps ?? 0).filter((r) => r > 0), 0);
  const refName = results.wrkMax === null ? 'the best maximum (no wrk)' : "wrk's maximum";
  const points = LOAD_SHARES.map((share) => ({
    share: `${Math.round(share * 100)}% of ${refName}`,
    rateRps: Math.round(reference * share),
  }));
  if (results.openMax !== null) {
    const half = Math.round(results.openMax * 0.5);
    if (points.every((p) => Math.abs(p.rateRps - half) > 0.03 * half)) {
      points.push({ share: "50% of the open model's maximum", rateRps: half });
    }
  }
  points.sort((a, b) => a.rateRps - b.rateRps);
  for (const point of points) {
    if (point.rateRps <= 0) continue;
    const runs: Measurement[] = [];
    const label = `rated ${point.share}`;
    for (const generator of ['perf-flow-open', 'perf-flow-closed', 'autocannon'] as const) {
      if (overBudget()) break;
      runs.push(
        await measured(label, () => runNode(tools, target, generator, point.rateRps, MEASURE_MS)),
      );
    }
    if (tools.wrk !== null && !overBudget()) {
      runs.push(await measured(label, () => runWrk(tools, target, point.rateRps)));
    }
    if (tools.ab !== null) {
      runs.push(emptyMeasurement(target, 'ab -k', point.rateRps, 'n/a: ab cannot hold a rate'));
    }
    results.rated.push({ ...point, runs });
    if (overBudget()) {
      log('time budget spent: skipping the remaining rated runs');
      break;
    }
  }
  return results;
}

// ---------------------------------------------------------------------------------------
// Checks against the issue's targets.

interface Check {
  target: string;
  check: string;
  value: string;
  goal: string;
  verdict: 'PASS' | 'MISS' | 'n/a';
}

/** A latency's reading in each round where both generators measured it unsaturated. */
interface PairedRounds {
  open: number[];
  wrk: number[];
  /** open − wrk, round by round. */
  diffs: number[];
}

function pairedRounds(
  open: Measurement[],
  wrk: Measurement[],
  latency: 'p50Ms' | 'p99Ms',
): PairedRounds {
  const out: PairedRounds = { open: [], wrk: [], diffs: [] };
  for (let i = 0; i < Math.min(open.length, wrk.length); i++) {
    const o = open[i] as Measurement;
    const w = wrk[i] as Measurement;
    const a = o[latency];
    const b = w[latency];
    if (a === null || b === null || o.saturated === true) continue;
    out.open.push(a);
    out.wrk.push(b);
    out.diffs.push(a - b);
  }
  return out;
}

/**
 * Whether the open model reads the same latency as wrk: the median of the round-by-round
 * differences (each round's pair ran back to back, so a slow spell of the machine mostly lands
 * on both or shows as one outlying pair, which the median ignores) within the goal of wrk's
 * median reading.
 */
function pairedClose(p: PairedRounds): boolean | null {
  const diff = median(p.diffs);
  const wrk = median(p.wrk);
  if (diff === null || wrk === null) return null;
  return Math.abs(diff) <= Math.max(GOAL_LATENCY_REL * wrk, GOAL_LATENCY_ABS_MS);
}

function pairedText(name: string, p: PairedRounds, close: boolean | null): string {
  const signed = (ms: number | null) =>
    ms === null ? '–' : `${ms >= 0 ? '+' : '−'}${fmtMs(Math.abs(ms))}`;
  return (
    `${name} ${fmtMs(median(p.open))} vs ${fmtMs(median(p.wrk))} ms, ` +
    `paired difference ${signed(median(p.diffs))} ms over ${p.diffs.length} rounds` +
    (close === false ? ' ✗' : '')
  );
}

/**
 * The open model against wrk where both offer the same load (EVEN_RATE_RPS, evenly spaced),
 * judged on the median paired difference; the rated rows above it, where wrk bunches its
 * requests by millisecond ticks, are shown in the table but are not the same load.
 */
function accuracyCheck(r: TargetResults): Check {
  const check = `accuracy: open model's p50/p99 vs wrk's at ${fmtRps(EVEN_RATE_RPS)}/s, evenly spaced by both (median of the paired differences over ${ACCURACY_ROUNDS} alternating rounds)`;
  const goal = `within ${GOAL_LATENCY_REL * 100}% of wrk's median or ${GOAL_LATENCY_ABS_MS * 1000} µs`;
  const { open, wrk } = r.accuracy;
  const p50 = pairedRounds(open, wrk, 'p50Ms');
  const p99 = pairedRounds(open, wrk, 'p99Ms');
  const p50Close = pairedClose(p50);
  const p99Close = pairedClose(p99);
  if (p50Close === null || p99Close === null) {
    return { target: r.target.name, check, value: 'no comparable round', goal, verdict: 'n/a' };
  }
  const share =
    r.openMax === null
      ? ''
      : ` (${((EVEN_RATE_RPS / r.openMax) * 100).toFixed(0)}% of the open model's maximum)`;
  const inRange = r.openMax !== null && EVEN_RATE_RPS <= r.openMax * 0.5;
  const value =
    `${fmtRps(EVEN_RATE_RPS)}/s${share}: medians ${pairedText('p50', p50, p50Close)}; ` +
    pairedText('p99', p99, p99Close);
  const verdict = !inRange ? 'n/a' : p50Close && p99Close ? 'PASS' : 'MISS';
  return { target: r.target.name, check, value, goal, verdict };
}

function checks(results: TargetResults[]): Check[] {
  const out: Check[] = [];
  for (const r of results) {
    const byGen = (g: GeneratorName) => r.max.find((m) => m.generator === g)?.throughputRps ?? null;
    const closed = byGen('perf-flow-closed');
    const open = byGen('perf-flow-open');
    const best = Math.max(closed ?? 0, open ?? 0);
    const bestName = (open ?? 0) >= (closed ?? 0) ? 'open model' : 'closed loop';
    if (r.wrkMax === null || best === 0) {
      out.push({
        target: r.target.name,
        check: "throughput per generator core: perf-flow's best ÷ wrk",
        value: r.wrkMax === null ? 'no wrk' : 'no perf-flow figure',
        goal: `≥ ${GOAL_THROUGHPUT_RATIO}×`,
        verdict: 'n/a',
      });
    } else {
      const ratio = best / r.wrkMax;
      const ac = byGen('autocannon');
      const cost = (g: GeneratorName) => {
        const m = r.max.find((x) => x.generator === g);
        return m?.throughputRps && m.generatorCores ? m.throughputRps / m.generatorCores : null;
      };
      const bestCost = cost(bestName === 'open model' ? 'perf-flow-open' : 'perf-flow-closed');
      const wrkCost = cost('wrk');
      const perCpu =
        bestCost !== null && wrkCost !== null
          ? `; per generator CPU-second ${(bestCost / wrkCost).toFixed(2)}×`
          : '';
      // Say when the ratio cannot mean what it says: the target, not the generator, was the
      // limit, or other work shared the reference run's cores.
      const wrkRun = r.max.find((x) => x.generator === 'wrk');
      const doubts: string[] = [];
      if ((wrkRun?.targetCores ?? 0) >= 0.9) {
        doubts.push(
          "the target's core was full during wrk's run: target-bound, not generator-bound",
        );
      }
      if ((wrkRun?.otherCores ?? 0) > QUIET_RUN_OTHER) {
        doubts.push(
          `other work held ${fmtCores(wrkRun?.otherCores ?? null)} cores during wrk's run`,
        );
      }
      out.push({
        target: r.target.name,
        check: "throughput per generator core: perf-flow's best ÷ wrk",
        value:
          `${ratio.toFixed(2)}× (${bestName} ${fmtRps(best)} ÷ wrk ${fmtRps(r.wrkMax)}` +
          (ac === null ? '' : `; autocannon ${(ac / r.wrkMax).toFixed(2)}×`) +
          `${perCpu})` +
          (doubts.length > 0 ? `; doubtful: ${doubts.join('; ')}` : ''),
        goal: `≥ ${GOAL_THROUGHPUT_RATIO}×`,
        verdict: ratio >= GOAL_THROUGHPUT_RATIO ? 'PASS' : 'MISS',
      });
    }
    out.push(accuracyCheck(r));
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// The report.

function fmtRps(n: number | null): string {
  return n === null ? '–' : Math.round(n).toLocaleString('en-US');
}
function fmtMs(n: number | null): string {
  if (n === null) return '–';
  return n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(3);
}
function fmtCores(n: number | null): string {
  return n === null ? '–' : n.toFixed(2);
}
const GENERATOR_LABEL: Record<GeneratorName, string> = {
  'perf-flow-closed': 'perf-flow closed loop',
  'perf-flow-open': 'perf-flow open model',
  autocannon: 'autocannon (plain)',
  wrk: 'wrk',
  'ab -k': 'ab -k',
};

/** Requests per second of generator CPU: its cost per request, whatever else shared the core. */
function perCpuSecond(m: Measurement): string {
  if (m.throughputRps === null || m.generatorCores === null || m.generatorCores <= 0) return '–';
  return fmtRps(m.throughputRps / m.generatorCores);
}

function saturationText(m: Measurement): string {
  if (m.saturated === null) return '';
  return m.saturated ? `saturated: ${m.reasons.join('; ')}` : 'not saturated';
}

async function toolVersion(argv: string[] | null, re: RegExp): Promise<string> {
  if (argv === null) return 'not installed';
  try {
    const out = await runBounded(argv, { timeoutMs: 5000 });
    const text = `${out.stdout}\n${out.stderr}`;
    return re.exec(text)?.[1] ?? text.trim().split('\n')[0] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function renderSection(opts: {
  date: string;
  machine: string[];
  versions: string[];
  pinning: string;
  quietBefore: number;
  loadavg: string;
  results: TargetResults[];
  checks: Check[];
  elapsedMs: number;
}): string {
  const { results } = opts;
  const parts: string[] = [];
  parts.push('## bench:loadgen', '');
  parts.push(
    `Measured ${opts.date} with \`npm run bench:loadgen\` (bench/loadgen.ts, ${(opts.elapsedMs / 60_000).toFixed(1)} min)` +
      `${QUICK ? ', **--quick: shortened runs, not figures to keep**' : ''}. ` +
      'Everything below, down to the next section, is written by the bench and replaced on each run.',
    '',
  );
  parts.push('### Machine', '');
  for (const line of opts.machine) parts.push(`- ${line}`);
  parts.push(`- Pinning: ${opts.pinning}`);
  parts.push(
    `- Other work on the machine: ${(opts.quietBefore * 100).toFixed(0)}% of both cores busy just before the bench; load average ${opts.loadavg} at the end. ` +
      `Before each run the bench waited, half a second at a time and at most ${QUIET_RUN_MAX_MS / 1000} s, while other work held over ${QUIET_RUN_OTHER} cores (${(quietWaitedMs / 1000).toFixed(0)} s of its ${QUIET_RUN_BUDGET_MS / 1000} s allowance spent). ` +
      'The "other CPU" columns give what ran besides target and generator during each run: above about 0.3, that run shared its cores and its figures are doubtful.',
  );
  parts.push('', '### Versions', '');
  for (const line of opts.versions) parts.push(`- ${line}`);
  if (skipped.length > 0) {
    parts.push('', '### Skipped', '');
    for (const line of skipped) parts.push(`- ${line}`);
  }

  parts.push('', '### Maximum requests/s per generator core', '');
  parts.push(
    `${CONNECTIONS} connections, keep-alive, one generator process pinned to core 0, ${MAX_ROUNDS} rounds taking turns with each generator's best round kept (other work only ever lowers a maximum). wrk, ab and autocannon run ${RUN_MS / 1000} s; ` +
      `perf-flow's closed loop ${WARMUP_MS / 1000} s warm-up + ${MEASURE_MS / 1000} s measured; the open model climbs in steps ` +
      `(${WARMUP_MS / 1000} s + ${STEP_MEASURE_MS / 1000} s each, ×${OPEN_STEP_FACTOR}) until it marks itself saturated or achieves under ` +
      `${SHORT_FRACTION * 100}% of the offered rate, and its maximum is the highest rate achieved while not saturated. ` +
      'Latency is what each generator reports at that load. "gen CPU" is the generator process\'s CPU over wall time (1.00 = its core is full), ' +
      '"target CPU" the target\'s. "req per gen CPU-s" divides the rate by the generator\'s CPU: what a request costs it, a figure other work on the machine disturbs less than the rate (the PASS/MISS below uses the rate, as the issue states it).',
    '',
  );
  const maxRows: string[][] = [];
  for (const r of results) {
    for (const m of r.max) {
      maxRows.push([
        r.target.name,
        GENERATOR_LABEL[m.generator],
        fmtRps(m.throughputRps),
        r.wrkMax && m.throughputRps !== null ? `${(m.throughputRps / r.wrkMax).toFixed(2)}×` : '–',
        fmtMs(m.p50Ms),
        fmtMs(m.p99Ms),
        m.errors === null ? '–' : String(m.errors),
        fmtCores(m.generatorCores),
        perCpuSecond(m),
        fmtCores(m.targetCores),
        fmtCores(m.otherCores),
        [saturationText(m), m.note].filter(Boolean).join('; '),
      ]);
    }
  }
  parts.push(
    table(
      [
        'target',
        'generator',
        'req/s',
        '× wrk',
        'p50 ms',
        'p99 ms',
        'errors',
        'gen CPU',
        'req per gen CPU-s',
        'target CPU',
        'other CPU',
        'note',
      ],
      maxRows,
    ),
  );

  parts.push('', "### The open model's climb", '');
  const rampRows: string[][] = [];
  for (const r of results) {
    for (const m of r.ramp) {
      rampRows.push([
        r.target.name,
        fmtRps(m.offeredRps),
        fmtRps(m.throughputRps),
        m.throughputRps !== null && m.offeredRps
          ? `${((m.throughputRps / m.offeredRps) * 100).toFixed(1)}%`
          : '–',
        fmtMs(m.p50Ms),
        fmtMs(m.p99Ms),
        m.errors === null ? '–' : String(m.errors),
        fmtCores(m.generatorCores),
        fmtCores(m.targetCores),
        fmtCores(m.otherCores),
        [saturationText(m), m.note].filter(Boolean).join('; ') || '–',
      ]);
    }
  }
  parts.push(
    table(
      [
        'target',
        'offered req/s',
        'achieved req/s',
        'achieved',
        'p50 ms',
        'p99 ms',
        'errors',
        'gen CPU',
        'target CPU',
        'other CPU',
        'generator health',
      ],
      rampRows,
    ),
  );

  parts.push('', '### Latency each generator reports at the same offered rates', '');
  parts.push(
    "Rates at 10%, 50% and 90% of wrk's maximum on that target, plus 50% of the open model's own maximum (the rate the issue names; at these rates wrk bunches its requests, see the accuracy section below). " +
      'See "Method" for how each generator holds a rate. A generator that cannot reach the rate runs as fast as it can: compare "achieved" with "offered".',
    '',
  );
  const ratedRows: string[][] = [];
  for (const r of results) {
    for (const point of r.rated) {
      for (const m of point.runs) {
        ratedRows.push([
          r.target.name,
          `${fmtRps(point.rateRps)} (${point.share})`,
          GENERATOR_LABEL[m.generator],
          fmtRps(m.throughputRps),
          fmtMs(m.p50Ms),
          fmtMs(m.p99Ms),
          m.errors === null ? '–' : String(m.errors),
          fmtCores(m.generatorCores),
          fmtCores(m.otherCores),
          [saturationText(m), m.note].filter(Boolean).join('; '),
        ]);
      }
    }
  }
  parts.push(
    table(
      [
        'target',
        'offered req/s',
        'generator',
        'achieved req/s',
        'p50 ms',
        'p99 ms',
        'errors',
        'gen CPU',
        'other CPU',
        'note',
      ],
      ratedRows,
    ),
  );

  parts.push(
    '',
    `### Accuracy: the open model and wrk at an even ${fmtRps(EVEN_RATE_RPS)} req/s`,
    '',
  );
  parts.push(
    `wrk's \`delay()\` counts whole milliseconds, so wrk spaces requests evenly only up to one a millisecond; at the rates above it sends them in bunches at each tick (about rate ÷ 1000 at once) and they queue at the target, a load the open model's even schedule does not make, so those rows are not the same load. ` +
      `At ${fmtRps(EVEN_RATE_RPS)}/s both send one request a millisecond: the two take turns for ${ACCURACY_ROUNDS} rounds, and the accuracy target is judged on the median of the round-by-round differences (open model − wrk; a round whose open-model run marked itself saturated is left out). A pair runs back to back, so a slow spell of the machine either lands on both or makes one outlying pair, which the median sets aside; the lowest reading of each generator would instead favour whichever had the luckier round.`,
    '',
  );
  const accuracyRows: string[][] = [];
  for (const r of results) {
    const rounds = Math.max(r.accuracy.open.length, r.accuracy.wrk.length);
    for (let i = 0; i < rounds; i++) {
      for (const m of [r.accuracy.open[i], r.accuracy.wrk[i]]) {
        if (m === undefined) continue;
        accuracyRows.push([
          r.target.name,
          String(i + 1),
          GENERATOR_LABEL[m.generator],
          fmtRps(m.throughputRps),
          fmtMs(m.p50Ms),
          fmtMs(m.p99Ms),
          m.errors === null ? '–' : String(m.errors),
          fmtCores(m.otherCores),
          [saturationText(m), m.note].filter(Boolean).join('; '),
        ]);
      }
    }
    for (const latency of ['p50Ms', 'p99Ms'] as const) {
      const p = pairedRounds(r.accuracy.open, r.accuracy.wrk, latency);
      const name = latency === 'p50Ms' ? 'p50' : 'p99';
      accuracyRows.push([
        r.target.name,
        `median of ${p.diffs.length}`,
        `${name}: open model, wrk, difference`,
        '',
        name === 'p50' ? fmtMs(median(p.open)) : '',
        name === 'p99' ? fmtMs(median(p.open)) : '',
        '',
        '',
        `wrk ${fmtMs(median(p.wrk))} ms; open − wrk, round by round: ${p.diffs.map((d) => fmtMs(d)).join(', ')} ms; median ${fmtMs(median(p.diffs))} ms`,
      ]);
    }
  }
  parts.push(
    table(
      [
        'target',
        'round',
        'generator',
        'achieved req/s',
        'p50 ms',
        'p99 ms',
        'errors',
        'other CPU',
        'note',
      ],
      accuracyRows,
    ),
  );

  parts.push('', "### The issue's targets", '');
  parts.push(
    'PASS/MISS per target, computed by the bench. A MISS does not fail the bench (this VM is noisy, and other work may share it: see "other CPU"); it is reported as measured.',
    '',
  );
  parts.push(
    table(
      ['target', 'check', 'measured', 'goal', 'verdict'],
      opts.checks.map((c) => [c.target, c.check, c.value, c.goal, `**${c.verdict}**`]),
    ),
  );

  parts.push('', '### Method', '');
  parts.push(
    `- Each target runs pinned to core 1 (\`taskset -c 1\`); each generator run is one process pinned to core 0 (\`taskset -c 0\`), so every generator, threads included, has exactly one core. ` +
      'The Node generators each run in a child of their own (bench/runner.ts prints one JSON line), so none shares an event loop with the bench or another generator.',
    `- nginx: its own nginx.conf in a temporary directory (\`daemon off\`, \`master_process off\`: one process, \`access_log off\`, keep-alive with no request limit), \`return 200\` of a ${'{'}…} JSON body; stopped by its pid at the end, as is the demo service (\`PORT=<free port> node examples/demo-service/server.mjs\`, journey \`GET /api/items/7\`).`,
    '- autocannon is run through its own API with its own defaults (`autocannon({url, connections, duration, timeout[, overallRate]})`): with a rate, its coordinated-omission correction is on, as a user would have it; its latency histogram has 1 ms resolution.',
    "- perf-flow's closed loop: `runClosedLoop` with 50 connections (and `rateRps` for a rate: a throttle, each connection taking evenly spaced slots), perf-flow's own sockets and response framing, sub-millisecond histograms, warm-up excluded. " +
      "The open model: `runOpenModel` with one phase at the rate, `arrival: 'uniform'`, `maxConnections: 50`, the same warm-up; each request sent when due, its latency from that send (perf-flow's own lateness is its send lag, apart).",
    "- wrk cannot hold a rate by itself (it is a closed loop). At a rate it runs a Lua `delay()` script (bench/wrk-scripts.ts): before each request, the connection takes the next slot of a constant-rate schedule (one slot every 1000/rate ms on CLOCK_MONOTONIC via LuaJIT ffi) and waits for it, rounded to whole milliseconds because that is the unit of wrk's `delay()`. " +
      'With 50 connections and one thread, requests leave at the offered rate, grouped by millisecond ticks; a schedule that falls behind catches up. wrk times each request from when it writes it, with no coordinated-omission correction, which only matters once the target or wrk falls behind.',
    '- ab cannot hold a rate: n/a at a rate. Its percentiles are whole milliseconds.',
    `- Request timeout ${REQUEST_TIMEOUT_MS / 1000} s everywhere. Throughput is completed requests over the measured time.`,
    '- "gen CPU" comes from the bench\'s own cutime/cstime (the generator process reaped, threads included); "target CPU" from /proc/<pid>/stat of the target; "other CPU" is the rest of /proc/stat\'s busy time over the run\'s wall time.',
  );

  parts.push('', '### Commands', '');
  parts.push('<details><summary>Every command the bench ran, in order</summary>', '', '```sh');
  parts.push('npm run bench:loadgen   # node bench/run.mjs loadgen');
  for (const r of results) parts.push(shellLine(r.target.command));
  parts.push(...commands, '```', '', '</details>', '');
  return parts.join('\n');
}

// ---------------------------------------------------------------------------------------
// Main.

async function main(): Promise<number> {
  const which2 = async (name: string, why: string) => {
    const path = await which(name);
    if (path === null) skipped.push(`${name}: not installed (${why}); install it to include it`);
    return path;
  };
  const wrk = await which2('wrk', 'Debian: apt-get install wrk');
  const ab = await which2('ab', 'Debian: apt-get install apache2-utils');
  const nginx = await which2(
    'nginx',
    'Debian: apt-get install nginx-light; the nginx target is skipped',
  );
  const taskset = await which('taskset');
  const cores = os.availableParallelism();
  const canPin = taskset !== null && cores >= 2;
  const pinning = canPin
    ? 'target on core 1, generator on core 0 (`taskset -c`)'
    : `none (${taskset === null ? 'taskset not found' : `${cores} core available`}): target and generator share the machine, figures are not per core`;
  if (!canPin) skipped.push(`pinning: ${pinning}`);

  const scriptDir = await mkdtemp(join(os.tmpdir(), 'perf-flow-bench-'));
  const tools: Tools = {
    wrk,
    ab,
    nginx,
    taskset,
    pinGenerator: canPin && taskset ? [taskset, '-c', '0'] : [],
    pinTarget: canPin && taskset ? [taskset, '-c', '1'] : [],
    scriptDir,
  };
  await writeFile(join(scriptDir, 'report.lua'), WRK_REPORT_LUA);
  await writeFile(join(scriptDir, 'paced.lua'), WRK_PACED_LUA);

  const versions = [
    `perf-flow ${await perfFlowRevision(ROOT, ['src/load'])}`,
    `node ${process.version}`,
    `autocannon ${await packageVersion(ROOT, 'autocannon')}`,
    `wrk ${await toolVersion(wrk === null ? null : [wrk, '-v'], /wrk (\S+)/)}`,
    `ab ${await toolVersion(ab === null ? null : [ab, '-V'], /Version (\S+)/)}`,
    `nginx ${await toolVersion(nginx === null ? null : [nginx, '-v'], /nginx\/(\S+)/)}`,
  ];
  const machine = await machineFacts();

  let quietBefore = await machineBusyOver(1000);
  const quietDeadline = Date.now() + QUIET_WAIT_MS;
  while (quietBefore > QUIET_BUSY && Date.now() < quietDeadline && !interrupted) {
    log(
      `the machine is ${(quietBefore * 100).toFixed(0)}% busy with other work: waiting for it to calm down`,
    );
    quietBefore = await machineBusyOver(3000);
  }

  const results: TargetResults[] = [];
  try {
    for (const name of TARGET_NAMES) {
      if (interrupted) break;
      if (overBudget()) {
        skipped.push(`target ${name}: the time budget was spent`);
        continue;
      }
      if (name === 'nginx' && nginx === null) {
        skipped.push('target nginx: nginx is not installed');
        continue;
      }
      const target =
        name === 'nginx'
          ? await startNginx(nginx ?? 'nginx', join(scriptDir, 'nginx'), tools.pinTarget)
          : await startDemo(ROOT, tools.pinTarget);
      log(`${target.name} up at ${target.url} (pid ${target.pid})`);
      try {
        results.push(await benchTarget(tools, target));
      } finally {
        await target.stop();
        log(`${target.name} stopped`);
      }
    }
  } finally {
    await stopAll();
    // nginx's configuration and temp files; the Lua scripts and results.json stay.
    await rm(join(scriptDir, 'nginx'), { recursive: true, force: true });
  }
  if (interrupted) return 130;

  const checked = checks(results);
  const section = renderSection({
    date: new Date().toISOString(),
    machine,
    versions,
    pinning,
    quietBefore,
    loadavg: os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(', '),
    results,
    checks: checked,
    elapsedMs: Date.now() - startedAt,
  });
  const rawPath = join(scriptDir, 'results.json');
  await writeFile(
    rawPath,
    JSON.stringify(
      {
        machine,
        versions,
        results: results.map((r) => ({ ...r, target: { ...r.target, stop: undefined } })),
        checks: checked,
      },
      null,
      2,
    ),
  );
  process.stdout.write(`\n${section}\n`);
  if (WRITE) log(`wrote ${await writeSection(ROOT, '## bench:loadgen', section)}`);
  log(`raw results: ${rawPath}`);
  for (const c of checked) log(`${c.verdict.padEnd(4)} ${c.target}: ${c.check}: ${c.value}`);
  return 0;
}

function onSignal(signal: NodeJS.Signals): void {
  if (interrupted) {
    killAllNow();
    process.exit(130);
  }
  interrupted = true;
  log(`${signal}: stopping every process the bench started`);
  void stopAll().then(() => process.exit(130));
}
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
process.on('exit', killAllNow);

main().then(
  (code) => {
    process.exitCode = code;
  },
  async (error: unknown) => {
    await stopAll();
    console.error(interrupted ? 'interrupted' : error);
    process.exitCode = interrupted ? 130 : 1;
  },
);
