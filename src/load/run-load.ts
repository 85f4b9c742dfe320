import { requestBound } from '../config/scenarios.js';
import type { JourneyConfig, LoadSettings } from '../config/types.js';
import type { GeneratorHealth } from '../data/common.js';
import { ConfigError } from '../errors.js';
import { runClosedLoop, type ClosedLoopOptions } from './closed-loop.js';
import { runOpenModel } from './open-model.js';
import type { LoadRunResult } from './types.js';

/**
 * One steady load with the configured model: the open model (arrivals at the rate whatever
 * the service does, no coordinated omission) or the closed loop (connections as fast as answered).
 */
export function runLoad(
  baseUrl: string,
  journeys: JourneyConfig[],
  settings: LoadSettings,
  opts: ClosedLoopOptions = {},
): Promise<LoadRunResult> {
  if (settings.model === 'closed') return runClosedLoop(baseUrl, journeys, settings, opts);
  if (settings.rateRps === undefined) {
    return Promise.reject(new ConfigError('the open model needs a rate', 'rate'));
  }
  const phases = [{ rateRps: settings.rateRps, durationMs: settings.durationMs }];
  return runOpenModel(
    baseUrl,
    journeys,
    {
      phases,
      warmupMs: settings.warmupMs,
      arrival: settings.arrival ?? 'poisson',
      requestTimeoutMs: settings.requestTimeoutMs,
      maxConnections: settings.connections,
      maxRequests: requestBound(phases).maxRequests,
    },
    opts,
  );
}

/** Several runs' generator health as one: the worst of each figure, saturated if any was. */
export function worstGeneratorHealth(healths: readonly GeneratorHealth[]): GeneratorHealth {
  const worst = (pick: (h: GeneratorHealth) => number | null) => {
    const values = healths.map(pick).filter((v): v is number => v !== null);
    return values.length === 0 ? null : Math.max(...values);
  };
  const lags = healths.map((h) => h.sendLagMs).filter((l) => l !== null);
  return {
    eventLoopUtilization: worst((h) => h.eventLoopUtilization) ?? 0,
    cpuCores: worst((h) => h.cpuCores) ?? 0,
    sendLagMs:
      lags.length === 0
        ? null
        : {
            p50: Math.max(...lags.map((l) => l.p50)),
            p99: Math.max(...lags.map((l) => l.p99)),
            max: Math.max(...lags.map((l) => l.max)),
          },
    lateStarts: sumOrNull(healths.map((h) => h.lateStarts)),
    lateThresholdMs: worst((h) => h.lateThresholdMs),
    unsent: sumOrNull(healths.map((h) => h.unsent)),
    saturated: healths.some((h) => h.saturated),
    reasons: [...new Set(healths.flatMap((h) => h.reasons))],
  };
}

function sumOrNull(values: (number | null)[]): number | null {
  const known = values.filter((v): v is number => v !== null);
  return known.length === 0 ? null : known.reduce((a, b) => a + b, 0);
}
