import { formatPct } from '../measure/format.js';
import type { Verdict } from '../config/types.js';
import type { LoadTestData, SloEvaluation, SloGateData } from '../data/stages.js';
import { relativeSlos, uncomparedSlo } from '../slo/relative-slos.js';
import { renderSloCompliance } from '../report/index.js';
import { evaluateSlos } from '../slo/evaluate.js';
import { scoreGate } from '../slo/score.js';
import {
  finishStage,
  prepareStage,
  readEarlier,
  type CommonInputs,
  type StageDeps,
} from './context.js';
import { steadyLoad } from '../data/stages.js';
import { measuredResults } from './measured-results.js';
import { mergeLoadTestShards } from './shards.js';

export interface SloGateInputs extends CommonInputs {
  /** Overrides the config's fail-on. */
  failOn?: Verdict[];
}

/**
 * Judges the SLOs against the newest measurement: the steady load test (the realistic mix)
 * in the usual order of the flow, the baseline when it ran later. With none, or with one
 * taken under another config, the gate cannot decide: INCONCLUSIVE, which fails by default
 * rather than passing silently.
 */
export async function runSloGate(inputs: SloGateInputs, deps: StageDeps) {
  const ctx = await prepareStage('slo-gate', inputs, deps);
  const { config } = ctx;
  const failOn = inputs.failOn ?? config.failOn;
  await mergeLoadTestShards(ctx);
  const loadTestData = await readEarlier(ctx, 'load-test');
  const loadTest = steadyLoad(loadTestData);
  const baseline = await readEarlier(ctx, 'baseline');
  const useLoadTest =
    loadTest !== undefined &&
    (baseline === undefined || loadTest.provenance.createdAt >= baseline.provenance.createdAt);
  const measured = useLoadTest ? loadTest : baseline;
  const source = useLoadTest ? 'load-test' : 'baseline';

  const evaluated = measured ? evaluateSlos(config.slos, measuredResults(measured)) : [];
  const slos = [
    ...(measured?.generator?.saturated ? withSaturatedGenerator(evaluated) : evaluated),
    ...againstBase(loadTestData, config.hash),
  ];
  const inconclusive = (reason: string) => ({
    verdict: 'INCONCLUSIVE' as const,
    score: null,
    failed: failOn.includes('INCONCLUSIVE'),
    reasons: [reason],
  });
  const gate = !measured
    ? inconclusive(
        'No measurements to judge: neither a load-test nor a baseline result was found. Run those stages first.',
      )
    : measured.provenance.configHash !== config.hash
      ? inconclusive(
          `The ${source} result was measured under another config (hash ${measured.provenance.configHash}, ` +
            `now ${config.hash}): its figures do not answer this config's SLOs. Run the ${source} stage again.`,
        )
      : scoreGate(slos, config.scoring, failOn);
  if (measured?.generator?.saturated) {
    gate.reasons.unshift(
      `The load generator was saturated during the ${source}: ${measured.generator.reasons.join('; ')}. ` +
        'A lagging generator only makes latencies longer and throughput lower, so what passed ' +
        'stands; what missed may be the generator, not the service, and is inconclusive. ' +
        'Lower the rate, or give the generator more CPU (a larger runner, or shards).',
    );
  }

  const data: SloGateData = {
    schema: 'perf-flow/slo-gate@1',
    provenance: ctx.provenance(),
    guidance: ctx.guidance,
    source,
    verdict: gate.verdict,
    score: gate.score,
    scoring: config.scoring,
    failOn,
    failed: gate.failed,
    reasons: gate.reasons,
    slos,
  };
  ctx.progress(
    `verdict ${gate.verdict}` +
      (gate.score === null ? '' : ` (score ${formatPct(gate.score)})`) +
      (gate.failed ? `: the gate fails (fail-on ${failOn.join(', ')})` : ''),
  );
  if (gate.verdict !== 'PASS') for (const reason of gate.reasons) ctx.progress(`  ${reason}`);
  return finishStage(ctx, data, renderSloCompliance(data), {
    verdict: gate.verdict,
    failed: gate.failed,
    outputs: {
      score: gate.score === null ? '' : gate.score.toFixed(3),
      failed: String(gate.failed),
    },
  });
}

/**
 * The load test's base-against-head verdicts as key SLOs relative to the base; none when no
 * base was compared, or when the comparison ran under another config.
 */
function againstBase(data: LoadTestData | undefined, configHash: string): SloEvaluation[] {
  if (data === undefined || data.provenance.configHash !== configHash) return [];
  if (data.regression) return relativeSlos(data.regression);
  if (data.regressionProblem !== undefined) return [uncomparedSlo(data.regressionProblem)];
  return [];
}

/**
 * A saturated generator errs on the pessimistic side (its busy loop reads responses late,
 * which adds to their latency; a request never sent lowers throughput), so a target met is
 * met by the service too; one missed may be the generator's doing and decides nothing.
 */
export function withSaturatedGenerator(slos: SloEvaluation[]): SloEvaluation[] {
  return slos.map((slo) =>
    slo.status === 'fail' || slo.status === 'warning'
      ? {
          ...slo,
          status: 'inconclusive',
          score: 0,
          reason: `${slo.reason}; but the load generator was saturated, so the miss may be its own`,
        }
      : slo,
  );
}
