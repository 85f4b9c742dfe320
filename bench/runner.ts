// Runs one Node load-generator configuration and prints one report line (bench/protocol.ts).
// Started by bench/loadgen.ts as `taskset -c 0 node runner.mjs '<json>'`, one process per run,
// so that a generator never shares its event loop (or its core) with another.
import autocannon from 'autocannon';
import type { JourneyConfig } from '../src/config/types.js';
import type { GeneratorHealth } from '../src/data/common.js';
import { runClosedLoop } from '../src/load/closed-loop.js';
import { runOpenModel } from '../src/load/open-model.js';
import type { LoadRunResult } from '../src/load/types.js';
import type { RunReport, RunRequest } from './protocol.js';
import { REPORT_PREFIX } from './protocol.js';

function parseRequest(raw: string | undefined): RunRequest {
  if (raw === undefined) throw new Error('usage: runner.mjs <json RunRequest>');
  return JSON.parse(raw) as RunRequest;
}

function journeyFor(url: URL): JourneyConfig {
  return {
    name: 'bench',
    method: 'GET',
    path: url.pathname + url.search,
    headers: {},
    weight: 1,
  };
}

function fromResult(request: RunRequest, result: LoadRunResult): RunReport {
  const { overall } = result;
  const health: GeneratorHealth | undefined = result.generator;
  const hasLatency = overall.latency.count > 0;
  return {
    generator: request.generator,
    offeredRps: request.rateRps ?? null,
    // Successful responses per second: perf-flow counts timeouts and errors as requests.
    throughputRps:
      overall.durationSec > 0 ? (overall.requests - overall.errors) / overall.durationSec : 0,
    requests: overall.requests,
    errors: overall.errors,
    p50Ms: hasLatency ? overall.latency.p50 : null,
    p99Ms: hasLatency ? overall.latency.p99 : null,
    maxMs: hasLatency ? overall.latency.max : null,
    saturated: health?.saturated ?? null,
    reasons: health?.reasons ?? [],
    health: health ?? null,
  };
}

async function runPerfFlowClosed(request: RunRequest): Promise<RunReport> {
  const url = new URL(request.url);
  const result = await runClosedLoop(url.origin, [journeyFor(url)], {
    model: 'closed',
    durationMs: request.durationMs,
    warmupMs: request.warmupMs,
    connections: request.connections,
    ...(request.rateRps === undefined ? {} : { rateRps: request.rateRps }),
    requestTimeoutMs: request.requestTimeoutMs,
  });
  return fromResult(request, result);
}

async function runPerfFlowOpen(request: RunRequest): Promise<RunReport> {
  if (request.rateRps === undefined) throw new Error('the open model needs a rate');
  const url = new URL(request.url);
  const result = await runOpenModel(url.origin, [journeyFor(url)], {
    phases: [{ rateRps: request.rateRps, durationMs: request.durationMs }],
    warmupMs: request.warmupMs,
    arrival: 'uniform',
    requestTimeoutMs: request.requestTimeoutMs,
    maxConnections: request.connections,
    seed: 1,
  });
  return fromResult(request, result);
}

/** autocannon as a user would run it: its own options and defaults, its own figures. */
async function runAutocannon(request: RunRequest): Promise<RunReport> {
  const result = await autocannon({
    url: request.url,
    connections: request.connections,
    duration: request.durationMs / 1000,
    timeout: request.requestTimeoutMs / 1000,
    ...(request.rateRps === undefined ? {} : { overallRate: request.rateRps }),
  });
  const seconds = result.duration > 0 ? result.duration : request.durationMs / 1000;
  const completed = result.requests.total;
  return {
    generator: request.generator,
    offeredRps: request.rateRps ?? null,
    throughputRps: Math.max(0, result.requests.total - result.non2xx) / seconds,
    requests: result.requests.total,
    errors: result.errors + result.non2xx,
    p50Ms: completed > 0 ? result.latency.p50 : null,
    p99Ms: completed > 0 ? result.latency.p99 : null,
    maxMs: completed > 0 ? result.latency.max : null,
    saturated: null,
    reasons: [],
    health: null,
  };
}

const RUNS: Record<RunRequest['generator'], (request: RunRequest) => Promise<RunReport>> = {
  'perf-flow-closed': runPerfFlowClosed,
  'perf-flow-open': runPerfFlowOpen,
  autocannon: runAutocannon,
};

const request = parseRequest(process.argv[2]);
if (!['127.0.0.1', 'localhost', '[::1]'].includes(new URL(request.url).hostname)) {
  throw new Error(`the bench loads loopback only, not ${request.url}`);
}
const report = await RUNS[request.generator](request);
process.stdout.write(`${REPORT_PREFIX}${JSON.stringify(report)}\n`);
// autocannon may keep sockets or timers a moment longer; the report is out.
process.exit(0);
