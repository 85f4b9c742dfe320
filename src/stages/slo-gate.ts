import type { Verdict } from '../config/types.js';
import type { SloGateData } from '../data/stages.js';
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
import { measuredResults } from './measured-results.js';

export interface SloGateInputs extends CommonInputs {
  /** Overrides the config's fail-on. */
  failOn?: Verdict[];
}

/**
 * Judges the SLOs against the steady load test when there is one (the realistic mix at
 * the configured rate), else against the baseline. With neither, the gate cannot decide:
 * INCONCLUSIVE, which fails by default rather than passing silently.
 */
export async function runSloGate(inputs: SloGateInputs, deps: StageDeps) {
  const ctx = await prepareStage('slo-gate', inputs, deps);
  const { config } = ctx;
  const failOn = inputs.failOn ?? config.failOn;
  const loadTest = await readEarlier(ctx, 'load-test');
  const measured = loadTest ?? (await readEarlier(ctx, 'baseline'));
  const source = loadTest ? 'load-test' : 'baseline';

  const slos = measured ? evaluateSlos(config.slos, measuredResults(measured)) : [];
  const gate = measured
    ? scoreGate(slos, config.scoring, failOn)
    : {
        verdict: 'INCONCLUSIVE' as const,
        score: null,
        failed: failOn.includes('INCONCLUSIVE'),
        reasons: [
          'No measurements to judge: neither a load-test nor a baseline result was found. Run those stages first.',
        ],
      };
  if (measured && measured.provenance.configHash !== config.hash) {
    gate.reasons.push(
      `The ${source} result was measured with another version of the config (hash ${measured.provenance.configHash}, now ${config.hash}).`,
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
      (gate.score === null ? '' : ` (score ${(gate.score * 100).toFixed(0)}%)`) +
      (gate.failed ? `: the gate fails (fail-on ${failOn.join(', ')})` : ''),
  );
  return finishStage(ctx, data, renderSloCompliance(data), {
    verdict: gate.verdict,
    failed: gate.failed,
    outputs: {
      score: gate.score === null ? '' : gate.score.toFixed(3),
      failed: String(gate.failed),
    },
  });
}
