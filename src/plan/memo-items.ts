import type { Hotspot } from '../data/stages.js';
import { draftItem, p95Criterion, type DraftItem } from './draft.js';
import { amdahlGainPct, shareAfterCut } from './expected-gain.js';
import { findingId } from './finding-ids.js';
import {
  amdahlRationale,
  hotspotEvidence,
  hotspotItemId,
  significantHotspots,
  type HotspotContext,
} from './hotspot-items.js';
import { passCriterion } from './slo-gap.js';
import { testingApproach } from './testing.js';
import { pct, slug, whereIs } from './text.js';

/**
 * A function of the service's own holding this much of the CPU time is worth a cache tried
 * first: half a day's work against the days a better algorithm takes.
 */
export const MEMO_SHARE = 0.15;

/** The cut is the cache's hit ratio: a third when few inputs repeat, most when most do. */
const MEMO_CUT = { low: 0.3, high: 0.9 };

/**
 * The quick win on a dominant function of the service's own code: cache its results for the
 * inputs it has seen. The hotspot item (a better algorithm) stays beside it for what the
 * cache leaves: misses, and inputs that never repeat.
 */
export function memoItems(ctx: HotspotContext, ids: Set<string>): DraftItem[] {
  return significantHotspots(ctx.cpu)
    .filter((h) => h.category === 'service' && h.selfShare >= MEMO_SHARE)
    .map((hotspot) => memoItem(hotspot, ctx, ids));
}

function memoItem(hotspot: Hotspot, ctx: HotspotContext, ids: Set<string>): DraftItem {
  const fn = hotspot.functionName;
  const where = whereIs(hotspot);
  const share = hotspot.selfShare;
  const gain = amdahlGainPct(share, MEMO_CUT);
  return draftItem({
    id: hotspotItemId(`memoise-${slug(fn)}`, hotspot, ids),
    title: `Cache what ${fn} computes for inputs it has already seen`,
    kind: 'cpu',
    hypothesis: `${fn} (${where}) holds ${pct(share)} of the service's active CPU time in its own code under load. If its result depends only on its arguments and on data that changes rarely, the same inputs give the same answer, and a bounded cache serves the repeats (popular items, returning users) without the work.`,
    evidence: hotspotEvidence(hotspot, ctx),
    findings: [findingId.hotspot(hotspot), ...ctx.perfMisses.map(findingId.slo)],
    steps: [
      `Check that ${fn} (${where}) is a function of its inputs: no clock, randomness or per-request state, and name the data it reads`,
      `Wrap it in a bounded cache keyed by those inputs (lru-cache with a maximum size and a TTL), and clear it when the data it reads changes`,
      "Count the cache's hits and misses, and log the hit ratio: the saving is about that ratio times the function's cost",
      'If the result does not depend on the request at all, compute it once at start (or when its data changes) instead',
      'Measure again with perf-flow (baseline and profile-analysis) under the same load',
    ],
    expectedGain: {
      latencyPctLow: gain.low,
      latencyPctHigh: gain.high,
      rationale: amdahlRationale(
        fn,
        share,
        MEMO_CUT,
        "a cache's saving is its hit ratio: a third when few inputs repeat, nine tenths when most do",
        ctx.cpu.idleShare,
      ),
    },
    effortDays: 0.5,
    risk: 'medium',
    successCriteria: [
      `${fn} below ${pct(shareAfterCut(share, MEMO_CUT.low))} of active CPU time in the next profile (now ${pct(share)})`,
      `the cache's hit ratio at ${Math.round(MEMO_CUT.low * 100)}% or more under the same load`,
      p95Criterion(ctx.baseline, gain.low),
      ...ctx.perfMisses.map(passCriterion),
    ],
    testing: testingApproach(
      `a cached answer equals a fresh call of ${fn} on recorded inputs, and after a change of the data ${fn} reads, the next answer is the fresh one (a test that writes, then reads)`,
      `the next profile-analysis shows ${fn}'s share of active CPU time, and the baseline the p95`,
      'medium',
    ),
    rollback: `Turn the cache off (keep it behind a flag); ${fn} is called as before.`,
  });
}
