import type { RegressionCriterion } from '../../src/config/types.js';

/** The regression section's default criteria, as the config turns them out. */
export const p95Criterion: RegressionCriterion = {
  sli: 'latency.p95',
  worse: 'higher',
  scale: 'ratio',
  threshold: 0.1,
};
export const throughputCriterion: RegressionCriterion = {
  sli: 'throughput',
  worse: 'lower',
  scale: 'ratio',
  threshold: 0.05,
};
export const errorRateCriterion: RegressionCriterion = {
  sli: 'error_rate',
  worse: 'higher',
  scale: 'difference',
  threshold: 0.01,
};
