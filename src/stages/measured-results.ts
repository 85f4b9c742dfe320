import type { SliResult } from '../data/common.js';
import type { BaselineData, LoadTestData } from '../data/stages.js';

/** The shape the SLO evaluation reads: all journeys together, and each by name. */
export interface MeasuredResults {
  overall: SliResult;
  journeys: Record<string, SliResult>;
}

export function measuredResults(data: BaselineData | LoadTestData): MeasuredResults {
  return {
    overall: data.overall,
    journeys: Object.fromEntries(data.journeys.map((j) => [j.name, j.result])),
  };
}
