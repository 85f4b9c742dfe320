import type {
  CpuAnalysis,
  DatabaseAnalysisData,
  Finding,
  PlanFinding,
  PlanItem,
  SloEvaluation,
} from '../data/stages.js';
import { amdahlCeilingPct } from './expected-gain.js';
import { findingId } from './finding-ids.js';
import type { LoadTestFinding } from './load-test-findings.js';
import { describeMiss, isMissed } from './slo-gap.js';
import { pct, whereIs } from './text.js';

export interface FindingSources {
  cpu: CpuAnalysis | null;
  database: DatabaseAnalysisData | null;
  sloEvaluations: readonly SloEvaluation[];
  diagnosis: readonly Finding[];
  /** The load test's findings (load-test-findings.ts), when one ran on this commit. */
  loadTest?: readonly LoadTestFinding[];
}

// More hotspots than the rules plan (8): a refinement may act on one the rules left out,
// and each still carries its own Amdahl bound.
export const MAX_HOTSPOT_FINDINGS = 12;
const MAX_STATEMENT_FINDINGS = 5;

/**
 * Every finding plan items may cite, with the most an item citing it may promise. Hotspots
 * and GC are bounded by Amdahl (their share of CPU time); database findings by the estimate
 * of the rule-based item built on them, the bound that item carries; SLO misses and the
 * diagnosis and the load test's findings bound nothing: they say where to look, not how much
 * a fix can take off.
 */
export function collectFindings(
  sources: FindingSources,
  items: readonly Pick<PlanItem, 'findings' | 'expectedGain'>[],
): PlanFinding[] {
  const found = new Map<string, PlanFinding>();
  const add = (finding: PlanFinding) => {
    if (!found.has(finding.id)) found.set(finding.id, finding);
  };
  const carried = (id: string): number | null => {
    const highs = items
      .filter((item) => item.findings?.includes(id))
      .map((item) => item.expectedGain.latencyPctHigh);
    return highs.length === 0 ? null : Math.min(100, Math.max(...highs));
  };

  const { cpu, database } = sources;
  for (const h of cpu?.topSelf.slice(0, MAX_HOTSPOT_FINDINGS) ?? []) {
    add({
      id: findingId.hotspot(h),
      kind: 'hotspot',
      summary: `${h.functionName || '(anonymous)'} (${whereIs(h)}, ${h.category}) holds ${pct(h.selfShare)} of active CPU time in its own code, ${pct(h.totalShare)} with its callees`,
      gainBoundPct: amdahlCeilingPct(h.selfShare),
    });
  }
  if (cpu !== null && cpu.gcShare > 0) {
    add({
      id: findingId.gc(),
      kind: 'gc',
      summary: `the garbage collector holds ${pct(cpu.gcShare)} of active CPU time`,
      gainBoundPct: amdahlCeilingPct(cpu.gcShare),
    });
  }
  for (const [index, f] of database?.findings.entries() ?? []) {
    const id = findingId.database(index, f);
    add({ id, kind: 'database', summary: f.summary, gainBoundPct: carried(id) });
  }
  for (const [index, top] of database?.top.slice(0, MAX_STATEMENT_FINDINGS).entries() ?? []) {
    const id = findingId.statement(index);
    add({
      id,
      kind: 'statement',
      summary: `"${top.text}" takes ${pct(top.share)} of the database's time under load`,
      gainBoundPct: carried(id),
    });
  }
  for (const slo of sources.sloEvaluations.filter(isMissed)) {
    add({
      id: findingId.slo(slo),
      kind: 'slo-miss',
      summary: describeMiss(slo),
      gainBoundPct: null,
    });
  }
  for (const [index, f] of sources.diagnosis.entries()) {
    if (f.kind === 'nothing-found') continue;
    add({
      id: findingId.diagnosis(index, f),
      kind: 'diagnosis',
      summary: `${f.summary} (confidence ${f.confidence})`,
      gainBoundPct: null,
    });
  }
  for (const f of sources.loadTest ?? []) {
    add({ id: f.id, kind: 'load-test', summary: f.summary, gainBoundPct: null });
  }
  return [...found.values()];
}

/**
 * The most an item citing these findings may promise: the sum of their bounds (the shares of
 * distinct functions add up; no fix saves more than all of them), at most 100. Zero when none
 * of them bounds a gain.
 */
export function gainBoundOf(ids: readonly string[], findings: readonly PlanFinding[]): number {
  let sum = 0;
  for (const id of new Set(ids)) sum += findings.find((f) => f.id === id)?.gainBoundPct ?? 0;
  return Math.min(100, Math.round(sum * 10) / 10);
}
