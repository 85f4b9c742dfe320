import type { BaselineData, CpuAnalysis, Finding, Hotspot } from '../data/stages.js';
import { draftItem, p95Criterion, uniqueId, type DraftItem } from './draft.js';
import { amdahlGainPct } from './expected-gain.js';
import { findingId } from './finding-ids.js';
import { testingApproach } from './testing.js';
import { pct, slug } from './text.js';

/**
 * A worker thread takes the whole call off the loop (the upper end); splitting it into chunks
 * that yield leaves its CPU time on the loop but lets requests in between (the lower end).
 */
const OFF_LOOP_CUT = { low: 0.5, high: 1 };

/**
 * An item per function the diagnosis names as blocking the event loop: take it off the loop.
 * The hotspot items shorten such a function; this one stops it holding every request in
 * flight while it runs, which is what its stretches cost the tail. The gain is bounded by
 * the function's share of the CPU time with its callees (Amdahl), as the profile measured it;
 * a function the profile's top list does not hold has no bound, and no item.
 */
export function blockingItems(
  diagnosis: readonly Finding[],
  cpu: CpuAnalysis | null,
  baseline: BaselineData | null,
  ids: Set<string>,
): DraftItem[] {
  if (cpu === null) return [];
  const items: DraftItem[] = [];
  for (const [index, finding] of diagnosis.entries()) {
    if (finding.kind !== 'event-loop-blocking') continue;
    const blocker = finding.functions[0];
    if (blocker === undefined) continue;
    const hotspot = cpu.topTotal.find(
      (h) =>
        h.functionName === blocker.functionName &&
        h.file === blocker.file &&
        (blocker.line === null || h.line === blocker.line),
    );
    if (hotspot === undefined) continue;
    items.push(blockingItem(finding, index, blocker, hotspot, cpu, baseline, ids));
  }
  return items;
}

function blockingItem(
  finding: Finding,
  index: number,
  blocker: Finding['functions'][number],
  hotspot: Hotspot,
  cpu: CpuAnalysis,
  baseline: BaselineData | null,
  ids: Set<string>,
): DraftItem {
  const fn = blocker.functionName;
  const where =
    blocker.file === null
      ? 'native code'
      : `${blocker.file}${blocker.line === null ? '' : `:${blocker.line}`}`;
  const share = hotspot.latencyCutBound ?? hotspot.totalShare;
  const gain = amdahlGainPct(share, OFF_LOOP_CUT);
  const selfFinding = cpuFindingOf(hotspot, cpu);
  return draftItem({
    id: uniqueId(`event-loop-${slug(fn)}`, ids),
    title: `Take ${fn} off the event loop`,
    kind: 'cpu',
    hypothesis: `${fn} (${where}) runs ${blocker.figure} without yielding: while it runs, every request in flight waits, whatever it asked for. Run elsewhere or in pieces, it would stop holding them.`,
    evidence: [finding.summary, ...finding.evidence],
    findings: [findingId.diagnosis(index, finding), ...(selfFinding ? [selfFinding] : [])],
    steps: [
      `Move ${fn} into a worker thread (node:worker_threads, or a pool such as piscina) and await its result, so the loop serves other requests meanwhile`,
      `Or split it into chunks that yield between them (await new Promise(setImmediate)), if its work can be cut into independent parts`,
      `If its result depends on rarely changing data, compute it ahead of the request (at start, or when the data changes) instead`,
      'Measure again with perf-flow (profile-analysis): the event-loop delay p99 and the blocking stretches',
    ],
    expectedGain: {
      latencyPctLow: gain.low,
      latencyPctHigh: gain.high,
      rationale: `${fn} with its callees takes ${pct(share)} of the request time on CPU (Amdahl's bound). Off the loop (a worker thread) its time leaves the requests it held; in chunks, only its stretches do, about half of it. Tail latency (p99) gains more than the average.`,
    },
    effortDays: 2,
    risk: 'medium',
    successCriteria: [
      `no stretch of ${fn} of 50 ms or more in the next profile (now ${blocker.figure})`,
      'event-loop delay p99 below 50 ms under the same load',
      p95Criterion(baseline, gain.low),
    ],
    testing: testingApproach(
      `${fn} run off the loop returns the same results as run inline (a test calling both on recorded inputs), and an error inside it still reaches the request as before`,
      "the next profile-analysis shows the blocking stretches and the event-loop delay's p99",
      'medium',
    ),
    rollback: `Call ${fn} synchronously again (keep the worker behind a flag until it has run under load).`,
  });
}

/** The hotspot finding of the function, when it is among the top functions by own time. */
function cpuFindingOf(hotspot: Hotspot, cpu: CpuAnalysis): string | null {
  const id = findingId.hotspot(hotspot);
  return cpu.topSelf.some((h) => findingId.hotspot(h) === id) ? id : null;
}
