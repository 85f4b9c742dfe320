import { formatMs, formatPct, formatRate } from '../measure/format.js';
import type { SliResult } from '../data/common.js';

/** The step outputs a later workflow step reads without parsing the data file. */
export function sliOutputs(result: SliResult): Record<string, string> {
  return {
    'p50-ms': result.latency.p50.toFixed(3),
    'p95-ms': result.latency.p95.toFixed(3),
    'p99-ms': result.latency.p99.toFixed(3),
    'throughput-rps': result.throughputRps.toFixed(1),
    'error-rate': result.errorRate.toString(),
  };
}

export function describeSlis(result: SliResult): string {
  const l = result.latency;
  return (
    `p50 ${formatMs(l.p50)}, p95 ${formatMs(l.p95)}, p99 ${formatMs(l.p99)}, ` +
    `${formatRate(result.throughputRps)}, errors ${formatPct(result.errorRate)}`
  );
}
