import type { BaselineData, SteadyLoadTest } from '../data/stages.js';
import type { MeasuredSlis } from '../slo/evaluate.js';

/** What the SLO evaluation reads from a baseline or a load test. */
export function measuredResults(data: BaselineData | SteadyLoadTest): MeasuredSlis {
  return {
    overall: data.overall,
    journeys: Object.fromEntries(data.journeys.map((j) => [j.name, j.result])),
  };
}
