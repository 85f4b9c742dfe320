import type { Risk } from './roi.js';

/**
 * How an item is tested: that the change keeps the service's behaviour (`behaviour`, the
 * item's own), that it delivers the cut (`measure`, what the next perf-flow run shows), and,
 * for a change that can go wrong in production, how it reaches production.
 */
export function testingApproach(behaviour: string, measure: string, risk: Risk): string[] {
  return [
    `Behaviour: ${behaviour}`,
    `Performance: ${measure}. Open the change as a pull request: perf-flow's gate compares it with the base branch under the same load, and the next summary checks this item's predicted gain against the measured one`,
    ...(risk === 'low'
      ? []
      : [
          'Rollout: behind a flag or on one instance first, watching the SLOs and the error budget before the rest',
        ]),
  ];
}
