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
    `p50 ${l.p50.toFixed(2)} ms, p95 ${l.p95.toFixed(2)} ms, p99 ${l.p99.toFixed(2)} ms, ` +
    `${result.throughputRps.toFixed(0)} req/s, errors ${(result.errorRate * 100).toFixed(2)}%`
  );
}
