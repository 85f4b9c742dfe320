import type { BaselineData, CpuAnalysis, Hotspot, SloEvaluation } from '../data/stages.js';
import { draftItem, p95Criterion, uniqueId, type DraftItem } from './draft.js';
import { amdahlGainPct, shareAfterCut } from './expected-gain.js';
import { findingId } from './finding-ids.js';
import { GC_RULE, ruleFor } from './hotspot-rules.js';
import { describeMiss, passCriterion } from './slo-gap.js';
import { testingApproach } from './testing.js';
import { ms, pct, round1, slug, whereIs } from './text.js';

/** Below 5% of CPU time a function is not worth a plan item: even removing it gains little. */
export const SIGNIFICANT_SHARE = 0.05;
export const MAX_HOTSPOT_ITEMS = 8;

export interface HotspotContext {
  cpu: CpuAnalysis;
  baseline: BaselineData | null;
  /** Missed latency and throughput SLOs: CPU items go after them, so they cite them. */
  perfMisses: SloEvaluation[];
}

export function significantHotspots(cpu: CpuAnalysis): Hotspot[] {
  return cpu.topSelf.filter((h) => h.selfShare >= SIGNIFICANT_SHARE).slice(0, MAX_HOTSPOT_ITEMS);
}

export function hotspotItems(ctx: HotspotContext, ids: Set<string>): DraftItem[] {
  return significantHotspots(ctx.cpu).map((hotspot) => hotspotItem(hotspot, ctx, ids));
}

function hotspotItem(hotspot: Hotspot, ctx: HotspotContext, ids: Set<string>): DraftItem {
  const rule = ruleFor(hotspot.category);
  const fn = hotspot.functionName;
  const where = whereIs(hotspot);
  const share = hotspot.selfShare;
  const gain = amdahlGainPct(share, rule.cut);
  return draftItem({
    id: hotspotItemId(`hotspot-${slug(hotspot.category)}-${slug(fn)}`, hotspot, ids),
    title: rule.title(fn, where, hotspot),
    kind: rule.kind,
    hypothesis: `${fn} (${where}) holds ${pct(share)} of the service's active CPU time in its own code under load (${hotspot.category}): ${rule.mechanism}.`,
    evidence: hotspotEvidence(hotspot, ctx),
    findings: [findingId.hotspot(hotspot), ...ctx.perfMisses.map(findingId.slo)],
    steps: [
      ...rule.steps(fn, where, hotspot),
      'Measure again with perf-flow (baseline and profile-analysis) under the same load',
    ],
    expectedGain: {
      latencyPctLow: gain.low,
      latencyPctHigh: gain.high,
      rationale: amdahlRationale(fn, share, rule.cut, rule.cutReason, ctx.cpu.idleShare),
    },
    effortDays: rule.effortDays,
    risk: rule.risk,
    successCriteria: [
      `${fn} below ${pct(shareAfterCut(share, rule.cut.low))} of active CPU time in the next profile (now ${pct(share)})`,
      p95Criterion(ctx.baseline, gain.low),
      ...ctx.perfMisses.map(passCriterion),
    ],
    testing: testingApproach(
      rule.behaviour(fn, where, hotspot),
      `the next profile-analysis shows ${fn}'s share of active CPU time, and the baseline the p95`,
      rule.risk,
    ),
    rollback: rule.rollback,
  });
}

/** `wanted`, or, when another function of the same name took it, `wanted` and where this one is. */
export function hotspotItemId(wanted: string, hotspot: Hotspot, ids: Set<string>): string {
  return ids.has(wanted)
    ? uniqueId(`${wanted}-${slug(whereIs(hotspot))}`, ids)
    : uniqueId(wanted, ids);
}

