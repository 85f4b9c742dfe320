import type { JourneyConfig, LoadSettings } from '../config/types.js';
import { runLoad } from '../load/run-load.js';
import type { BlockOutcome, Side } from './interleave.js';

/** The load each block sends: the load-test's journeys and settings, to loopback or allowed hosts. */
export interface BlockLoad {
  journeys: JourneyConfig[];
  settings: LoadSettings;
  allowedHosts: string[];
}

/** One block of `load` on one side: `blockMs` measured after `warmupMs` that is not. */
export function blockRunner(
  urls: Record<Side, string>,
  load: BlockLoad,
  timing: { blockMs: number; warmupMs: number },
) {
  return async (side: Side, signal?: AbortSignal): Promise<BlockOutcome> => {
    const run = await runLoad(
      urls[side],
      load.journeys,
      { ...load.settings, durationMs: timing.blockMs, warmupMs: timing.warmupMs },
      { allowedHosts: load.allowedHosts, ...(signal ? { signal } : {}) },
    );
    return {
      result: run.overall,
      generatorSaturated: run.generator.saturated,
      ...(run.generator.sendLagMs ? { sendLagMaxMs: run.generator.sendLagMs.max } : {}),
    };
  };
}

/**
 * One unmeasured run of `warmupMs` per service before the first pair: the JIT, caches and
 * pools of each warm before either is measured.
 */
export async function warmUpServices(
  urls: readonly string[],
  load: BlockLoad,
  warmupMs: number,
  signal?: AbortSignal,
): Promise<void> {
  if (warmupMs <= 0) return;
  for (const url of urls) {
    await runLoad(
      url,
      load.journeys,
      { ...load.settings, durationMs: warmupMs, warmupMs: 0 },
      { allowedHosts: load.allowedHosts, ...(signal ? { signal } : {}) },
    );
  }
}
