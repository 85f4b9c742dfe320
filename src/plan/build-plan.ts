import type { PlanConfig } from '../config/types.js';
import type { GuidanceData } from '../data/common.js';
import type {
  BaselineData,
  CpuAnalysis,
  DatabaseAnalysisData,
  Finding,
  LoadTestData,
  RuntimeSummary,
  PlanFinding,
  PlanItem,
  SloEvaluation,
} from '../data/stages.js';
import { databaseItems } from './database-items.js';
import type { DraftItem } from './draft.js';
import { collectFindings } from './findings.js';
import { applyFocus, applyTargets, knownFocus } from './focus.js';
import { GC_RULE } from './hotspot-rules.js';
import { applyScope } from './scope.js';
import { applyTrigger } from './trigger.js';
import { blockingItems } from './blocking-items.js';
import { gcItem, hotspotItems, MAX_HOTSPOT_ITEMS, SIGNIFICANT_SHARE } from './hotspot-items.js';
import { loadTestFindings } from './load-test-findings.js';
import { loadTestItems } from './load-test-items.js';
import { memoItems } from './memo-items.js';
import { runtimeItems } from './runtime-items.js';
import { concernOf, isMissed } from './slo-gap.js';
import { errorItem, investigationItem } from './slo-items.js';
import { ms, pct, round1 } from './text.js';

export interface PlanInput {
  cpu: CpuAnalysis | null;
  baseline: BaselineData | null;
  sloEvaluations: SloEvaluation[];
  guidance: GuidanceData;
  /** The database analysis under the profile's load, when there was one. */
  database?: DatabaseAnalysisData | null;
  /** perf-flow.yml's plan section (depth, risk tolerance); absent: every item, by ROI. */
  scope?: PlanConfig;
  /** The profile's diagnosis: findings items may cite, though no rule acts on them alone. */
  diagnosis?: Finding[];
  /** The load test of the same commit and config, when it ran before the plan. */
  loadTest?: LoadTestData | null;
  /** The probe's runtime figures under the profile's load (heap, GC, event loop). */
  runtime?: RuntimeSummary | null;
}

export interface Plan {
  items: PlanItem[];
  /** What the plan rests on and what it could not use. */
  inputs: string[];
  /** What items cite, by id. */
  findings: PlanFinding[];
}

/** The optimization plan, ranked by ROI. Pure and deterministic: same input, same plan. */
export function buildPlan(input: PlanInput): Plan {
  const { cpu, baseline, guidance } = input;
  const ids = new Set<string>();
  const missed = input.sloEvaluations.filter(isMissed);
  const perfMisses = missed.filter((slo) => {
    const concern = concernOf(slo.sli);
    return concern === 'latency' || concern === 'throughput';
  });

  const cpuItems: DraftItem[] = [];
  if (cpu !== null) {
    const ctx = { cpu, baseline, perfMisses };
    cpuItems.push(...hotspotItems(ctx, ids), ...memoItems(ctx, ids));
    const gc = gcItem(ctx, ids);
    if (gc !== null) cpuItems.push(gc);
    cpuItems.push(...blockingItems(input.diagnosis ?? [], cpu, baseline, ids));
  }
  const dbItems = databaseItems(input.database ?? null, baseline, ids);
  const loadFindings = input.loadTest ? loadTestFindings(input.loadTest) : [];
  const runtime = runtimeItems(
    input.diagnosis ?? [],
    loadFindings,
    { cpu, baseline, database: input.database ?? null, runtime: input.runtime ?? null },
    ids,
  );
  const underLoad = input.loadTest
    ? loadTestItems(loadFindings, { loadTest: input.loadTest, cpu, baseline }, ids)
    : [];
  // CPU, database and runtime items cite or explain the missed latency and throughput SLOs;
  // only without them does a miss need an item of its own.
  const investigations =
    cpuItems.length + dbItems.length + runtime.length > 0
      ? []
      : perfMisses.map((slo) => investigationItem(slo, { cpu, baseline }, ids));
  const errors = groupByJourney(missed.filter((slo) => concernOf(slo.sli) === 'errors')).map(
    ([journey, slos]) => errorItem(journey, slos, baseline, ids),
  );

  // The trigger sets what the ranking counts; the focus areas then raise what they serve.
  const triggered = applyTrigger(
    [...cpuItems, ...dbItems, ...runtime, ...underLoad, ...investigations, ...errors],
    guidance.trigger,
  );
  const drafts = applyTargets(applyFocus(triggered.items, guidance.focus), guidance.targets);
  const scoped = input.scope ? applyScope(drafts, input.scope) : { items: drafts, notes: [] };
  const items = rank(scoped.items);
  const findings = collectFindings(
    {
      cpu,
      database: input.database ?? null,
      sloEvaluations: input.sloEvaluations,
      diagnosis: input.diagnosis ?? [],
      loadTest: loadFindings,
    },
    // Before the scope: a finding keeps the bound of an item the scope left out.
    drafts,
  );
  const inputs = [
    ...describeInputs(input, cpuItems.length),
    ...(input.loadTest
      ? [
          `load test (${input.loadTest.scenarios.join(', ')}): ${loadFindings.length} finding(s)${loadFindings.length === 0 ? '' : `: ${loadFindings.map((f) => f.kind).join(', ')}`}`,
        ]
      : []),
    ...(triggered.note === null ? [] : [triggered.note]),
    ...scoped.notes,
  ];
  return { items, inputs, findings };
}

