import type { SpikeResult } from '../../data/scenarios.js';
import { formatRate } from '../../measure/format.js';
import { spikeRecovery } from '../../scenarios/spike-recovery.js';
import type { StageContext } from '../context.js';
import { withServiceUnderLoad } from '../service-session.js';
import { runScenarioLoad } from './common.js';

/**
 * Base rate, a jump to the peak, back to base, in one open-model run: the recovery time is
 * the seconds after the peak until the one-second p95 and error rate are back near the level
 * before it.
 */
export async function runSpike(ctx: StageContext): Promise<SpikeResult> {
  const spike = ctx.config.scenarios.spike;
  ctx.progress(
    `spike: ${formatRate(spike.baseRps)} for ${spike.beforeMs / 1000}s, ${formatRate(spike.peakRps)} ` +
      `for ${spike.spikeMs / 1000}s, then ${formatRate(spike.baseRps)} for ${spike.afterMs / 1000}s`,
  );
  const { result: run, processStats } = await withServiceUnderLoad(
    ctx,
    { name: 'spike' },
    (service, signal) =>
      runScenarioLoad(
        ctx,
        service.url,
        [
          { rateRps: spike.baseRps, durationMs: spike.beforeMs },
          { rateRps: spike.peakRps, durationMs: spike.spikeMs },
          { rateRps: spike.baseRps, durationMs: spike.afterMs },
        ],
        { label: 'spike', signal },
      ),
  );
  const peakStartSecond = Math.round(spike.beforeMs / 1000);
  const peakEndSecond = Math.round((spike.beforeMs + spike.spikeMs) / 1000);
  const recovery = spikeRecovery(
    run.timeline,
    { peakStartSec: peakStartSecond, peakEndSec: peakEndSecond },
    { tolerance: spike.tolerance },
  );
  ctx.progress(`spike: ${recovery.reason}`);
  return {
    load: run.load,
    overall: run.overall,
    timeline: run.timeline,
    generator: run.generator,
    service: processStats,
    peakStartSecond,
    peakEndSecond,
    pre: recovery.pre,
    peak: recovery.peak,
    limits: recovery.limits,
    tolerance: spike.tolerance,
    recoverySeconds: recovery.recoverySec,
    reason: recovery.reason,
  };
}