/** An item for allocation when the collector takes a tenth of the CPU or more. */
export function gcItem(ctx: HotspotContext, ids: Set<string>): DraftItem | null {
  const share = ctx.cpu.gcShare;
  if (share < GC_RULE.threshold) return null;
  const gain = amdahlGainPct(share, GC_RULE.cut);
  return draftItem({
    id: uniqueId('gc-allocation', ids),
    title: 'Allocate less on the request path to cut garbage collection',
    kind: GC_RULE.kind,
    hypothesis: `The garbage collector takes ${pct(share)} of active CPU time under load: requests allocate enough to keep it busy, and its pauses stop every request in flight.`,
    evidence: [
      `the garbage collector holds ${pct(share)} of active CPU time under load`,
      profileLine(ctx.cpu),
      ...ctx.perfMisses.map(describeMiss),
    ],
    findings: [findingId.gc(), ...ctx.perfMisses.map(findingId.slo)],
    steps: [...GC_RULE.steps, 'Measure again with perf-flow under the same load'],
    expectedGain: {
      latencyPctLow: gain.low,
      latencyPctHigh: gain.high,
      rationale: amdahlRationale(
        'garbage collection',
        share,
        GC_RULE.cut,
        GC_RULE.cutReason,
        ctx.cpu.idleShare,
      ),
    },
    effortDays: GC_RULE.effortDays,
    risk: GC_RULE.risk,
    successCriteria: [
      `garbage collection below ${pct(shareAfterCut(share, GC_RULE.cut.low))} of active CPU time in the next profile (now ${pct(share)})`,
      p95Criterion(ctx.baseline, gain.low),
      ...ctx.perfMisses.map(passCriterion),
    ],
    testing: testingApproach(
      GC_RULE.behaviour,
      "the next profile-analysis shows the collector's share of CPU time and its pauses by kind",
      GC_RULE.risk,
    ),
    rollback: GC_RULE.rollback,
  });
}

/** What an item on one hotspot rests on: its share, the profile, the SLOs it helps miss. */
export function hotspotEvidence(hotspot: Hotspot, ctx: HotspotContext): string[] {
  const self = hotspot.selfMs === null ? '' : ` (${ms(hotspot.selfMs)} self)`;
  return [
    `${hotspot.functionName} (${whereIs(hotspot)}) holds ${pct(hotspot.selfShare)} of active CPU time under load${self}, ${pct(hotspot.totalShare)} with its callees`,
    profileLine(ctx.cpu),
    ...ctx.perfMisses.map(describeMiss),
  ];
}

function profileLine(cpu: CpuAnalysis): string {
  const seconds = (value: number) => `${round1(value / 1000)} s`;
  const onCpu = cpu.activeMs === null ? '' : `, ${seconds(cpu.activeMs)} on CPU`;
  const over = cpu.durationMs === null ? '' : ` over ${seconds(cpu.durationMs)}`;
  return `profile: ${cpu.sampleCount} samples${onCpu}${over}, idle ${pct(cpu.idleShare)}`;
}

/**
 * The range assumes the fix removes a part of the function's cost (cut.low to cut.high) and
 * applies Amdahl's law; it is a latency cut only as far as the service is CPU-bound.
 */
export function amdahlRationale(
  what: string,
  share: number,
  cut: { low: number; high: number },
  cutReason: string,
  idleShare: number,
): string {
  const gain = amdahlGainPct(share, cut);
  const boundness =
    idleShare > 0.5
      ? `The service was idle ${pct(idleShare)} of the profiled time, so it waits more than it computes: expect the low end or less.`
      : `The service was idle ${pct(idleShare)} of the profiled time, so it is mostly CPU-bound and latency should follow CPU time.`;
  return (
    `${what} takes ${pct(share)} of active CPU time; if the fix removes ${Math.round(cut.low * 100)}-${Math.round(cut.high * 100)}% of its cost (${cutReason}), ` +
    `Amdahl's law bounds the saving at ${gain.low}-${gain.high}% of CPU time per request, and no fix can save more than ${pct(share)}. ${boundness}`
  );
}