/** ROI descending; equal ROI by id, so the order never depends on input order. */
export function rank(items: DraftItem[]): PlanItem[] {
  return [...items]
    .sort((a, b) => b.roi - a.roi || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((item, i) => ({ ...item, rank: i + 1 }));
}

function groupByJourney(slos: SloEvaluation[]): Array<[string | undefined, SloEvaluation[]]> {
  const groups = new Map<string | undefined, SloEvaluation[]>();
  for (const slo of slos) groups.set(slo.journey, [...(groups.get(slo.journey) ?? []), slo]);
  return [...groups.entries()];
}

function describeInputs(input: PlanInput, cpuItemCount: number): string[] {
  const { cpu, baseline, sloEvaluations, guidance } = input;
  const lines: string[] = [];
  if (cpu === null) {
    lines.push('no CPU profile: hotspot rules not applied');
  } else {
    lines.push(
      `CPU profile: ${cpu.profileFiles.length} file(s), ${cpu.sampleCount} samples${cpu.activeMs === null ? '' : `, ${round1(cpu.activeMs / 1000)} s on CPU`}, idle ${pct(cpu.idleShare)}`,
    );
    const significant = cpu.topSelf.filter((h) => h.selfShare >= SIGNIFICANT_SHARE).length;
    lines.push(
      significant === 0
        ? `no function holds ${pct(SIGNIFICANT_SHARE)} or more of active CPU time: no hotspot items`
        : `hotspot rules applied to ${Math.min(significant, MAX_HOTSPOT_ITEMS)} function(s) at or above ${pct(SIGNIFICANT_SHARE)} of active CPU time`,
    );
    if (significant > MAX_HOTSPOT_ITEMS) {
      lines.push(
        `${significant - MAX_HOTSPOT_ITEMS} further hotspot(s) left out: at most ${MAX_HOTSPOT_ITEMS} are planned`,
      );
    }
    lines.push(
      cpu.gcShare >= GC_RULE.threshold
        ? `garbage collection at ${pct(cpu.gcShare)} of active CPU time: allocation item added`
        : `garbage collection at ${pct(cpu.gcShare)} of active CPU time: below ${pct(GC_RULE.threshold)}, no allocation item`,
    );
    if (cpu.programShare >= 0.2) {
      lines.push(
        `(program) holds ${pct(cpu.programShare)} of active CPU time: native code the profile cannot attribute to functions`,
      );
    }
  }
  lines.push(
    baseline === null
      ? 'no baseline: success criteria state relative changes only, and error items lack status codes'
      : `baseline: ${baseline.journeys.length} journey(s), overall p95 ${ms(baseline.overall.latency.p95)} at ${round1(baseline.overall.throughputRps)} rps`,
  );
  if (sloEvaluations.length === 0) {
    lines.push('no SLO evaluations: SLO rules not applied');
  } else {
    const count = (status: SloEvaluation['status']) =>
      sloEvaluations.filter((s) => s.status === status).length;
    lines.push(
      `SLO evaluations: ${sloEvaluations.length} (${count('fail')} failing, ${count('warning')} in warning, ${count('inconclusive')} inconclusive)`,
    );
    if (count('inconclusive') > 0)
      lines.push('inconclusive SLOs are not planned for: measure them first');
    const perfMissed = sloEvaluations.filter(
      (s) => isMissed(s) && concernOf(s.sli) !== 'errors' && concernOf(s.sli) !== null,
    );
    if (perfMissed.length > 0 && cpuItemCount > 0) {
      lines.push(
        `missed latency/throughput SLOs are cited by the ${cpuItemCount} CPU item(s) rather than planned separately`,
      );
    }
  }
  const db = input.database ?? null;
  if (db === null || db === undefined) {
    lines.push('no database analysis: database rules not applied');
  } else {
    lines.push(
      `database analysis (${db.status}) of ${db.target}: ${db.findings.length} finding(s)` +
        (db.missing.length > 0 ? `; lacking: ${db.missing.join('; ')}` : ''),
    );
  }
  const focus = knownFocus(guidance.focus);
  lines.push(
    focus.length === 0
      ? 'no guidance focus: items ranked by ROI alone'
      : `guidance focus: ${focus.join(', ')}`,
  );
  for (const area of guidance.focus.filter((f) => !(focus as string[]).includes(f))) {
    lines.push(`guidance focus "${area}" is not a known focus area: ignored`);
  }
  if (focus.includes('frontend')) {
    lines.push(
      'guidance focus frontend: perf-flow measures the HTTP service, no rule addresses frontend performance',
    );
  }
  if (guidance.targets.length > 0)
    lines.push(`guidance targets in success criteria: ${guidance.targets.join('; ')}`);
  return lines;
}
